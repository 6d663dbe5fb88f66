package io.switchboard.conference.sip;

import gov.nist.javax.sip.message.SIPMessage;
import io.switchboard.conference.domain.Actor;
import io.switchboard.conference.domain.Joiner;
import io.switchboard.conference.domain.JoinerKind;
import io.switchboard.conference.domain.Participant;
import io.switchboard.conference.domain.Roster;
import io.switchboard.conference.entity.ConferenceEntity;
import io.switchboard.conference.entity.Conferences;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.sip.ClientTransaction;
import javax.sip.ServerTransaction;
import javax.sip.address.SipURI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dial-out by REFER (RFC 4579 section 5.5, RFC 3515): a presenter in the conference sends REFER to
 * the focus in its dialog with {@code Refer-To: <sip:carol@example.test>} (no {@code method}, or
 * {@code method=INVITE}), and the focus calls Carol into the conference.
 *
 * <ol>
 *   <li>Carol must be a user of one of our domains (403 otherwise: the focus places calls only to
 *       users this pool serves, README "Who is trusted for what"); the referrer a non-anonymous
 *       participant, connected (403).</li>
 *   <li>The entity decides ({@code DialOut}: a presenter or the organizer, lock, limit, as a join;
 *       its refusal is the REFER's answer) and stores Carol's leg {@code dialing-out} before the
 *       {@code 202}; then a NOTIFY {@code SIP/2.0 100 Trying} (RFC 3515 section 2.4.5).</li>
 *   <li>Carol's registered bindings (our users only; a TCP/TLS binding only when this node holds
 *       its flow) are rung at once with one INVITE each (same Call-ID, the leg id; parallel forking
 *       as call park's ring-back does, RFC 3261 section 16.7 "first 2xx wins"): no SDP offer (RFC
 *       3264 section 4, the offer comes in her 2xx), {@code Contact: <conference URI;isfocus>} and
 *       this node's Record-Route, so her requests reach the conference as a participant's do. The
 *       first 2xx wins, the other branches get CANCEL (a late 2xx is ACKed and ended with BYE).
 *       Nobody answering in 30 s ({@link #NO_ANSWER}): CANCEL, {@code 408}. The forking is
 *       {@link io.switchboard.sip.routing.ParallelFork}, shared with call park's ring-back.</li>
 *   <li>Her offer goes to the conference's mixer in a new mixer dialog ({@link MixerLegs}); the
 *       mixer's answer goes in our ACK to her. Then the entity marks her leg {@code connected}
 *       ({@code DialOutAnswered}), the leg's dialogs are stored ({@link DialogRecords}) and the
 *       referrer gets {@code SIP/2.0 200 OK} with {@code Subscription-State: terminated}.</li>
 *   <li>Any failure (no binding 480, her refusal, no answer, the mixer's failure 503) takes her
 *       leg out of the roster, then the last NOTIFY names the status.</li>
 * </ol>
 *
 * From then on her leg is one of the focus's legs like any joined one: BYE either way, re-INVITEs,
 * mixer moves, eject, end and takeover after a node's death.
 */
final class DialOut {

    private static final Logger LOG = LoggerFactory.getLogger(DialOut.class);

    /** How long the callee's phones ring before the focus gives up (CANCEL, 408 to the referrer). */
    static final java.time.Duration NO_ANSWER = java.time.Duration.ofSeconds(30);
    /** The REFER's implicit subscription while the call is under way (RFC 3515 section 2.4.4). */
    static final int SUBSCRIPTION_S = 60;

    /** One dial-out under way. */
    static final class Call {
        final FocusLeg referrer;
        final long referSeq;
        final String conferenceId;
        final String conferenceUri;
        final DialogSide dialog;
        volatile io.switchboard.sip.routing.ParallelFork fork;

        Call(FocusLeg referrer, long referSeq, DialogSide dialog) {
            this.referrer = referrer;
            this.referSeq = referSeq;
            this.conferenceId = referrer.conferenceId;
            this.conferenceUri = referrer.conferenceUri;
            this.dialog = dialog;
        }
    }

    private final Signalling sip;
    private final Conferences conferences;
    private final Set<String> domains;
    private final MixerLegs mixers;
    private final Map<String, FocusLeg> legs;
    private final ScheduledExecutorService timer;
    private final BiConsumer<String, Roster> rosterSeen;
    /** Connected legs are stored through this, as joined ones are. */
    private final Function<FocusLeg, CompletionStage<Void>> save;
    /** Ends a connected leg from our side (BYE to both) and takes it out of the roster. */
    private final Consumer<FocusLeg> hangUp;
    /** Takes a leg id out of the roster (retrying while the entity restarts), then runs the callback. */
    private final BiConsumer<FocusLeg, Runnable> leave;

    /** Told {@link FocusSip#DIALED_OUT} and {@link FocusSip#DIAL_OUT_FAILED}, for the node's metrics. */
    private final Consumer<String> counted;

    private volatile Function<String, CompletionStage<List<FocusSip.DialTarget>>> targets;

    DialOut(
            Signalling sip,
            Conferences conferences,
            Set<String> domains,
            MixerLegs mixers,
            Map<String, FocusLeg> legs,
            ScheduledExecutorService timer,
            BiConsumer<String, Roster> rosterSeen,
            Function<FocusLeg, CompletionStage<Void>> save,
            Consumer<FocusLeg> hangUp,
            BiConsumer<FocusLeg, Runnable> leave,
            Consumer<String> counted) {
        this.sip = sip;
        this.conferences = conferences;
        this.domains = domains;
        this.mixers = mixers;
        this.legs = legs;
        this.timer = timer;
        this.rosterSeen = rosterSeen;
        this.save = save;
        this.hangUp = hangUp;
        this.leave = leave;
        this.counted = counted;
    }

    /** Where a user's registered contacts are found (the registrar's bindings); without it dial-out is 501. */
    void targets(Function<String, CompletionStage<List<FocusSip.DialTarget>>> lookup) {
        this.targets = lookup;
    }

    /** The REFER {@code refer} in {@code from}'s dialog asks the focus to call {@code callee}. */
    void refer(ServerTransaction tx, Request refer, FocusLeg from, SipURI callee) {
        Function<String, CompletionStage<List<FocusSip.DialTarget>>> lookup = targets;
        if (lookup == null || !mixers.configured()) {
            sip.answer(tx, Response.NOT_IMPLEMENTED, "Dial-out is not available on this node");
            return;
        }
        String calleeUri = FocusRefers.userOf(callee);
        if (callee.getUser() == null || domains.stream().noneMatch(callee.getHost()::equalsIgnoreCase)) {
            sip.answer(tx, Response.FORBIDDEN, "Dial-out reaches only users of this domain");
            return;
        }
        long referSeq = ((CSeqHeader) refer.getHeader(CSeqHeader.NAME)).getSeqNumber();
        conferences
                .<ConferenceEntity.StateReply>ask(from.conferenceId, ConferenceEntity.GetConference::new)
                .whenComplete((state, failure) -> {
                    Optional<Roster> roster = state instanceof ConferenceEntity.Current c
                            ? c.state().map(s -> s.roster())
                            : Optional.empty();
                    if (failure != null || state instanceof ConferenceEntity.Unavailable) {
                        sip.answer(tx, Response.SERVICE_UNAVAILABLE, "Conference service unavailable, try again");
                        return;
                    }
                    Participant referrer =
                            roster.map(r -> r.participants().get(from.legId)).orElse(null);
                    if (roster.isEmpty() || roster.get().ended()) {
                        sip.answer(tx, Response.NOT_FOUND, "Conference not found");
                    } else if (referrer == null || !referrer.connected() || referrer.kind() == JoinerKind.ANONYMOUS) {
                        // an anonymous participant's address is whatever it claimed: never an actor
                        sip.answer(tx, Response.FORBIDDEN, "Only presenters may dial out");
                    } else {
                        decide(tx, from, referSeq, new Actor.User(referrer.uri()), calleeUri, lookup);
                    }
                });
    }

    private void decide(
            ServerTransaction tx,
            FocusLeg from,
            long referSeq,
            Actor actor,
            String calleeUri,
            Function<String, CompletionStage<List<FocusSip.DialTarget>>> lookup) {
        String legId = ((CallIdHeader) sip.provider.getNewCallId()).getCallId();
        DialogSide d = DialogSide.uac(legId, Signalling.newTag(), from.conferenceUri, calleeUri);
        conferences
                .<ConferenceEntity.JoinReply>ask(
                        from.conferenceId,
                        r -> new ConferenceEntity.DialOut(actor, legId, Joiner.ourUser(calleeUri), r))
                .whenComplete((reply, failure) -> {
                    if (reply instanceof ConferenceEntity.Admitted admitted) {
                        rosterSeen.accept(from.conferenceId, admitted.roster());
                        sip.answer(tx, Response.ACCEPTED, null);
                        Call call = new Call(from, referSeq, d);
                        notifyReferrer(call, "SIP/2.0 100 Trying", false);
                        lookup.apply(calleeUri)
                                .whenComplete((found, f) -> ring(call, f != null || found == null ? List.of() : found));
                    } else if (reply instanceof ConferenceEntity.JoinRefused refused) {
                        sip.answer(tx, refused.status(), refused.reason());
                    } else {
                        LOG.info(
                                "Dial-out in conference {} not decided: {}",
                                from.conferenceId,
                                failure != null ? failure : reply);
                        sip.answer(tx, Response.SERVICE_UNAVAILABLE, "Conference service unavailable, try again");
                    }
                });
    }

    private void ring(Call call, List<FocusSip.DialTarget> found) {
        List<Request> invites = new ArrayList<>();
        for (FocusSip.DialTarget t : found) {
            try {
                invites.add(invite(call, t));
            } catch (Exception e) {
                LOG.info("Dial-out INVITE to {} not made: {}", t.requestUri(), e.toString());
            }
        }
        if (invites.isEmpty()) {
            failed(call, Response.TEMPORARILY_UNAVAILABLE, "Temporarily Unavailable");
            return;
        }
        call.fork = new io.switchboard.sip.routing.ParallelFork(
                sip.provider, new io.switchboard.sip.routing.ParallelFork.Listener() {
                    @Override
                    public void answered(ClientTransaction branch, Response ok) {
                        DialOut.this.answered(call, ok);
                    }

                    @Override
                    public void answeredLate(ClientTransaction branch, Response ok) {
                        answeredTooLate(call, ok);
                    }

                    @Override
                    public void answeredAgain(ClientTransaction branch, Response ok) {
                        ackAgain(call);
                    }

                    @Override
                    public void notAnswered(Response best) {
                        failed(
                                call,
                                best == null ? Response.REQUEST_TIMEOUT : best.getStatusCode(),
                                best == null ? "Request Timeout" : best.getReasonPhrase());
                    }
                });
        call.fork.start(invites, NO_ANSWER, timer);
    }

    /** An INVITE without SDP to one of the callee's contacts, in the leg's dialog (CSeq 1 on every branch). */
    private Request invite(Call call, FocusSip.DialTarget t) throws Exception {
        Request invite = sip.inDialog(call.dialog, Request.INVITE, 1, "<" + call.conferenceUri + ";isfocus>");
        invite.setRequestURI(sip.addresses.createURI(t.requestUri()));
        call.dialog.cseq.set(2);
        invite.addHeader(sip.headers.createAllowHeader(FocusSip.ALLOW));
        invite.addHeader(sip.headers.createSubjectHeader("Conference call"));
        // as the proxy in front of our own focus: the callee's requests come back through this node (or the pool name)
        invite.addHeader(sip.recordRoute(invite));
        if (t.hop() != null) {
            ((SIPMessage) invite).setApplicationData(t.hop()); // ProxyRouter: to the binding's flow
            ViaHeader via = (ViaHeader) invite.getHeader(ViaHeader.NAME);
            String transport = t.hop().transport().toLowerCase(Locale.ROOT);
            via.setTransport(transport);
            via.setPort(sip.identity.port(transport));
        }
        return invite;
    }

    /** Her 2xx again (our ACK was lost, RFC 3261 section 13.2.2.4): the ACK again, once it exists. */
    private void ackAgain(Call call) {
        FocusLeg leg = legs.get(call.dialog.callId);
        Request ack = leg == null ? null : leg.reinviteAck;
        if (ack != null) {
            try {
                sip.sendStateless((Request) ack.clone());
            } catch (Exception e) {
                LOG.debug("ACK to dialed-out {} not resent: {}", call.dialog.callId, e.toString());
            }
        }
    }

    /** Another branch won (or the ringing was given up): ACK and BYE this one (RFC 3261 section 15). */
    private void answeredTooLate(Call call, Response ok) {
        try {
            DialogSide other =
                    DialogSide.uac(call.dialog.callId, call.dialog.localTag, call.conferenceUri, call.dialog.remoteUri);
            other.confirm(ok);
            other.routeSet = withoutOurs(other.routeSet, ok);
            other.cseq.set(2);
            sip.sendStateless(sip.inDialog(other, Request.ACK, 1, null));
            sip.send(sip.inDialog(other, Request.BYE, null), r -> {});
        } catch (Exception e) {
            LOG.info("Late answer to dial-out {} not ended: {}", call.dialog.callId, e.toString());
        }
    }

    /**
     * The callee answered with her offer: it goes to the conference's mixer, the mixer's answer in
     * our ACK; then her leg is connected in the roster, stored, and the referrer hears 200.
     */
    private void answered(Call call, Response ok) {
        DialogSide d = call.dialog;
        d.confirm(ok);
        d.routeSet = withoutOurs(d.routeSet, ok);
        ViaHeader via = (ViaHeader) ok.getHeader(ViaHeader.NAME);
        FocusLeg leg = new FocusLeg(
                call.conferenceId,
                call.conferenceUri,
                d,
                via == null ? "udp" : via.getTransport().toLowerCase(Locale.ROOT));
        byte[] offer = ok.getRawContent();
        if (offer == null || offer.length == 0) {
            // RFC 3264 section 4: a 2xx to an offerless INVITE must carry the offer
            ackAndBye(leg, null);
            failed(call, Response.NOT_ACCEPTABLE_HERE, "Not Acceptable Here");
            return;
        }
        leg.offer = offer;
        legs.put(leg.legId, leg); // her 2xx retransmissions and requests are ours from now on
        mixers.connect(leg, outcome -> {
            if (!(outcome instanceof MixerLegs.Outcome.Answered a)) {
                legs.remove(leg.legId, leg);
                ackAndBye(leg, null);
                failed(call, Response.SERVICE_UNAVAILABLE, ((MixerLegs.Outcome.Failed) outcome).reason());
                return;
            }
            mixers.attach(a.dialog());
            leg.sentSdp = a.sdp();
            if (!ack(leg, a.sdp())) {
                mixers.bye(leg);
                legs.remove(leg.legId, leg);
                failed(call, Response.SERVICE_UNAVAILABLE, "Service Unavailable");
                return;
            }
            conferences
                    .<ConferenceEntity.ChangeReply>ask(
                            call.conferenceId, r -> new ConferenceEntity.DialOutAnswered(leg.legId, r))
                    .whenComplete((reply, failure) -> {
                        if (reply instanceof ConferenceEntity.Done done && leg.move(FocusLeg.State.CONNECTED)) {
                            leg.knownVersion = done.roster().version();
                            rosterSeen.accept(call.conferenceId, done.roster());
                            // her dialogs stored as a joined leg's are (item 6), then the referrer is told
                            save.apply(leg).whenComplete((v, f) -> {
                                if (f != null) {
                                    LOG.warn("Dialed-out leg {} not stored: {}", leg.legId, f.toString());
                                }
                                counted.accept(FocusSip.DIALED_OUT);
                                notifyReferrer(call, "SIP/2.0 200 OK", true);
                            });
                        } else {
                            // ejected or ended while she was called, or the entity did not answer
                            LOG.info(
                                    "Dialed-out leg {} of conference {} not connected: {}",
                                    leg.legId,
                                    call.conferenceId,
                                    failure != null ? failure : reply);
                            hangUp.accept(leg);
                            counted.accept(FocusSip.DIAL_OUT_FAILED);
                            int status = reply instanceof ConferenceEntity.ChangeRefused r
                                    ? r.status()
                                    : Response.SERVICE_UNAVAILABLE;
                            notifyReferrer(call, "SIP/2.0 " + status + " " + phrase(status), true);
                        }
                    });
        });
    }

    /** Our ACK of her 2xx, carrying {@code answer} (RFC 3264 section 4); kept to resend when her 2xx is retransmitted. */
    private boolean ack(FocusLeg leg, byte[] answer) {
        try {
            Request ack = sip.inDialog(leg.participant, Request.ACK, 1, null);
            if (answer != null) {
                ack.setContent(answer, sip.headers.createContentTypeHeader("application", "sdp"));
            }
            leg.reinviteAck = ack; // FocusSip.onResponse sends it again for a retransmitted 2xx of CSeq 1
            sip.sendStateless(ack);
            return true;
        } catch (Exception e) {
            LOG.info("ACK to dialed-out {} not sent: {}", leg.legId, e.toString());
            return false;
        }
    }

    private void ackAndBye(FocusLeg leg, byte[] answer) {
        ack(leg, answer);
        leg.end();
        try {
            sip.send(sip.inDialog(leg.participant, Request.BYE, null), r -> {});
        } catch (Exception e) {
            LOG.info("BYE to dialed-out {} not sent: {}", leg.legId, e.toString());
        }
    }

    /** The call did not come about: her leg leaves the roster, then the referrer hears {@code status}. */
    private void failed(Call call, int status, String reason) {
        LOG.info("Dial-out {} in conference {}: {} {}", call.dialog.callId, call.conferenceId, status, reason);
        counted.accept(FocusSip.DIAL_OUT_FAILED);
        FocusLeg gone = new FocusLeg(call.conferenceId, call.conferenceUri, call.dialog, "udp");
        leave.accept(gone, () -> notifyReferrer(call, "SIP/2.0 " + status + " " + phrase(reason, status), true));
    }

    private static String phrase(String reason, int status) {
        return reason == null || reason.isBlank() || reason.indexOf('\r') >= 0 || reason.indexOf('\n') >= 0
                ? phrase(status)
                : reason;
    }

    private static String phrase(int status) {
        return switch (status) {
            case Response.NOT_FOUND -> "Not Found";
            case Response.FORBIDDEN -> "Forbidden";
            case Response.REQUEST_TIMEOUT -> "Request Timeout";
            case Response.TEMPORARILY_UNAVAILABLE -> "Temporarily Unavailable";
            default -> "Service Unavailable";
        };
    }

    /**
     * RFC 3515 section 2.4.4: the REFER's implicit subscription gets the progress as a {@code
     * message/sipfrag}, {@code id} the REFER's CSeq (section 2.4.6); the final one ends it (section
     * 2.4.7).
     */
    void notifyReferrer(Call call, String statusLine, boolean last) {
        FocusRefers.notifyReferrer(sip, call.referrer, call.referSeq, statusLine, last ? 0 : SUBSCRIPTION_S);
    }

    /**
     * Her 2xx echoes the Record-Route we put in our INVITE: as its UAC behind our own proxy, our
     * route set starts after it (else our requests to her would be routed to ourselves).
     */
    private List<String> withoutOurs(List<String> routeSet, Response ok) {
        if (routeSet.isEmpty()) {
            return routeSet;
        }
        List<String> kept = new ArrayList<>(routeSet);
        String first = kept.get(0);
        if (first.contains(";" + io.switchboard.sip.routing.RecordRouteSigner.PARAMETER + "=")) {
            kept.remove(0); // the first hop from us is our own Record-Route
        }
        return List.copyOf(kept);
    }
}

package io.switchboard.conference.sip;

import io.switchboard.conference.domain.Actor;
import io.switchboard.conference.domain.JoinerKind;
import io.switchboard.conference.domain.Participant;
import io.switchboard.conference.domain.Roster;
import io.switchboard.conference.entity.ConferenceEntity;
import io.switchboard.conference.entity.Conferences;
import io.switchboard.conference.store.ConferenceStore;
import java.util.List;
import java.util.ListIterator;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import javax.sip.ServerTransaction;
import javax.sip.address.SipURI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.ReferToHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * REFER from a participant to the focus inside its dialog (RFC 4579 section 5.5, RFC 3515).
 *
 * <ul>
 *   <li><b>Eject</b>: {@code Refer-To: <sip:bob@example.test;method=BYE>} removes every leg of that
 *       user from the conference. Who asks is the participant as the roster has it (authenticated
 *       at its join, never its From), under the entity's rules (the organizer or a connected
 *       presenter; an anonymous participant may eject nobody). Stored first; then {@code 202}
 *       and a NOTIFY of the outcome ({@code message/sipfrag} {@code SIP/2.0 200 OK}, the implicit
 *       subscription terminated); the node holding the ejected call sends its BYE as for an eject
 *       by an operator. A user with no leg: {@code 404}; refused by role: the entity's answer
 *       ({@code 403}).</li>
 *   <li><b>Dial-out</b>: a Refer-To without {@code method}, or with {@code method=INVITE}: {@link
 *       DialOut}. Any other method: {@code 501}, nothing stored.</li>
 *   <li>Not exactly one Refer-To, or one that is not a {@code sip:}/{@code sips:} URI: {@code 400}
 *       (RFC 3515 section 2.4.1), nothing stored.</li>
 * </ul>
 */
final class FocusRefers {

    private static final Logger LOG = LoggerFactory.getLogger(FocusRefers.class);

    private final Signalling sip;
    private final Conferences conferences;
    /** Hands a roster this node changed to its conference-info subscriptions at once. */
    private final BiConsumer<String, Roster> rosterSeen;

    private final DialOut dialOut;

    FocusRefers(Signalling sip, Conferences conferences, BiConsumer<String, Roster> rosterSeen, DialOut dialOut) {
        this.sip = sip;
        this.conferences = conferences;
        this.rosterSeen = rosterSeen;
        this.dialOut = dialOut;
    }

    /** {@code request} is a REFER in {@code from}'s dialog with the focus. */
    void refer(ServerTransaction tx, Request request, FocusLeg from) {
        ListIterator<?> referTos = request.getHeaders(ReferToHeader.NAME);
        ReferToHeader referTo = referTos.hasNext() ? (ReferToHeader) referTos.next() : null;
        if (referTo == null || referTos.hasNext()) {
            sip.answer(tx, Response.BAD_REQUEST, "A REFER needs exactly one Refer-To");
            return;
        }
        if (!(referTo.getAddress().getURI() instanceof SipURI target)) {
            sip.answer(tx, Response.BAD_REQUEST, "Refer-To must be a sip: URI of a participant");
            return;
        }
        if (from.state != FocusLeg.State.CONNECTED) {
            sip.answer(tx, Response.FORBIDDEN, "Not in the conference");
            return;
        }
        String method = target.getMethodParam();
        if (method == null || method.equalsIgnoreCase(Request.INVITE)) {
            dialOut.refer(tx, request, from, target);
            return;
        }
        if (!method.equalsIgnoreCase(Request.BYE)) {
            sip.answer(
                    tx, Response.NOT_IMPLEMENTED, "Only INVITE (dial-out) and BYE (eject) are supported in Refer-To");
            return;
        }
        String user = userOf(target);
        conferences
                .<ConferenceEntity.StateReply>ask(from.conferenceId, ConferenceEntity.GetConference::new)
                .thenCompose(state -> eject(from, user, state))
                .whenComplete((outcome, failure) -> {
                    if (failure != null) {
                        LOG.info("REFER in conference {} not carried out: {}", from.conferenceId, failure.toString());
                        sip.answer(tx, Response.SERVICE_UNAVAILABLE, "Conference service unavailable, try again");
                    } else if (outcome.status() != Response.OK) {
                        sip.answer(tx, outcome.status(), outcome.reason());
                    } else {
                        sip.answer(tx, Response.ACCEPTED, null);
                        notifyReferrer(
                                sip,
                                from,
                                ((CSeqHeader) request.getHeader(CSeqHeader.NAME)).getSeqNumber(),
                                "SIP/2.0 200 OK",
                                0);
                    }
                });
    }

    /** What a REFER came to: 200 when carried out, else the status and reason to answer it with. */
    record Outcome(int status, String reason) {}

    private CompletionStage<Outcome> eject(FocusLeg from, String user, ConferenceEntity.StateReply state) {
        Optional<ConferenceStore.Stored> stored =
                state instanceof ConferenceEntity.Current c ? c.state() : Optional.empty();
        if (state instanceof ConferenceEntity.Unavailable u) {
            return done(Response.SERVICE_UNAVAILABLE, "Conference service unavailable, try again");
        }
        if (stored.isEmpty() || stored.get().roster().ended()) {
            return done(Response.NOT_FOUND, "Conference not found");
        }
        Roster roster = stored.get().roster();
        Participant referrer = roster.participants().get(from.legId);
        if (referrer == null || !referrer.connected() || referrer.kind() == JoinerKind.ANONYMOUS) {
            return done(Response.FORBIDDEN, "Only presenters may remove participants");
        }
        List<String> legs = roster.participants().values().stream()
                .filter(p -> p.uri().equalsIgnoreCase(user))
                .map(Participant::legId)
                .toList();
        if (legs.isEmpty()) {
            return done(Response.NOT_FOUND, "No such participant: " + user);
        }
        Actor actor = new Actor.User(referrer.uri());
        CompletionStage<Outcome> chain = done(Response.OK, null);
        for (String leg : legs) {
            chain = chain.thenCompose(previous -> previous.status() != Response.OK
                    ? CompletableFuture.completedFuture(previous)
                    : conferences
                            .<ConferenceEntity.ChangeReply>ask(
                                    from.conferenceId, r -> new ConferenceEntity.Eject(actor, leg, r))
                            .thenApply(reply -> {
                                if (reply instanceof ConferenceEntity.Done d) {
                                    rosterSeen.accept(from.conferenceId, d.roster());
                                    return new Outcome(Response.OK, null);
                                }
                                if (reply instanceof ConferenceEntity.ChangeRefused refused) {
                                    return new Outcome(refused.status(), refused.reason());
                                }
                                return new Outcome(
                                        Response.SERVICE_UNAVAILABLE, "Conference service unavailable, try again");
                            }));
        }
        return chain;
    }

    private static CompletionStage<Outcome> done(int status, String reason) {
        return CompletableFuture.completedFuture(new Outcome(status, reason));
    }

    /** The user a Refer-To names, as the roster writes users: scheme, user and host, no parameters. */
    static String userOf(SipURI target) {
        String scheme = target.isSecure() ? "sips:" : "sip:";
        String u = target.getUser();
        return scheme + (u == null ? "" : u + "@") + target.getHost().toLowerCase(Locale.ROOT);
    }

    /**
     * RFC 3515 section 2.4.4: the REFER's implicit subscription gets {@code statusLine} as a
     * {@code message/sipfrag} in {@code to}'s dialog; {@code id} is the REFER's CSeq (section
     * 2.4.6). {@code activeFor} 0 ends the subscription with it (section 2.4.7), else it stays
     * active that many seconds.
     */
    static void notifyReferrer(Signalling sip, FocusLeg to, long referSeq, String statusLine, int activeFor) {
        try {
            Request notify = sip.inDialog(to.participant, Request.NOTIFY, FocusSip.focusContact(to));
            javax.sip.header.EventHeader event = sip.headers.createEventHeader("refer");
            event.setEventId(Long.toString(referSeq));
            notify.addHeader(event);
            javax.sip.header.SubscriptionStateHeader state;
            if (activeFor > 0) {
                state = sip.headers.createSubscriptionStateHeader("active");
                state.setExpires(activeFor);
            } else {
                state = sip.headers.createSubscriptionStateHeader("terminated"); // the RI's constant is "Terminated"
                state.setReasonCode("noresource");
            }
            notify.addHeader(state);
            javax.sip.header.ContentTypeHeader type = sip.headers.createContentTypeHeader("message", "sipfrag");
            type.setParameter("version", "2.0");
            notify.setContent(statusLine + "\r\n", type);
            sip.send(notify, response -> {});
        } catch (Exception e) {
            LOG.info("NOTIFY of a REFER's outcome to {} not sent: {}", to.legId, e.toString());
        }
    }
}

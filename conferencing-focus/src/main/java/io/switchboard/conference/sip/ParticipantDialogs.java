package io.switchboard.conference.sip;

import io.switchboard.conference.domain.Roster;
import io.switchboard.conference.entity.ConferenceEntity;
import io.switchboard.conference.entity.Conferences;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import javax.sip.ServerTransaction;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a participant sends in its dialog with the focus once it is connected (conferencing-focus/README.md):
 * ACK, BYE (out of the roster first, then 200), MESSAGE (to the other participants, {@link ConferenceMessages}),
 * REFER ({@link FocusRefers}), re-INVITE and UPDATE (the offer to the mixer, its answer back), and our 200s
 * retransmitted until their ACK. Split out of {@link FocusSip}, which finds the leg and hands the request here.
 */
final class ParticipantDialogs {

    private static final Logger LOG = LoggerFactory.getLogger(ParticipantDialogs.class);

    private final Map<String, FocusLeg> legs;
    private final Conferences conferences;
    private final Signalling sip;
    private final MixerLegs mixers;
    private final DialogRecords records;
    private final ConferenceMessages messages;
    private final FocusRefers refers;
    private final ScheduledExecutorService timer;
    private final Consumer<String> counted;
    private final BiConsumer<String, Roster> rosterSeen;
    private final MixerMoves.Ending ending;

    ParticipantDialogs(
            Map<String, FocusLeg> legs,
            Conferences conferences,
            Signalling sip,
            MixerLegs mixers,
            DialogRecords records,
            ConferenceMessages messages,
            FocusRefers refers,
            ScheduledExecutorService timer,
            Consumer<String> counted,
            BiConsumer<String, Roster> rosterSeen,
            MixerMoves.Ending ending) {
        this.legs = legs;
        this.conferences = conferences;
        this.sip = sip;
        this.mixers = mixers;
        this.records = records;
        this.messages = messages;
        this.refers = refers;
        this.timer = timer;
        this.counted = counted;
        this.rosterSeen = rosterSeen;
        this.ending = ending;
    }

    /** A request in a participant's dialog held here ({@code tx} null for ACK). */
    void fromParticipant(ServerTransaction tx, Request request, FocusLeg leg) {
        String method = request.getMethod();
        if (Request.ACK.equals(method)) {
            leg.acked = true; // RFC 3261 section 13.3.1.4: our 2xx is confirmed
            return;
        }
        if (tx == null) {
            return;
        }
        if (Request.BYE.equals(method)) {
            if (!leg.end()) {
                sip.answer(tx, Response.OK, null);
                return;
            }
            // the roster first, then the 200 (RFC 3261 section 15.1.2 lets the UAS take its time)
            conferences
                    .<ConferenceEntity.ChangeReply>ask(leg.conferenceId, r -> new ConferenceEntity.Leave(leg.legId, r))
                    .whenComplete((reply, failure) -> {
                        if (reply instanceof ConferenceEntity.Done || reply instanceof ConferenceEntity.ChangeRefused) {
                            if (reply instanceof ConferenceEntity.Done done) {
                                rosterSeen.accept(leg.conferenceId, done.roster());
                            }
                            legs.remove(leg.legId, leg);
                            records.forget(leg);
                            counted.accept(FocusSip.LEFT);
                            sip.answer(tx, Response.OK, null);
                            mixers.bye(leg);
                        } else {
                            // not stored: the leg stays, the participant may send its BYE again
                            leg.state = FocusLeg.State.CONNECTED;
                            sip.answer(tx, Response.SERVICE_UNAVAILABLE, "Conference service unavailable, try again");
                        }
                    });
        } else if (Request.MESSAGE.equals(method)) {
            messages.relay(tx, request, leg, legs.values());
        } else if (Request.REFER.equals(method)) {
            refers.refer(tx, request, leg);
        } else if (Request.INVITE.equals(method) && leg.moving.get()) {
            // RFC 3261 section 14.2: our own re-INVITE (a mixer move) is outstanding in this dialog
            sip.answer(tx, Response.REQUEST_PENDING, null);
        } else if (Request.INVITE.equals(method)) {
            sessionChangedByParticipant(tx, request, leg, false);
        } else if (Request.UPDATE.equals(method)) {
            // RFC 3311: the same offer/answer as a re-INVITE, answered in the UPDATE's own 200
            sessionChangedByParticipant(tx, request, leg, true);
        } else {
            sip.answer(tx, Response.OK, null);
        }
    }

    /**
     * A participant's re-INVITE (hold, resume, a codec or address change): its offer goes to the mixer in the
     * mixer dialog, and the mixer's answer comes back in our 200 under the origin the participant has, its version
     * raised (RFC 3264 section 8). A re-INVITE without an offer (a session refresh) gets our current session
     * description unchanged. While a move or another re-INVITE is under way: 491 (RFC 3261 section 14.2). A mixer
     * that does not take the offer leaves the session as it was: 488 (section 14.2). An UPDATE (RFC 3311, {@code
     * update}) is the same offer and answer inside its own transaction: its 200 carries our answer and no ACK
     * follows; one without an offer (a session-timer refresh, RFC 4028) gets a 200 without a body; 491 and 488 as
     * for a re-INVITE (RFC 3311 section 5.2).
     */
    private void sessionChangedByParticipant(ServerTransaction tx, Request request, FocusLeg leg, boolean update) {
        byte[] offer = request.getRawContent();
        if (!leg.moving.compareAndSet(false, true)) {
            sip.answer(tx, Response.REQUEST_PENDING, null);
            return;
        }
        if (offer == null || offer.length == 0) {
            leg.moving.set(false);
            if (update) {
                answerUpdate(tx, request, leg, null); // a refresh (RFC 4028): no offer, no answer
            } else {
                answerReinvite(tx, request, leg, leg.sentSdp);
            }
            return;
        }
        mixers.reoffer(leg, offer, answer -> {
            byte[] ours = answer == null ? null : SdpOrigin.continuing(leg.sentSdp, answer);
            if (ours != null) {
                leg.offer = offer;
                leg.sentSdp = ours;
            }
            // free before answering: the participant may send its next re-INVITE as soon as it has our answer
            leg.moving.set(false);
            if (ours == null) {
                sip.answer(tx, Response.NOT_ACCEPTABLE_HERE, "The conference mixer did not take the new offer");
            } else {
                leg.sentSdp = ours;
                // the new offer and answer stored first: a node resuming the leg offers the mixer the current one
                records.save(leg).whenComplete((v, failure) -> {
                    if (update) {
                        answerUpdate(tx, request, leg, ours);
                    } else {
                        answerReinvite(tx, request, leg, ours);
                    }
                });
            }
        });
    }

    /** Our 200 to a participant's UPDATE, with {@code sdp} as the answer (null: it made no offer); no ACK follows. */
    private void answerUpdate(ServerTransaction tx, Request request, FocusLeg leg, byte[] sdp) {
        try {
            Response ok = sip.messages.createResponse(Response.OK, request);
            ok.addHeader(sip.headers.createContactHeader(sip.addresses.createAddress(FocusSip.focusContact(leg))));
            ok.addHeader(sip.headers.createAllowHeader(FocusSip.ALLOW));
            if (sdp != null) {
                ok.setContent(sdp, sip.headers.createContentTypeHeader("application", "sdp"));
            }
            tx.sendResponse(ok);
        } catch (Exception e) {
            LOG.warn(
                    "200 to the UPDATE of {} in conference {} not sent: {}", leg.legId, leg.conferenceId, e.toString());
        }
    }

    /** Our 200 to a participant's re-INVITE with {@code sdp}, retransmitted until its ACK as the first one was. */
    private void answerReinvite(ServerTransaction tx, Request request, FocusLeg leg, byte[] sdp) {
        try {
            Response ok = sip.messages.createResponse(Response.OK, request);
            ok.addHeader(sip.headers.createContactHeader(sip.addresses.createAddress(FocusSip.focusContact(leg))));
            ok.addHeader(sip.headers.createAllowHeader(FocusSip.ALLOW));
            ok.setContent(sdp, sip.headers.createContentTypeHeader("application", "sdp"));
            leg.sentSdp = sdp;
            leg.acked = false;
            leg.ok = ok;
            tx.sendResponse(ok);
            retransmitUntilAcked(leg);
        } catch (Exception e) {
            LOG.warn(
                    "200 to the re-INVITE of {} in conference {} not sent: {}",
                    leg.legId,
                    leg.conferenceId,
                    e.toString());
        }
    }

    /** RFC 3261 section 13.3.1.4: our 2xx again, T1 doubling up to T2, until the ACK; none in 64*T1 ends the leg. */
    /** Our 2xx {@code leg.ok} just sent: again until its ACK (RFC 3261 section 13.3.1.4). */
    void retransmitUntilAcked(FocusLeg leg) {
        retransmitUntilAcked(leg, FocusSip.T1_MS, 0);
    }

    private void retransmitUntilAcked(FocusLeg leg, long intervalMs, long elapsedMs) {
        timer.schedule(
                () -> {
                    if (leg.acked || leg.state != FocusLeg.State.CONNECTED) {
                        return;
                    }
                    if (elapsedMs + intervalMs >= 64 * FocusSip.T1_MS) {
                        LOG.info("No ACK from {} in conference {}: the leg ends", leg.legId, leg.conferenceId);
                        ending.hangUp(leg);
                        return;
                    }
                    try {
                        sip.provider.sendResponse(leg.ok);
                    } catch (Exception e) {
                        LOG.debug("200 to {} not resent: {}", leg.legId, e.toString());
                    }
                    retransmitUntilAcked(leg, Math.min(2 * intervalMs, FocusSip.T2_MS), elapsedMs + intervalMs);
                },
                intervalMs,
                TimeUnit.MILLISECONDS);
    }
}

package io.switchboard.conference.sip;

import io.switchboard.conference.entity.ConferenceEntity;
import io.switchboard.conference.entity.Conferences;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mixer side of the B2BUA: which mixer a conference uses (the least-loaded of {@link
 * MixerPool} by this node's count, kept by the conference entity so that every node sends the
 * conference's legs to the same one) and our dialog with it for one participant leg: INVITE with
 * the participant's offer, ACK of its 2xx, BYE.
 */
final class MixerLegs {

    private static final Logger LOG = LoggerFactory.getLogger(MixerLegs.class);

    /** What became of a mixer leg: the mixer's SDP answer, or why there is none (the participant's 503 reason). */
    sealed interface Outcome {
        record Answered(byte[] sdp) implements Outcome {}

        record Failed(String reason) implements Outcome {}
    }

    private final MixerPool pool;
    private final Conferences conferences;
    private final Signalling sip;
    private final Consumer<String> counted;
    /** Legs by the mixer dialog's Call-ID, for the mixer's requests and 2xx retransmissions. */
    private final Map<String, FocusLeg> byMixerCallId = new ConcurrentHashMap<>();

    MixerLegs(MixerPool pool, Conferences conferences, Signalling sip, Consumer<String> counted) {
        this.pool = pool;
        this.conferences = conferences;
        this.sip = sip;
        this.counted = counted;
    }

    boolean configured() {
        return pool.configured();
    }

    FocusLeg byCallId(String callId) {
        return byMixerCallId.get(callId);
    }

    /** Opens the mixer leg of {@code leg} with its offer; {@code done} gets the answer or the failure. */
    void connect(FocusLeg leg, Consumer<Outcome> done) {
        String candidate = pool.leastLoaded().orElse(null);
        if (candidate == null) {
            done.accept(new Outcome.Failed("No conference mixer configured"));
            return;
        }
        conferences
                .<ConferenceEntity.MixerReply>ask(leg.conferenceId, r -> new ConferenceEntity.UseMixer(candidate, r))
                .whenComplete((reply, failure) -> {
                    if (reply instanceof ConferenceEntity.MixerChosen chosen) {
                        invite(leg, chosen.mixer(), done);
                    } else {
                        LOG.info("No mixer for conference {}: {}", leg.conferenceId, failure != null ? failure : reply);
                        done.accept(new Outcome.Failed("Conference service unavailable"));
                    }
                });
    }

    private void invite(FocusLeg leg, String mixer, Consumer<Outcome> done) {
        pool.taken(mixer);
        counted.accept(FocusSip.MIXER_ALLOCATED);
        leg.mixer = mixer;
        DialogSide d = DialogSide.uac(
                ((CallIdHeader) sip.provider.getNewCallId()).getCallId(),
                Signalling.newTag(),
                leg.conferenceUri,
                mixer);
        leg.mixerLeg = d;
        byMixerCallId.put(d.callId, leg);
        try {
            Request invite = sip.inDialog(d, Request.INVITE, sip.nodeContact(userOf(leg.conferenceUri)));
            invite.setContent(leg.offer, sip.headers.createContentTypeHeader("application", "sdp"));
            sip.send(invite, response -> {
                int status = response == null ? Response.REQUEST_TIMEOUT : response.getStatusCode();
                if (status >= 200 && status < 300) {
                    d.confirm(response);
                    ack(d, response);
                    byte[] sdp = response.getRawContent();
                    if (sdp == null || sdp.length == 0) {
                        bye(leg);
                        failed(leg, "Mixer answered without SDP", done);
                    } else {
                        done.accept(new Outcome.Answered(sdp));
                    }
                } else {
                    failed(leg, response == null ? "Mixer did not answer" : "Mixer answered " + status, done);
                }
            });
        } catch (Exception e) {
            LOG.warn("INVITE to mixer {} not sent: {}", mixer, e.toString());
            failed(leg, "Mixer unreachable", done);
        }
    }

    private void failed(FocusLeg leg, String reason, Consumer<Outcome> done) {
        LOG.info("Mixer leg of {} in conference {} failed: {}", leg.legId, leg.conferenceId, reason);
        counted.accept(FocusSip.MIXER_FAILED);
        forget(leg);
        done.accept(new Outcome.Failed(reason));
    }

    /** A 2xx of the mixer to our INVITE (also a retransmission, whose ACK was lost): ACK it (RFC 3261 section 13.2.2.4). */
    void ack(DialogSide d, Response ok) {
        try {
            long seq = ((CSeqHeader) ok.getHeader(CSeqHeader.NAME)).getSeqNumber();
            sip.sendStateless(sip.inDialog(d, Request.ACK, seq, null));
        } catch (Exception e) {
            LOG.info("ACK to mixer {} not sent: {}", d.remoteTarget, e.toString());
        }
    }

    /** Ends the mixer leg of {@code leg} with a BYE, if it has one; the mixer's load drops. */
    void bye(FocusLeg leg) {
        DialogSide d = leg.mixerLeg;
        if (d == null || !forget(leg) || d.remoteTag == null) {
            return;
        }
        try {
            sip.send(sip.inDialog(d, Request.BYE, null), response -> {});
        } catch (Exception e) {
            LOG.info("BYE to mixer {} not sent: {}", d.remoteTarget, e.toString());
        }
    }

    /** The mixer ended the leg itself (its BYE): nothing to send. */
    void ended(FocusLeg leg) {
        forget(leg);
    }

    /** True the first time, for the one who releases the mixer's count. */
    private boolean forget(FocusLeg leg) {
        DialogSide d = leg.mixerLeg;
        if (d != null && byMixerCallId.remove(d.callId, leg)) {
            pool.released(leg.mixer);
            return true;
        }
        return false;
    }

    static String userOf(String uri) {
        int colon = uri.indexOf(':');
        int at = uri.lastIndexOf('@');
        return colon >= 0 && at > colon ? uri.substring(colon + 1, at) : "";
    }
}

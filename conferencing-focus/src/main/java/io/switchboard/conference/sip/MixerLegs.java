package io.switchboard.conference.sip;

import io.switchboard.conference.entity.ConferenceEntity;
import io.switchboard.conference.entity.Conferences;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mixer side of the B2BUA: which mixer a conference uses (the least-loaded live one of {@link
 * MixerPool} by this node's count, kept by the conference entity so that every node sends the
 * conference's legs to the same one) and our dialogs with mixers for participant legs: INVITE with
 * the participant's offer, ACK of its 2xx, BYE. A leg has one current mixer dialog; while it moves
 * to another mixer the new dialog is opened beside it and replaces it once answered.
 */
final class MixerLegs {

    private static final Logger LOG = LoggerFactory.getLogger(MixerLegs.class);

    /** What became of a mixer leg: the mixer's SDP answer in {@code dialog}, or why there is none (the participant's 503 reason). */
    sealed interface Outcome {
        record Answered(byte[] sdp, MixerDialog dialog) implements Outcome {}

        record Failed(String reason) implements Outcome {}
    }

    /** One dialog of ours with {@code mixer} for the participant leg {@code leg}. */
    record MixerDialog(FocusLeg leg, String mixer, DialogSide dialog) {}

    static final String NONE_LIVE = "No conference mixer available";
    /** A mixer leg being set up when its mixer was found down: the join may try the conference's next mixer. */
    static final String MIXER_DOWN = "Mixer stopped answering";

    /** A mixer INVITE not answered yet; {@code settled} once, by its answer or by {@link #abandonOpensTo}. */
    private record Opening(MixerDialog md, Consumer<Outcome> done, AtomicBoolean settled) {}

    private final MixerPool pool;
    private final Conferences conferences;
    private final Signalling sip;
    private final Consumer<String> counted;
    /** Mixer dialogs by Call-ID, for the mixer's requests and 2xx retransmissions. */
    private final Map<String, MixerDialog> byMixerCallId = new ConcurrentHashMap<>();
    /** Mixer INVITEs without a final answer yet, by Call-ID. */
    private final Map<String, Opening> opening = new ConcurrentHashMap<>();

    MixerLegs(MixerPool pool, Conferences conferences, Signalling sip, Consumer<String> counted) {
        this.pool = pool;
        this.conferences = conferences;
        this.sip = sip;
        this.counted = counted;
    }

    boolean configured() {
        return pool.configured();
    }

    MixerPool pool() {
        return pool;
    }

    boolean isUp(String mixer) {
        return pool.isUp(mixer);
    }

    Optional<String> leastLoaded() {
        return pool.leastLoaded();
    }

    MixerDialog byCallId(String callId) {
        return byMixerCallId.get(callId);
    }

    /**
     * The conference's mixer for a joining {@code leg}, then a dialog with it; {@code done} gets
     * the answer or the failure. When the conference's mixer is down as this node sees it, the
     * conference is moved first (MoveMixer), as the focus would on detecting it.
     */
    void connect(FocusLeg leg, Consumer<Outcome> done) {
        String candidate = pool.leastLoaded().orElse(null);
        if (candidate == null) {
            done.accept(new Outcome.Failed(NONE_LIVE));
            return;
        }
        conferences
                .<ConferenceEntity.MixerReply>ask(leg.conferenceId, r -> new ConferenceEntity.UseMixer(candidate, r))
                .whenComplete((reply, failure) -> {
                    if (reply instanceof ConferenceEntity.MixerChosen chosen && pool.isUp(chosen.mixer())) {
                        open(leg, chosen.mixer(), done);
                    } else if (reply instanceof ConferenceEntity.MixerChosen chosen) {
                        conferences
                                .<ConferenceEntity.MixerReply>ask(
                                        leg.conferenceId,
                                        r -> new ConferenceEntity.MoveMixer(chosen.mixer(), candidate, r))
                                .whenComplete((moved, f) -> {
                                    if (moved instanceof ConferenceEntity.MixerChosen m && pool.isUp(m.mixer())) {
                                        open(leg, m.mixer(), done);
                                    } else {
                                        done.accept(new Outcome.Failed(
                                                moved instanceof ConferenceEntity.MixerChosen
                                                        ? NONE_LIVE
                                                        : "Conference service unavailable"));
                                    }
                                });
                    } else {
                        LOG.info("No mixer for conference {}: {}", leg.conferenceId, failure != null ? failure : reply);
                        done.accept(new Outcome.Failed("Conference service unavailable"));
                    }
                });
    }

    /**
     * A new dialog with {@code mixer} for {@code leg}, offering the participant's SDP; {@code done}
     * gets the answer (the dialog not yet the leg's: see {@link #attach}) or the failure.
     */
    void open(FocusLeg leg, String mixer, Consumer<Outcome> done) {
        pool.taken(mixer);
        counted.accept(FocusSip.MIXER_ALLOCATED);
        DialogSide d = DialogSide.uac(
                ((CallIdHeader) sip.provider.getNewCallId()).getCallId(),
                Signalling.newTag(),
                leg.conferenceUri,
                mixer);
        MixerDialog md = new MixerDialog(leg, mixer, d);
        byMixerCallId.put(d.callId, md);
        Opening pending = new Opening(md, done, new AtomicBoolean());
        opening.put(d.callId, pending);
        try {
            Request invite = sip.inDialog(d, Request.INVITE, sip.nodeContact(userOf(leg.conferenceUri)));
            invite.setContent(leg.offer, sip.headers.createContentTypeHeader("application", "sdp"));
            sip.send(invite, response -> {
                if (!pending.settled().compareAndSet(false, true)) {
                    answeredLate(d, response); // given up on when its mixer was found down
                    return;
                }
                opening.remove(d.callId, pending);
                int status = response == null ? Response.REQUEST_TIMEOUT : response.getStatusCode();
                if (status >= 200 && status < 300) {
                    d.confirm(response);
                    ack(d, response);
                    byte[] sdp = response.getRawContent();
                    if (sdp == null || sdp.length == 0) {
                        bye(md);
                        failed(md, "Mixer answered without SDP", done);
                    } else {
                        done.accept(new Outcome.Answered(sdp, md));
                    }
                } else {
                    failed(md, response == null ? "Mixer did not answer" : "Mixer answered " + status, done);
                }
            });
        } catch (Exception e) {
            LOG.warn("INVITE to mixer {} not sent: {}", mixer, e.toString());
            if (pending.settled().compareAndSet(false, true)) {
                opening.remove(d.callId, pending);
                failed(md, "Mixer unreachable", done);
            }
        }
    }

    /**
     * {@code mixer} was found down (no answer to its checks, a 5xx, a BYE): the legs still waiting for its
     * answer to their INVITE fail now with {@link #MIXER_DOWN} instead of after Timer B's 32 s (RFC 3261
     * section 17.1.1.2), so their joins can go to a live mixer at once.
     */
    void abandonOpensTo(String mixer) {
        for (Opening o : opening.values()) {
            if (o.md().mixer().equals(mixer) && o.settled().compareAndSet(false, true)) {
                opening.remove(o.md().dialog().callId, o);
                failed(o.md(), MIXER_DOWN, o.done());
            }
        }
    }

    /** A final answer to a mixer INVITE given up on: a 2xx is ACKed and ended (RFC 3261 section 15), the rest ignored. */
    private void answeredLate(DialogSide d, Response response) {
        if (response == null || response.getStatusCode() / 100 != 2) {
            return;
        }
        try {
            d.confirm(response);
            ack(d, response);
            sip.send(sip.inDialog(d, Request.BYE, null), r -> {});
        } catch (Exception e) {
            LOG.info("Late mixer dialog {} not ended: {}", d.callId, e.toString());
        }
    }

    /**
     * The participant's new offer passed to the leg's mixer in their dialog (a re-INVITE, RFC 3261 section 14.1);
     * {@code done} gets the mixer's answer, or null when the leg has no mixer dialog or the mixer did not take the
     * offer (its dialog then stays as it was, section 14.1).
     */
    void reoffer(FocusLeg leg, byte[] offer, Consumer<byte[]> done) {
        DialogSide d = leg.mixerLeg;
        if (d == null || d.remoteTag == null) {
            done.accept(null);
            return;
        }
        try {
            Request invite = sip.inDialog(d, Request.INVITE, sip.nodeContact(userOf(leg.conferenceUri)));
            invite.setContent(offer, sip.headers.createContentTypeHeader("application", "sdp"));
            sip.send(invite, response -> {
                int status = response == null ? Response.REQUEST_TIMEOUT : response.getStatusCode();
                if (status >= 200 && status < 300) {
                    ack(d, response);
                    byte[] sdp = response.getRawContent();
                    done.accept(sdp == null || sdp.length == 0 ? null : sdp);
                } else {
                    LOG.info("Mixer {} refused the new offer of {}: {}", leg.mixer, leg.legId, status);
                    done.accept(null);
                }
            });
        } catch (Exception e) {
            LOG.warn("re-INVITE to mixer {} not sent: {}", leg.mixer, e.toString());
            done.accept(null);
        }
    }

    /**
     * A mixer dialog stored by the node that died, resumed here with its leg (a leg taken over):
     * registered for the mixer's answers and counted on the mixer's load, as one opened here.
     */
    void adopt(FocusLeg leg, String mixer, DialogSide d) {
        MixerDialog md = new MixerDialog(leg, mixer, d);
        byMixerCallId.put(d.callId, md);
        pool.taken(mixer);
        attach(md);
    }

    /** {@code md} becomes its leg's mixer dialog; returns the one it replaces (null: none), still open. */
    MixerDialog attach(MixerDialog md) {
        FocusLeg leg = md.leg();
        synchronized (leg) {
            DialogSide before = leg.mixerLeg;
            String beforeMixer = leg.mixer;
            leg.mixer = md.mixer();
            leg.mixerLeg = md.dialog();
            return before == null ? null : new MixerDialog(leg, beforeMixer, before);
        }
    }

    private void failed(MixerDialog md, String reason, Consumer<Outcome> done) {
        LOG.info(
                "Mixer leg of {} in conference {} to {} failed: {}",
                md.leg().legId,
                md.leg().conferenceId,
                md.mixer(),
                reason);
        counted.accept(FocusSip.MIXER_FAILED);
        forget(md);
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

    /** Ends the current mixer dialog of {@code leg} with a BYE, if it has one; the mixer's load drops. */
    void bye(FocusLeg leg) {
        DialogSide d = leg.mixerLeg;
        if (d != null) {
            bye(new MixerDialog(leg, leg.mixer, d));
        }
    }

    /** Ends {@code md} with a BYE (once; nothing when it was already forgotten or never answered). */
    void bye(MixerDialog md) {
        DialogSide d = md.dialog();
        if (!forget(md) || d.remoteTag == null) {
            return;
        }
        try {
            sip.send(sip.inDialog(d, Request.BYE, null), response -> {});
        } catch (Exception e) {
            LOG.info("BYE to mixer {} not sent: {}", d.remoteTarget, e.toString());
        }
    }

    /** Forgets the mixer dialog of {@code leg} without ending it: another node resumes it from the store. */
    void release(FocusLeg leg) {
        DialogSide d = leg.mixerLeg;
        if (d != null) {
            forget(new MixerDialog(leg, leg.mixer, d));
        }
    }

    /** Ends the current mixer dialog of {@code leg} (BYE) and leaves the leg without one, until it is moved. */
    void detach(FocusLeg leg) {
        DialogSide d;
        synchronized (leg) {
            d = leg.mixerLeg;
            leg.mixerLeg = null;
        }
        if (d != null) {
            bye(new MixerDialog(leg, leg.mixer, d));
        }
    }

    /** The mixer ended {@code md} itself (its BYE): nothing to send; the leg is left without a mixer dialog if it was its own. */
    void ended(MixerDialog md) {
        forget(md);
        FocusLeg leg = md.leg();
        synchronized (leg) {
            if (leg.mixerLeg == md.dialog()) {
                leg.mixerLeg = null;
            }
        }
    }

    /** True the first time, for the one who releases the mixer's count. */
    private boolean forget(MixerDialog md) {
        MixerDialog registered = byMixerCallId.get(md.dialog().callId);
        if (registered != null
                && registered.dialog() == md.dialog()
                && byMixerCallId.remove(md.dialog().callId, registered)) {
            pool.released(registered.mixer());
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

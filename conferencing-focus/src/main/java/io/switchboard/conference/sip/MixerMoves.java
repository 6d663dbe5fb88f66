package io.switchboard.conference.sip;

import io.switchboard.conference.entity.ConferenceEntity;
import io.switchboard.conference.entity.Conferences;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.sip.header.CSeqHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the participant legs held on this node on their conference's mixer (conferencing-focus/README.md,
 * "Moving"): when the conference's mixer is down as this node sees it, the conference is moved (the entity's
 * MoveMixer) and each leg gets a new mixer dialog, then a re-INVITE in the participant's dialog with the new
 * mixer's SDP, then BYE to the old mixer. Split out of {@link FocusSip}, which calls it on every reconciliation
 * and whenever a mixer goes up or down.
 */
final class MixerMoves {

    private static final Logger LOG = LoggerFactory.getLogger(MixerMoves.class);

    /** How a leg that cannot stay (its participant answered our re-INVITE 481 or not at all) is ended. */
    interface Ending {
        /** BYE to both sides and out of the roster. */
        void hangUp(FocusLeg leg);
    }

    private final Map<String, FocusLeg> legs;
    private final Conferences conferences;
    private final MixerLegs mixers;
    private final Signalling sip;
    private final ScheduledExecutorService timer;
    private final Consumer<String> counted;
    private final DialogRecords records;
    private final Ending ending;

    MixerMoves(
            Map<String, FocusLeg> legs,
            Conferences conferences,
            MixerLegs mixers,
            Signalling sip,
            ScheduledExecutorService timer,
            Consumer<String> counted,
            DialogRecords records,
            Ending ending) {
        this.records = records;
        this.legs = legs;
        this.conferences = conferences;
        this.mixers = mixers;
        this.sip = sip;
        this.timer = timer;
        this.counted = counted;
        this.ending = ending;
    }

    /** Every conference with a leg here follows its mixer now (a mixer went up or down). */
    void followMixers() {
        try {
            legs.values().stream().map(l -> l.conferenceId).distinct().forEach(this::followMixer);
        } catch (RuntimeException e) {
            LOG.warn("Following conference mixers failed: {}", e.toString());
        }
    }

    /**
     * Makes this node's connected legs of {@code conferenceId} use the conference's mixer (README,
     * "Mixer watching"): the entity's choice when it is up as this node sees it; else the conference
     * is moved (MoveMixer) to this node's least-loaded live mixer, or to none when none is up (the
     * legs stay in their dialogs, without media, until one is). Legs being moved are left alone. Run
     * on every reconciliation, so a move another node made reaches the legs held here too.
     */
    void followMixer(String conferenceId) {
        MixerLegs m = mixers;
        if (m == null || !m.configured()) {
            return;
        }
        List<FocusLeg> connected = legs.values().stream()
                .filter(l -> l.conferenceId.equals(conferenceId) && l.state == FocusLeg.State.CONNECTED)
                .toList();
        if (connected.isEmpty()) {
            return;
        }
        conferences
                .<ConferenceEntity.MixerReply>ask(conferenceId, ConferenceEntity.GetMixer::new)
                .whenComplete((reply, failure) -> {
                    if (reply instanceof ConferenceEntity.MixerChosen chosen) {
                        follow(conferenceId, chosen.mixer(), connected, true);
                    }
                });
    }

    private void follow(String conferenceId, String mixer, List<FocusLeg> connected, boolean mayMove) {
        MixerLegs m = mixers;
        if (mixer != null && m.isUp(mixer)) {
            for (FocusLeg leg : connected) {
                if (leg.mixerLeg == null || !mixer.equals(leg.mixer)) {
                    moveLeg(leg, mixer);
                }
            }
            return;
        }
        if (!mayMove) {
            return;
        }
        for (FocusLeg leg : connected) {
            if (leg.mixerLeg != null && !m.isUp(leg.mixer) && !leg.moving.get()) {
                // its mixer is down: whatever comes back has lost the call, so the leg needs a new one
                m.detach(leg);
            }
        }
        // a live mixer a leg here still has is kept (a conference whose entity restarted and forgot
        // its mixer is not moved needlessly); else the least-loaded live one; null: none is up
        String candidate = connected.stream()
                .filter(l -> l.mixerLeg != null && m.isUp(l.mixer))
                .map(l -> l.mixer)
                .findFirst()
                .orElseGet(() -> m.leastLoaded().orElse(null));
        if (mixer == null && candidate == null) {
            return; // no live mixer, and the conference already says it has none
        }
        conferences
                .<ConferenceEntity.MixerReply>ask(
                        conferenceId, r -> new ConferenceEntity.MoveMixer(mixer, candidate, r))
                .whenComplete((reply, failure) -> {
                    if (reply instanceof ConferenceEntity.MixerChosen chosen) {
                        if (chosen.mixer() == null) {
                            LOG.warn(
                                    "Conference {} has no live mixer: its participants stay connected without media",
                                    conferenceId);
                        }
                        follow(conferenceId, chosen.mixer(), connected, false);
                    }
                });
    }

    /**
     * Moves {@code leg} to {@code mixer}: a new INVITE to it with the participant's offer, then a
     * re-INVITE to the participant in its dialog with the new mixer's SDP (under the origin the
     * participant has, {@link SdpOrigin}); the old mixer dialog gets BYE. A failed INVITE leaves the
     * leg as it was, for the next reconciliation to try again.
     */
    private void moveLeg(FocusLeg leg, String mixer) {
        if (!leg.moving.compareAndSet(false, true)) {
            return;
        }
        if (leg.state != FocusLeg.State.CONNECTED) {
            leg.moving.set(false);
            return;
        }
        LOG.info("Moving leg {} of conference {} from {} to mixer {}", leg.legId, leg.conferenceId, leg.mixer, mixer);
        mixers.open(leg, mixer, outcome -> {
            if (!(outcome instanceof MixerLegs.Outcome.Answered a)) {
                leg.moving.set(false);
                return;
            }
            if (leg.state != FocusLeg.State.CONNECTED) {
                mixers.bye(a.dialog()); // the participant left meanwhile
                leg.moving.set(false);
                return;
            }
            MixerLegs.MixerDialog old = mixers.attach(a.dialog());
            if (old != null) {
                mixers.bye(old); // to a dead mixer this is lost; to one that only failed, it frees the leg
            }
            if (leg.state != FocusLeg.State.CONNECTED) {
                mixers.bye(leg); // left while we attached: its BYE may have gone to the old dialog
                leg.moving.set(false);
                return;
            }
            // the new mixer dialog stored before the participant is moved to it
            byte[] sdp = SdpOrigin.continuing(leg.sentSdp, a.sdp());
            records.save(leg).whenComplete((v, failure) -> reinvite(leg, sdp, 1));
        });
    }

    /** Our re-INVITE to the participant with {@code sdp} (RFC 3261 section 14.1), ACKed on 2xx. */
    private void reinvite(FocusLeg leg, byte[] sdp, int attempt) {
        Request invite;
        try {
            invite = sip.inDialog(leg.participant, Request.INVITE, FocusSip.focusContact(leg));
            invite.addHeader(sip.headers.createAllowHeader(FocusSip.ALLOW));
            invite.setContent(sdp, sip.headers.createContentTypeHeader("application", "sdp"));
            long seq = ((CSeqHeader) invite.getHeader(CSeqHeader.NAME)).getSeqNumber();
            sip.send(invite, response -> reinvited(leg, sdp, attempt, seq, response));
        } catch (Exception e) {
            LOG.warn("re-INVITE to {} in conference {} not sent: {}", leg.legId, leg.conferenceId, e.toString());
            leg.moving.set(false);
        }
    }

    private void reinvited(FocusLeg leg, byte[] sdp, int attempt, long seq, Response response) {
        int status = response == null ? Response.REQUEST_TIMEOUT : response.getStatusCode();
        if (status / 100 == 2) {
            DialogSide p = leg.participant;
            javax.sip.header.ContactHeader contact =
                    (javax.sip.header.ContactHeader) response.getHeader(javax.sip.header.ContactHeader.NAME);
            if (contact != null) {
                p.remoteTarget = contact.getAddress().getURI().toString(); // RFC 3261 section 12.2.1.2
            }
            Request ack = null;
            try {
                ack = sip.inDialog(p, Request.ACK, seq, null);
                leg.reinviteAck = ack;
            } catch (Exception e) {
                LOG.info("ACK to {} not built: {}", leg.legId, e.toString());
            }
            leg.sentSdp = sdp;
            records.saveLater(leg); // its answer's remote target and our SDP
            counted.accept(FocusSip.MIXER_MOVED);
            // the move is over before the ACK leaves: a participant may send its own re-INVITE as soon as the ACK
            // reaches it, and that is no glare any more (RFC 3261 section 14.2), so it must not find the leg moving
            // (it got 491 when the ACK went first, seen with SIPp in ConferencePoolInteropTest on a loaded machine)
            leg.moving.set(false);
            if (ack != null) {
                sendAck(leg, ack);
            }
        } else if (status == Response.REQUEST_PENDING && attempt < FocusSip.REINVITE_TRIES) {
            // RFC 3261 section 14.1: glare; not the Call-ID's owner, we try again within 0-2 s
            timer.schedule(
                    () -> reinvite(leg, sdp, attempt + 1),
                    ThreadLocalRandom.current().nextLong(0, 2001),
                    TimeUnit.MILLISECONDS);
        } else if (status == Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST || status == Response.REQUEST_TIMEOUT) {
            // RFC 3261 section 12.2.1.2: the dialog is gone
            leg.moving.set(false);
            ending.hangUp(leg);
        } else {
            // refused: the dialog stays as it was (RFC 3261 section 14.1); media only if it still reaches a mixer
            LOG.info("Participant {} of conference {} refused the mixer move: {}", leg.legId, leg.conferenceId, status);
            leg.moving.set(false);
        }
    }

    void sendAck(FocusLeg leg, Request ack) {
        try {
            sip.sendStateless(ack);
        } catch (Exception e) {
            LOG.info("ACK to {} not sent: {}", leg.legId, e.toString());
        }
    }
}

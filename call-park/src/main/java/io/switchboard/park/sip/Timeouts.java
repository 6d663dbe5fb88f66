package io.switchboard.park.sip;

import io.switchboard.park.domain.ParkNotice;
import io.switchboard.park.domain.ParkedCall;
import io.switchboard.park.entity.ParkedCallEntity;
import io.switchboard.park.entity.ParkedCalls;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the parked call entity's timeouts decided, done over SIP on the node holding the caller's
 * leg (call-park/README.md, "Ring-back and fallback"): ring the parker back through {@link Ringer},
 * join the caller to whoever answers, or ring the fallback and at last end the call.
 */
final class Timeouts {

    private static final Logger LOG = LoggerFactory.getLogger(Timeouts.class);

    private final ParkSip.Settings settings;
    private final SipKit sip;
    private final ParkedLegs parked;
    private final Bridge bridge;
    private final Ringer ringer;
    private final Supplier<ParkedCalls> calls;

    Timeouts(
            ParkSip.Settings settings,
            SipKit sip,
            ParkedLegs parked,
            Bridge bridge,
            Ringer ringer,
            Supplier<ParkedCalls> calls) {
        this.settings = settings;
        this.sip = sip;
        this.parked = parked;
        this.bridge = bridge;
        this.ringer = ringer;
        this.calls = calls;
    }

    void ringBack(String parkId, ParkedCall call, int attempt) {
        ParkedLegs.Parked held = parked.get(parkId);
        if (held == null) {
            LOG.info("Park {} at {}: ring-back {} not rung, the call is not held here", parkId, call.orbit(), attempt);
            return;
        }
        settings.counted().accept(ParkSip.RING_BACK);
        settings.parkerTargets().apply(call.parker()).whenComplete((targets, failure) -> {
            if (failure != null || targets.isEmpty() || parked.get(parkId) != held) {
                LOG.info(
                        "Park {}: ring-back {} to {} not rung ({})",
                        parkId,
                        attempt,
                        call.parker(),
                        failure != null ? failure.toString() : targets.isEmpty() ? "not registered" : "gone");
                return;
            }
            ringer.ring(
                    parkId,
                    targets,
                    call.parker(),
                    ParkNotice.ringingDisplay(call),
                    call.caller().asserted(),
                    ParkNotice.ringBack(call),
                    held.callerOffer,
                    null, // rings until the next deadline, which cancels it
                    answered -> rungBack(held, answered),
                    () -> LOG.info("Park {}: ring-back {} refused by every endpoint", parkId, attempt));
        });
    }

    /** The parker answered the ring-back: the call leaves its orbit (once, by the entity) and is joined to them. */
    private void rungBack(ParkedLegs.Parked held, Ringer.Answered answered) {
        calls.get().retrieve(held.parkId, held.call.parker()).whenComplete((reply, failure) -> {
            if (reply instanceof ParkedCallEntity.Retrieved && parked.release(held)) {
                settings.counted().accept(ParkSip.RUNG_BACK);
                join(held, answered);
            } else {
                // retrieved by someone else, ended, or the entity did not answer: the parker's call ends
                LOG.info(
                        "Park {}: ring-back answered but not taken: {}",
                        held.parkId,
                        failure != null ? failure : reply);
                sip.bye(answered.leg());
            }
        });
    }

    /**
     * The parked caller, out of the orbit and its music stopped, is re-INVITEd with the SDP of the
     * one who answered (who already has the caller's offer); if the caller refuses, both legs end.
     */
    private void join(ParkedLegs.Parked held, Ringer.Answered answered) {
        bridge.join(held.leg, answered.leg());
        byte[] sdp = answered.sdp();
        if (sdp == null || sdp.length == 0) {
            bridge.hangUpBoth(held.leg);
            return;
        }
        bridge.reinvite(
                held.leg, new String(sdp, java.nio.charset.StandardCharsets.UTF_8), callerAnswer -> {}, status -> {
                    LOG.info("Park {}: the parked caller answered {} to the re-INVITE", held.parkId, status);
                    bridge.hangUpBoth(held.leg);
                });
    }

    void gaveUp(String parkId, ParkedCall call, Optional<String> fallback) {
        ParkedLegs.Parked held = parked.get(parkId);
        if (held == null) {
            return;
        }
        ringer.cancel(parkId);
        if (fallback.isEmpty()) {
            endUnanswered(held);
            return;
        }
        String uri = fallback.get();
        CompletionStage<List<ParkSip.MessageTarget>> targets = settings.domains()
                        .contains(SipKit.hostOf(uri))
                ? settings.parkerTargets().apply(uri)
                : java.util.concurrent.CompletableFuture.completedFuture(List.of(new ParkSip.MessageTarget(uri, null)));
        targets.whenComplete((list, failure) -> ringer.ring(
                parkId,
                failure != null ? List.of() : list,
                uri,
                ParkNotice.ringingDisplay(call),
                call.caller().asserted(),
                ParkNotice.fallback(call),
                held.callerOffer,
                call.settings().pickupTimeout(),
                answered -> {
                    if (parked.release(held)) {
                        settings.counted().accept(ParkSip.FALLBACK);
                        join(held, answered);
                    } else {
                        sip.bye(answered.leg()); // the caller hung up meanwhile
                    }
                },
                () -> endUnanswered(held)));
    }

    private void endUnanswered(ParkedLegs.Parked held) {
        if (parked.release(held)) {
            settings.counted().accept(ParkSip.TIMED_OUT);
            sip.bye(held.leg);
        }
    }
}

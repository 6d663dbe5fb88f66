package io.switchboard.park.sip;

import io.switchboard.park.domain.ParkTarget;
import io.switchboard.park.entity.ParkedCallEntity;
import io.switchboard.park.entity.ParkedCalls;
import java.util.function.Supplier;
import javax.sip.ServerTransaction;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retrieves across nodes (call-park/README.md, "Retrieve at another node"): the asking side, a
 * node where an orbit was dialed but which holds no leg of its call, and the taking side, the node
 * holding the caller's leg, talking through {@link ParkPeers}.
 */
final class PoolRetrieves {

    private static final Logger LOG = LoggerFactory.getLogger(PoolRetrieves.class);

    private final ParkSip.Settings settings;
    private final SipKit sip;
    private final ParkedLegs parked;
    private final Bridge bridge;
    private final Ringer ringer;
    private final Supplier<ParkedCalls> calls;
    private final Supplier<ParkPeers> peers;

    PoolRetrieves(
            ParkSip.Settings settings,
            SipKit sip,
            ParkedLegs parked,
            Bridge bridge,
            Ringer ringer,
            Supplier<ParkedCalls> calls,
            Supplier<ParkPeers> peers) {
        this.settings = settings;
        this.sip = sip;
        this.parked = parked;
        this.bridge = bridge;
        this.ringer = ringer;
        this.calls = calls;
        this.peers = peers;
    }

    /**
     * A retrieve of a call whose caller leg another node holds: that node's park service re-INVITEs
     * the caller with our retriever's offer ({@link ParkPeers}); the caller's answer comes back in
     * our 200. Each node keeps its leg; a BYE on either is passed to the other node.
     */
    void ask(
            ServerTransaction tx,
            Request request,
            String retriever,
            ParkTarget.Retrieve r,
            String parkId,
            String offer,
            String identity) {
        ParkPeers pool = peers.get();
        if (pool == null) {
            sip.answer(tx, Response.TEMPORARILY_UNAVAILABLE, "Parked on another node", null);
            return;
        }
        pool.takeRetrieve(parkId, retriever, offer, Leg.callIdOf(request)).whenComplete((taken, failure) -> {
            if (failure == null && taken.isEmpty()) {
                // No node holds the caller's leg: either another retrieve (or the caller's BYE) took
                // the call in the meantime, so the orbit is empty (404, as when it was empty at the
                // start), or the node holding the leg is gone (480 until a survivor takes it over).
                calls.get().get(parkId).whenComplete((state, unknown) -> {
                    if (state instanceof ParkedCallEntity.Current c && c.call().isEmpty()) {
                        settings.counted().accept(ParkSip.EMPTY);
                        sip.answer(tx, Response.NOT_FOUND, "No call parked at " + r.orbit(), null);
                    } else {
                        sip.answer(tx, Response.TEMPORARILY_UNAVAILABLE, "Parked call not reachable", null);
                    }
                });
            } else if (failure != null) {
                // none answered in time
                sip.answer(tx, Response.TEMPORARILY_UNAVAILABLE, "Parked call not reachable", null);
            } else if (taken.get().reply() instanceof ParkPeers.Joined joined) {
                Leg here = Leg.asCallee(request, SipKit.newTag());
                var node = taken.get().node();
                bridge.joinRemote(here, () -> ParkPeers.hangUp(node, joined.callerCallId()));
                if (sip.ok(
                                tx,
                                request,
                                here.localTag,
                                joined.sdp().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                                identity)
                        == null) {
                    bridge.hangUpBoth(here);
                }
            } else if (taken.get().reply() instanceof ParkPeers.Failed f) {
                sip.answer(
                        tx,
                        f.status(),
                        f.status() == Response.NOT_FOUND ? "No call parked at " + r.orbit() : f.reason(),
                        null);
            }
        });
    }

    /** Another node asks: retrieve a park whose caller leg this node holds, for its retriever. */
    void take(ParkPeers.TakeRetrieve t) {
        ParkedLegs.Parked held = parked.get(t.parkId());
        if (held == null) {
            t.replyTo().tell(new ParkPeers.NotHeld());
            return;
        }
        calls.get().retrieve(t.parkId(), t.retriever()).whenComplete((reply, failed) -> {
            if (failed != null || reply instanceof ParkedCallEntity.Unavailable) {
                t.replyTo()
                        .tell(new ParkPeers.Failed(
                                Response.SERVICE_UNAVAILABLE, "Park service unavailable, try again"));
            } else if (reply instanceof ParkedCallEntity.NotParked) {
                t.replyTo().tell(new ParkPeers.Failed(Response.NOT_FOUND, "No call parked"));
            } else {
                settings.counted().accept(ParkSip.RETRIEVED);
                ringer.cancel(held.parkId);
                parked.release(held);
                Leg caller = held.leg;
                bridge.joinRemote(caller, () -> ParkPeers.hangUp(t.from(), t.retrieverCallId()));
                bridge.reinvite(
                        caller,
                        t.offer(),
                        answer -> t.replyTo()
                                .tell(new ParkPeers.Joined(
                                        caller.callId,
                                        answer == null
                                                ? ""
                                                : new String(answer, java.nio.charset.StandardCharsets.UTF_8))),
                        status -> {
                            LOG.info(
                                    "Retrieve of park {} from another node: the caller answered {}",
                                    held.parkId,
                                    status);
                            t.replyTo()
                                    .tell(new ParkPeers.Failed(
                                            Response.TEMPORARILY_UNAVAILABLE,
                                            "The parked caller did not take the call"));
                            bridge.hangUp(caller);
                        });
            }
        });
    }
}

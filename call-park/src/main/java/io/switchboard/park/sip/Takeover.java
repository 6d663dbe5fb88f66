package io.switchboard.park.sip;

import io.switchboard.park.domain.CallerHold;
import io.switchboard.park.domain.ParkedCall;
import io.switchboard.park.entity.ParkedCallEntity;
import io.switchboard.park.entity.ParkedCalls;
import io.switchboard.park.media.Codec;
import io.switchboard.park.media.Sdp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.SelfUp;
import org.apache.pekko.cluster.typed.Subscribe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes parked callers' legs over from nodes that died (call-park/README.md, "Takeover"). Each
 * parked call's row names the cluster member holding its leg; when a member is removed from the
 * cluster (after a {@code kill -9} the split brain resolver downs it), and once when this node
 * joins, every node looks for calls whose holder is no longer a member and asks each call's entity
 * for it. The entity gives it to the first asker only ({@link ParkedCallEntity.TakeOver}), storing
 * the new holder and the next CSeq block before it answers. The winner re-INVITEs the caller in
 * its dialog (RFC 3261 section 14: a CSeq above every one stored, our Contact, which refreshes the
 * caller's remote target so its BYE comes here, section 12.2.1.2) offering its own media address,
 * and plays the music from where the stored clock says it is. From then on the leg is held here
 * like one parked here: retrieves, ring-backs and the fallback work as before, and the entity's
 * deadline, stored as an instant, fires as it would have.
 *
 * <p>A leg whose INVITE came over TCP or TLS ran over a connection that ended with its node; the
 * caller cannot be reached by it, so the call is ended: the entity frees the orbit (once) and
 * deletes the row. A caller that refuses the re-INVITE or does not answer is ended likewise.
 */
final class Takeover {

    private static final Logger LOG = LoggerFactory.getLogger(Takeover.class);

    /** A sweep whose asks failed (the entity moving after the node's removal) runs again this much later. */
    static final long RETRY_SECONDS = 3;

    static final int MAX_RETRIES = 20;

    /** A sweep, after {@code removed} left the cluster (null: after this node came up). */
    private record Sweep(String removed) {}

    /**
     * Members seen removed. The cluster's state as read here may lag behind the removal event
     * (it is updated by its own subscriber), so a removed member counts as gone even while the
     * state still lists it.
     */
    private final Set<String> gone = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final String mediaAddress;
    private final Consumer<String> counted;
    private final ParkedLegs parked;
    private final Bridge bridge;
    private final Supplier<ParkedCalls> calls;
    private final ScheduledExecutorService timer;
    private volatile Supplier<CompletionStage<Map<String, String>>> holders;
    private volatile Cluster cluster;
    private volatile String self = "";
    private final java.util.concurrent.atomic.AtomicBoolean retrying = new java.util.concurrent.atomic.AtomicBoolean();

    Takeover(
            String mediaAddress,
            Consumer<String> counted,
            ParkedLegs parked,
            Bridge bridge,
            Supplier<ParkedCalls> calls,
            ScheduledExecutorService timer) {
        this.mediaAddress = mediaAddress;
        this.counted = counted;
        this.parked = parked;
        this.bridge = bridge;
        this.calls = calls;
        this.timer = timer;
    }

    /** This node's name as a holder: its member's unique address (a restarted node is a new member). */
    String self() {
        return self;
    }

    static String idOf(Member m) {
        return m.uniqueAddress().address() + "#" + m.uniqueAddress().longUid();
    }

    /**
     * Starts watching the cluster: a sweep after this node is up and after every member's removal.
     * {@code holders} reads every stored call's holder.
     */
    void start(ActorSystem<?> system, Supplier<CompletionStage<Map<String, String>>> holders) {
        this.holders = holders;
        this.cluster = Cluster.get(system);
        this.self = idOf(cluster.selfMember());
        system.systemActorOf(
                Behaviors.<Sweep>setup(ctx -> {
                    cluster.subscriptions()
                            .tell(Subscribe.create(
                                    ctx.messageAdapter(
                                            ClusterEvent.MemberRemoved.class, e -> new Sweep(idOf(e.member()))),
                                    ClusterEvent.MemberRemoved.class));
                    cluster.subscriptions()
                            .tell(Subscribe.create(
                                    ctx.messageAdapter(SelfUp.class, e -> new Sweep(null)), SelfUp.class));
                    return Behaviors.receiveMessage(m -> {
                        if (m.removed() != null) {
                            if (m.removed().equals(self)) {
                                return Behaviors.same(); // this node is leaving: nothing to take
                            }
                            gone.add(m.removed());
                        }
                        sweep(0);
                        return Behaviors.same();
                    });
                }),
                "park-takeover",
                Props.empty());
    }

    /**
     * Asks for every stored call whose holder is no longer a member, or is this node but the leg is
     * neither held nor being answered here (a takeover whose answer was lost to the ask's timeout).
     */
    void sweep(int attempt) {
        Supplier<CompletionStage<Map<String, String>>> read = holders;
        ParkedCalls entities = calls.get();
        if (read == null || entities == null) {
            return;
        }
        Set<String> members = new HashSet<>();
        cluster.state().getMembers().forEach(m -> members.add(idOf(m)));
        read.get().whenComplete((all, failure) -> {
            if (failure != null) {
                LOG.warn("Parked calls not read for takeover: {}", failure.toString());
                retry(attempt);
                return;
            }
            all.forEach((parkId, holder) -> {
                // held by a member that is gone; or stored as ours but not held here: a takeover
                // whose answer we missed (the ask timed out after the entity stored us)
                boolean orphan = gone.contains(holder) || !members.contains(holder) || holder.equals(self);
                if (orphan && parked.get(parkId) == null && !parked.preparing(parkId)) {
                    LOG.info("Park {}: its holder {} is gone, taking it over", parkId, holder);
                    entities.takeOver(parkId, holder, self).whenComplete((reply, failed) -> {
                        if (failed != null || reply instanceof ParkedCallEntity.Unavailable) {
                            LOG.info("Takeover of park {} from {} not answered yet", parkId, holder);
                            retry(attempt);
                        } else if (reply instanceof ParkedCallEntity.TakenOver t) {
                            adopt(parkId, t.call(), t.hold(), holder);
                        }
                    });
                }
            });
        });
    }

    private void retry(int attempt) {
        // one retry for all the asks of a sweep that failed
        if (attempt < MAX_RETRIES && retrying.compareAndSet(false, true)) {
            timer.schedule(
                    () -> {
                        retrying.set(false);
                        sweep(attempt + 1);
                    },
                    RETRY_SECONDS,
                    TimeUnit.SECONDS);
        }
    }

    /** The entity gave us the leg: re-INVITE the caller with our media address, then the music. */
    void adopt(String parkId, ParkedCall call, CallerHold hold, String from) {
        if (hold.connectionOriented()) {
            LOG.info(
                    "Park {}: the caller's {} connection ended with node {}; the call ends",
                    parkId,
                    hold.transport(),
                    from);
            end(parkId, call);
            return;
        }
        Codec codec = Codec.ofPayloadType(hold.payloadType());
        HeldMedia media;
        try {
            media = HeldMedia.open(mediaAddress);
        } catch (IOException e) {
            LOG.warn("No RTP socket to take park {} over: {}", parkId, e.toString());
            end(parkId, call);
            return;
        }
        String offer = Sdp.sendOnly(
                hold.sdpOrigin(), hold.sdpSessionId(), hold.sdpVersion(), media.address(), media.port(), codec);
        Leg leg = Leg.restored(hold);
        ParkedLegs.Parked held = parked.adopt(parkId, leg, media, offer, hold, call);
        if (held == null) {
            media.close(parkId);
            return;
        }
        LOG.info("Park {} at {}: taken over from {}", parkId, call.orbit(), from);
        bridge.reinvite(
                leg,
                offer,
                answer -> {
                    // the caller's answer says where it wants audio now; the stored offer's address otherwise
                    var audio = Sdp.audioOf(answer == null ? null : new String(answer, StandardCharsets.UTF_8));
                    String host = audio.map(Sdp.Audio::host).orElse(hold.callerHost());
                    int port = audio.map(Sdp.Audio::port).orElse(hold.callerPort());
                    parked.play(held, codec, host, port, hold);
                    counted.accept(ParkSip.TAKEN_OVER);
                },
                status -> {
                    LOG.info("Park {}: the caller answered our takeover re-INVITE {}; the call ends", parkId, status);
                    if (parked.release(held)) {
                        end(parkId, call);
                    }
                });
    }

    /** The call cannot go on: the entity frees the orbit (once) and deletes the row. */
    private void end(String parkId, ParkedCall call) {
        counted.accept(ParkSip.LOST);
        calls.get().retrieve(parkId, call.caller().uri()).whenComplete((reply, failure) -> {
            if (failure != null || reply instanceof ParkedCallEntity.Unavailable) {
                LOG.warn("Park {} ended but not freed: {}", parkId, failure != null ? failure : reply);
            }
        });
    }
}

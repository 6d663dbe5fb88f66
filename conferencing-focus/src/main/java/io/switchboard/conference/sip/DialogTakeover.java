package io.switchboard.conference.sip;

import io.switchboard.conference.store.DialogStore;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * Takes the focus's stored dialogs over from nodes that died (conferencing-focus/README.md,
 * "Surviving a node"). Each stored leg and subscription names the cluster member holding it; a
 * row whose holder is no longer a member (after a {@code kill -9} the split brain resolver removes
 * it) is claimed with a lightweight transaction, so one survivor only resumes it, with CSeq (and
 * version) ceilings one block higher stored in the same write.
 *
 * <p>Two ways in: every node sweeps the stored rows once it is up and whenever a member is removed
 * (the first survivor to claim a row resumes it: conference-info subscribers get a NOTIFY at once,
 * legs whose participant came over a connection to the dead node leave the roster); and a request
 * in a stored dialog that reaches a node not holding it ({@link #takeLeg}, {@link
 * #takeSubscription}) claims it there and then, so a BYE or re-INVITE arriving before the sweep
 * is served.
 */
final class DialogTakeover {

    private static final Logger LOG = LoggerFactory.getLogger(DialogTakeover.class);

    /** A sweep whose reads or claims failed (Cassandra busy while the cluster changes) runs again this much later. */
    static final long RETRY_SECONDS = 3;

    static final int MAX_RETRIES = 20;

    /** What this node does with the rows it claimed. */
    interface Adopter {
        boolean holdsLeg(String legId);

        /** Resume {@code leg} here; {@code swept}: found by a sweep (no request from the participant in hand). */
        void adoptLeg(DialogStore.Leg leg, long nextCseq, long nextMixerCseq, boolean swept);

        boolean holdsSubscription(String callId);

        /** Let go of a leg held here, without ending it (another node resumes it); false: busy with it now. */
        boolean releaseLeg(String legId);

        /** As {@link #releaseLeg}, for a subscription. */
        boolean releaseSubscription(String callId);

        /** The participant's ACK of our 2xx on leg {@code legId} came in at another node. */
        void acked(String legId);

        /** Resume {@code s} here, the versions after {@code lastVersion}; {@code swept} as for legs; done once held here. */
        CompletionStage<Void> adoptSubscription(
                DialogStore.Subscription s, long nextCseq, long lastVersion, boolean swept);
    }

    /** What a request in a dialog not held here gets: the dialog resumed here, or a refusal. */
    sealed interface Take {
        record Taken() implements Take {}

        record Refused(int status, String reason) implements Take {}
    }

    private record Sweep(String removed) implements DialogHandover.Message {}

    /** The actor's name under /system on every node: where {@link DialogHandover.Release} is sent. */
    static final String NAME = "conference-dialog-takeover";

    /** How long a live holder has to answer a {@link DialogHandover.Release}. */
    static final java.time.Duration RELEASE_TIMEOUT = java.time.Duration.ofSeconds(3);

    private final DialogStore store;
    private final DialogRecords records;
    private final Adopter adopter;
    private final ScheduledExecutorService timer;
    /** Members seen removed (the cluster's state read here may lag behind the event). */
    private final Set<String> gone = ConcurrentHashMap.newKeySet();

    private final AtomicBoolean retrying = new AtomicBoolean();
    private volatile Cluster cluster;
    private volatile ActorSystem<?> system;

    DialogTakeover(DialogStore store, DialogRecords records, Adopter adopter, ScheduledExecutorService timer) {
        this.store = store;
        this.records = records;
        this.adopter = adopter;
        this.timer = timer;
    }

    static String idOf(Member m) {
        return m.uniqueAddress().address() + "#" + m.uniqueAddress().longUid();
    }

    /** Names this node as a holder and starts sweeping: once this node is up, and after every member's removal. */
    void start(ActorSystem<?> system) {
        this.cluster = Cluster.get(system);
        this.system = system;
        records.self(idOf(cluster.selfMember()));
        system.systemActorOf(
                Behaviors.<DialogHandover.Message>setup(ctx -> {
                    cluster.subscriptions()
                            .tell(Subscribe.create(
                                    ctx.messageAdapter(
                                            ClusterEvent.MemberRemoved.class, e -> new Sweep(idOf(e.member()))),
                                    ClusterEvent.MemberRemoved.class));
                    cluster.subscriptions()
                            .tell(Subscribe.create(
                                    ctx.messageAdapter(SelfUp.class, e -> new Sweep(null)), SelfUp.class));
                    return Behaviors.receiveMessage(message -> {
                        if (message instanceof DialogHandover.Acked a) {
                            adopter.acked(a.legId());
                            return Behaviors.same();
                        }
                        if (message instanceof DialogHandover.Release r) {
                            boolean released = DialogHandover.LEG.equals(r.kind())
                                    ? adopter.releaseLeg(r.id())
                                    : adopter.releaseSubscription(r.id());
                            r.replyTo().tell(new DialogHandover.Released(r.id(), released));
                            return Behaviors.same();
                        }
                        Sweep m = (Sweep) message;
                        if (m.removed() != null) {
                            if (m.removed().equals(records.self())) {
                                return Behaviors.same(); // this node is leaving: nothing to take
                            }
                            gone.add(m.removed());
                        }
                        sweep(0);
                        return Behaviors.same();
                    });
                }),
                NAME,
                Props.empty());
    }

    /** True when {@code holder} no longer holds its rows: a member gone, or this node (a claim whose answer was lost). */
    private boolean orphaned(String holder) {
        Cluster c = cluster;
        if (c == null) {
            return false;
        }
        if (gone.contains(holder) || holder.equals(records.self())) {
            return true;
        }
        Set<String> members = new HashSet<>();
        c.state().getMembers().forEach(m -> members.add(idOf(m)));
        return !members.contains(holder);
    }

    void sweep(int attempt) {
        if (cluster == null) {
            return;
        }
        store.legHolders()
                .thenCombine(store.subscriptionHolders(), (legs, subs) -> {
                    List<CompletionStage<Void>> claims = new java.util.ArrayList<>();
                    for (DialogStore.Held h : legs) {
                        if (orphaned(h.holder()) && !adopter.holdsLeg(h.id())) {
                            claims.add(takeLeg(h.conferenceId(), h.id(), true).thenApply(t -> null));
                        }
                    }
                    for (DialogStore.Held h : subs) {
                        if (orphaned(h.holder()) && !adopter.holdsSubscription(h.id())) {
                            claims.add(takeSubscription(h.conferenceId(), h.id(), true)
                                    .thenApply(t -> null));
                        }
                    }
                    return claims;
                })
                .thenCompose(claims -> CompletableFuture.allOf(claims.stream()
                        .map(CompletionStage::toCompletableFuture)
                        .toArray(CompletableFuture[]::new)))
                .whenComplete((v, failure) -> {
                    if (failure != null) {
                        LOG.warn("Conference dialogs not taken over yet: {}", failure.toString());
                        retry(attempt);
                    }
                });
    }

    private void retry(int attempt) {
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

    /**
     * The stored leg {@code legId} of {@code conferenceId}, claimed for this node and resumed here
     * when its holder is gone: {@link Take.Taken}; unknown: 481 (RFC 3261 section 12.2.2); held by a
     * live node: 503 with Retry-After (that node serves it; a retry may reach it).
     */
    CompletionStage<Take> takeLeg(String conferenceId, String legId, boolean swept) {
        return store.leg(conferenceId, legId).thenCompose(found -> {
            if (found.isEmpty()) {
                return done(new Take.Refused(481, "No such conference dialog"));
            }
            DialogStore.Leg leg = found.get();
            if (!orphaned(leg.holder())) {
                if (swept || FocusLeg.connectionOriented(leg.transport())) {
                    // a TCP/TLS participant's flow is to its node: only that node reaches it
                    return done(new Take.Refused(503, "Conference dialog held by another node"));
                }
                // read again once released: the holder may have stored a higher CSeq block meanwhile
                return release(leg.holder(), DialogHandover.LEG, legId)
                        .thenCompose(released -> released
                                ? store.leg(conferenceId, legId)
                                        .thenCompose(again -> again.isPresent()
                                                ? claimLeg(again.get(), swept)
                                                : done(new Take.Refused(481, "No such conference dialog")))
                                : done(new Take.Refused(503, "Conference dialog busy on another node")));
            }
            return claimLeg(leg, swept);
        });
    }

    private CompletionStage<Take> claimLeg(DialogStore.Leg leg, boolean swept) {
        String conferenceId = leg.conferenceId();
        String legId = leg.legId();
        long pCeiling = leg.participant().cseqCeiling() + DialogRecords.BLOCK;
        long mCeiling = leg.mixerDialog() == null ? 0 : leg.mixerDialog().cseqCeiling() + DialogRecords.BLOCK;
        return store.claimLeg(conferenceId, legId, leg.holder(), records.self(), pCeiling, mCeiling)
                .thenApply(won -> {
                    if (!won) {
                        return adopter.holdsLeg(legId)
                                ? new Take.Taken()
                                : new Take.Refused(503, "Conference dialog being taken over");
                    }
                    LOG.info("Leg {} of conference {}: taken over from node {}", legId, conferenceId, leg.holder());
                    DialogStore.Dialog m = leg.mixerDialog();
                    DialogStore.Leg mine = new DialogStore.Leg(
                            leg.conferenceId(),
                            leg.conferenceUri(),
                            records.self(),
                            leg.transport(),
                            withCeiling(leg.participant(), pCeiling),
                            leg.offer(),
                            leg.sentSdp(),
                            leg.mixer(),
                            m == null ? null : withCeiling(m, mCeiling));
                    adopter.adoptLeg(
                            mine, leg.participant().cseqCeiling() + 1, m == null ? 1 : m.cseqCeiling() + 1, swept);
                    return new Take.Taken();
                });
    }

    /** As {@link #takeLeg}, for a conference-info subscription (by its dialog's Call-ID). */
    CompletionStage<Take> takeSubscription(String conferenceId, String callId, boolean swept) {
        return store.subscription(conferenceId, callId).thenCompose(found -> {
            if (found.isEmpty()) {
                return done(new Take.Refused(481, "No such subscription"));
            }
            DialogStore.Subscription s = found.get();
            if (!orphaned(s.holder())) {
                if (swept || FocusLeg.connectionOriented(s.transport())) {
                    return done(new Take.Refused(503, "Subscription held by another node"));
                }
                return release(s.holder(), DialogHandover.SUBSCRIPTION, callId)
                        .thenCompose(released -> released
                                ? store.subscription(conferenceId, callId)
                                        .thenCompose(again -> again.isPresent()
                                                ? claimSubscription(again.get(), swept)
                                                : done(new Take.Refused(481, "No such subscription")))
                                : done(new Take.Refused(503, "Subscription busy on another node")));
            }
            return claimSubscription(s, swept);
        });
    }

    private CompletionStage<Take> claimSubscription(DialogStore.Subscription s, boolean swept) {
        String conferenceId = s.conferenceId();
        String callId = s.dialog().callId();
        long cCeiling = s.dialog().cseqCeiling() + DialogRecords.BLOCK;
        long vCeiling = s.versionCeiling() + DialogRecords.BLOCK;
        return store.claimSubscription(conferenceId, callId, s.holder(), records.self(), cCeiling, vCeiling)
                .thenCompose(won -> {
                    if (!won) {
                        return done(
                                adopter.holdsSubscription(callId)
                                        ? new Take.Taken()
                                        : new Take.Refused(503, "Subscription being taken over"));
                    }
                    LOG.info(
                            "Conference-info subscription {} of {}: taken over from node {}",
                            callId,
                            conferenceId,
                            s.holder());
                    DialogStore.Subscription mine = new DialogStore.Subscription(
                            s.conferenceId(),
                            records.self(),
                            s.transport(),
                            withCeiling(s.dialog(), cCeiling),
                            s.eventId(),
                            s.expiresAt(),
                            vCeiling);
                    return adopter.adoptSubscription(mine, s.dialog().cseqCeiling() + 1, s.versionCeiling(), swept)
                            .thenApply(v -> (Take) new Take.Taken());
                });
    }

    /**
     * An ACK in the stored leg {@code legId} of {@code conferenceId} that this node does not hold:
     * passed to its live holder ({@link DialogHandover.Acked}), whose 2xx it acknowledges. Nothing
     * when the leg is unknown, or its holder is gone (the taker has no 2xx of its own to confirm).
     */
    void ackElsewhere(String conferenceId, String legId) {
        ActorSystem<?> s = system;
        if (s == null) {
            return;
        }
        store.leg(conferenceId, legId).whenComplete((found, failure) -> {
            if (failure != null || found.isEmpty() || orphaned(found.get().holder())) {
                return;
            }
            String holder = found.get().holder();
            int uid = holder.lastIndexOf('#');
            if (uid > 0 && !holder.equals(records.self())) {
                org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(s)
                        .actorSelection(holder.substring(0, uid) + "/system/" + NAME)
                        .tell(new DialogHandover.Acked(legId), org.apache.pekko.actor.ActorRef.noSender());
            }
        });
    }

    /**
     * Asks the live node {@code holder} to let go of a dialog ({@link DialogHandover.Release}):
     * true when it did (or no longer held it), false when it is busy with it or did not answer.
     */
    private CompletionStage<Boolean> release(String holder, String kind, String id) {
        ActorSystem<?> s = system;
        int uid = holder.lastIndexOf('#');
        if (s == null || uid < 0) {
            return CompletableFuture.completedFuture(false);
        }
        String path = holder.substring(0, uid) + "/system/" + NAME;
        return org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(s)
                .actorSelection(path)
                .resolveOne(RELEASE_TIMEOUT)
                .thenCompose(
                        classic -> org.apache.pekko.actor.typed.javadsl.AskPattern
                                .<DialogHandover.Message, DialogHandover.Released>ask(
                                        org.apache.pekko.actor.typed.javadsl.Adapter.toTyped(classic),
                                        replyTo -> new DialogHandover.Release(kind, id, replyTo),
                                        RELEASE_TIMEOUT,
                                        s.scheduler()))
                .thenApply(DialogHandover.Released::released)
                .exceptionally(failure -> {
                    LOG.info("Node {} did not release {} {}: {}", holder, kind, id, failure.toString());
                    return false;
                });
    }

    private static DialogStore.Dialog withCeiling(DialogStore.Dialog d, long ceiling) {
        return new DialogStore.Dialog(
                d.callId(),
                d.localTag(),
                d.localUri(),
                d.remoteUri(),
                d.remoteTag(),
                d.remoteTarget(),
                d.routeSet(),
                ceiling);
    }

    private static CompletionStage<Take> done(Take t) {
        return CompletableFuture.completedFuture(t);
    }
}

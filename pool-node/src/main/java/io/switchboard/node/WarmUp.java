package io.switchboard.node;

import io.switchboard.presence.entity.PresentityEntity;
import io.switchboard.presence.entity.ShardedPresence;
import io.switchboard.presence.entity.WatcherEntity;
import io.switchboard.registrar.domain.ContactSpec;
import io.switchboard.registrar.domain.RegisterRequest;
import io.switchboard.registrar.entity.RegistrarClient;
import io.switchboard.registrar.entity.RegistrarEntity;
import io.switchboard.sip.flow.Flow;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last step before a node is ready (issue 17, item 4; {@link Readiness}): rounds of the hot
 * path, each a REGISTER (a fenced write through sharding and Cassandra), a bindings read, a
 * presentity view and a watcher's contact list, for reserved AORs of this node ({@link #aorsOf})
 * that no user can have, one in each shard. The rounds go through the AORs in turn, so every
 * shard of the three entity types is allocated (here or elsewhere) before the first user arrives,
 * owner epochs are claimed and the driver's connections opened; the rounds also run the prepared
 * statements and the code paths until they are compiled. Without the shards, a fresh node's first
 * second of REGISTERs waited on hundreds of shard allocations at once and fell behind for seconds
 * (bench/RESULTS.md, "Fresh node").
 * The warm-up ends after {@link Settings#rounds()} rounds, and at least one per AOR, of which the
 * last {@link Settings#normalRounds()} each took at most {@link Settings#normalLatency()}; a round
 * that fails or is slow only prolongs it. It then removes the reserved bindings. Never blocks:
 * every step continues on the previous one's completion, pauses on {@code delay}.
 */
final class WarmUp {

    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);

    /**
     * @param rounds        at least this many successful rounds
     * @param normalRounds  the last this many rounds each at or under {@code normalLatency}
     * @param normalLatency what a round takes on a node that serves at its normal latency
     * @param pause         after a failed round, before the next
     * @param lanes         rounds in flight at once (each lane runs its rounds one after another)
     */
    record Settings(int rounds, int normalRounds, Duration normalLatency, Duration pause, int lanes) {

        /** One round at a time. */
        Settings(int rounds, int normalRounds, Duration normalLatency, Duration pause) {
            this(rounds, normalRounds, normalLatency, pause, 1);
        }
    }

    /** Runs {@code task} after {@code delay} (the actor system's scheduler in the node). */
    interface Delay {
        void after(Duration delay, Runnable task);
    }

    /** The presence part of a round: reads that start (or reach) the AOR's presentity and watcher entities. */
    interface PresenceReads {
        CompletionStage<Void> read(String aor);

        /** Over sharding: the presentity's full view, then the watcher's contact list. */
        static PresenceReads of(ShardedPresence presence) {
            return aor -> presence.view(aor, null)
                    .thenCompose(reply -> {
                        if (reply instanceof PresentityEntity.Unavailable u) {
                            throw new IllegalStateException("presentity: " + u.reason());
                        }
                        return presence.contacts(aor);
                    })
                    .thenAccept(reply -> {
                        if (reply instanceof WatcherEntity.Unavailable u) {
                            throw new IllegalStateException("watcher: " + u.reason());
                        }
                    });
        }
    }

    private final RegistrarClient registrar;
    private final PresenceReads presence;
    private final List<String> aors;
    private final Flow flow;
    private final long expires;
    private final Settings settings;
    private final Delay delay;
    private final BiConsumer<Integer, String> progress;
    private final String callId = "warm-up-" + UUID.randomUUID();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    /** The fields below change under this object's lock: rounds of several lanes complete on other threads. */
    private long cseq;

    private int issued;
    private int round;
    private int succeeded;
    private int normalInARow;
    private int lanesBusy;
    private boolean finishing;

    /**
     * @param expires  the reserved binding's Expires (the registrar's minimum, so it is accepted)
     * @param progress told (rounds so far, what the last round did) after each round
     */
    WarmUp(
            RegistrarClient registrar,
            PresenceReads presence,
            List<String> aors,
            Flow flow,
            long expires,
            Settings settings,
            Delay delay,
            BiConsumer<Integer, String> progress) {
        this.registrar = registrar;
        this.presence = presence;
        if (aors.isEmpty()) {
            throw new IllegalArgumentException("no AOR to warm up with");
        }
        this.aors = List.copyOf(aors);
        this.flow = flow;
        this.expires = expires;
        this.settings = settings;
        this.delay = delay;
        this.progress = progress;
    }

    /** The reserved AOR of node {@code nodeId}: in the .invalid domain (RFC 2606), which no user of ours has. */
    static String aorOf(String nodeId) {
        return "sip:warm-up." + nodeId.replaceAll("[^A-Za-z0-9-]", "-") + "@switchboard.invalid";
    }

    /**
     * Reserved AORs of node {@code nodeId}, {@link #aorOf} first, then {@code sip:warm-up.<node>.<k>@...}
     * for the smallest {@code k} that falls in each shard not yet covered, until each of the
     * {@code shards} shards has one. Entity keys go to shards by Pekko's default extractor
     * ({@link #shardOf}), for every entity type alike, so these cover every type's shards.
     */
    static List<String> aorsOf(String nodeId, int shards) {
        String node = nodeId.replaceAll("[^A-Za-z0-9-]", "-");
        java.util.Map<Integer, String> byShard = new java.util.LinkedHashMap<>();
        byShard.put(shardOf(aorOf(nodeId), shards), aorOf(nodeId));
        for (int k = 0; byShard.size() < shards; k++) {
            String aor = "sip:warm-up." + node + "." + k + "@switchboard.invalid";
            byShard.putIfAbsent(shardOf(aor, shards), aor);
        }
        return List.copyOf(byShard.values());
    }

    /** The shard of entity key {@code id}: Pekko's {@code HashCodeMessageExtractor.shardId}. */
    static int shardOf(String id, int shards) {
        return Math.abs(id.hashCode() % shards);
    }

    /** Starts the rounds; the stage completes when the warm-up is done (it never fails: it keeps trying). */
    CompletionStage<Void> start() {
        int lanes = Math.min(settings.lanes(), aors.size());
        synchronized (this) {
            lanesBusy = lanes;
        }
        for (int i = 0; i < lanes; i++) {
            next();
        }
        return done;
    }

    private void next() {
        String aor;
        synchronized (this) {
            if (finishing) {
                lanesBusy--;
                if (lanesBusy == 0) {
                    finish();
                }
                return;
            }
            aor = aors.get(issued++ % aors.size()); // a failed round's AOR is not retried: the next one comes
        }
        long started = System.nanoTime();
        oneRound(aor).whenComplete((ok, failure) -> {
            long nanos = System.nanoTime() - started;
            int roundsSoFar;
            synchronized (this) {
                round++;
                roundsSoFar = round;
                if (failure != null) {
                    normalInARow = 0;
                } else {
                    succeeded++;
                    normalInARow = nanos <= settings.normalLatency().toNanos() ? normalInARow + 1 : 0;
                    if (succeeded >= Math.max(settings.rounds(), aors.size())
                            && normalInARow >= settings.normalRounds()) {
                        finishing = true; // each lane stops at its next turn; the last one finishes
                    }
                }
            }
            if (failure != null) {
                progress.accept(roundsSoFar, "round failed: " + rootMessage(failure));
                delay.after(settings.pause(), this::next);
            } else {
                progress.accept(roundsSoFar, "last round took " + nanos / 1_000_000 + " ms");
                next();
            }
        });
    }

    private CompletionStage<Void> oneRound(String aor) {
        return registrar
                .register(request(aor, expires))
                .thenCompose(reply -> {
                    if (!(reply instanceof RegistrarEntity.Registered)) {
                        throw new IllegalStateException("REGISTER answered " + reply);
                    }
                    return registrar.bindings(aor);
                })
                .thenCompose(reply -> {
                    if (!(reply instanceof RegistrarEntity.CurrentBindings)) {
                        throw new IllegalStateException("bindings answered " + reply);
                    }
                    return presence.read(aor);
                });
    }

    /**
     * Removes the reserved bindings (Expires 0) once no round is in flight, all at once, whatever
     * the answers: they expire by their TTL otherwise.
     */
    private void finish() {
        int used;
        synchronized (this) {
            used = Math.min(aors.size(), issued);
        }
        CompletableFuture<?>[] removals = new CompletableFuture<?>[used];
        for (int i = 0; i < used; i++) {
            String aor = aors.get(i);
            removals[i] = registrar
                    .register(request(aor, 0))
                    .handle((reply, failure) -> {
                        if (failure != null) {
                            LOG.debug("Removing the warm-up binding of {} failed: {}", aor, failure.toString());
                        }
                        return null;
                    })
                    .toCompletableFuture();
        }
        CompletableFuture.allOf(removals).whenComplete((ok, failure) -> done.complete(null));
    }

    private RegisterRequest request(String aor, long seconds) {
        long n;
        synchronized (this) {
            n = ++cseq;
        }
        return new RegisterRequest(
                aor,
                callId,
                n,
                false,
                List.of(ContactSpec.of("sip:warm-up@" + flow.sourceHost() + ":" + flow.sourcePort())),
                OptionalLong.of(seconds),
                List.of(),
                false,
                flow,
                "switchboard warm-up");
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return c.toString();
    }
}

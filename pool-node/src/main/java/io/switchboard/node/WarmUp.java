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
 * presentity view and a watcher's contact list, all for a reserved AOR of this node
 * ({@link #aorOf}) that no user can have. The first round starts the three entity types' shard
 * regions and shards here or elsewhere, claims the owner epochs and opens the driver's
 * connections; later rounds run the prepared statements and the code paths until they are compiled.
 * The warm-up ends after {@link Settings#rounds()} rounds of which the last
 * {@link Settings#normalRounds()} each took at most {@link Settings#normalLatency()}; a round that
 * fails or is slow only prolongs it. It then removes the reserved binding. Never blocks: every
 * step continues on the previous one's completion, pauses on {@code delay}.
 */
final class WarmUp {

    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);

    /**
     * @param rounds        at least this many successful rounds
     * @param normalRounds  the last this many rounds each at or under {@code normalLatency}
     * @param normalLatency what a round takes on a node that serves at its normal latency
     * @param pause         after a failed round, before the next
     */
    record Settings(int rounds, int normalRounds, Duration normalLatency, Duration pause) {}

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
    private final String aor;
    private final Flow flow;
    private final long expires;
    private final Settings settings;
    private final Delay delay;
    private final BiConsumer<Integer, String> progress;
    private final String callId = "warm-up-" + UUID.randomUUID();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private long cseq;
    private int round;
    private int succeeded;
    private int normalInARow;

    /**
     * @param expires  the reserved binding's Expires (the registrar's minimum, so it is accepted)
     * @param progress told (rounds so far, what the last round did) after each round
     */
    WarmUp(
            RegistrarClient registrar,
            PresenceReads presence,
            String aor,
            Flow flow,
            long expires,
            Settings settings,
            Delay delay,
            BiConsumer<Integer, String> progress) {
        this.registrar = registrar;
        this.presence = presence;
        this.aor = aor;
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

    /** Starts the rounds; the stage completes when the warm-up is done (it never fails: it keeps trying). */
    CompletionStage<Void> start() {
        next();
        return done;
    }

    private void next() {
        long started = System.nanoTime();
        oneRound().whenComplete((ok, failure) -> {
            round++;
            long nanos = System.nanoTime() - started;
            if (failure != null) {
                normalInARow = 0;
                progress.accept(round, "round failed: " + rootMessage(failure));
                delay.after(settings.pause(), this::next);
                return;
            }
            succeeded++;
            normalInARow = nanos <= settings.normalLatency().toNanos() ? normalInARow + 1 : 0;
            progress.accept(round, "last round took " + nanos / 1_000_000 + " ms");
            if (succeeded >= settings.rounds() && normalInARow >= settings.normalRounds()) {
                finish();
            } else {
                next();
            }
        });
    }

    private CompletionStage<Void> oneRound() {
        return registrar
                .register(request(expires))
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

    /** Removes the reserved binding (Expires 0), whatever the answer: it expires by its TTL otherwise. */
    private void finish() {
        registrar.register(request(0)).whenComplete((reply, failure) -> {
            if (failure != null) {
                LOG.debug("Removing the warm-up binding of {} failed: {}", aor, failure.toString());
            }
            done.complete(null);
        });
    }

    private RegisterRequest request(long seconds) {
        return new RegisterRequest(
                aor,
                callId,
                ++cseq,
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

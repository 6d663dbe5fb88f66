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
import java.util.ArrayList;
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
 * presentity view and a watcher's contact list, for reserved AORs of this node ({@link #aorOf})
 * that no user can have. {@link Settings#parallel()} chains of rounds run side by side, each on
 * its own AORs (so every AOR's CSeqs rise in order); {@link Settings#aors()} AORs in all, so
 * their entities start on shards here and elsewhere, load their (empty) rows and claim owner
 * epochs as a first REGISTER of a user does. The rounds run the prepared statements and the code
 * paths, in this JVM and in Cassandra's, until they are compiled: a fresh node that ran only a
 * few rounds answered its first thousands of users several times slower than later ones
 * (bench/RESULTS.md, "Fresh node").
 * The warm-up ends after {@link Settings#rounds()} successful rounds of which the last
 * {@link Settings#normalRounds()} each took at most {@link Settings#normalLatency()}; a round that
 * fails or is slow only prolongs it. It then removes the reserved bindings. Never blocks: every
 * step continues on the previous one's completion, pauses on {@code delay}.
 */
final class WarmUp {

    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);

    /**
     * @param rounds        at least this many successful rounds
     * @param normalRounds  the last this many rounds each at or under {@code normalLatency}
     * @param normalLatency what a round takes on a node that serves at its normal latency
     * @param pause         after a failed round, before that chain's next
     * @param parallel      chains of rounds at once
     * @param aors          reserved AORs in all (at least {@code parallel})
     */
    record Settings(int rounds, int normalRounds, Duration normalLatency, Duration pause, int parallel, int aors) {
        Settings {
            if (parallel < 1 || aors < parallel) {
                throw new IllegalArgumentException("parallel " + parallel + " and aors " + aors);
            }
        }

        /** One chain of rounds on one AOR. */
        Settings(int rounds, int normalRounds, Duration normalLatency, Duration pause) {
            this(rounds, normalRounds, normalLatency, pause, 1, 1);
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

    /** One reserved AOR: its Call-ID and last CSeq, used by one chain only. */
    private static final class Reserved {
        final String aor;
        final String callId = "warm-up-" + UUID.randomUUID();
        long cseq;

        Reserved(String aor) {
            this.aor = aor;
        }
    }

    private final RegistrarClient registrar;
    private final PresenceReads presence;
    private final Flow flow;
    private final long expires;
    private final Settings settings;
    private final Delay delay;
    private final BiConsumer<Integer, String> progress;
    private final List<Reserved> reserved = new ArrayList<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private int round;
    private int succeeded;
    private int normalInARow;
    private boolean finishing;

    /**
     * @param aor      the first reserved AOR ({@link #aorOf}); the others add {@code .N} to its user
     * @param expires  the reserved bindings' Expires (the registrar's minimum, so it is accepted)
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
        this.flow = flow;
        this.expires = expires;
        this.settings = settings;
        this.delay = delay;
        this.progress = progress;
        int at = aor.indexOf('@');
        for (int i = 0; i < settings.aors(); i++) {
            reserved.add(new Reserved(i == 0 ? aor : aor.substring(0, at) + "." + i + aor.substring(at)));
        }
    }

    /** The reserved AOR of node {@code nodeId}: in the .invalid domain (RFC 2606), which no user of ours has. */
    static String aorOf(String nodeId) {
        return "sip:warm-up." + nodeId.replaceAll("[^A-Za-z0-9-]", "-") + "@switchboard.invalid";
    }

    /** Starts the rounds; the stage completes when the warm-up is done (it never fails: it keeps trying). */
    CompletionStage<Void> start() {
        for (int chain = 0; chain < settings.parallel(); chain++) {
            next(chain, chain);
        }
        return done;
    }

    /** Chain {@code chain}'s next round, on reserved AOR {@code index} (chains step by {@code parallel}). */
    private void next(int chain, int index) {
        long started = System.nanoTime();
        Reserved r = reserved.get(index);
        oneRound(r).whenComplete((ok, failure) -> {
            long nanos = System.nanoTime() - started;
            int following = index + settings.parallel() < reserved.size() ? index + settings.parallel() : chain;
            String line;
            boolean again;
            synchronized (this) {
                if (finishing) {
                    return;
                }
                round++;
                if (failure != null) {
                    normalInARow = 0;
                    line = "round failed: " + rootMessage(failure);
                } else {
                    succeeded++;
                    normalInARow = nanos <= settings.normalLatency().toNanos() ? normalInARow + 1 : 0;
                    line = "last round took " + nanos / 1_000_000 + " ms";
                }
                finishing = succeeded >= settings.rounds() && normalInARow >= settings.normalRounds();
                again = !finishing;
                progress.accept(round, line);
            }
            if (!again) {
                finish();
            } else if (failure != null) {
                delay.after(settings.pause(), () -> next(chain, following));
            } else {
                next(chain, following);
            }
        });
    }

    private CompletionStage<Void> oneRound(Reserved r) {
        return registrar
                .register(request(r, expires))
                .thenCompose(reply -> {
                    if (!(reply instanceof RegistrarEntity.Registered)) {
                        throw new IllegalStateException("REGISTER answered " + reply);
                    }
                    return registrar.bindings(r.aor);
                })
                .thenCompose(reply -> {
                    if (!(reply instanceof RegistrarEntity.CurrentBindings)) {
                        throw new IllegalStateException("bindings answered " + reply);
                    }
                    return presence.read(r.aor);
                });
    }

    /**
     * Removes the reserved bindings (Expires 0), whatever the answers: they expire by their TTL
     * otherwise. A chain's round still in flight may land after its removal; its binding then
     * expires by its TTL (the registrar's minimum Expires).
     */
    private void finish() {
        List<CompletableFuture<?>> removals = new ArrayList<>();
        for (Reserved r : reserved) {
            removals.add(registrar.register(request(r, 0)).toCompletableFuture().whenComplete((reply, failure) -> {
                if (failure != null) {
                    LOG.debug("Removing the warm-up binding of {} failed: {}", r.aor, failure.toString());
                }
            }));
        }
        CompletableFuture.allOf(removals.toArray(CompletableFuture[]::new)).whenComplete((v, t) -> done.complete(null));
    }

    private RegisterRequest request(Reserved r, long seconds) {
        return new RegisterRequest(
                r.aor,
                r.callId,
                ++r.cseq,
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

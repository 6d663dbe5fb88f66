package io.switchboard.entity.due;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * Wakes the entities whose rows in the {@link DueIndex} are due (docs/architecture.md, "After a
 * node loss", decision (a)). One per pool: a cluster singleton, so it moves to a survivor when its
 * node dies, like the entities it wakes.
 *
 * <p>Every {@link Settings#interval} it reads the rows of each entity type that became due since
 * its last sweep, up to {@code now - grace} (so an entity alive on its node normally fires from its
 * own timer first; waking it anyway is harmless), wakes each entity, then removes the row. A sweep
 * that fails is repeated from the same point. A sweeper that starts (a new pool, or the singleton
 * moved) looks back {@link Settings#horizon}: rows are removed once swept, so it finds only what
 * nobody woke yet. Its clock decides only when to look; each woken entity checks its deadlines
 * against its own node's clock (docs/architecture.md, rule 10).
 */
public final class DueSweeper {

    /** How the sweeper wakes an entity: through cluster sharding in a node, a probe in tests. */
    public interface Waker {
        void wake(DueIndex.Due due);
    }

    /**
     * @param types    the entity types whose rows are swept (their {@code EntityTypeKey} names)
     * @param interval how often to sweep
     * @param grace    how long after its due time a row is left to the entity's own timer
     * @param horizon  how far back a starting sweeper looks
     */
    public record Settings(
            DueIndex index,
            List<String> types,
            Waker waker,
            Duration interval,
            Duration grace,
            Duration horizon,
            Clock clock) {
        public Settings {
            types = List.copyOf(types);
        }
    }

    sealed interface Message {}

    private enum Sweep implements Message {
        INSTANCE
    }

    private record Swept(Instant upTo, Throwable failure) implements Message {}

    private DueSweeper() {}

    /** Runs the sweeper as the pool's cluster singleton {@code entity-due-sweeper}. */
    public static void start(ActorSystem<?> system, Settings settings) {
        ClusterSingleton.get(system).init(SingletonActor.of(create(settings), "entity-due-sweeper"));
    }

    /** The sweeper's behaviour (tests spawn it directly). */
    public static Behavior<Message> create(Settings settings) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            timers.startTimerWithFixedDelay(Sweep.INSTANCE, settings.interval());
            return sweeping(settings, settings.clock().instant().minus(settings.horizon()), false);
        }));
    }

    private static Behavior<Message> sweeping(Settings settings, Instant sweptUpTo, boolean busy) {
        return Behaviors.receive(Message.class)
                .onMessageEquals(Sweep.INSTANCE, () -> {
                    if (busy) {
                        return Behaviors.same(); // the sweep in progress covers it
                    }
                    Instant upTo = settings.clock().instant().minus(settings.grace());
                    if (!upTo.isAfter(sweptUpTo)) {
                        return Behaviors.same();
                    }
                    return Behaviors.setup(ctx -> {
                        ctx.pipeToSelf(sweep(settings, sweptUpTo, upTo), (ok, failure) -> new Swept(upTo, failure));
                        return sweeping(settings, sweptUpTo, true);
                    });
                })
                .onMessage(
                        Swept.class,
                        swept -> Behaviors.setup(ctx -> {
                            if (swept.failure() != null) {
                                ctx.getLog()
                                        .warn(
                                                "Sweeping due entities failed, retrying: {}",
                                                swept.failure().toString());
                                return sweeping(settings, sweptUpTo, false);
                            }
                            return sweeping(settings, swept.upTo(), false);
                        }))
                .build();
    }

    /** Wakes every entity due in (from, to] and removes its row; completes when all rows are removed. */
    static CompletionStage<Void> sweep(Settings settings, Instant from, Instant to) {
        List<CompletableFuture<Void>> types = new ArrayList<>();
        for (String type : settings.types()) {
            types.add(settings.index()
                    .due(type, from, to)
                    .thenCompose(due -> {
                        List<CompletableFuture<Void>> removals = new ArrayList<>();
                        for (DueIndex.Due d : due) {
                            settings.waker().wake(d);
                            removals.add(settings.index().remove(d).toCompletableFuture());
                        }
                        return CompletableFuture.allOf(removals.toArray(CompletableFuture[]::new));
                    })
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(types.toArray(CompletableFuture[]::new));
    }
}

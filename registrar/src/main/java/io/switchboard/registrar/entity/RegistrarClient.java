package io.switchboard.registrar.entity;

import io.switchboard.registrar.domain.RegisterRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * How the SIP edge and the admin API talk to registrar entities, wherever in the cluster they
 * live. Asks never block the caller's thread; a timeout completes the stage exceptionally.
 *
 * <p>Callbacks chained with the non-async methods ({@code whenComplete}, {@code thenApply}, ...)
 * run on the thread that completes the stage: the dispatcher thread of the entity that replied,
 * or the scheduler thread for a timeout. They must not block (docs/architecture.md, rule 4), like every callback
 * in the node.
 */
public interface RegistrarClient {

    CompletionStage<RegistrarEntity.RegisterReply> register(RegisterRequest request);

    CompletionStage<RegistrarEntity.BindingsReply> bindings(String aor);

    /** The client over cluster sharding. */
    static RegistrarClient sharded(ActorSystem<?> system, Duration askTimeout) {
        ClusterSharding sharding = ClusterSharding.get(system);
        return new RegistrarClient() {
            @Override
            public CompletionStage<RegistrarEntity.RegisterReply> register(RegisterRequest request) {
                return onCompletingThread(sharding.entityRefFor(RegistrarEntity.ENTITY_KEY, request.aor())
                        .ask(replyTo -> new RegistrarEntity.Register(request, replyTo), askTimeout));
            }

            @Override
            public CompletionStage<RegistrarEntity.BindingsReply> bindings(String aor) {
                return onCompletingThread(sharding.entityRefFor(RegistrarEntity.ENTITY_KEY, aor)
                        .ask(RegistrarEntity.GetBindings::new, askTimeout));
            }
        };
    }

    /**
     * The client over cluster sharding, each REGISTER carrying the time its asker waits for the
     * entity to start on it ({@link RegistrarEntity.RegisterWithin}, {@code budget}'s
     * {@code timeLeft}, counted on the monotonic clock of whichever node holds the message): the
     * entity refuses it unwritten if its turn comes later, and bounds its write by the budget's
     * write timeout (set the entity's {@code Settings.writeTimeout} to it), so its answer, whatever
     * it is, reaches the edge before the ask times out and matches what was stored (issue 17,
     * item 4), whatever the two nodes' wall clocks say (docs/architecture.md, rule 10).
     */
    static RegistrarClient sharded(ActorSystem<?> system, io.switchboard.entity.AskBudget budget) {
        ClusterSharding sharding = ClusterSharding.get(system);
        RegistrarClient reads = sharded(system, budget.askTimeout());
        return new RegistrarClient() {
            @Override
            public CompletionStage<RegistrarEntity.RegisterReply> register(RegisterRequest request) {
                io.switchboard.entity.TimeLeft left = budget.timeLeft();
                return onCompletingThread(sharding.entityRefFor(RegistrarEntity.ENTITY_KEY, request.aor())
                        .ask(
                                replyTo -> new RegistrarEntity.RegisterWithin(request, left, replyTo),
                                budget.askTimeout()));
            }

            @Override
            public CompletionStage<RegistrarEntity.BindingsReply> bindings(String aor) {
                return reads.bindings(aor);
            }
        };
    }

    /**
     * Reads bindings from the entity, and from Cassandra when the entity does not answer in time
     * (its node just died and the cluster has not moved it yet: about 10-20 s). Every binding a
     * client was told about is in the store (docs/architecture.md, rule 2), so lookups (routing, the admin
     * listing) keep working through a node loss; REGISTERs still go to the entity only, the single
     * writer (rule 1). Expired rows the store may still return are left out.
     */
    static RegistrarClient readingThroughToStore(
            RegistrarClient entities, io.switchboard.registrar.store.BindingStore store, java.time.Clock clock) {
        return new RegistrarClient() {
            @Override
            public CompletionStage<RegistrarEntity.RegisterReply> register(
                    io.switchboard.registrar.domain.RegisterRequest request) {
                return entities.register(request);
            }

            @Override
            public CompletionStage<RegistrarEntity.BindingsReply> bindings(String aor) {
                CompletableFuture<RegistrarEntity.BindingsReply> result = new CompletableFuture<>();
                entities.bindings(aor).whenComplete((reply, failure) -> {
                    if (failure == null && reply instanceof RegistrarEntity.CurrentBindings) {
                        result.complete(reply);
                        return;
                    }
                    store.load(aor, clock).whenComplete((loaded, storeFailure) -> {
                        if (storeFailure != null) {
                            result.completeExceptionally(storeFailure);
                        } else {
                            java.time.Instant now = clock.instant();
                            result.complete(new RegistrarEntity.CurrentBindings(
                                    aor,
                                    loaded.stream()
                                            .filter(b -> !b.isExpired(now))
                                            .toList()));
                        }
                    });
                });
                return result;
            }
        };
    }

    /**
     * A plain {@link CompletableFuture} mirroring {@code ask}'s stage. Pekko's ask returns Scala's
     * {@code FutureConvertersImpl.CF}, which turns every non-async callback into an async one on
     * {@code ForkJoinPool.commonPool()}; with fewer than 3 cores that pool has parallelism 1, so
     * {@code CompletableFuture} falls back to a new thread per callback: one thread started and
     * destroyed for every REGISTER answered (measured: 12,000 threads for 12,000 flows). The
     * mirror completes inline, and its callbacks run on the completing thread.
     */
    static <T> CompletionStage<T> onCompletingThread(CompletionStage<T> stage) {
        CompletableFuture<T> mirror = new CompletableFuture<>();
        stage.whenCompleteAsync(
                (value, failure) -> {
                    if (failure != null) {
                        mirror.completeExceptionally(failure);
                    } else {
                        mirror.complete(value);
                    }
                },
                Runnable::run);
        return mirror;
    }
}

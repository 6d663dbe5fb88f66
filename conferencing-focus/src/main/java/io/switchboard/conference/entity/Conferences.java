package io.switchboard.conference.entity;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * How the focus's SIP side and the admin API talk to conference entities, wherever in the cluster
 * they live. Asks never block; a timeout completes the stage exceptionally. Callbacks run on the
 * thread that completed the ask and must not block.
 */
public interface Conferences {

    /** Asks the conference {@code conferenceId} the command {@code command} builds around its reply address. */
    <R> CompletionStage<R> ask(String conferenceId, Function<ActorRef<R>, ConferenceEntity.Command> command);

    /** The client over cluster sharding. */
    static Conferences sharded(ActorSystem<?> system, Duration askTimeout) {
        ClusterSharding sharding = ClusterSharding.get(system);
        return new Conferences() {
            @Override
            public <R> CompletionStage<R> ask(
                    String conferenceId, Function<ActorRef<R>, ConferenceEntity.Command> command) {
                CompletionStage<R> asked = sharding.entityRefFor(ConferenceEntity.ENTITY_KEY, conferenceId)
                        .ask(command::apply, askTimeout);
                // completed on the thread that completed the ask, not on a pool thread
                CompletableFuture<R> mirror = new CompletableFuture<>();
                asked.whenCompleteAsync(
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
        };
    }
}

package io.switchboard.park.entity;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * How the SIP edge and the admin API talk to parked call entities, wherever in the cluster they
 * live. Asks never block; a timeout completes the stage exceptionally. Callbacks run on the thread
 * that completed the ask and must not block.
 */
public interface ParkedCalls {

    CompletionStage<ParkedCallEntity.ParkReply> park(String parkId, ParkedCallEntity.ParkRequest request);

    CompletionStage<ParkedCallEntity.RetrieveReply> retrieve(String parkId, String retriever);

    CompletionStage<ParkedCallEntity.StateReply> get(String parkId);

    /** Parks storing the caller's leg with the call ({@link ParkedCallEntity.ParkHeld}). */
    CompletionStage<ParkedCallEntity.ParkReply> park(
            String parkId, ParkedCallEntity.ParkRequest request, io.switchboard.park.domain.CallerHold hold);

    /** Takes the caller's leg over from a member that left ({@link ParkedCallEntity.TakeOver}). */
    CompletionStage<ParkedCallEntity.TakeOverReply> takeOver(String parkId, String goneHolder, String newHolder);

    /** The client over cluster sharding. */
    static ParkedCalls sharded(ActorSystem<?> system, Duration askTimeout) {
        ClusterSharding sharding = ClusterSharding.get(system);
        return new ParkedCalls() {
            @Override
            public CompletionStage<ParkedCallEntity.ParkReply> park(
                    String parkId, ParkedCallEntity.ParkRequest request) {
                return mirrored(sharding.entityRefFor(ParkedCallEntity.ENTITY_KEY, parkId)
                        .ask(replyTo -> new ParkedCallEntity.Park(request, replyTo), askTimeout));
            }

            @Override
            public CompletionStage<ParkedCallEntity.RetrieveReply> retrieve(String parkId, String retriever) {
                return mirrored(sharding.entityRefFor(ParkedCallEntity.ENTITY_KEY, parkId)
                        .ask(replyTo -> new ParkedCallEntity.Retrieve(retriever, replyTo), askTimeout));
            }

            @Override
            public CompletionStage<ParkedCallEntity.ParkReply> park(
                    String parkId, ParkedCallEntity.ParkRequest request, io.switchboard.park.domain.CallerHold hold) {
                return mirrored(sharding.entityRefFor(ParkedCallEntity.ENTITY_KEY, parkId)
                        .ask(replyTo -> new ParkedCallEntity.ParkHeld(request, hold, replyTo), askTimeout));
            }

            @Override
            public CompletionStage<ParkedCallEntity.TakeOverReply> takeOver(
                    String parkId, String goneHolder, String newHolder) {
                return mirrored(sharding.entityRefFor(ParkedCallEntity.ENTITY_KEY, parkId)
                        .ask(replyTo -> new ParkedCallEntity.TakeOver(goneHolder, newHolder, replyTo), askTimeout));
            }

            @Override
            public CompletionStage<ParkedCallEntity.StateReply> get(String parkId) {
                return mirrored(sharding.entityRefFor(ParkedCallEntity.ENTITY_KEY, parkId)
                        .ask(ParkedCallEntity.GetParked::new, askTimeout));
            }
        };
    }

    /** The ask's outcome, completed on the thread that completed the ask (not a pool thread). */
    private static <T> CompletionStage<T> mirrored(CompletionStage<T> stage) {
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

package io.switchboard.registrar.entity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import scala.concurrent.Promise;
import scala.jdk.javaapi.FutureConverters;

/** The stage the client hands out runs callbacks where the reply arrives, never on a new thread. */
class RegistrarClientTest {

    @Test
    void callbacksRunOnTheThreadThatCompletesTheAsk() throws Exception {
        // what EntityRef.ask returns: a Scala future seen through FutureConverters (its CF class
        // turns whenComplete into whenCompleteAsync on the common pool)
        Promise<String> reply = Promise.apply();
        CompletionStage<String> stage = RegistrarClient.onCompletingThread(FutureConverters.asJava(reply.future()));
        CompletableFuture<Thread> ranOn = new CompletableFuture<>();
        stage.whenComplete((value, failure) -> ranOn.complete(Thread.currentThread()));

        Thread replier = new Thread(() -> reply.success("ok"), "entity-dispatcher");
        replier.start();
        replier.join();

        assertThat(ranOn.get(5, TimeUnit.SECONDS)).isSameAs(replier);
        assertThat(stage.toCompletableFuture().get()).isEqualTo("ok");
    }

    @Test
    void failuresPassThrough() {
        Promise<String> reply = Promise.apply();
        CompletionStage<String> stage = RegistrarClient.onCompletingThread(FutureConverters.asJava(reply.future()));
        IllegalStateException timeout = new IllegalStateException("ask timed out");
        reply.failure(timeout);
        assertThat(stage.toCompletableFuture()).isCompletedExceptionally();
        assertThat(stage.toCompletableFuture().handle((v, e) -> e).join()).isSameAs(timeout);
    }
}

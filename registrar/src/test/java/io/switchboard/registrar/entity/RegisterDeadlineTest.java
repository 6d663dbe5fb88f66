package io.switchboard.registrar.entity;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.entity.AskBudget;
import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.BindingKey;
import io.switchboard.registrar.domain.RegisterRules;
import io.switchboard.registrar.domain.RegistrarPolicy;
import io.switchboard.registrar.store.BindingStore;
import io.switchboard.registrar.store.InMemoryBindingStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, item 4: a reply never says "failed" for a write that completed. REGISTERs queue behind
 * a slow store; each is asked with an {@link AskBudget} as the SIP edge asks. Every ask is
 * answered before it times out, every "Registered" is in the store, and every refused REGISTER
 * left nothing in it.
 */
class RegisterDeadlineTest {

    static final ActorTestKit KIT = ActorTestKit.create();
    static final String AOR = RegistrarEntityTest.AOR;

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    /** Applies each write {@code delay} after it was asked for, one after the other, as a busy Cassandra would. */
    static final class SlowStore implements BindingStore {
        final InMemoryBindingStore applied = new InMemoryBindingStore();
        final long delayMillis;

        SlowStore(Duration delay) {
            this.delayMillis = delay.toMillis();
        }

        @Override
        public CompletionStage<List<Binding>> load(String aor) {
            return applied.load(aor);
        }

        @Override
        public CompletionStage<Void> write(
                String aor, List<Binding> upserts, List<BindingKey> removals, Instant now, WriteStamp stamp) {
            return CompletableFuture.runAsync(
                            () -> {}, CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS))
                    .thenCompose(x -> applied.write(aor, upserts, removals, now, stamp));
        }
    }

    @Test
    void each_answer_matches_the_store_and_none_times_out() {
        // ask 1.5 s = 0.8 s to start + 0.4 s write bound + 0.3 s margin; writes take 0.25 s each
        AskBudget budget = new AskBudget(Duration.ofMillis(1500), Duration.ofMillis(400), Duration.ofMillis(300));
        SlowStore store = new SlowStore(Duration.ofMillis(250));
        TestProbe<ClusterSharding.ShardCommand> shard = KIT.createTestProbe();
        ActorRef<RegistrarEntity.Command> entity = KIT.spawn(RegistrarEntity.create(
                AOR,
                new RegistrarEntity.Settings(
                        new RegisterRules(RegistrarPolicy.DEFAULTS),
                        store,
                        (aor, before, after) -> {},
                        Clock.systemUTC(),
                        Duration.ofSeconds(60),
                        100,
                        null,
                        budget.writeTimeout()),
                shard.getRef()));

        int n = 7; // 7 x 0.25 s of writes cannot all start within 0.8 s
        List<CompletableFuture<RegistrarEntity.RegisterReply>> replies = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            var request = RegistrarEntityTest.register("call-" + i, 1, 600, "sip:a@192.0.2." + (i + 1));
            Instant answerBy = budget.answerBy(Instant.now());
            replies.add(AskPattern.<RegistrarEntity.Command, RegistrarEntity.RegisterReply>ask(
                            entity,
                            replyTo -> new RegistrarEntity.RegisterBefore(request, answerBy, replyTo),
                            budget.askTimeout(),
                            KIT.scheduler())
                    .toCompletableFuture());
        }
        CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new))
                .handle((ok, failure) -> null)
                .join();

        List<String> stored =
                store.applied.stored(AOR).stream().map(Binding::contact).toList();
        int registered = 0;
        int refused = 0;
        for (int i = 0; i < n; i++) {
            CompletableFuture<RegistrarEntity.RegisterReply> reply = replies.get(i);
            assertThat(reply)
                    .as("REGISTER %d answered before the ask timed out", i)
                    .isCompleted();
            assertThat(reply.isCompletedExceptionally())
                    .as("REGISTER %d answered before the ask timed out", i)
                    .isFalse();
            String contact = "sip:a@192.0.2." + (i + 1);
            if (reply.join() instanceof RegistrarEntity.Registered) {
                registered++;
                assertThat(stored)
                        .as("REGISTER %d was told it is registered", i)
                        .contains(contact);
            } else {
                refused++;
                assertThat(reply.join()).isInstanceOf(RegistrarEntity.Unavailable.class);
                assertThat(stored).as("REGISTER %d was told to retry", i).doesNotContain(contact);
            }
        }
        assertThat(registered).as("the first REGISTERs are served").isPositive();
        assertThat(refused).as("the ones whose turn came too late are refused").isPositive();
    }
}

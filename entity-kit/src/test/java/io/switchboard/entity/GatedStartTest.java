package io.switchboard.entity;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.entity.WriteThroughEntityTest.Ack;
import io.switchboard.entity.WriteThroughEntityTest.Add;
import io.switchboard.entity.WriteThroughEntityTest.Command;
import io.switchboard.entity.WriteThroughEntityTest.Counter;
import io.switchboard.entity.WriteThroughEntityTest.Reply;
import io.switchboard.entity.WriteThroughEntityTest.Store;
import io.switchboard.entity.WriteThroughEntityTest.Unavailable;
import io.switchboard.entity.WriteThroughEntityTest.Value;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The start gate on the counter entity of {@link WriteThroughEntityTest}: {@code Ack} (no answer
 * expected) is the droppable command, {@code Add} and {@code Get} are not. What the gate must never
 * do: drop a command that expects an answer, or lose the order of what waited while it looked.
 */
class GatedStartTest {

    static final ActorTestKit KIT = ActorTestKit.create();
    static final Duration LINGER = Duration.ofMillis(300);

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    Store store;
    TestProbe<ClusterSharding.ShardCommand> shard;
    TestProbe<Reply> replies;
    /** Entities made (each start of the full entity: a load, an epoch claim in the product). */
    AtomicInteger started;

    AtomicInteger looks;
    CompletableFuture<Boolean> needed;

    @BeforeEach
    void setUp() {
        store = new Store();
        shard = KIT.createTestProbe();
        replies = KIT.createTestProbe();
        started = new AtomicInteger();
        looks = new AtomicInteger();
        needed = new CompletableFuture<>();
    }

    ActorRef<Command> spawn() {
        EntitySettings settings = new EntitySettings(Clock.systemUTC(), Duration.ofMinutes(5), 10, "store down");
        ShardedEntities.Factory<Command> factory = (key, s, ctx) -> {
            started.incrementAndGet();
            return new Counter(
                    key, settings, s, ctx, store, KIT.<Reply>createTestProbe().getRef());
        };
        StartGate<Command> gate = new StartGate<>() {
            @Override
            public boolean droppable(Command command) {
                return command instanceof Ack;
            }

            @Override
            public CompletionStage<Boolean> needed(String key) {
                looks.incrementAndGet();
                return needed;
            }

            @Override
            public Duration linger() {
                return LINGER;
            }
        };
        return KIT.spawn(ShardedEntities.behavior("counter-1", shard.getRef(), factory, gate));
    }

    @Test
    void an_unneeded_droppable_first_command_passivates_without_starting_the_entity() {
        ActorRef<Command> entity = spawn();
        entity.tell(new Ack(replies.getRef()));
        needed.complete(false);

        ClusterSharding.Passivate<?> passivate = shard.expectMessageClass(ClusterSharding.Passivate.class);
        assertThat(passivate.entity()).isEqualTo(entity);
        assertThat(started).hasValue(0);
        assertThat(looks).hasValue(1);
        replies.expectNoMessage(Duration.ofMillis(200));

        // a droppable command still on its way after the passivation request is dropped too
        entity.tell(new Ack(replies.getRef()));
        replies.expectNoMessage(Duration.ofMillis(200));
        assertThat(started).hasValue(0);
        assertThat(looks).hasValue(1);
    }

    @Test
    void a_command_that_expects_an_answer_during_the_dormant_wait_starts_the_entity_which_stays() {
        ActorRef<Command> entity = spawn();
        entity.tell(new Ack(replies.getRef()));
        needed.complete(false);
        replies.expectNoMessage(LINGER.dividedBy(3)); // dormant now: the Ack was dropped
        entity.tell(new Ack(replies.getRef())); // dropped too, without another look
        entity.tell(new Add(2, replies.getRef())); // a phone's PUBLISH right after its REGISTER
        store.load.complete(1);
        store.completeNext();

        assertThat(replies.expectMessageClass(Value.class).value()).isEqualTo(3);
        assertThat(started).hasValue(1);
        assertThat(looks).hasValue(1);
        shard.expectNoMessage(LINGER.multipliedBy(2)); // the wait's end is ignored by the started entity
        entity.tell(new Ack(replies.getRef()));
        replies.expectMessageClass(Value.class); // still running (the counter's own expiry may have reset it)
    }

    @Test
    void a_needed_start_hands_the_entity_the_droppable_command() {
        ActorRef<Command> entity = spawn();
        entity.tell(new Ack(replies.getRef()));
        needed.complete(true);
        store.load.complete(7);

        assertThat(replies.expectMessageClass(Value.class).value()).isEqualTo(7);
        assertThat(started).hasValue(1);
        shard.expectNoMessage(Duration.ofMillis(200));
    }

    @Test
    void any_other_first_command_starts_the_entity_without_looking() {
        ActorRef<Command> entity = spawn();
        entity.tell(new Add(2, replies.getRef()));
        store.load.complete(1);
        store.completeNext();

        assertThat(replies.expectMessageClass(Value.class).value()).isEqualTo(3);
        assertThat(started).hasValue(1);
        assertThat(looks).hasValue(0);
    }

    @Test
    void a_command_that_expects_an_answer_while_the_gate_looks_starts_the_entity_in_order() {
        ActorRef<Command> entity = spawn();
        entity.tell(new Ack(replies.getRef()));
        entity.tell(new Add(5, replies.getRef()));
        entity.tell(new Ack(replies.getRef()));
        needed.complete(false); // nobody needed the Ack, but the Add must be served
        store.load.complete(1);
        store.completeNext();

        // the first Ack is handled before the Add, the second after it was written
        assertThat(replies.expectMessageClass(Value.class).value()).isEqualTo(1);
        assertThat(replies.expectMessageClass(Value.class).value()).isEqualTo(6);
        assertThat(replies.expectMessageClass(Value.class).value()).isEqualTo(6);
        assertThat(started).hasValue(1);
        shard.expectNoMessage(Duration.ofMillis(200));
    }

    @Test
    void a_command_that_expects_an_answer_after_the_passivation_request_is_served_or_refused_never_lost() {
        ActorRef<Command> entity = spawn();
        entity.tell(new Ack(replies.getRef()));
        needed.complete(false);
        shard.expectMessageClass(ClusterSharding.Passivate.class);

        entity.tell(new Add(4, replies.getRef())); // reached the entity before the shard buffered
        store.load.complete(0);
        store.completeNext();
        assertThat(replies.expectMessageClass(Value.class).value()).isEqualTo(4);
        assertThat(started).hasValue(1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void the_due_sweepers_wake_starts_the_entity_without_looking() {
        ActorRef<Command> entity = spawn();
        ((ActorRef<EntityCommand>) (ActorRef<?>) entity).tell(ShardedEntities.WAKE); // not a Command
        entity.tell(new Ack(replies.getRef()));
        store.load.complete(3);

        assertThat(replies.expectMessageClass(Value.class).value()).isEqualTo(3);
        assertThat(started).hasValue(1);
        assertThat(looks).hasValue(0);
    }

    @Test
    void a_failed_look_starts_the_entity() {
        ActorRef<Command> entity = spawn();
        entity.tell(new Ack(replies.getRef()));
        needed.completeExceptionally(new IllegalStateException("store down"));
        store.load.complete(9);

        assertThat(replies.expectMessageClass(Value.class).value()).isEqualTo(9);
        assertThat(started).hasValue(1);
    }

    @Test
    void a_stop_while_the_gate_looks_refuses_what_waits_for_an_answer() {
        ActorRef<Command> entity = spawn();
        entity.tell(new Ack(replies.getRef()));
        entity.tell(new Add(1, replies.getRef()));
        WriteThroughEntityTest.stop(entity);

        assertThat(replies.expectMessageClass(Unavailable.class).reason()).contains("try again");
        TestProbe<Object> watcher = KIT.createTestProbe();
        watcher.expectTerminated(entity);
        assertThat(started).hasValue(0);
    }
}

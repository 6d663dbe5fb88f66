package io.switchboard.entity;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The shared lifecycle, driven through the smallest possible entity: a counter whose store is a
 * queue of writes the test completes by hand. What a new entity type (a parked call, a
 * conference) gets without writing it: load before anything, reply after the write, one write in
 * flight, order kept, bounded waiting, deadlines, passivation and hand-off.
 */
class WriteThroughEntityTest {

    static final ActorTestKit KIT = ActorTestKit.create();

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    // ---- the counter entity: commands, "domain rule", store ----

    sealed interface Command extends EntityCommand permits Add, Get, Ack, AddWithDeadline, AddBy {}

    /** Like Add, asked by someone who stops waiting at {@code answerBy} (AskBudget). */
    record AddBy(int n, Instant answerBy, ActorRef<Reply> replyTo) implements Command {
        @Override
        public boolean refuse(String reason) {
            replyTo.tell(new Unavailable(reason));
            return true;
        }
    }

    /** Like Add, with a deadline recorded in the due-time index together with the write. */
    record AddWithDeadline(int n, Instant deadline, ActorRef<Reply> replyTo) implements Command {
        @Override
        public boolean refuse(String reason) {
            replyTo.tell(new Unavailable(reason));
            return true;
        }
    }

    record Add(int n, ActorRef<Reply> replyTo) implements Command {
        @Override
        public boolean refuse(String reason) {
            replyTo.tell(new Unavailable(reason));
            return true;
        }
    }

    record Get(ActorRef<Reply> replyTo) implements Command {
        @Override
        public boolean refuse(String reason) {
            replyTo.tell(new Unavailable(reason));
            return true;
        }
    }

    /** Expects no answer and touches no stored row. */
    record Ack(ActorRef<Reply> seen) implements Command {
        @Override
        public boolean waitsForWrite() {
            return false;
        }
    }

    sealed interface Reply permits Value, Unavailable, Expired {}

    record Value(int value) implements Reply {}

    record Unavailable(String reason) implements Reply {}

    record Expired(int value) implements Reply {}

    /** Writes wait in a queue until the test completes them; at most one may be outstanding. */
    static final class Store {
        final CompletableFuture<Integer> load = new CompletableFuture<>();
        final ConcurrentLinkedQueue<CompletableFuture<Void>> writes = new ConcurrentLinkedQueue<>();
        final List<Integer> written = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<io.switchboard.entity.fence.WriteStamp> stamps =
                java.util.Collections.synchronizedList(new ArrayList<>());
        volatile int outstanding;
        volatile int maxOutstanding;

        CompletionStage<Void> write(int value, io.switchboard.entity.fence.WriteStamp stamp) {
            stamps.add(stamp);
            return write(value);
        }

        CompletionStage<Void> write(int value) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            synchronized (this) {
                outstanding++;
                maxOutstanding = Math.max(maxOutstanding, outstanding);
            }
            f.thenRun(() -> written.add(value));
            writes.add(f);
            return f;
        }

        void completeNext() {
            CompletableFuture<Void> f = awaitWrite();
            settle();
            f.complete(null);
        }

        void failNext() {
            CompletableFuture<Void> f = awaitWrite();
            settle();
            f.completeExceptionally(new IllegalStateException("store down"));
        }

        /** Counted before completing: the entity may start its next write on another thread at once. */
        private synchronized void settle() {
            outstanding--;
        }

        void awaitWriteOutstanding() {
            awaitWrites();
        }

        CompletableFuture<Void> awaitWrite() {
            awaitWrites();
            return writes.poll();
        }

        /** Polls without an actor system, so other test classes (GatedStartTest) can use this store. */
        private void awaitWrites() {
            long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (writes.isEmpty() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
            assertThat(writes).as("a write was started").isNotEmpty();
        }
    }

    static final class Counter extends WriteThroughEntity<Command, Integer> {
        private final Store store;
        private final ActorRef<Reply> expiries;
        private int value;
        private Instant expiresAt;

        Counter(
                String key,
                EntitySettings settings,
                ActorRef<ClusterSharding.ShardCommand> shard,
                ActorContext<Command> ctx,
                Store store,
                ActorRef<Reply> expiries) {
            super(key, settings, shard, ctx);
            this.store = store;
            this.expiries = expiries;
        }

        @Override
        protected CompletionStage<Integer> load() {
            return store.load;
        }

        @Override
        protected void onLoaded(Integer loaded) {
            value = loaded;
        }

        @Override
        protected void handle(Command command) {
            if (command instanceof Add add) {
                int next = value + add.n();
                write(
                        () -> store.write(next, stamp()),
                        () -> {
                            value = next;
                            expiresAt = now().plusMillis(300);
                            add.replyTo().tell(new Value(next));
                        },
                        failure -> add.replyTo().tell(new Unavailable("store down")));
            } else if (command instanceof AddWithDeadline add) {
                int next = value + add.n();
                write(
                        wakingAt(() -> store.write(next), add.deadline()),
                        () -> {
                            value = next;
                            add.replyTo().tell(new Value(next));
                        },
                        failure -> add.replyTo().tell(new Unavailable("store down")));
            } else if (command instanceof AddBy add) {
                int next = value + add.n();
                write(
                        () -> store.write(next),
                        () -> {
                            value = next;
                            add.replyTo().tell(new Value(next));
                        },
                        failure -> add.replyTo().tell(new Unavailable("store down")));
            } else if (command instanceof Get get) {
                get.replyTo().tell(new Value(value));
            } else if (command instanceof Ack ack) {
                ack.seen().tell(new Value(value));
            }
        }

        @Override
        protected Instant nextDeadline() {
            return expiresAt;
        }

        @Override
        protected void onDeadline(Instant now) {
            expiresAt = null;
            expiries.tell(new Expired(value));
            value = 0;
        }

        @Override
        protected boolean holdsNothing() {
            return value == 0;
        }
    }

    Store store;
    TestProbe<ClusterSharding.ShardCommand> shard;
    TestProbe<Reply> expiries;

    @BeforeEach
    void setUp() {
        store = new Store();
        shard = KIT.createTestProbe();
        expiries = KIT.createTestProbe();
    }

    ActorRef<Command> spawn(int maxHeld, Duration passivateAfter) {
        return spawn(new EntitySettings(Clock.systemUTC(), passivateAfter, maxHeld, "Counter store unavailable"));
    }

    ActorRef<Command> spawn(EntitySettings settings) {
        Behavior<Command> behavior = Behaviors.setup(
                ctx -> new Counter("counter-1", settings, shard.getRef(), ctx, store, expiries.getRef()).start());
        return KIT.spawn(behavior);
    }

    /** Sends the kit's stop message as sharding does: untyped, to the entity on its node. */
    @SuppressWarnings("unchecked")
    static void stop(ActorRef<Command> entity) {
        ((ActorRef<EntityCommand>) (ActorRef<?>) entity).tell(ShardedEntities.STOP);
    }

    @Test
    void commands_wait_for_the_load_and_are_handled_in_order() {
        ActorRef<Command> counter = spawn(10, Duration.ofMinutes(1));
        TestProbe<Reply> probe = KIT.createTestProbe();
        counter.tell(new Get(probe.getRef()));
        counter.tell(new Add(2, probe.getRef()));
        probe.expectNoMessage(Duration.ofMillis(200));
        store.load.complete(40);
        assertThat(probe.receiveMessage()).isEqualTo(new Value(40));
        store.completeNext();
        assertThat(probe.receiveMessage()).isEqualTo(new Value(42));
    }

    @Test
    void the_reply_follows_the_acknowledged_write_and_only_one_write_is_in_flight() {
        store.load.complete(0);
        ActorRef<Command> counter = spawn(10, Duration.ofMinutes(1));
        TestProbe<Reply> probe = KIT.createTestProbe();
        for (int i = 1; i <= 3; i++) {
            counter.tell(new Add(i, probe.getRef()));
        }
        probe.expectNoMessage(Duration.ofMillis(200));
        store.completeNext();
        assertThat(probe.receiveMessage()).isEqualTo(new Value(1));
        store.completeNext();
        assertThat(probe.receiveMessage())
                .as("decided on the state the first write left")
                .isEqualTo(new Value(3));
        store.completeNext();
        assertThat(probe.receiveMessage()).isEqualTo(new Value(6));
        assertThat(store.maxOutstanding).isEqualTo(1);
        assertThat(store.written).containsExactly(1, 3, 6);
    }

    @Test
    void a_command_that_does_not_wait_for_writes_is_handled_during_one() {
        store.load.complete(5);
        ActorRef<Command> counter = spawn(10, Duration.ofMinutes(1));
        TestProbe<Reply> probe = KIT.createTestProbe();
        counter.tell(new Add(1, probe.getRef()));
        store.awaitWriteOutstanding();
        TestProbe<Reply> seen = KIT.createTestProbe();
        counter.tell(new Ack(seen.getRef()));
        assertThat(seen.receiveMessage())
                .as("the state before the write: nothing applied yet")
                .isEqualTo(new Value(5));
        store.completeNext();
        assertThat(probe.receiveMessage()).isEqualTo(new Value(6));
    }

    @Test
    void a_failed_write_changes_nothing_and_the_next_command_goes_on() {
        store.load.complete(5);
        ActorRef<Command> counter = spawn(10, Duration.ofMinutes(1));
        TestProbe<Reply> probe = KIT.createTestProbe();
        counter.tell(new Add(1, probe.getRef()));
        counter.tell(new Get(probe.getRef()));
        store.failNext();
        assertThat(probe.receiveMessage()).isEqualTo(new Unavailable("store down"));
        assertThat(probe.receiveMessage()).isEqualTo(new Value(5));
    }

    @Test
    void beyond_the_bound_an_answerable_command_is_refused_at_once() {
        store.load.complete(0);
        ActorRef<Command> counter = spawn(2, Duration.ofMinutes(1));
        TestProbe<Reply> probe = KIT.createTestProbe();
        counter.tell(new Add(1, probe.getRef()));
        store.awaitWriteOutstanding();
        counter.tell(new Get(probe.getRef()));
        counter.tell(new Get(probe.getRef()));
        counter.tell(new Get(probe.getRef()));
        Unavailable refused = (Unavailable) probe.receiveMessage();
        assertThat(refused.reason()).isEqualTo("Too many pending requests for counter-1");
        store.completeNext();
        assertThat(probe.receiveSeveralMessages(3)).containsExactly(new Value(1), new Value(1), new Value(1));
    }

    @Test
    void a_failed_load_refuses_every_waiting_command_and_stops() {
        ActorRef<Command> counter = spawn(10, Duration.ofMinutes(1));
        TestProbe<Reply> probe = KIT.createTestProbe();
        counter.tell(new Get(probe.getRef()));
        counter.tell(new Add(1, probe.getRef()));
        store.load.completeExceptionally(new IllegalStateException("store down"));
        assertThat(probe.receiveSeveralMessages(2)).containsOnly(new Unavailable("Counter store unavailable"));
        probe.expectTerminated(counter);
    }

    @Test
    void the_deadline_fires_on_the_entity_timer() {
        store.load.complete(0);
        ActorRef<Command> counter = spawn(10, Duration.ofMinutes(1));
        TestProbe<Reply> probe = KIT.createTestProbe();
        counter.tell(new Add(7, probe.getRef()));
        store.completeNext();
        probe.receiveMessage();
        assertThat(expiries.receiveMessage(Duration.ofSeconds(3))).isEqualTo(new Expired(7));
        counter.tell(new Get(probe.getRef()));
        assertThat(probe.receiveMessage()).isEqualTo(new Value(0));
    }

    @Test
    void an_entity_that_holds_nothing_asks_to_be_passivated_after_a_quiet_period() {
        store.load.complete(0);
        ActorRef<Command> counter = spawn(10, Duration.ofMillis(300));
        TestProbe<Reply> probe = KIT.createTestProbe();
        counter.tell(new Get(probe.getRef()));
        probe.receiveMessage();
        ClusterSharding.Passivate<?> passivate =
                shard.expectMessageClass(ClusterSharding.Passivate.class, Duration.ofSeconds(3));
        assertThat(passivate.entity()).isEqualTo(counter);
    }

    @Test
    void an_entity_holding_state_is_not_passivated() {
        store.load.complete(3);
        ActorRef<Command> counter = spawn(10, Duration.ofMillis(200));
        TestProbe<Reply> probe = KIT.createTestProbe();
        counter.tell(new Get(probe.getRef()));
        probe.receiveMessage();
        shard.expectNoMessage(Duration.ofMillis(700));
    }

    @Test
    void the_stop_message_finishes_the_write_in_flight_and_refuses_what_waits() {
        store.load.complete(0);
        ActorRef<Command> counter = spawn(10, Duration.ofMinutes(1));
        TestProbe<Reply> probe = KIT.createTestProbe();
        TestProbe<Reply> waiting = KIT.createTestProbe();
        counter.tell(new Add(1, probe.getRef()));
        store.awaitWriteOutstanding();
        counter.tell(new Get(waiting.getRef()));
        stop(counter);
        probe.expectNoMessage(Duration.ofMillis(200));
        store.completeNext();
        assertThat(probe.receiveMessage()).as("the write in flight is answered").isEqualTo(new Value(1));
        assertThat(waiting.receiveMessage()).isEqualTo(new Unavailable("Moving to another node, try again"));
        probe.expectTerminated(counter);
    }

    @Test
    void the_stop_message_stops_an_idle_entity_at_once() {
        store.load.complete(0);
        ActorRef<Command> counter = spawn(10, Duration.ofMinutes(1));
        TestProbe<Reply> probe = KIT.createTestProbe();
        counter.tell(new Get(probe.getRef()));
        probe.receiveMessage();
        stop(counter);
        probe.expectTerminated(counter);
    }

    @SuppressWarnings("unchecked")
    static void wake(ActorRef<Command> entity) {
        ((ActorRef<EntityCommand>) (ActorRef<?>) entity).tell(ShardedEntities.WAKE);
    }

    @Test
    void a_wake_up_is_taken_while_loading_and_when_idle_and_keeps_nothing_alive() {
        ActorRef<Command> counter = spawn(10, Duration.ofMillis(300));
        wake(counter);
        TestProbe<Reply> probe = KIT.createTestProbe();
        counter.tell(new Get(probe.getRef()));
        store.load.complete(0);
        assertThat(probe.receiveMessage()).isEqualTo(new Value(0));
        wake(counter);
        counter.tell(new Get(probe.getRef()));
        assertThat(probe.receiveMessage()).isEqualTo(new Value(0));
        shard.expectMessageClass(ClusterSharding.Passivate.class, Duration.ofSeconds(3));
    }

    @Test
    void a_fenced_entity_claims_its_epoch_while_loading_and_stamps_each_write_from_it() {
        List<String> claims = java.util.Collections.synchronizedList(new ArrayList<>());
        io.switchboard.entity.fence.OwnerEpochs epochs = (type, key) -> {
            claims.add(type + "/" + key);
            return CompletableFuture.completedFuture(3L);
        };
        store.load.complete(0);
        ActorRef<Command> counter = spawn(new EntitySettings(Clock.systemUTC(), Duration.ofMinutes(1), 10, "x")
                .withOwnerEpochs("counter", epochs));
        TestProbe<Reply> probe = KIT.createTestProbe();
        counter.tell(new Add(1, probe.getRef()));
        store.completeNext();
        assertThat(probe.receiveMessage()).isEqualTo(new Value(1));
        counter.tell(new Add(1, probe.getRef()));
        store.completeNext();
        assertThat(probe.receiveMessage()).isEqualTo(new Value(2));
        long first = io.switchboard.entity.fence.WriteStamp.first(3);
        assertThat(store.stamps)
                .containsExactly(
                        new io.switchboard.entity.fence.WriteStamp(first),
                        new io.switchboard.entity.fence.WriteStamp(first + 1));
        assertThat(claims).as("one claim per start, none per write").containsExactly("counter/counter-1");
    }

    @Test
    void an_unfenced_entity_leaves_the_timestamp_to_the_driver() {
        ActorRef<Command> counter = spawn(10, Duration.ofMinutes(1));
        store.load.complete(0);
        TestProbe<Reply> probe = KIT.createTestProbe();
        counter.tell(new Add(1, probe.getRef()));
        store.completeNext();
        assertThat(probe.receiveMessage()).isEqualTo(new Value(1));
        assertThat(store.stamps).containsExactly(io.switchboard.entity.fence.WriteStamp.UNFENCED);
    }

    @Test
    void a_failed_claim_is_a_failed_load_and_nothing_is_written() {
        CompletableFuture<Long> claim = new CompletableFuture<>();
        io.switchboard.entity.fence.OwnerEpochs failing = (type, key) -> claim;
        store.load.complete(5);
        ActorRef<Command> counter =
                spawn(new EntitySettings(Clock.systemUTC(), Duration.ofMinutes(1), 10, "Counter store unavailable")
                        .withOwnerEpochs("counter", failing));
        TestProbe<Reply> probe = KIT.createTestProbe();
        counter.tell(new Add(1, probe.getRef()));
        claim.completeExceptionally(new IllegalStateException("no quorum for Paxos"));
        assertThat(probe.receiveMessage()).isEqualTo(new Unavailable("Counter store unavailable"));
        probe.expectTerminated(counter, Duration.ofSeconds(3));
        assertThat(store.writes).isEmpty();
    }

    @Test
    void a_deadline_recorded_with_a_write_is_in_the_due_index_when_the_reply_comes() {
        io.switchboard.entity.due.InMemoryDueIndex index = new io.switchboard.entity.due.InMemoryDueIndex();
        store.load.complete(0);
        ActorRef<Command> counter = spawn(
                new EntitySettings(Clock.systemUTC(), Duration.ofMinutes(1), 10, "x").withDueIndex("counter", index));
        TestProbe<Reply> probe = KIT.createTestProbe();
        Instant deadline = Instant.parse("2026-12-04T10:00:00Z");
        counter.tell(new AddWithDeadline(2, deadline, probe.getRef()));
        store.completeNext();
        assertThat(probe.receiveMessage()).isEqualTo(new Value(2));
        assertThat(index.rows())
                .containsExactly(new io.switchboard.entity.due.DueIndex.Due("counter", "counter-1", deadline));
    }

    @Test
    void a_write_whose_due_row_fails_fails_as_a_whole() {
        io.switchboard.entity.due.InMemoryDueIndex index = new io.switchboard.entity.due.InMemoryDueIndex();
        index.failAdds(true);
        store.load.complete(0);
        ActorRef<Command> counter = spawn(
                new EntitySettings(Clock.systemUTC(), Duration.ofMinutes(1), 10, "x").withDueIndex("counter", index));
        TestProbe<Reply> probe = KIT.createTestProbe();
        counter.tell(new AddWithDeadline(2, Instant.now().plusSeconds(60), probe.getRef()));
        store.completeNext();
        assertThat(probe.receiveMessage()).isEqualTo(new Unavailable("store down"));
        counter.tell(new Get(probe.getRef()));
        assertThat(probe.receiveMessage()).as("nothing applied").isEqualTo(new Value(0));
    }

    @Test
    void an_entity_type_without_a_due_index_cannot_record_deadlines() {
        store.load.complete(0);
        ActorRef<Command> counter = spawn(10, Duration.ofMinutes(1));
        TestProbe<Reply> probe = KIT.createTestProbe();
        counter.tell(new AddWithDeadline(2, Instant.now().plusSeconds(60), probe.getRef()));
        probe.expectTerminated(counter, Duration.ofSeconds(3));
    }

    @Test
    void a_command_whose_deadline_passed_while_it_waited_is_refused_and_writes_nothing() {
        store.load.complete(0);
        ActorRef<Command> counter = spawn(10, Duration.ofMinutes(1));
        TestProbe<Reply> probe = KIT.createTestProbe();
        TestProbe<Reply> late = KIT.createTestProbe();
        counter.tell(new Add(1, probe.getRef()));
        store.awaitWriteOutstanding();
        counter.tell(new AddBy(5, Instant.now().plusMillis(150), late.getRef()));
        TestProbe<Reply> inTime = KIT.createTestProbe();
        counter.tell(new AddBy(10, Instant.now().plusSeconds(60), inTime.getRef()));
        late.expectNoMessage(Duration.ofMillis(400)); // the slow write outlasts the first deadline
        store.completeNext();
        assertThat(probe.receiveMessage()).isEqualTo(new Value(1));
        assertThat(late.receiveMessage())
                .as("its asker has given up: refused, not applied")
                .isEqualTo(new Unavailable("Request waited past its deadline, try again"));
        store.completeNext();
        assertThat(inTime.receiveMessage())
                .as("decided without the refused one")
                .isEqualTo(new Value(11));
        assertThat(store.written).containsExactly(1, 11);
    }

    @Test
    void a_command_arriving_after_its_deadline_is_refused_even_when_the_entity_is_idle() {
        store.load.complete(3);
        ActorRef<Command> counter = spawn(10, Duration.ofMinutes(1));
        TestProbe<Reply> probe = KIT.createTestProbe();
        counter.tell(new AddBy(1, Instant.now().minusMillis(1), probe.getRef()));
        assertThat(probe.receiveMessage()).isEqualTo(new Unavailable("Request waited past its deadline, try again"));
        counter.tell(new Get(probe.getRef()));
        assertThat(probe.receiveMessage()).isEqualTo(new Value(3));
        assertThat(store.writes).isEmpty();
    }

    @Test
    void a_write_that_outlasts_the_write_timeout_is_answered_as_failed_and_changes_nothing() {
        store.load.complete(0);
        ActorRef<Command> counter =
                spawn(new EntitySettings(Clock.systemUTC(), Duration.ofMinutes(1), 10, "Counter store unavailable")
                        .withWriteTimeout(Duration.ofMillis(200)));
        TestProbe<Reply> probe = KIT.createTestProbe();
        counter.tell(new Add(1, probe.getRef()));
        CompletableFuture<Void> stuck = store.awaitWrite();
        assertThat(probe.receiveMessage(Duration.ofSeconds(3)))
                .as("answered within the bound, though the store never answered")
                .isEqualTo(new Unavailable("store down"));
        counter.tell(new Get(probe.getRef()));
        assertThat(probe.receiveMessage()).isEqualTo(new Value(0));
        counter.tell(new Add(2, probe.getRef()));
        store.completeNext();
        assertThat(probe.receiveMessage()).isEqualTo(new Value(2));
        stuck.complete(null); // a late acknowledgement of the abandoned write is ignored
        counter.tell(new Get(probe.getRef()));
        assertThat(probe.receiveMessage()).isEqualTo(new Value(2));
    }

    @Test
    void an_ask_budget_leaves_the_write_timeout_and_the_margin_after_the_deadline() {
        AskBudget budget = new AskBudget(Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofSeconds(1));
        Instant asked = Instant.parse("2026-12-05T10:00:00Z");
        assertThat(budget.answerBy(asked)).isEqualTo(asked.plusSeconds(2));
        assertThat(budget.waiting()).isEqualTo(Duration.ofSeconds(2));
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new AskBudget(Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be longer than write timeout");
    }
}

package io.switchboard.entity.due;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The sweeper wakes what is due (and only that), removes what it woke, and retries a failed sweep. */
class DueSweeperTest {

    static final ActorTestKit KIT = ActorTestKit.create();

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    final InMemoryDueIndex index = new InMemoryDueIndex();
    final List<DueIndex.Due> woken = new CopyOnWriteArrayList<>();

    ActorRef<DueSweeper.Message> start(Duration grace, Duration horizon) {
        return KIT.spawn(DueSweeper.create(new DueSweeper.Settings(
                index, List.of("parked-call"), woken::add, Duration.ofMillis(100), grace, horizon, Clock.systemUTC())));
    }

    static void add(InMemoryDueIndex index, DueIndex.Due due) {
        index.add(due).toCompletableFuture().join();
    }

    @Test
    void wakes_entities_whose_rows_are_due_and_removes_the_rows() {
        Instant now = Instant.now();
        DueIndex.Due due = new DueIndex.Due("parked-call", "orbit-901", now.minusSeconds(30));
        DueIndex.Due later = new DueIndex.Due("parked-call", "orbit-902", now.plusSeconds(3600));
        DueIndex.Due otherType = new DueIndex.Due("conference", "c1", now.minusSeconds(30));
        add(index, due);
        add(index, later);
        add(index, otherType);
        start(Duration.ZERO, Duration.ofMinutes(10));
        TestProbe<Object> probe = KIT.createTestProbe();
        probe.awaitAssert(Duration.ofSeconds(5), () -> {
            assertThat(woken).containsExactly(due);
            assertThat(index.rows()).containsExactlyInAnyOrder(later, otherType);
            return null;
        });
    }

    @Test
    void a_row_that_becomes_due_later_is_woken_then_and_only_once() {
        Instant now = Instant.now();
        DueIndex.Due soon = new DueIndex.Due("parked-call", "orbit-903", now.plusMillis(600));
        add(index, soon);
        start(Duration.ZERO, Duration.ofMinutes(10));
        TestProbe<Object> probe = KIT.createTestProbe();
        probe.expectNoMessage(Duration.ofMillis(300));
        assertThat(woken).isEmpty();
        probe.awaitAssert(Duration.ofSeconds(5), () -> {
            assertThat(woken).containsExactly(soon);
            return null;
        });
        probe.expectNoMessage(Duration.ofMillis(400));
        assertThat(woken).as("swept once").hasSize(1);
    }

    @Test
    void rows_within_the_grace_period_are_left_to_the_entity_timer_first() {
        Instant now = Instant.now();
        DueIndex.Due justDue = new DueIndex.Due("parked-call", "orbit-904", now.minusMillis(100));
        add(index, justDue);
        start(Duration.ofMillis(1500), Duration.ofMinutes(10));
        TestProbe<Object> probe = KIT.createTestProbe();
        probe.expectNoMessage(Duration.ofMillis(800));
        assertThat(woken).as("still within grace").isEmpty();
        probe.awaitAssert(Duration.ofSeconds(5), () -> {
            assertThat(woken).containsExactly(justDue);
            return null;
        });
    }

    @Test
    void rows_older_than_the_horizon_are_not_looked_for_at_start() {
        Instant now = Instant.now();
        DueIndex.Due ancient = new DueIndex.Due("parked-call", "orbit-905", now.minus(Duration.ofHours(2)));
        DueIndex.Due recent = new DueIndex.Due("parked-call", "orbit-906", now.minusSeconds(60));
        add(index, ancient);
        add(index, recent);
        start(Duration.ZERO, Duration.ofHours(1));
        TestProbe<Object> probe = KIT.createTestProbe();
        probe.awaitAssert(Duration.ofSeconds(5), () -> {
            assertThat(woken).containsExactly(recent);
            return null;
        });
    }

    @Test
    void a_failed_sweep_is_repeated_from_the_same_point() {
        Instant now = Instant.now();
        DueIndex.Due due = new DueIndex.Due("parked-call", "orbit-907", now.minusSeconds(5));
        add(index, due);
        index.failNextQuery();
        start(Duration.ZERO, Duration.ofMinutes(10));
        TestProbe<Object> probe = KIT.createTestProbe();
        probe.awaitAssert(Duration.ofSeconds(5), () -> {
            assertThat(woken).containsExactly(due);
            assertThat(index.rows()).isEmpty();
            return null;
        });
    }
}

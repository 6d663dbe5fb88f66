package io.switchboard.entity;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** How much longer an asker waits, on a monotonic clock: it counts down with that clock and nothing else. */
class TimeLeftTest {

    @Test
    void counts_down_on_its_monotonic_clock_and_is_over_only_past_the_end() {
        AtomicLong nanos = new AtomicLong(Long.MAX_VALUE - 1_000); // any origin, even one about to wrap
        TimeLeft left = TimeLeft.of(Duration.ofSeconds(2), nanos::get);
        assertThat(left.left()).isEqualTo(Duration.ofSeconds(2));
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(left.left()).isZero();
        assertThat(left.isOver())
                .as("the asker waits up to and including the end")
                .isFalse();
        nanos.incrementAndGet();
        assertThat(left.isOver()).isTrue();
        assertThat(left.nanosLeft()).isEqualTo(-1);
    }

    @Test
    void what_was_read_off_the_wire_is_counted_from_when_it_was_read() {
        assertThat(TimeLeft.ofNanos(-1).isOver()).isTrue();
        TimeLeft read = TimeLeft.ofNanos(Duration.ofMinutes(1).toNanos());
        assertThat(read.isOver()).isFalse();
        assertThat(read.left()).isBetween(Duration.ofSeconds(50), Duration.ofMinutes(1));
    }

    @Test
    void a_budget_too_long_for_nanoseconds_saturates_instead_of_failing() {
        assertThat(TimeLeft.of(Duration.ofDays(365L * 1_000)).isOver()).isFalse();
        assertThat(TimeLeft.of(Duration.ofDays(-365L * 1_000)).isOver()).isTrue();
    }
}

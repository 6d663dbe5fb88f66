package io.switchboard.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StandingDelayTest {

    @Test
    void a_backlog_stands_once_every_message_of_a_window_waited() {
        StandingDelay d = new StandingDelay(100);
        for (long t = 0; t < 100; t += 10) {
            d.observe(t, 60 + t / 10); // 60..69 ms: the queue never emptied
        }
        assertThat(d.observe(100, 70)).as("the window's smallest wait").isEqualTo(60);
        assertThat(d.standingMillis(150)).isEqualTo(60);
    }

    @Test
    void a_burst_that_drains_is_no_backlog() {
        StandingDelay d = new StandingDelay(100);
        d.observe(0, 0);
        d.observe(10, 180); // a GC pause: a few waited long
        d.observe(20, 150);
        d.observe(50, 0); // then the queue emptied
        assertThat(d.observe(100, 5)).isZero();
    }

    @Test
    void the_signal_follows_the_last_complete_window() {
        StandingDelay d = new StandingDelay(100);
        d.observe(0, 80);
        d.observe(50, 90);
        assertThat(d.observe(100, 0)).isEqualTo(80);
        d.observe(150, 0);
        assertThat(d.observe(200, 40))
                .as("the backlog drained in the window before")
                .isZero();
    }

    @Test
    void an_idle_queue_has_no_backlog_whatever_it_had() {
        StandingDelay d = new StandingDelay(100);
        d.observe(0, 300);
        d.observe(99, 300);
        assertThat(d.observe(100, 300)).isEqualTo(300);
        assertThat(d.standingMillis(150)).isEqualTo(300);
        assertThat(d.standingMillis(301))
                .as("nothing taken for two windows: nothing waits")
                .isZero();
        assertThat(d.observe(500, 0))
                .as("a gap in arrivals: the queue was empty")
                .isZero();
    }

    @Test
    void negative_waits_count_as_none_and_the_window_must_be_positive() {
        StandingDelay d = new StandingDelay(10);
        d.observe(0, -5);
        assertThat(d.observe(10, 50)).isZero();
        assertThatThrownBy(() -> new StandingDelay(0)).isInstanceOf(IllegalArgumentException.class);
    }
}

package io.switchboard.sip.trust;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** New dialogs per source address: a token bucket per address, with time passed in. */
class SourceRateTest {

    static final long SECOND = 1_000_000_000L;

    @ParameterizedTest(name = "rate {0}/s, burst {1}: {2} at once, {3} more after {4} ms")
    @CsvSource({
        // rate, burst, admitted at once, admitted after the pause, pause ms
        "10,     5,     5,                 1,                         100",
        "10,     5,     5,                 5,                         10000", // never more than the burst saved up
        "1,      1,     1,                 0,                         999",
        "1,      1,     1,                 1,                         1000",
        "100,    20,    20,                10,                        100",
    })
    void a_source_gets_its_burst_then_the_rate(double rate, int burst, int atOnce, int after, long pauseMs) {
        SourceRate r = new SourceRate(rate, burst, 100);
        long t0 = 5 * SECOND;
        assertThat(admitted(r, "203.0.113.1", t0, 1000)).isEqualTo(atOnce);
        assertThat(admitted(r, "203.0.113.1", t0 + pauseMs * 1_000_000, 1000)).isEqualTo(after);
    }

    @Test
    void sources_are_limited_separately_and_a_refusal_says_when_to_retry() {
        SourceRate r = new SourceRate(0.5, 2, 100);
        assertThat(admitted(r, "203.0.113.1", 0, 10)).isEqualTo(2);
        assertThat(admitted(r, "203.0.113.2", 0, 10)).as("another address").isEqualTo(2);
        assertThat(r.retryAfterSeconds("203.0.113.1")).as("one token every 2 s").isEqualTo(2);
        assertThat(r.retryAfterSeconds("198.51.100.1"))
                .as("an unknown address may go on")
                .isEqualTo(1);
    }

    @Test
    void memory_is_bounded_by_the_number_of_sources_tracked() {
        SourceRate r = new SourceRate(1, 1, 3);
        for (int i = 0; i < 1000; i++) {
            r.tryAcquire("198.51.100." + i, 0);
        }
        assertThat(r.tracked()).isEqualTo(3);
    }

    @Test
    void a_clock_going_backwards_gives_no_tokens() {
        SourceRate r = new SourceRate(10, 1, 10);
        assertThat(r.tryAcquire("a", 10 * SECOND)).isTrue();
        assertThat(r.tryAcquire("a", 0)).isFalse();
    }

    private static int admitted(SourceRate r, String source, long at, int tries) {
        int n = 0;
        for (int i = 0; i < tries; i++) {
            if (r.tryAcquire(source, at)) {
                n++;
            }
        }
        return n;
    }
}

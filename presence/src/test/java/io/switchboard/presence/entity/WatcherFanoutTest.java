package io.switchboard.presence.entity;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The fan-out's timing: coalescing of versions, resending what is not acknowledged, expiry. */
class WatcherFanoutTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration COALESCE = Duration.ofSeconds(2);
    private static final Duration RETRY = Duration.ofSeconds(10);

    static Stream<Arguments> coalescing() {
        return Stream.of(
                // seconds since the last fan-out -> may go now, else when it is due
                Arguments.of(0, false, T0.plusSeconds(2)),
                Arguments.of(1, false, T0.plusSeconds(2)),
                Arguments.of(2, true, null),
                Arguments.of(30, true, null));
    }

    @ParameterizedTest(name = "{0} s after a fan-out: now {1}, else due {2}")
    @MethodSource("coalescing")
    void aVersionGoesOutOncePerCoalescingInterval(int secondsLater, boolean now, Instant due) {
        WatcherFanout f = new WatcherFanout(COALESCE, RETRY);
        f.fanout(false, 1, T0, watcher -> {}); // nobody watches: no retry is armed either

        assertThat(f.fanoutNow(T0.plusSeconds(secondsLater))).isEqualTo(now);
        assertThat(f.nextDeadline()).isEqualTo(due);
        assertThat(f.fanoutDue(T0.plusSeconds(2))).isEqualTo(!now);
    }

    @Test
    void onlyWatchersWithoutTheVersionAreSentItUnlessAll() {
        WatcherFanout f = new WatcherFanout(COALESCE, RETRY);
        f.watch("sip:a@x", T0.plusSeconds(3600));
        f.watch("sip:b@x", T0.plusSeconds(3600));
        f.acked("sip:a@x", 5);
        List<String> sent = new ArrayList<>();

        f.fanout(false, 5, T0, sent::add);
        assertThat(sent).containsExactly("sip:b@x");

        sent.clear();
        f.fanout(true, 5, T0, sent::add);
        assertThat(sent).containsExactlyInAnyOrder("sip:a@x", "sip:b@x");
    }

    @Test
    void anUnacknowledgedVersionIsSentAgainAfterTheRetryInterval() {
        WatcherFanout f = new WatcherFanout(COALESCE, RETRY);
        f.watch("sip:a@x", T0.plusSeconds(3600));
        f.watch("sip:b@x", T0.plusSeconds(3600));
        List<String> sent = new ArrayList<>();
        f.fanout(false, 1, T0, sent::add);
        assertThat(f.nextDeadline()).isEqualTo(T0.plus(RETRY));
        f.acked("sip:a@x", 1);
        sent.clear();

        f.onRetryDeadline(1, T0.plus(RETRY).minusSeconds(1), sent::add);
        assertThat(sent).isEmpty(); // not due yet

        f.onRetryDeadline(1, T0.plus(RETRY), sent::add);
        assertThat(sent).containsExactly("sip:b@x");
        assertThat(f.nextDeadline()).isEqualTo(T0.plus(RETRY).plus(RETRY));

        f.acked("sip:b@x", 1);
        assertThat(f.allAcked(1)).isTrue();
        f.onRetryDeadline(1, T0.plus(RETRY).plus(RETRY), sent::add);
        assertThat(f.nextDeadline()).isNull(); // everyone has it: no retry armed
    }

    @Test
    void aWatchIsExtendedNeverShortenedByTheCheckAndExpires() {
        WatcherFanout f = new WatcherFanout(COALESCE, RETRY);
        f.watch("sip:a@x", T0.plusSeconds(60));
        f.watch("sip:b@x", T0.plusSeconds(30));

        assertThat(f.watchesUntil("sip:a@x", T0.plusSeconds(60))).isTrue();
        assertThat(f.watchesUntil("sip:a@x", T0.plusSeconds(61))).isFalse();
        assertThat(f.watchesUntil("sip:c@x", T0)).isFalse();
        assertThat(f.earliestExpiry()).isEqualTo(T0.plusSeconds(30));

        f.removeExpired(T0.plusSeconds(30));
        assertThat(f.contains("sip:b@x")).isFalse();
        assertThat(f.size()).isEqualTo(1);
        assertThat(f.remove("sip:a@x")).isTrue();
        assertThat(f.isEmpty()).isTrue();
    }
}

package io.switchboard.node.site;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.sip.routing.NextHop;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The watcher's rounds with a fake sender and a hand-moved clock: what it sends, and what it reports. */
class OptionsWatcherTest {

    static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");
    final AtomicReference<Instant> now = new AtomicReference<>(T0);
    final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };
    final List<NextHop> sent = new ArrayList<>();
    final List<Object> probes = new ArrayList<>();
    final List<String> reported = new ArrayList<>();
    final List<NextHop> targets = List.of(new NextHop("10.0.0.1", 5060, "tcp"), new NextHop("10.0.0.2", 5060, "tcp"));

    OptionsWatcher watcher() {
        return new OptionsWatcher(
                "the pool",
                () -> CompletableFuture.completedFuture(targets),
                Duration.ofSeconds(5),
                Duration.ofSeconds(15),
                clock,
                (hop, data) -> {
                    sent.add(hop);
                    probes.add(data);
                },
                t -> reported.add((t.reachable() ? "up@" : "down@") + (t.at().getEpochSecond() - T0.getEpochSecond())));
    }

    void at(long seconds) {
        now.set(T0.plusSeconds(seconds));
    }

    @Test
    void probes_every_target_each_round_and_reports_each_transition_once() {
        OptionsWatcher w = watcher();
        w.round();
        assertThat(sent).containsExactlyElementsOf(targets);
        assertThat(w.reachable()).isTrue();

        at(5);
        w.round();
        at(10);
        w.round();
        assertThat(w.reachable()).isTrue();
        at(15);
        // no answer since the start: down, seen by a query between rounds, reported once
        assertThat(w.reachable()).isFalse();
        w.round();
        assertThat(w.reachable()).isFalse();
        assertThat(reported).containsExactly("down@15");
        assertThat(sent).hasSize(8); // it keeps probing while down

        at(17);
        w.answered(); // one target's answer is enough
        assertThat(w.reachable()).isTrue();
        assertThat(reported).containsExactly("down@15", "up@17");
        assertThat(w.watch().lastAnswer()).isEqualTo(T0.plusSeconds(17));
    }

    @Test
    void a_target_that_cannot_be_sent_to_does_not_stop_the_others() {
        List<NextHop> tried = new ArrayList<>();
        OptionsWatcher w = new OptionsWatcher(
                "branch ams",
                () -> CompletableFuture.completedFuture(targets),
                Duration.ofSeconds(1),
                Duration.ofSeconds(3),
                clock,
                (hop, data) -> {
                    tried.add(hop);
                    throw new IllegalStateException("no route");
                },
                t -> {});
        w.round();
        assertThat(tried).containsExactlyElementsOf(targets);
    }

    @Test
    void a_failed_resolution_sends_nothing_and_the_peer_goes_down_in_time() {
        OptionsWatcher w = new OptionsWatcher(
                "the pool",
                () -> CompletableFuture.failedFuture(new IllegalStateException("NXDOMAIN")),
                Duration.ofSeconds(5),
                Duration.ofSeconds(15),
                clock,
                (hop, data) -> sent.add(hop),
                t -> reported.add(t.reachable() ? "up" : "down"));
        w.round();
        at(15);
        w.round();
        assertThat(sent).isEmpty();
        assertThat(reported).containsExactly("down");
    }
}

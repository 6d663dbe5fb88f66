package io.switchboard.node.site;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The up/down rule of a watched pool-branch link, on a made-up clock (seconds after the start). */
class LinkWatchTest {

    static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");

    /**
     * Events {@code a@s} (an answer at s seconds) and {@code c@s} (a check at s seconds), with down-after 15 s; the
     * expected transitions ({@code down@s}, {@code up@s}) and the state at the end.
     */
    @ParameterizedTest(name = "{0} -> {1}, reachable {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                // a new watch trusts its peer until down-after has passed without an answer
                "c@0                        | -                 | true",
                "c@14                       | -                 | true",
                "c@15                       | down@15           | false",
                // answers keep it up; the clock counts from the last one
                "a@5 c@19 a@10 c@24         | -                 | true",
                "a@5 c@20                   | down@20           | false",
                // once down, checks change nothing; the first answer brings it back
                "c@15 c@16 c@100            | down@15           | false",
                "c@15 a@16                  | down@15 up@16     | true",
                "c@15 a@16 a@17 c@31        | down@15 up@16     | true",
                "c@15 a@16 c@32             | down@15 up@16 down@32 | false",
                // an answer while up is no transition
                "a@1 a@2 a@3                | -                 | true",
                // an answer that arrives late (an older instant) does not move the last answer back
                "a@10 a@4 c@24              | -                 | true",
            })
    void follows_answers_and_checks(String events, String expected, boolean reachable) {
        LinkWatch watch = new LinkWatch(Duration.ofSeconds(15), T0);
        List<String> transitions = new ArrayList<>();
        for (String e : events.trim().split("\\s+")) {
            Instant at = T0.plusSeconds(Long.parseLong(e.substring(2)));
            Optional<LinkWatch.Transition> t = e.startsWith("a@") ? watch.answered(at) : watch.check(at);
            t.ifPresent(x -> {
                assertThat(x.at()).isEqualTo(at);
                transitions.add((x.reachable() ? "up@" : "down@") + (x.at().getEpochSecond() - T0.getEpochSecond()));
            });
        }
        assertThat(String.join(" ", transitions)).isEqualTo(expected.trim().equals("-") ? "" : expected.trim());
        assertThat(watch.reachable()).isEqualTo(reachable);
    }

    /**
     * With a fail-back hold-down of 10 s (down-after 15 s): after an outage the peer must answer for 10 s, without
     * a gap of down-after between answers, before it counts as up again; the time until then is failure time.
     */
    @ParameterizedTest(name = "{0} -> {1}, reachable {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "c@15 a@16                  | down@15           | false",
                "c@15 a@16 a@21             | down@15           | false",
                "c@15 a@16 a@21 a@26        | down@15 up@26     | true",
                "c@15 a@16 a@30             | down@15 up@30     | true",
                // the answers stopped for down-after: the hold-down starts over at the next one
                "c@15 a@16 c@31 a@32 a@37   | down@15           | false",
                "c@15 a@16 c@31 a@32 a@42   | down@15 up@42     | true",
                "c@15 a@16 a@40 a@45        | down@15           | false",
                "c@15 a@16 a@40 a@50        | down@15 up@50     | true",
                // while up, the hold-down plays no part
                "a@5 a@6                    | -                 | true",
            })
    void comes_back_only_after_answering_for_the_hold_down(String events, String expected, boolean reachable) {
        LinkWatch watch = new LinkWatch(Duration.ofSeconds(15), Duration.ofSeconds(10), T0);
        List<String> transitions = new ArrayList<>();
        for (String e : events.trim().split("\\s+")) {
            Instant at = T0.plusSeconds(Long.parseLong(e.substring(2)));
            Optional<LinkWatch.Transition> t = e.startsWith("a@") ? watch.answered(at) : watch.check(at);
            t.ifPresent(x -> transitions.add(
                    (x.reachable() ? "up@" : "down@") + (x.at().getEpochSecond() - T0.getEpochSecond())));
        }
        assertThat(String.join(" ", transitions)).isEqualTo(expected.trim().equals("-") ? "" : expected.trim());
        assertThat(watch.reachable()).isEqualTo(reachable);
    }

    @org.junit.jupiter.api.Test
    void the_time_in_failure_adds_the_outages_that_ended_and_the_one_under_way() {
        LinkWatch watch = new LinkWatch(Duration.ofSeconds(15), T0);
        assertThat(watch.downFor(T0.plusSeconds(14))).isEqualTo(Duration.ZERO);
        watch.check(T0.plusSeconds(15)); // down at 15
        assertThat(watch.downFor(T0.plusSeconds(25))).isEqualTo(Duration.ofSeconds(10));
        watch.answered(T0.plusSeconds(40)); // up at 40: 25 s down
        assertThat(watch.downFor(T0.plusSeconds(100))).isEqualTo(Duration.ofSeconds(25));
        watch.check(T0.plusSeconds(55)); // down again at 55
        assertThat(watch.downFor(T0.plusSeconds(60))).isEqualTo(Duration.ofSeconds(30));
        watch.answered(T0.plusSeconds(61));
        assertThat(watch.downFor(T0.plusSeconds(1000))).isEqualTo(Duration.ofSeconds(31));
    }

    @org.junit.jupiter.api.Test
    void a_transition_says_when_the_peer_last_answered_and_since_when_the_state_holds() {
        LinkWatch watch = new LinkWatch(Duration.ofSeconds(15), T0);
        watch.answered(T0.plusSeconds(3));
        LinkWatch.Transition down = watch.check(T0.plusSeconds(18)).orElseThrow();
        assertThat(down.lastAnswer()).isEqualTo(T0.plusSeconds(3));
        assertThat(watch.since()).isEqualTo(T0.plusSeconds(18));
        assertThat(down.previousSince()).isEqualTo(T0);
        LinkWatch.Transition up = watch.answered(T0.plusSeconds(40)).orElseThrow();
        assertThat(up.lastAnswer()).isEqualTo(T0.plusSeconds(40));
        assertThat(up.previousSince()).isEqualTo(T0.plusSeconds(18));
        assertThat(watch.since()).isEqualTo(T0.plusSeconds(40));
    }

    @org.junit.jupiter.api.Test
    void down_after_must_be_positive() {
        assertThatThrownBy(() -> new LinkWatch(Duration.ZERO, T0)).isInstanceOf(IllegalArgumentException.class);
    }
}

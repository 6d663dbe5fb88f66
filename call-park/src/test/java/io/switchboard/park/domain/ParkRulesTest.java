package io.switchboard.park.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The timeout schedule of a parked call: ring-backs, then the fallback or the end. */
class ParkRulesTest {

    static final Instant T0 = Instant.parse("2026-01-01T09:00:00Z");
    static final CallerIdentity BOB = new CallerIdentity("sip:bob@example.test", "Bob", Optional.empty());

    static ParkedCall parked(int attempts, String fallback) {
        ParkSettings s = new ParkSettings(
                Duration.ofSeconds(90), attempts, fallback.isEmpty() ? Optional.empty() : Optional.of(fallback));
        return ParkRules.parked("lobby", Orbit.parse("#905").orElseThrow(), "sip:alice@example.test", BOB, s, T0);
    }

    @Test
    void a_parked_call_times_out_one_pickup_timeout_after_it_was_parked() {
        ParkedCall c = parked(1, "");
        assertThat(c.deadline()).isEqualTo(T0.plusSeconds(90));
        assertThat(c.ringBacks()).isZero();
        assertThat(ParkRules.onDeadline(c, T0.plusSeconds(89))).isEqualTo(new ParkRules.Timeout.NotYet());
    }

    @ParameterizedTest(name = "max {0} ring-backs, fallback \"{1}\": {2}")
    @CsvSource({
        "1, '',                       'ring 1 at 90, give up at 180 ending the call'",
        "1, 'sip:op@example.test',    'ring 1 at 90, give up at 180 to sip:op@example.test'",
        "3, '',                       'ring 1 at 90, ring 2 at 180, ring 3 at 270, give up at 360 ending the call'",
    })
    void rings_back_then_gives_up(int attempts, String fallback, String expected) {
        ParkedCall c = parked(attempts, fallback);
        StringBuilder story = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            // a timer that fires a little late does not shift the schedule
            Instant firedAt = c.deadline().plusMillis(400);
            ParkRules.Timeout t = ParkRules.onDeadline(c, firedAt);
            long at = Duration.between(T0, c.deadline()).toSeconds();
            if (t instanceof ParkRules.Timeout.RingBack r) {
                story.append("ring ")
                        .append(r.attempt())
                        .append(" at ")
                        .append(at)
                        .append(", ");
                c = r.next();
            } else {
                ParkRules.Timeout.GiveUp g = (ParkRules.Timeout.GiveUp) t;
                story.append("give up at ")
                        .append(at)
                        .append(g.fallback().map(f -> " to " + f).orElse(" ending the call"));
                break;
            }
        }
        assertThat(story.toString()).isEqualTo(expected);
    }

    @Test
    void the_caller_is_shown_by_display_name_else_by_uri() {
        assertThat(BOB.shown()).isEqualTo("Bob");
        assertThat(new CallerIdentity("sip:bob@example.test", "", Optional.empty()).shown())
                .isEqualTo("sip:bob@example.test");
    }
}

package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.sip.flow.Flow;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** When a dialog's next NOTIFY may go (RFC 6665 s4.2.2, rate limits) and with which CSeq (RFC 3261 s12.2.1.1). */
class DialogPlanTest {

    static final Instant NOW = Instant.parse("2026-12-04T09:00:00Z");
    static final Duration COALESCE = Duration.ofMillis(250);
    static final long BLOCK = 100;
    static final Instant LONG_AGO = NOW.minusSeconds(10);

    static Stream<Arguments> steps() {
        return Stream.of(
                // inFlight, awaiting, pending, lastSentAt, cseq, ceiling -> step
                Arguments.of("nothing changed", false, false, false, LONG_AGO, 5, 100, new DialogPlan.Nothing()),
                Arguments.of(
                        "one NOTIFY in flight at a time",
                        true,
                        false,
                        true,
                        LONG_AGO,
                        5,
                        100,
                        new DialogPlan.Nothing()),
                Arguments.of(
                        "first views still awaited", false, true, true, LONG_AGO, 0, 100, new DialogPlan.Nothing()),
                Arguments.of(
                        "a change, interval passed: next CSeq",
                        false,
                        false,
                        true,
                        LONG_AGO,
                        5,
                        100,
                        new DialogPlan.Send(6)),
                Arguments.of(
                        "a change within the interval waits for its end",
                        false,
                        false,
                        true,
                        NOW.minusMillis(100),
                        5,
                        100,
                        new DialogPlan.WaitUntil(NOW.plusMillis(150))),
                Arguments.of(
                        "exactly at the end of the interval",
                        false,
                        false,
                        true,
                        NOW.minus(COALESCE),
                        5,
                        100,
                        new DialogPlan.Send(6)),
                Arguments.of(
                        "the last CSeq below the ceiling is used",
                        false,
                        false,
                        true,
                        LONG_AGO,
                        99,
                        100,
                        new DialogPlan.Send(100)),
                Arguments.of(
                        "passing the ceiling reserves a block first",
                        false,
                        false,
                        true,
                        LONG_AGO,
                        100,
                        100,
                        new DialogPlan.ReserveCseqs(200)),
                Arguments.of(
                        "a taken-over dialog (cseq = stored ceiling) reserves before its first NOTIFY",
                        false,
                        false,
                        true,
                        Instant.EPOCH,
                        300,
                        300,
                        new DialogPlan.ReserveCseqs(400)),
                Arguments.of(
                        "a new dialog starts below its first ceiling",
                        false,
                        false,
                        true,
                        Instant.EPOCH,
                        0,
                        DialogPlan.firstCeiling(BLOCK),
                        new DialogPlan.Send(1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("steps")
    void decides_the_next_step(
            String what,
            boolean inFlight,
            boolean awaiting,
            boolean pending,
            Instant lastSentAt,
            long cseq,
            long ceiling,
            DialogPlan.Step expected) {
        assertThat(DialogPlan.next(inFlight, awaiting, pending, lastSentAt, cseq, ceiling, NOW, COALESCE, BLOCK))
                .isEqualTo(expected);
    }

    @Test
    void a_loaded_dialog_resumes_above_everything_another_node_may_have_used() {
        Subscription stored = new Subscription(
                "sip:bob@example.test",
                "t",
                "c",
                "r",
                "sip:alice@example.test",
                "sip:bob@example.test",
                "sip:bob@192.0.2.1",
                List.of(),
                new Flow("udp", "192.0.2.1", 5060, null, null),
                null,
                List.of("sip:alice@example.test"),
                null,
                false,
                NOW.plusSeconds(60),
                700);
        long resumed = DialogPlan.resumeCseq(stored);
        assertThat(resumed).isEqualTo(700);
        assertThat(DialogPlan.next(
                        false, false, true, Instant.EPOCH, resumed, stored.cseqCeiling(), NOW, COALESCE, BLOCK))
                .as("the first NOTIFY after a takeover needs a new ceiling stored first")
                .isEqualTo(new DialogPlan.ReserveCseqs(800));
    }

    @Test
    void a_notify_that_did_not_arrive_is_tried_again_after_a_wait_doubling_to_a_minute() {
        assertThat(DialogPlan.retryAfterFailure(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(DialogPlan.retryAfterFailure(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(DialogPlan.retryAfterFailure(6)).isEqualTo(Duration.ofSeconds(32));
        assertThat(DialogPlan.retryAfterFailure(7)).isEqualTo(Duration.ofSeconds(64));
        assertThat(DialogPlan.retryAfterFailure(1_000)).isEqualTo(Duration.ofSeconds(64));
        assertThatThrownBy(() -> DialogPlan.retryAfterFailure(0)).isInstanceOf(IllegalArgumentException.class);
    }
}

package io.switchboard.proxy.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CallPlanTest {

    static final String ALICE = "sip:alice@example.test";
    static final String MOBILE = "sip:+31612345678@example.test;user=phone";
    static final String VM = "sip:voicemail@example.test";
    static final Instant AT = Instant.parse("2026-11-21T16:00:00Z");
    static final Forwarding.NoAnswer NO_ANSWER = new Forwarding.NoAnswer(VM, Duration.ofSeconds(25));

    static Stream<Arguments> plans() {
        return Stream.of(
                Arguments.of(
                        "nothing set: ring the endpoints",
                        CallSettings.none(ALICE),
                        new CallPlan.Ring(List.of(), Optional.empty())),
                Arguments.of(
                        "sim-ring only",
                        new CallSettings(ALICE, Optional.of(MOBILE), Forwarding.OFF, AT),
                        new CallPlan.Ring(List.of(MOBILE), Optional.empty())),
                Arguments.of(
                        "no-answer only",
                        new CallSettings(ALICE, Optional.empty(), NO_ANSWER, AT),
                        new CallPlan.Ring(List.of(), Optional.of(NO_ANSWER))),
                Arguments.of(
                        "sim-ring and no-answer",
                        new CallSettings(ALICE, Optional.of(MOBILE), NO_ANSWER, AT),
                        new CallPlan.Ring(List.of(MOBILE), Optional.of(NO_ANSWER))),
                Arguments.of(
                        "immediate wins over sim-ring",
                        new CallSettings(ALICE, Optional.of(MOBILE), new Forwarding.Immediate(VM), AT),
                        new CallPlan.ForwardNow(VM)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("plans")
    void plan_for_settings(String name, CallSettings settings, CallPlan expected) {
        assertThat(CallPlan.of(settings)).isEqualTo(expected);
    }

    @org.junit.jupiter.api.Test
    void forward_after_is_the_no_answer_time() {
        assertThat(new CallPlan.Ring(List.of(), Optional.of(NO_ANSWER)).forwardAfter())
                .contains(Duration.ofSeconds(25));
        assertThat(new CallPlan.Ring(List.of(MOBILE), Optional.empty()).forwardAfter())
                .isEmpty();
    }
}

package io.switchboard.proxy.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.accounts.domain.Validation;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CallSettingsRulesTest {

    static final String ALICE = "sip:alice@example.test";
    static final Instant NOW = Instant.parse("2026-11-21T16:00:00Z");
    static final Instant BEFORE = Instant.parse("2026-11-20T09:00:00Z");
    static final String VM = "sip:voicemail@example.test";
    static final String MOBILE = "sip:+31612345678@example.test;user=phone";

    static final CallSettings NONE = CallSettings.none(ALICE);
    static final CallSettings NO_ANSWER_30 =
            new CallSettings(ALICE, Optional.of(MOBILE), new Forwarding.NoAnswer(VM, Duration.ofSeconds(30)), BEFORE);
    static final CallSettings IMMEDIATE =
            new CallSettings(ALICE, Optional.empty(), new Forwarding.Immediate(VM), BEFORE);

    static CallSettingsEdit edit() {
        return CallSettingsEdit.NOTHING;
    }

    static CallSettings settings(Optional<String> simRing, Forwarding forwarding) {
        return new CallSettings(ALICE, simRing, forwarding, NOW);
    }

    static Stream<Arguments> accepted() {
        return Stream.of(
                // name, current, edit, expected
                Arguments.of(
                        "sim-ring a number",
                        NONE,
                        edit().withSimRing("+31 6 1234 5678"),
                        settings(Optional.of(MOBILE), Forwarding.OFF)),
                Arguments.of(
                        "sim-ring off",
                        NO_ANSWER_30,
                        edit().withSimRing("off"),
                        settings(Optional.empty(), NO_ANSWER_30.forwarding())),
                Arguments.of(
                        "sim-ring OFF in capitals",
                        NO_ANSWER_30,
                        edit().withSimRing(" OFF "),
                        settings(Optional.empty(), NO_ANSWER_30.forwarding())),
                Arguments.of(
                        "immediate",
                        NONE,
                        edit().withForwardMode("immediate").withForwardTarget(VM),
                        settings(Optional.empty(), new Forwarding.Immediate(VM))),
                Arguments.of(
                        "no-answer defaults to 20 s",
                        NONE,
                        edit().withForwardMode("no-answer").withForwardTarget(VM),
                        settings(Optional.empty(), new Forwarding.NoAnswer(VM, Duration.ofSeconds(20)))),
                Arguments.of(
                        "no-answer 5 s, the minimum",
                        NONE,
                        edit().withForwardMode("no-answer")
                                .withForwardTarget(VM)
                                .withForwardAfterSeconds(5),
                        settings(Optional.empty(), new Forwarding.NoAnswer(VM, Duration.ofSeconds(5)))),
                Arguments.of(
                        "no-answer 120 s, the maximum",
                        NONE,
                        edit().withForwardMode("No-Answer")
                                .withForwardTarget(VM)
                                .withForwardAfterSeconds(120),
                        settings(Optional.empty(), new Forwarding.NoAnswer(VM, Duration.ofSeconds(120)))),
                Arguments.of(
                        "forward to a number",
                        NONE,
                        edit().withForwardMode("immediate").withForwardTarget("+31612345678"),
                        settings(Optional.empty(), new Forwarding.Immediate(MOBILE))),
                Arguments.of(
                        "forward off keeps sim-ring",
                        NO_ANSWER_30,
                        edit().withForwardMode("off"),
                        settings(Optional.of(MOBILE), Forwarding.OFF)),
                Arguments.of(
                        "switching mode keeps the target",
                        NO_ANSWER_30,
                        edit().withForwardMode("immediate"),
                        settings(Optional.of(MOBILE), new Forwarding.Immediate(VM))),
                Arguments.of(
                        "switching to no-answer keeps the target, default time",
                        IMMEDIATE,
                        edit().withForwardMode("no-answer"),
                        settings(Optional.empty(), new Forwarding.NoAnswer(VM, Duration.ofSeconds(20)))),
                Arguments.of(
                        "a new target alone keeps the mode and time",
                        NO_ANSWER_30,
                        edit().withForwardTarget("sip:bob@example.test"),
                        settings(
                                Optional.of(MOBILE),
                                new Forwarding.NoAnswer("sip:bob@example.test", Duration.ofSeconds(30)))),
                Arguments.of(
                        "a new time alone keeps mode and target",
                        NO_ANSWER_30,
                        edit().withForwardAfterSeconds(45),
                        settings(Optional.of(MOBILE), new Forwarding.NoAnswer(VM, Duration.ofSeconds(45)))),
                Arguments.of(
                        "an empty edit only touches the time stamp",
                        NO_ANSWER_30,
                        edit(),
                        new CallSettings(ALICE, NO_ANSWER_30.simRing(), NO_ANSWER_30.forwarding(), NOW)),
                Arguments.of(
                        "sim-ring and forwarding to the same place is allowed",
                        NONE,
                        edit().withSimRing(VM).withForwardMode("no-answer").withForwardTarget(VM),
                        settings(Optional.of(VM), new Forwarding.NoAnswer(VM, Duration.ofSeconds(20)))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void accepted(String name, CallSettings current, CallSettingsEdit edit, CallSettings expected) {
        assertThat(CallSettingsRules.apply(current, edit, NOW)).isEqualTo(Validation.valid(expected));
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of(
                        "unknown mode",
                        NONE,
                        edit().withForwardMode("busy").withForwardTarget(VM),
                        "forward.mode must be off, immediate or no-answer (got \"busy\")"),
                Arguments.of(
                        "immediate without a target",
                        NONE,
                        edit().withForwardMode("immediate"),
                        "forward.target is missing: forward.mode immediate needs a URI or number to forward to"),
                Arguments.of(
                        "no-answer without a target",
                        NONE,
                        edit().withForwardMode("no-answer").withForwardAfterSeconds(30),
                        "forward.target is missing: forward.mode no-answer needs a URI or number to forward to"),
                Arguments.of(
                        "a target while forwarding is off",
                        NONE,
                        edit().withForwardTarget(VM),
                        "forward.mode is missing: forwarding is off, say immediate or no-answer"),
                Arguments.of(
                        "a target with mode off",
                        NO_ANSWER_30,
                        edit().withForwardMode("off").withForwardTarget(VM),
                        "forward.target is not used with forward.mode off"),
                Arguments.of(
                        "a time with mode off",
                        NONE,
                        edit().withForwardMode("off").withForwardAfterSeconds(30),
                        "forward.afterSeconds is not used with forward.mode off"),
                Arguments.of(
                        "a time with immediate",
                        NONE,
                        edit().withForwardMode("immediate")
                                .withForwardTarget(VM)
                                .withForwardAfterSeconds(30),
                        "forward.afterSeconds is only used with forward.mode no-answer"),
                Arguments.of(
                        "a time while forwarding immediately",
                        IMMEDIATE,
                        edit().withForwardAfterSeconds(30),
                        "forward.afterSeconds is only used with forward.mode no-answer"),
                Arguments.of(
                        "4 s is too short",
                        NONE,
                        edit().withForwardMode("no-answer")
                                .withForwardTarget(VM)
                                .withForwardAfterSeconds(4),
                        "forward.afterSeconds must be 5 to 120 seconds (got 4)"),
                Arguments.of(
                        "121 s is too long",
                        NO_ANSWER_30,
                        edit().withForwardAfterSeconds(121),
                        "forward.afterSeconds must be 5 to 120 seconds (got 121)"),
                Arguments.of(
                        "negative time",
                        NO_ANSWER_30,
                        edit().withForwardAfterSeconds(-20),
                        "forward.afterSeconds must be 5 to 120 seconds (got -20)"),
                Arguments.of(
                        "forwarding to oneself",
                        NONE,
                        edit().withForwardMode("immediate").withForwardTarget("sip:alice@EXAMPLE.test"),
                        "forward.target points back at the user's own address sip:alice@example.test (a loop)"),
                Arguments.of(
                        "sim-ring to oneself",
                        NONE,
                        edit().withSimRing(ALICE),
                        "simRing points back at the user's own address sip:alice@example.test (a loop)"),
                Arguments.of(
                        "bad sim-ring target",
                        NONE,
                        edit().withSimRing("alice"),
                        "simRing \"alice\" is neither a sip:/sips: URI nor an E.164 number (+ and 8 to 15 digits)"),
                Arguments.of(
                        "empty sim-ring",
                        NONE,
                        edit().withSimRing(""),
                        "simRing is empty; give a sip: URI or an E.164 number like +31201234567"),
                Arguments.of(
                        "every problem is named at once",
                        NONE,
                        edit().withSimRing("12345")
                                .withForwardMode("no-answer")
                                .withForwardTarget("+31 20")
                                .withForwardAfterSeconds(1),
                        "simRing \"12345\" is not an E.164 number: it needs + and the country code, e.g. +31201234567; "
                                + "forward.target \"+31 20\" is not an E.164 number: it has 4 digits, E.164 numbers have 8 to 15 after +; "
                                + "forward.afterSeconds must be 5 to 120 seconds (got 1)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void refused(String name, CallSettings current, CallSettingsEdit edit, String reason) {
        assertThat(CallSettingsRules.apply(current, edit, NOW)).isEqualTo(Validation.invalid(reason));
    }

    @Test
    void none_is_no_sim_ring_and_no_forwarding() {
        CallSettings none = CallSettings.none("sip:alice@Example.TEST");
        assertThat(none.aor()).isEqualTo(ALICE);
        assertThat(none.isNone()).isTrue();
        assertThat(none.domain()).isEqualTo("example.test");
        assertThat(NO_ANSWER_30.isNone()).isFalse();
    }

    @Test
    void the_time_stamp_keeps_milliseconds_only_as_cassandra_does() {
        CallSettings s = new CallSettings(
                ALICE, Optional.empty(), Forwarding.OFF, Instant.parse("2026-11-21T16:00:00.123456789Z"));
        assertThat(s.updatedAt()).isEqualTo(Instant.parse("2026-11-21T16:00:00.123Z"));
    }

    @Test
    void replacing_is_applying_to_none() {
        Validation<CallSettings> replaced = CallSettingsRules.apply(NONE, edit().withSimRing("+31612345678"), NOW);
        assertThat(replaced).isEqualTo(Validation.valid(settings(Optional.of(MOBILE), Forwarding.OFF)));
    }

    @Test
    void no_answer_time_outside_its_bounds_cannot_be_built() {
        assertThatThrownBy(() -> new Forwarding.NoAnswer(VM, Duration.ofSeconds(4)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Forwarding.NoAnswer(VM, Duration.ofSeconds(121)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new Forwarding.NoAnswer(VM, Forwarding.DEFAULT_NO_ANSWER).after())
                .isEqualTo(Duration.ofSeconds(20));
    }
}

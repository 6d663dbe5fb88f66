package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One row per duration rule of {@link SubscribeRules} (RFC 6665 section 4.2.1.1, RFC 3856 section 6.4). */
class SubscribeRulesTest {

    static final SubscribeRules RULES = new SubscribeRules(SubscribeRules.Limits.DEFAULTS);

    static Stream<Arguments> durations() {
        return Stream.of(
                Arguments.of(
                        "RFC 3856 s6.4: no Expires means the presence default, one hour",
                        -1L,
                        new SubscribeRules.Granted(3600)),
                Arguments.of(
                        "RFC 6665 s4.2.1.4 / s4.4.3: Expires 0 is an unsubscribe or a fetch, never 423",
                        0L,
                        new SubscribeRules.Granted(0)),
                Arguments.of(
                        "RFC 6665 s4.2.1.1: below the minimum gets 423 with Min-Expires",
                        59L,
                        new SubscribeRules.TooBrief(60)),
                Arguments.of("RFC 6665 s4.2.1.1: one second is too brief", 1L, new SubscribeRules.TooBrief(60)),
                Arguments.of("RFC 6665 s4.2.1.1: exactly the minimum is granted", 60L, new SubscribeRules.Granted(60)),
                Arguments.of("RFC 6665 s4.2.1.1: in range, granted as asked", 1800L, new SubscribeRules.Granted(1800)),
                Arguments.of(
                        "RFC 6665 s4.2.1.1: exactly the maximum is granted", 7200L, new SubscribeRules.Granted(7200)),
                Arguments.of(
                        "RFC 6665 s4.2.1.1: above the maximum is shortened (the 200's Expires says so)",
                        7201L,
                        new SubscribeRules.Granted(7200)),
                Arguments.of(
                        "RFC 6665 s4.2.1.1: 2^32-1 (RFC 3261 s20.19's largest) is shortened too",
                        4_294_967_295L,
                        new SubscribeRules.Granted(7200)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("durations")
    void grants(String rule, long requested, SubscribeRules.Duration expected) {
        assertThat(RULES.duration(requested)).isEqualTo(expected);
    }

    static Stream<Arguments> otherLimits() {
        SubscribeRules.Limits l = new SubscribeRules.Limits(30, 900, 1200, 10);
        return Stream.of(
                Arguments.of(l, -1L, new SubscribeRules.Granted(900)),
                Arguments.of(l, 29L, new SubscribeRules.TooBrief(30)),
                Arguments.of(l, 30L, new SubscribeRules.Granted(30)),
                Arguments.of(l, 5000L, new SubscribeRules.Granted(1200)));
    }

    @ParameterizedTest(name = "configured limits {0}: Expires {1} -> {2}")
    @MethodSource("otherLimits")
    void follows_the_configured_limits(SubscribeRules.Limits limits, long requested, SubscribeRules.Duration expected) {
        assertThat(new SubscribeRules(limits).duration(requested)).isEqualTo(expected);
    }
}

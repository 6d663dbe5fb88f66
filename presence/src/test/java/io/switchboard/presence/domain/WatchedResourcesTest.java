package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class WatchedResourcesTest {

    private static final Instant T = SubscriptionTest.AT;
    private static final String A = "sip:a@example.test";
    private static final String B = "sip:b@example.test";
    private static final String C = "sip:c@example.test";

    private static Subscription sub(Instant expiresAt, String... resources) {
        return SubscriptionTest.S.withResources(List.of(resources)).withExpiresAt(expiresAt);
    }

    static Stream<Arguments> unused() {
        return Stream.of(
                Arguments.of("no dialog left: all unused", List.of(A, B), List.of(), List.of(A, B)),
                Arguments.of("another dialog has one", List.of(A, B), List.of(sub(T, B)), List.of(A)),
                Arguments.of("a list dialog has both", List.of(A, B), List.of(sub(T, C, B, A)), List.of()),
                Arguments.of("order of the candidates kept", List.of(C, A), List.of(sub(T, B)), List.of(C, A)),
                Arguments.of("no candidates", List.of(), List.of(sub(T, A)), List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void unused(String why, List<String> candidates, List<Subscription> remaining, List<String> expected) {
        assertThat(WatchedResources.unused(candidates, remaining)).isEqualTo(expected);
    }

    static Stream<Arguments> unanswered() {
        return Stream.of(
                Arguments.of("all answered", List.of(sub(T, A, B)), Set.of(A, B), Map.of()),
                Arguments.of("one missing", List.of(sub(T, A, B)), Set.of(A), Map.of(B, T)),
                Arguments.of(
                        "shared by two dialogs: the later expiry",
                        List.of(sub(T, A), sub(T.plusSeconds(60), A)),
                        Set.of(),
                        Map.of(A, T.plusSeconds(60))),
                Arguments.of(
                        "the later expiry, whichever dialog comes first",
                        List.of(sub(T.plusSeconds(60), A), sub(T, A, C)),
                        Set.of(C),
                        Map.of(A, T.plusSeconds(60))),
                Arguments.of("no dialogs", List.of(), Set.of(), Map.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void unanswered(String why, List<Subscription> subs, Set<String> answered, Map<String, Instant> expected) {
        assertThat(WatchedResources.unanswered(subs, answered::contains)).isEqualTo(expected);
    }

    @org.junit.jupiter.api.Test
    void unansweredKeepsTheOrderFirstMet() {
        assertThat(WatchedResources.unanswered(List.of(sub(T, C, A), sub(T, B, A)), p -> false)
                        .keySet())
                .containsExactly(C, A, B);
    }
}

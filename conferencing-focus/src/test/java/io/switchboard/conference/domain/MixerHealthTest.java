package io.switchboard.conference.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.conference.domain.MixerHealth.Observation;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MixerHealthTest {

    /** One row: the state before, what was seen, the state after, the failure counted (null: none). */
    static Stream<Arguments> transitions() {
        return Stream.of(
                // up stays up on any answer below 500 (alive, whatever it thinks of OPTIONS)
                Arguments.of(true, new Observation.Answered(200), true, null),
                Arguments.of(true, new Observation.Answered(404), true, null),
                Arguments.of(true, new Observation.Answered(405), true, null),
                Arguments.of(true, new Observation.Answered(486), true, null),
                Arguments.of(true, new Observation.Answered(499), true, null),
                // up goes down on a 5xx, no answer, or a BYE on a leg
                Arguments.of(true, new Observation.Answered(500), false, MixerHealth.SERVER_ERROR),
                Arguments.of(true, new Observation.Answered(503), false, MixerHealth.SERVER_ERROR),
                Arguments.of(true, new Observation.Answered(599), false, MixerHealth.SERVER_ERROR),
                Arguments.of(true, new Observation.NoAnswer(), false, MixerHealth.NO_ANSWER),
                Arguments.of(true, new Observation.Bye(), false, MixerHealth.BYE),
                // down comes up on the first answer below 500; stays down (counted again) otherwise
                Arguments.of(false, new Observation.Answered(200), true, null),
                Arguments.of(false, new Observation.Answered(481), true, null),
                Arguments.of(false, new Observation.Answered(500), false, MixerHealth.SERVER_ERROR),
                Arguments.of(false, new Observation.NoAnswer(), false, MixerHealth.NO_ANSWER),
                Arguments.of(false, new Observation.Bye(), false, MixerHealth.BYE));
    }

    @ParameterizedTest(name = "{0} + {1} -> {2}")
    @MethodSource("transitions")
    void one_observation_decides(boolean before, Observation seen, boolean after, String failure) {
        MixerHealth.Verdict v = MixerHealth.next(seen);
        assertThat(v.up()).as("from %s", before ? "up" : "down").isEqualTo(after);
        assertThat(v.failure()).isEqualTo(failure);
    }
}

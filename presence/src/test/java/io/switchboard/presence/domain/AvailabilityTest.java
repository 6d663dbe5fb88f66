package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The availability scale of the Skype for Business presence model: numbers and the ranges they stand for. */
class AvailabilityTest {

    static Stream<Arguments> boundaries() {
        return Stream.of(
                // number, state it falls in
                Arguments.of(0, Availability.AVAILABLE),
                Arguments.of(3500, Availability.AVAILABLE),
                Arguments.of(4499, Availability.AVAILABLE),
                Arguments.of(4500, Availability.AVAILABLE_IDLE),
                Arguments.of(5999, Availability.AVAILABLE_IDLE),
                Arguments.of(6000, Availability.BUSY),
                Arguments.of(7499, Availability.BUSY),
                Arguments.of(7500, Availability.BUSY_IDLE),
                Arguments.of(8999, Availability.BUSY_IDLE),
                Arguments.of(9000, Availability.DO_NOT_DISTURB),
                Arguments.of(11999, Availability.DO_NOT_DISTURB),
                Arguments.of(12000, Availability.BE_RIGHT_BACK),
                Arguments.of(14999, Availability.BE_RIGHT_BACK),
                Arguments.of(15000, Availability.AWAY),
                Arguments.of(17999, Availability.AWAY),
                Arguments.of(18000, Availability.OFFLINE),
                Arguments.of(18500, Availability.OFFLINE),
                Arguments.of(Integer.MAX_VALUE, Availability.OFFLINE));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("boundaries")
    void every_range_boundary_maps_to_its_state(int number, Availability expected) {
        assertThat(Availability.ofNumber(number)).isEqualTo(expected);
    }

    static Stream<Arguments> numbers() {
        return Stream.of(
                Arguments.of(Availability.AVAILABLE, 3500, "available"),
                Arguments.of(Availability.AVAILABLE_IDLE, 5000, "available-idle"),
                Arguments.of(Availability.BUSY, 6500, "busy"),
                Arguments.of(Availability.BUSY_IDLE, 7500, "busy-idle"),
                Arguments.of(Availability.DO_NOT_DISTURB, 9500, "do-not-disturb"),
                Arguments.of(Availability.BE_RIGHT_BACK, 12500, "be-right-back"),
                Arguments.of(Availability.AWAY, 15500, "away"),
                Arguments.of(Availability.OFFLINE, 18500, "offline"));
    }

    @ParameterizedTest(name = "{0} is {1} ({2})")
    @MethodSource("numbers")
    void each_state_has_the_domain_number_and_token(Availability a, int number, String token) {
        assertThat(a.number()).isEqualTo(number);
        assertThat(a.token()).isEqualTo(token);
        assertThat(Availability.ofToken(" " + token.toUpperCase() + " ")).isSameAs(a);
    }

    @ParameterizedTest
    @EnumSource(Availability.class)
    void each_state_number_lies_in_its_own_range(Availability a) {
        assertThat(Availability.ofNumber(a.number())).isSameAs(a);
        assertThat(Availability.ofNumber(a.low())).isSameAs(a);
        assertThat(Availability.ofNumber(a.high())).isSameAs(a);
    }

    @Test
    void ranges_are_contiguous_from_zero() {
        Availability[] all = Availability.values();
        assertThat(all[0].low()).isZero();
        for (int i = 1; i < all.length; i++) {
            assertThat(all[i].low()).as(all[i].name()).isEqualTo(all[i - 1].high() + 1);
        }
    }

    @Test
    void negative_numbers_and_unknown_tokens_are_refused() {
        assertThatThrownBy(() -> Availability.ofNumber(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
        assertThat(Availability.ofToken("lunch")).isNull();
        assertThat(Availability.ofToken(null)).isNull();
    }
}

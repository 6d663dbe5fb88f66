package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.presence.domain.CustomStates.Validated;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Up to 4 custom states, text up to 64 characters, mapped onto Available, Busy or DND (as in Skype for Business). */
class CustomStatesTest {

    static final CustomState HOME = new CustomState(1, "Working from home", Availability.AVAILABLE);
    static final CustomState FOCUS = new CustomState(2, "Focus time", Availability.DO_NOT_DISTURB);
    static final CustomState CUSTOMER = new CustomState(3, "With a customer", Availability.BUSY);
    static final CustomState TRAIN = new CustomState(4, "On the train", Availability.BUSY);

    static CustomStates valid(CustomState... states) {
        Validated v = CustomStates.of(List.of(states));
        assertThat(v).isInstanceOf(Validated.Ok.class);
        return ((Validated.Ok) v).states();
    }

    @Test
    void four_states_are_kept_in_id_order_and_found_by_id() {
        CustomStates states = valid(TRAIN, HOME, CUSTOMER, FOCUS);
        assertThat(states.all()).containsExactly(HOME, FOCUS, CUSTOMER, TRAIN);
        assertThat(states.byId(3)).contains(CUSTOMER);
        assertThat(states.byId(5)).isEmpty();
        assertThat(states).isEqualTo(valid(HOME, FOCUS, CUSTOMER, TRAIN));
    }

    @Test
    void none_and_the_empty_list_hold_nothing() {
        assertThat(CustomStates.NONE.all()).isEmpty();
        assertThat(CustomStates.NONE.byId(1)).isEqualTo(Optional.empty());
        assertThat(valid()).isEqualTo(CustomStates.NONE);
    }

    @Test
    void text_of_exactly_64_characters_is_allowed_counting_code_points() {
        String emoji64 = "\uD83D\uDE00".repeat(64); // 64 characters, 128 UTF-16 units
        assertThat(valid(new CustomState(1, "x".repeat(64), Availability.BUSY)).byId(1))
                .isPresent();
        assertThat(valid(new CustomState(1, emoji64, Availability.BUSY)).byId(1))
                .isPresent();
    }

    static Stream<Arguments> invalid() {
        List<CustomState> five = new ArrayList<>(List.of(HOME, FOCUS, CUSTOMER, TRAIN));
        five.add(new CustomState(4, "Fifth", Availability.BUSY));
        List<CustomState> withNull = new ArrayList<>();
        withNull.add(HOME);
        withNull.add(null);
        return Stream.of(
                Arguments.of(five, "at most 4 custom states, got 5"),
                Arguments.of(
                        List.of(new CustomState(0, "Zero", Availability.BUSY)), "custom state 0: ids must be 1 to 4"),
                Arguments.of(
                        List.of(new CustomState(5, "Five", Availability.BUSY)), "custom state 5: ids must be 1 to 4"),
                Arguments.of(
                        List.of(HOME, new CustomState(1, "Again", Availability.BUSY)), "custom state 1: duplicate id"),
                Arguments.of(
                        List.of(new CustomState(3, "x".repeat(65), Availability.BUSY)),
                        "custom state 3: text longer than 64 characters (65)"),
                Arguments.of(List.of(new CustomState(2, "  ", Availability.BUSY)), "custom state 2: text is empty"),
                Arguments.of(List.of(new CustomState(2, null, Availability.BUSY)), "custom state 2: text is empty"),
                Arguments.of(
                        List.of(new CustomState(2, "Line\nbreak", Availability.BUSY)),
                        "custom state 2: text contains control characters"),
                Arguments.of(
                        List.of(new CustomState(4, "Gone", Availability.AWAY)),
                        "custom state 4: cannot be mapped onto away; only available, busy or do-not-disturb"),
                Arguments.of(
                        List.of(new CustomState(4, "Hidden", Availability.OFFLINE)),
                        "custom state 4: cannot be mapped onto offline; only available, busy or do-not-disturb"),
                Arguments.of(
                        List.of(new CustomState(1, "Back soon", Availability.BE_RIGHT_BACK)),
                        "custom state 1: cannot be mapped onto be-right-back; only available, busy or do-not-disturb"),
                Arguments.of(
                        List.of(new CustomState(1, "Idle", Availability.AVAILABLE_IDLE)),
                        "custom state 1: cannot be mapped onto available-idle; only available, busy or do-not-disturb"),
                Arguments.of(
                        List.of(new CustomState(1, "Nothing", null)),
                        "custom state 1: no availability; map it onto available, busy or do-not-disturb"),
                Arguments.of(withNull, "custom state entry 2 is empty"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("invalid")
    void problems_are_named_with_the_entry(List<CustomState> states, String reason) {
        assertThat(CustomStates.of(states)).isEqualTo(new Validated.Invalid(reason));
    }

    @Test
    void a_missing_list_is_refused() {
        assertThat(CustomStates.of(null)).isEqualTo(new Validated.Invalid("custom states missing"));
    }

    @Test
    void a_custom_state_becomes_a_choice_with_its_text() {
        assertThat(UserChoice.custom(FOCUS)).isEqualTo(new UserChoice(Availability.DO_NOT_DISTURB, "Focus time"));
        assertThat(UserChoice.custom(HOME).isAutomatic()).isFalse();
    }
}

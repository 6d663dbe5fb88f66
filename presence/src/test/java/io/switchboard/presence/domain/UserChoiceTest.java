package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The value types' invariants: combinations no rule produces are programming errors. */
class UserChoiceTest {

    @ParameterizedTest
    @EnumSource(
            value = Availability.class,
            names = {"BUSY", "DO_NOT_DISTURB", "BE_RIGHT_BACK", "AWAY", "OFFLINE"})
    void built_in_states_can_be_chosen(Availability a) {
        assertThat(UserChoice.of(a).availability()).isEqualTo(a);
        assertThat(UserChoice.of(a).isAutomatic()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(
            value = Availability.class,
            names = {"AVAILABLE_IDLE", "BUSY_IDLE"})
    void idle_states_come_only_from_machines(Availability a) {
        assertThatThrownBy(() -> UserChoice.of(a)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new UserChoice(a, "text")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void available_is_automatic_unless_it_is_a_custom_state() {
        assertThat(UserChoice.AUTOMATIC.isAutomatic()).isTrue();
        assertThatThrownBy(() -> UserChoice.of(Availability.AVAILABLE)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new UserChoice(Availability.AVAILABLE, "Working from home").isAutomatic())
                .isFalse();
        assertThatThrownBy(() -> new UserChoice(null, "text")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void published_state_holds_only_machine_activities_and_copies_phones() {
        assertThat(PublishedState.REGISTERED)
                .isEqualTo(new PublishedState(MachineState.UNKNOWN, null, null, null, List.of()));
        assertThatThrownBy(() -> new PublishedState(MachineState.ACTIVE, "lunch", null, null, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        var phones = new java.util.ArrayList<>(List.of("tel:+31201234567"));
        PublishedState s = new PublishedState(MachineState.ACTIVE, Activities.IN_A_CALL, null, null, phones);
        phones.clear();
        assertThat(s.phones()).containsExactly("tel:+31201234567");
    }
}

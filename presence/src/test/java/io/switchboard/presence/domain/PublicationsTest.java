package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.presence.domain.Publications.Interpretation;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One row per rule of {@link Publications}: what a PIDF document says about its user. */
class PublicationsTest {

    static final String ALICE = "sip:alice@example.com";
    static final CustomStates CUSTOM = ((CustomStates.Validated.Ok) CustomStates.of(List.of(
                    new CustomState(1, "Working from home", Availability.AVAILABLE),
                    new CustomState(2, "Focus time", Availability.DO_NOT_DISTURB),
                    new CustomState(3, "With a customer", Availability.BUSY))))
            .states();

    static PidfDocument doc(String basic, String userInput, Set<String> activities) {
        return new PidfDocument(ALICE, basic, List.of(), activities, userInput, null, null, null);
    }

    static PidfDocument withState(String state, Integer custom, Set<String> activities) {
        return new PidfDocument(ALICE, "open", List.of(), activities, null, null, state, custom);
    }

    static PublishedState ok(PidfDocument d) {
        Interpretation i = Publications.interpret(d, CUSTOM);
        assertThat(i).as("interpretation of %s", d).isInstanceOf(Interpretation.Ok.class);
        return ((Interpretation.Ok) i).state();
    }

    static Stream<Arguments> machineStates() {
        return Stream.of(
                // basic, user-input, activities, machine state
                Arguments.of("closed", null, Set.of(), MachineState.OFF),
                Arguments.of("closed", "active", Set.of(), MachineState.OFF),
                Arguments.of("CLOSED", "idle", Set.of("away"), MachineState.OFF),
                Arguments.of("open", "active", Set.of(), MachineState.ACTIVE),
                Arguments.of(null, "active", Set.of(), MachineState.ACTIVE),
                Arguments.of("open", " Active ", Set.of(), MachineState.ACTIVE),
                Arguments.of("open", "idle", Set.of(), MachineState.INACTIVE),
                Arguments.of("open", "idle", Set.of("away"), MachineState.AWAY),
                Arguments.of("open", "active", Set.of("away"), MachineState.ACTIVE),
                Arguments.of("open", null, Set.of(), MachineState.UNKNOWN),
                Arguments.of(null, null, Set.of(), MachineState.UNKNOWN),
                Arguments.of("open", null, Set.of("away"), MachineState.UNKNOWN),
                Arguments.of("open", "sleepy", Set.of(), MachineState.UNKNOWN));
    }

    @ParameterizedTest(name = "basic={0} user-input={1} activities={2} -> {3}")
    @MethodSource("machineStates")
    void machine_state_from_basic_and_user_input(
            String basic, String userInput, Set<String> activities, MachineState expected) {
        assertThat(ok(doc(basic, userInput, activities)).machine()).isEqualTo(expected);
    }

    static Stream<Arguments> machineActivities() {
        return Stream.of(
                Arguments.of("open", Set.of("on-the-phone"), Activities.IN_A_CALL),
                Arguments.of("closed", Set.of("on-the-phone"), Activities.IN_A_CALL),
                Arguments.of("open", Set.of("meeting"), Activities.IN_A_MEETING),
                Arguments.of("open", Set.of("appointment"), Activities.IN_A_MEETING),
                Arguments.of("open", Set.of("meeting", "on-the-phone"), Activities.IN_A_CALL),
                Arguments.of("open", Set.of("busy"), null),
                Arguments.of("open", Set.of(), null));
    }

    @ParameterizedTest(name = "basic={0} activities={1} -> {2}")
    @MethodSource("machineActivities")
    void machine_activity_from_rpid_activities(String basic, Set<String> activities, String expected) {
        assertThat(ok(doc(basic, null, activities)).machineActivity()).isEqualTo(expected);
    }

    static Stream<Arguments> choices() {
        UserChoice none = null;
        return Stream.of(
                // sb:state, sb:custom-state, activities, user-input, choice
                Arguments.of("available", null, Set.of(), null, UserChoice.AUTOMATIC),
                Arguments.of("busy", null, Set.of(), null, UserChoice.of(Availability.BUSY)),
                Arguments.of("do-not-disturb", null, Set.of(), null, UserChoice.of(Availability.DO_NOT_DISTURB)),
                Arguments.of("be-right-back", null, Set.of(), null, UserChoice.of(Availability.BE_RIGHT_BACK)),
                Arguments.of("away", null, Set.of(), null, UserChoice.of(Availability.AWAY)),
                Arguments.of("appear-offline", null, Set.of(), null, UserChoice.of(Availability.OFFLINE)),
                Arguments.of("Busy", null, Set.of(), null, UserChoice.of(Availability.BUSY)),
                // state beats custom state and activities
                Arguments.of("available", 2, Set.of("busy"), null, UserChoice.AUTOMATIC),
                Arguments.of(null, 1, Set.of(), null, new UserChoice(Availability.AVAILABLE, "Working from home")),
                Arguments.of(null, 2, Set.of(), null, new UserChoice(Availability.DO_NOT_DISTURB, "Focus time")),
                Arguments.of(null, 3, Set.of("away"), null, new UserChoice(Availability.BUSY, "With a customer")),
                // what ordinary SIP phones publish
                Arguments.of(null, null, Set.of("busy"), null, UserChoice.of(Availability.BUSY)),
                Arguments.of(null, null, Set.of("busy", "vacation"), null, UserChoice.of(Availability.BUSY)),
                Arguments.of(null, null, Set.of("away"), null, UserChoice.of(Availability.AWAY)),
                Arguments.of(null, null, Set.of("away"), "active", UserChoice.of(Availability.AWAY)),
                Arguments.of(null, null, Set.of("away"), "idle", none),
                Arguments.of(null, null, Set.of("vacation"), null, UserChoice.of(Availability.AWAY)),
                Arguments.of(null, null, Set.of("holiday"), "idle", UserChoice.of(Availability.AWAY)),
                Arguments.of(null, null, Set.of("permanent-absence"), null, UserChoice.of(Availability.AWAY)),
                Arguments.of(null, null, Set.of("on-the-phone"), null, none),
                Arguments.of(null, null, Set.of("meeting", "lunch"), null, none),
                Arguments.of(null, null, Set.of(), null, none));
    }

    @ParameterizedTest(name = "state={0} custom={1} activities={2} user-input={3} -> {4}")
    @MethodSource("choices")
    void user_choice_from_state_then_custom_state_then_activities(
            String state, Integer custom, Set<String> activities, String userInput, UserChoice expected) {
        PidfDocument d = new PidfDocument(ALICE, "open", List.of(), activities, userInput, null, state, custom);
        assertThat(ok(d).choice()).isEqualTo(expected);
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of(withState("lunch", null, Set.of()), CUSTOM, "Unknown presence state 'lunch'"),
                Arguments.of(withState("offline", null, Set.of()), CUSTOM, "Unknown presence state 'offline'"),
                Arguments.of(withState("", null, Set.of()), CUSTOM, "Unknown presence state ''"),
                Arguments.of(withState("bogus", 1, Set.of()), CUSTOM, "Unknown presence state 'bogus'"),
                Arguments.of(withState(null, 4, Set.of()), CUSTOM, "Unknown custom state 4"),
                Arguments.of(withState(null, 1, Set.of()), CustomStates.NONE, "Unknown custom state 1"),
                Arguments.of(withState(null, 1, Set.of()), null, "Unknown custom state 1"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("refused")
    void unknown_states_are_refused_with_a_reason(PidfDocument d, CustomStates custom, String reason) {
        assertThat(Publications.interpret(d, custom)).isEqualTo(new Interpretation.Invalid(reason));
    }

    static Stream<Arguments> notes() {
        return Stream.of(Arguments.of((String) null), Arguments.of(""), Arguments.of("Back at 3"));
    }

    @ParameterizedTest(name = "note [{0}] is kept as is")
    @MethodSource("notes")
    void note_is_taken_as_the_document_has_it(String note) {
        PidfDocument d = new PidfDocument(ALICE, "open", List.of(), Set.of(), null, note, null, null);
        assertThat(ok(d).note()).isEqualTo(note);
    }

    static Stream<Arguments> contacts() {
        return Stream.of(
                Arguments.of("tel:+31201234567", true),
                Arguments.of("TEL:+31201234567", true),
                Arguments.of("tel:", false),
                Arguments.of("sip:+31201234567@example.com;user=phone", true),
                Arguments.of("sips:+31201234567@example.com;transport=tls;User=Phone", true),
                Arguments.of("sip:+3120;phone-context=example.com@example.com;user=phone", true),
                Arguments.of("sip:+31201234567@example.com", false),
                Arguments.of("sip:alice@example.com;user=ip", false),
                Arguments.of("sip:alice@example.com?subject=user=phone", false),
                Arguments.of("sip:alice;user=phone@example.com", false),
                Arguments.of("mailto:alice@example.com", false),
                Arguments.of("im:alice@example.com", false));
    }

    @ParameterizedTest(name = "{0} is a phone: {1}")
    @MethodSource("contacts")
    void phones_are_tel_uris_and_sip_uris_with_user_phone(String contact, boolean phone) {
        PidfDocument d = new PidfDocument(ALICE, "open", List.of(contact), Set.of(), null, null, null, null);
        assertThat(ok(d).phones()).isEqualTo(phone ? List.of(contact) : List.of());
    }

    @Test
    void phones_keep_document_order() {
        PidfDocument d = new PidfDocument(
                ALICE,
                "open",
                List.of("sip:alice@192.0.2.1", "tel:+31207654321", "sip:+31201234567@example.com;user=phone"),
                Set.of(),
                null,
                null,
                null,
                null);
        assertThat(ok(d).phones()).containsExactly("tel:+31207654321", "sip:+31201234567@example.com;user=phone");
    }

    @Test
    void a_full_document_is_interpreted_in_one_state() {
        PidfDocument d = new PidfDocument(
                ALICE,
                "open",
                List.of("tel:+31201234567"),
                Set.of("on-the-phone"),
                "active",
                "In Amsterdam today",
                null,
                3);
        assertThat(ok(d))
                .isEqualTo(new PublishedState(
                        MachineState.ACTIVE,
                        Activities.IN_A_CALL,
                        new UserChoice(Availability.BUSY, "With a customer"),
                        "In Amsterdam today",
                        List.of("tel:+31201234567")));
    }
}

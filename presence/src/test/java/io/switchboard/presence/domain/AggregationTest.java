package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One row per rule of {@link Aggregation}: a user's presence across endpoints. */
class AggregationTest {

    static final Instant T0 = Instant.parse("2026-11-21T09:00:00Z");
    static final Instant NOW = T0.plusSeconds(3600);

    static Instant t(int seconds) {
        return T0.plusSeconds(seconds);
    }

    static PublishedState machine(MachineState m) {
        return new PublishedState(m, null, null, null, List.of());
    }

    static PublishedState activity(MachineState m, String activity) {
        return new PublishedState(m, activity, null, null, List.of());
    }

    static PublishedState choice(UserChoice c) {
        return new PublishedState(MachineState.UNKNOWN, null, c, null, List.of());
    }

    static PublishedState note(String note) {
        return new PublishedState(MachineState.UNKNOWN, null, null, note, List.of());
    }

    static PublishedState phones(String... phones) {
        return new PublishedState(MachineState.UNKNOWN, null, null, null, List.of(phones));
    }

    static Source src(String endpoint, PublishedState state, int at) {
        return new Source(endpoint, state, t(at));
    }

    static Aggregate agg(List<Source> sources) {
        return Aggregation.aggregate(sources, true, null, NOW);
    }

    static Stream<Arguments> machineRules() {
        return Stream.of(
                // sources, availability, activity, why
                Arguments.of(List.of(), Availability.AVAILABLE, null, "registered, nothing published"),
                Arguments.of(
                        List.of(src("pc", PublishedState.REGISTERED, 0)),
                        Availability.AVAILABLE,
                        null,
                        "a registered endpoint that did not publish counts as available"),
                Arguments.of(
                        List.of(src("pc", machine(MachineState.ACTIVE), 0)), Availability.AVAILABLE, null, "active"),
                Arguments.of(
                        List.of(src("pc", machine(MachineState.INACTIVE), 0)),
                        Availability.AVAILABLE_IDLE,
                        null,
                        "idle"),
                Arguments.of(
                        List.of(src("pc", machine(MachineState.AWAY), 0)), Availability.AWAY, null, "machine away"),
                Arguments.of(List.of(src("pc", machine(MachineState.OFF), 0)), Availability.OFFLINE, null, "closed"),
                Arguments.of(
                        List.of(
                                src("pc", machine(MachineState.INACTIVE), 0),
                                src("phone", machine(MachineState.ACTIVE), 1),
                                src("tablet", machine(MachineState.AWAY), 2)),
                        Availability.AVAILABLE,
                        null,
                        "most active of 3 endpoints (active) wins"),
                Arguments.of(
                        List.of(
                                src("pc", machine(MachineState.AWAY), 5),
                                src("phone", machine(MachineState.INACTIVE), 0),
                                src("tablet", machine(MachineState.OFF), 9)),
                        Availability.AVAILABLE_IDLE,
                        null,
                        "most active of 3 endpoints (inactive) wins, not the latest"),
                Arguments.of(
                        List.of(
                                src("pc", machine(MachineState.OFF), 0),
                                src("phone", machine(MachineState.AWAY), 0),
                                src("tablet", machine(MachineState.OFF), 0)),
                        Availability.AWAY,
                        null,
                        "away beats off"),
                Arguments.of(
                        List.of(
                                src("pc", machine(MachineState.INACTIVE), 0),
                                src("phone", PublishedState.REGISTERED, 0)),
                        Availability.AVAILABLE_IDLE,
                        null,
                        "inactive beats unknown"),
                Arguments.of(
                        List.of(src("pc", machine(MachineState.AWAY), 0), src("phone", PublishedState.REGISTERED, 0)),
                        Availability.AVAILABLE,
                        null,
                        "a registered phone beats an away PC"),
                Arguments.of(
                        List.of(
                                src("pc", machine(MachineState.ACTIVE), 0),
                                src("phone", activity(MachineState.UNKNOWN, Activities.IN_A_CALL), 0)),
                        Availability.BUSY,
                        Activities.IN_A_CALL,
                        "any endpoint in a call"),
                Arguments.of(
                        List.of(
                                src("pc", activity(MachineState.INACTIVE, Activities.IN_A_MEETING), 0),
                                src("phone", activity(MachineState.OFF, Activities.IN_A_CALL), 0)),
                        Availability.BUSY,
                        Activities.IN_A_CALL,
                        "a call beats a meeting"),
                Arguments.of(
                        List.of(src("pc", activity(MachineState.ACTIVE, Activities.IN_A_MEETING), 0)),
                        Availability.BUSY,
                        Activities.IN_A_MEETING,
                        "meeting, active"),
                Arguments.of(
                        List.of(src("pc", activity(MachineState.INACTIVE, Activities.IN_A_MEETING), 0)),
                        Availability.BUSY_IDLE,
                        Activities.IN_A_MEETING,
                        "meeting, most active is inactive"),
                Arguments.of(
                        List.of(
                                src("pc", activity(MachineState.INACTIVE, Activities.IN_A_MEETING), 0),
                                src("phone", machine(MachineState.ACTIVE), 0)),
                        Availability.BUSY,
                        Activities.IN_A_MEETING,
                        "meeting, another endpoint is active"),
                Arguments.of(
                        List.of(src("pc", activity(MachineState.AWAY, Activities.IN_A_MEETING), 0)),
                        Availability.BUSY,
                        Activities.IN_A_MEETING,
                        "meeting, most active is away"));
    }

    @ParameterizedTest(name = "{3}")
    @MethodSource("machineRules")
    void machine_state_when_no_explicit_choice(
            List<Source> sources, Availability availability, String activity, String why) {
        Aggregate a = agg(sources);
        assertThat(a.availability()).as(why).isEqualTo(availability);
        assertThat(a.activity()).as(why).isEqualTo(activity);
    }

    static Stream<Arguments> choiceRules() {
        Source activePc = src("pc", machine(MachineState.ACTIVE), 50);
        Source callOnPhone = src("phone", activity(MachineState.ACTIVE, Activities.IN_A_CALL), 50);
        return Stream.of(
                Arguments.of(
                        List.of(activePc, src("client", choice(UserChoice.of(Availability.DO_NOT_DISTURB)), 10)),
                        Availability.DO_NOT_DISTURB,
                        null,
                        "explicit DND beats an active machine"),
                Arguments.of(
                        List.of(callOnPhone, src("client", choice(UserChoice.of(Availability.BE_RIGHT_BACK)), 10)),
                        Availability.BE_RIGHT_BACK,
                        null,
                        "explicit BRB beats a call"),
                Arguments.of(
                        List.of(activePc, src("client", choice(UserChoice.of(Availability.OFFLINE)), 10)),
                        Availability.OFFLINE,
                        null,
                        "appear offline"),
                Arguments.of(
                        List.of(
                                callOnPhone,
                                src("client", choice(new UserChoice(Availability.AVAILABLE, "Working from home")), 10)),
                        Availability.AVAILABLE,
                        "Working from home",
                        "custom state mapped onto available, with its text"),
                Arguments.of(
                        List.of(
                                activePc,
                                src("client", choice(new UserChoice(Availability.BUSY, "With a customer")), 10)),
                        Availability.BUSY,
                        "With a customer",
                        "custom state mapped onto busy"),
                Arguments.of(
                        List.of(
                                activePc,
                                src("a", choice(UserChoice.of(Availability.AWAY)), 10),
                                src("b", choice(UserChoice.of(Availability.BUSY)), 20)),
                        Availability.BUSY,
                        null,
                        "latest choice by server time wins"),
                Arguments.of(
                        List.of(
                                activePc,
                                src("z", choice(UserChoice.of(Availability.AWAY)), 30),
                                src("b", choice(UserChoice.of(Availability.BUSY)), 20)),
                        Availability.AWAY,
                        null,
                        "latest choice wins, not the order of sources"),
                Arguments.of(
                        List.of(
                                activePc,
                                src("a", choice(UserChoice.of(Availability.DO_NOT_DISTURB)), 10),
                                src("b", choice(UserChoice.AUTOMATIC), 20)),
                        Availability.AVAILABLE,
                        null,
                        "a later AUTOMATIC resets to machine state"),
                Arguments.of(
                        List.of(
                                callOnPhone,
                                src("a", choice(UserChoice.of(Availability.DO_NOT_DISTURB)), 10),
                                src("b", choice(UserChoice.AUTOMATIC), 20)),
                        Availability.BUSY,
                        Activities.IN_A_CALL,
                        "reset to machine state shows the call"),
                Arguments.of(
                        List.of(
                                activePc,
                                src("a", choice(UserChoice.AUTOMATIC), 10),
                                src("b", choice(UserChoice.of(Availability.AWAY)), 20)),
                        Availability.AWAY,
                        null,
                        "a choice after AUTOMATIC overrides again"),
                Arguments.of(
                        List.of(
                                activePc,
                                src("a", choice(UserChoice.of(Availability.AWAY)), 10),
                                src("b", machine(MachineState.ACTIVE), 20)),
                        Availability.AWAY,
                        null,
                        "a later publication saying nothing about the choice keeps it"),
                Arguments.of(
                        List.of(
                                activePc,
                                src("a", choice(UserChoice.of(Availability.AWAY)), 10),
                                src("b", choice(UserChoice.of(Availability.BUSY)), 10)),
                        Availability.BUSY,
                        null,
                        "same time stamp: the greater endpoint ('b') counts as later"),
                Arguments.of(
                        List.of(
                                activePc,
                                src("b", choice(UserChoice.of(Availability.BUSY)), 10),
                                src("a", choice(UserChoice.of(Availability.AWAY)), 10)),
                        Availability.BUSY,
                        null,
                        "same time stamp: independent of the order of sources"));
    }

    @ParameterizedTest(name = "{3}")
    @MethodSource("choiceRules")
    void explicit_choice_overrides_machine_state(
            List<Source> sources, Availability availability, String activity, String why) {
        Aggregate a = agg(sources);
        assertThat(a.availability()).as(why).isEqualTo(availability);
        assertThat(a.activity()).as(why).isEqualTo(activity);
    }

    @Test
    void not_registered_is_offline_whatever_publications_say_but_keeps_the_note() {
        List<Source> sources = List.of(src(
                "pc",
                new PublishedState(
                        MachineState.ACTIVE,
                        Activities.IN_A_CALL,
                        UserChoice.of(Availability.BUSY),
                        "Back at 3",
                        List.of("tel:+31201234567")),
                10));
        Aggregate a = Aggregation.aggregate(sources, false, null, NOW);
        assertThat(a).isEqualTo(new Aggregate(Availability.OFFLINE, null, "Back at 3", List.of(), NOW));
        assertThat(Aggregation.aggregate(List.of(), false, null, NOW))
                .isEqualTo(new Aggregate(Availability.OFFLINE, null, null, List.of(), NOW));
    }

    static Stream<Arguments> noteRules() {
        return Stream.of(
                Arguments.of(List.of(), null, "no note anywhere"),
                Arguments.of(List.of(src("a", note("Back at 3"), 10)), "Back at 3", "one note"),
                Arguments.of(
                        List.of(src("a", note("Back at 3"), 10), src("b", note("In Amsterdam"), 20)),
                        "In Amsterdam",
                        "latest note wins"),
                Arguments.of(
                        List.of(src("b", note("In Amsterdam"), 20), src("a", note("Back at 3"), 10)),
                        "In Amsterdam",
                        "latest note wins, not the order of sources"),
                Arguments.of(
                        List.of(src("a", note("Back at 3"), 10), src("b", note(""), 20)), null, "empty note clears"),
                Arguments.of(
                        List.of(src("a", note(""), 10), src("b", note("Back at 3"), 20)),
                        "Back at 3",
                        "a note after the clear"),
                Arguments.of(
                        List.of(src("a", note("Back at 3"), 10), src("b", note(null), 20)),
                        "Back at 3",
                        "a later publication without a note keeps it"),
                Arguments.of(
                        List.of(src("a", note("Back at 3"), 10), src("b", note("In Amsterdam"), 10)),
                        "In Amsterdam",
                        "same time stamp: the greater endpoint counts as later"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("noteRules")
    void note_is_the_latest_non_null_note(List<Source> sources, String expected, String why) {
        assertThat(agg(sources).note()).as(why).isEqualTo(expected);
    }

    @Test
    void phones_are_the_union_in_order_of_first_appearance_by_endpoint() {
        List<Source> sources = new ArrayList<>(List.of(
                src("b-phone", phones("tel:+312", "tel:+311"), 5),
                src("a-pc", phones("tel:+311", "tel:+313"), 9),
                src("c-tablet", phones(), 1),
                src("d-desk", phones("tel:+312", "tel:+314"), 2)));
        List<String> expected = List.of("tel:+311", "tel:+313", "tel:+312", "tel:+314");
        assertThat(agg(sources).phones()).isEqualTo(expected);
        Collections.reverse(sources);
        assertThat(agg(sources).phones())
                .as("independent of the order of sources")
                .isEqualTo(expected);
    }

    @Test
    void since_is_kept_when_nothing_a_watcher_sees_changed() {
        List<Source> first =
                List.of(src("pc", new PublishedState(MachineState.ACTIVE, null, null, "Hi", List.of("tel:+311")), 0));
        Aggregate before = Aggregation.aggregate(first, true, null, T0);
        assertThat(before.since()).isEqualTo(T0);

        // a refresh (new time stamp, same content) and a different machine state meaning the same
        List<Source> refreshed =
                List.of(src("pc", new PublishedState(MachineState.UNKNOWN, null, null, "Hi", List.of("tel:+311")), 60));
        Aggregate after = Aggregation.aggregate(refreshed, true, before, NOW);
        assertThat(after).isEqualTo(before);
        assertThat(after.since()).isEqualTo(T0);
    }

    static Stream<Arguments> changes() {
        PublishedState base = new PublishedState(MachineState.ACTIVE, null, null, "Hi", List.of("tel:+311"));
        return Stream.of(
                Arguments.of(
                        new PublishedState(MachineState.INACTIVE, null, null, "Hi", List.of("tel:+311")),
                        "availability"),
                Arguments.of(
                        new PublishedState(MachineState.ACTIVE, Activities.IN_A_CALL, null, "Hi", List.of("tel:+311")),
                        "activity (and availability)"),
                Arguments.of(
                        new PublishedState(
                                MachineState.ACTIVE,
                                null,
                                new UserChoice(Availability.AVAILABLE, "Home"),
                                "Hi",
                                List.of("tel:+311")),
                        "activity only (custom state on available)"),
                Arguments.of(new PublishedState(MachineState.ACTIVE, null, null, "Bye", List.of("tel:+311")), "note"),
                Arguments.of(
                        new PublishedState(MachineState.ACTIVE, null, null, "", List.of("tel:+311")), "note cleared"),
                Arguments.of(new PublishedState(MachineState.ACTIVE, null, null, "Hi", List.of("tel:+312")), "phones"),
                Arguments.of(base, "registration gone"));
    }

    @ParameterizedTest(name = "since moves when {1} changes")
    @MethodSource("changes")
    void since_is_now_when_anything_a_watcher_sees_changed(PublishedState next, String what) {
        Aggregate before = Aggregation.aggregate(
                List.of(src("pc", new PublishedState(MachineState.ACTIVE, null, null, "Hi", List.of("tel:+311")), 0)),
                true,
                null,
                T0);
        boolean registered = !what.equals("registration gone");
        Aggregate after = Aggregation.aggregate(List.of(src("pc", next, 30)), registered, before, NOW);
        assertThat(after.sameStateAs(before)).as(what).isFalse();
        assertThat(after.since()).as(what).isEqualTo(NOW);
    }
}

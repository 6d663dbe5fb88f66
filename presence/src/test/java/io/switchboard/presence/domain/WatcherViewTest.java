package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The documented table of what each access level sees ({@link WatcherView}). */
class WatcherViewTest {

    static final String ALICE = "sip:alice@example.com";
    static final Instant SINCE = Instant.parse("2026-11-21T09:30:00Z");
    static final Aggregate FULL = new Aggregate(
            Availability.BUSY,
            Activities.IN_A_CALL,
            "Back at 3",
            List.of("tel:+31201234567", "sip:+31207654321@example.com;user=phone"),
            SINCE);

    static Stream<Arguments> table() {
        return Stream.of(
                Arguments.of(
                        AccessLevel.EXTERNAL, new PresenceView(ALICE, Availability.BUSY, null, null, List.of(), SINCE)),
                Arguments.of(
                        AccessLevel.COLLEAGUES,
                        new PresenceView(ALICE, Availability.BUSY, Activities.IN_A_CALL, null, List.of(), SINCE)),
                Arguments.of(
                        AccessLevel.WORKGROUP,
                        new PresenceView(
                                ALICE, Availability.BUSY, Activities.IN_A_CALL, "Back at 3", FULL.phones(), SINCE)),
                Arguments.of(
                        AccessLevel.FRIENDS_AND_FAMILY,
                        new PresenceView(
                                ALICE, Availability.BUSY, Activities.IN_A_CALL, "Back at 3", FULL.phones(), SINCE)),
                Arguments.of(AccessLevel.BLOCKED, PresenceView.offline(ALICE, Instant.EPOCH)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void each_level_sees_what_the_table_says(AccessLevel level, PresenceView expected) {
        assertThat(WatcherView.view(ALICE, FULL, level)).isEqualTo(expected);
    }

    static Stream<Aggregate> aggregates() {
        Instant later = SINCE.plusSeconds(600);
        return Stream.of(
                FULL,
                new Aggregate(Availability.AVAILABLE, null, null, List.of(), later),
                new Aggregate(Availability.DO_NOT_DISTURB, "Focus time", "Do not call", List.of("tel:+311"), later),
                new Aggregate(Availability.OFFLINE, null, null, List.of(), later.plusSeconds(1)),
                new Aggregate(Availability.AWAY, null, "On holiday", List.of(), Instant.EPOCH.plusSeconds(1)));
    }

    @ParameterizedTest
    @MethodSource("aggregates")
    void a_blocked_watcher_sees_the_same_offline_view_whatever_the_aggregate(Aggregate aggregate) {
        assertThat(WatcherView.view(ALICE, aggregate, AccessLevel.BLOCKED))
                .isEqualTo(WatcherView.view(ALICE, FULL, AccessLevel.BLOCKED))
                .isEqualTo(new PresenceView(ALICE, Availability.OFFLINE, null, null, List.of(), Instant.EPOCH));
    }

    @Test
    void a_non_blocked_watcher_sees_the_change() {
        Aggregate changed = new Aggregate(Availability.AWAY, null, "Back at 3", FULL.phones(), SINCE.plusSeconds(60));
        for (AccessLevel level : List.of(AccessLevel.EXTERNAL, AccessLevel.COLLEAGUES, AccessLevel.WORKGROUP)) {
            PresenceView v = WatcherView.view(ALICE, changed, level);
            assertThat(v).isNotEqualTo(WatcherView.view(ALICE, FULL, level));
            assertThat(v.availability()).isEqualTo(Availability.AWAY);
            assertThat(v.since()).isEqualTo(SINCE.plusSeconds(60));
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = AccessLevel.class,
            names = {"COLLEAGUES", "WORKGROUP", "FRIENDS_AND_FAMILY"})
    void each_level_sees_at_least_what_the_level_below_sees(AccessLevel level) {
        PresenceView lower = WatcherView.view(ALICE, FULL, AccessLevel.values()[level.ordinal() - 1]);
        PresenceView mine = WatcherView.view(ALICE, FULL, level);
        assertThat(mine.availability()).isEqualTo(lower.availability());
        if (lower.activity() != null) {
            assertThat(mine.activity()).isEqualTo(lower.activity());
        }
        if (lower.note() != null) {
            assertThat(mine.note()).isEqualTo(lower.note());
        }
        assertThat(mine.phones()).containsAll(lower.phones());
    }
}

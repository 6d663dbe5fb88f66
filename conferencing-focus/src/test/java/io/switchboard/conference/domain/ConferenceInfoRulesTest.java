package io.switchboard.conference.domain;

import static io.switchboard.conference.domain.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ConferenceInfoRulesTest {

    /** Invited (Bob and Erin invited, Carol a listed presenter): Dave connected, Frank in the lobby. */
    static final Conference CONF = conference(AccessType.INVITED, Presenters.listed(CAROL), true, 250);

    static Roster roster() {
        Roster r = join(CONF, empty(), "leg-dave", Joiner.ourUser(DAVE)); // bypass: in
        return join(CONF, r, "leg-frank", Joiner.federated("sip:frank@other.example")); // lobby
    }

    static Stream<Arguments> subscribers() {
        return Stream.of(
                Arguments.of("a connected participant", Joiner.ourUser(DAVE), "allowed"),
                Arguments.of("the organizer, not dialed in", Joiner.ourUser(ALICE), "allowed"),
                Arguments.of("a listed presenter", Joiner.ourUser(CAROL), "allowed"),
                Arguments.of("an invitee", Joiner.ourUser(BOB), "allowed"),
                Arguments.of("a federated invitee", Joiner.federated(ERIN), "allowed"),
                Arguments.of("a lobby leg's user", Joiner.federated("sip:frank@other.example"), "403"),
                Arguments.of("another user of ours", Joiner.ourUser("sip:mallory@example.test"), "403"),
                Arguments.of("anonymous claiming a participant", Joiner.anonymous(DAVE), "403"),
                Arguments.of("anonymous claiming the organizer", Joiner.anonymous(ALICE), "403"),
                Arguments.of("federated claiming our participant's URI", Joiner.federated(DAVE), "403"));
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("subscribers")
    void who_may_subscribe(String who, Joiner subscriber, String expected) {
        assertThat(text(ConferenceInfoRules.maySubscribe(CONF, roster(), subscriber, NOW)))
                .isEqualTo(expected);
    }

    @org.junit.jupiter.api.Test
    void unknown_ended_or_expired_conferences_are_404() {
        assertThat(text(ConferenceInfoRules.maySubscribe(null, null, Joiner.ourUser(ALICE), NOW)))
                .isEqualTo("404");
        Roster ended = ((RosterChange.Applied) RosterRules.end(CONF, roster(), new Actor.Operator("ops"), NOW)).next();
        assertThat(text(ConferenceInfoRules.maySubscribe(CONF, ended, Joiner.ourUser(ALICE), NOW)))
                .isEqualTo("404");
        assertThat(text(ConferenceInfoRules.maySubscribe(
                        CONF, roster(), Joiner.ourUser(ALICE), NOW.plus(java.time.Duration.ofDays(30)))))
                .isEqualTo("404");
    }

    @ParameterizedTest(name = "Expires {0} -> {1}")
    @CsvSource({"-1, 3600", "0, 0", "59, -1", "60, 60", "600, 600", "7200, 7200", "86400, 7200"})
    void durations(long requested, long granted) {
        assertThat(ConferenceInfoRules.expires(requested)).isEqualTo(granted);
    }

    static String text(ConferenceInfoRules.Decision d) {
        return d instanceof ConferenceInfoRules.Decision.Refused r ? String.valueOf(r.status()) : "allowed";
    }
}

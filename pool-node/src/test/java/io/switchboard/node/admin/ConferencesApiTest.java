package io.switchboard.node.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.conference.domain.AccessType;
import io.switchboard.conference.domain.Expiry;
import io.switchboard.conference.entity.Conferences;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The operators' conference API without a node: bad input is 400 (or 404) with a message naming
 * what is wrong, and never reaches a conference entity. The node test (ConferenceSipTest) covers
 * the API against real entities.
 */
class ConferencesApiTest {

    static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");

    final AtomicInteger asked = new AtomicInteger();
    final Conferences counting = new Conferences() {
        @Override
        public <R> java.util.concurrent.CompletionStage<R> ask(
                String conferenceId,
                java.util.function.Function<
                                org.apache.pekko.actor.typed.ActorRef<R>,
                                io.switchboard.conference.entity.ConferenceEntity.Command>
                        command) {
            asked.incrementAndGet();
            return new java.util.concurrent.CompletableFuture<>(); // never answered: not to be asked here
        }
    };
    final ConferencesApi api =
            new ConferencesApi(counting, null, List.of("example.test", "other.test"), Clock.fixed(NOW, ZoneOffset.UTC));

    AdminServer.Reply call(String method, String path, String body) {
        return api.route(new AdminServer.Call(method, path, Map.of(), body, false))
                .toCompletableFuture()
                .join();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "|the body must be a JSON object",
                "[1]|the body is not a JSON object",
                "{}|\"organizer\" must be a user of ours",
                "{\"organizer\":\"sip:alice@elsewhere.test\"}|\"organizer\" must be a user of ours",
                "{\"organizer\":\"alice\"}|\"organizer\" must be a user of ours",
                "{\"organizer\":\"sip:alice@example.test\",\"colour\":1}|unknown field \"colour\"",
                "{\"organizer\":\"sip:alice@example.test\",\"access\":\"public\"}|\"access\" must be open, company or invited",
                "{\"organizer\":\"sip:alice@example.test\",\"subject\":3}|\"subject\" must be a string",
                "{\"organizer\":\"sip:alice@example.test\",\"limit\":0}|\"limit\" must be a whole number from 1 to 10000",
                "{\"organizer\":\"sip:alice@example.test\",\"limit\":10001}|\"limit\" must be a whole number from 1 to 10000",
                "{\"organizer\":\"sip:alice@example.test\",\"invitees\":[\"bob\"]}|\"invitees\" must be a list of sip: URIs",
                "{\"organizer\":\"sip:alice@example.test\",\"presenters\":\"all\"}|\"presenters\" must be a list",
                "{\"organizer\":\"sip:alice@example.test\",\"lobbyBypass\":\"yes\"}|\"lobbyBypass\" must be true or false",
                "{\"organizer\":\"sip:alice@example.test\",\"end\":\"tomorrow\"}|\"end\" must be an instant in the future",
                "{\"organizer\":\"sip:alice@example.test\",\"end\":\"2020-01-01T00:00:00Z\"}|\"end\" must be an instant in the future",
                "{\"organizer\":\"sip:alice@example.test\",\"end\":\"2030-01-01T00:00:00Z\",\"graceMinutes\":5}|\"graceMinutes\" is for ad-hoc conferences",
                "{\"organizer\":\"sip:alice@example.test\",\"keepDays\":3}|\"keepDays\" is for scheduled conferences",
                "{\"organizer\":\"sip:alice@example.test\",\"graceMinutes\":-1}|\"graceMinutes\" must be a whole number"
            })
    void a_bad_create_is_400_naming_the_problem_and_asks_no_entity(String body, String message) {
        AdminServer.Reply r = call("POST", ConferencesApi.PREFIX, body);
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(Json.errorOf(r.body())).contains(message);
        assertThat(asked).hasValue(0);
    }

    @Test
    void a_good_create_body_becomes_the_definition_asked_for() {
        Object draft =
                api.parse("{\"organizer\":\"sip:alice@example.test\",\"subject\":\"Weekly\",\"access\":\"invited\","
                        + "\"invitees\":[\"sip:erin@partner.test\"],\"presenters\":\"everyone\",\"lobbyBypass\":true,"
                        + "\"limit\":12,\"end\":\"2026-12-06T10:00:00Z\",\"keepDays\":2}");
        ConferencesApi.Draft d = (ConferencesApi.Draft) draft;
        assertThat(d.access()).isEqualTo(AccessType.INVITED);
        assertThat(d.invitees()).containsExactly("sip:erin@partner.test");
        assertThat(d.presenters().everyoneFromOurDomains()).isTrue();
        assertThat(d.lobbyBypass()).isTrue();
        assertThat(d.limit()).isEqualTo(12);
        assertThat(d.expiry())
                .isEqualTo(new Expiry.Scheduled(Instant.parse("2026-12-06T10:00:00Z"), Duration.ofDays(2)));

        ConferencesApi.Draft plain = (ConferencesApi.Draft) api.parse("{\"organizer\":\"sip:alice@example.test\"}");
        assertThat(plain.access()).isEqualTo(AccessType.COMPANY);
        assertThat(plain.limit()).isEqualTo(250);
        assertThat(plain.expiry()).isEqualTo(new Expiry.AdHoc(Duration.ofMinutes(60)));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "GET|/api/conferences/NOT-AN-ID|404|no conference NOT-AN-ID",
                "POST|/api/conferences/abcdefghijklmnopqrst/explode|404|no such action: explode",
                "GET|/api/conferences/abcdefghijklmnopqrst/lock|405|Use POST for lock, unlock and end",
                "PUT|/api/conferences|405|Use GET to list or POST to create conferences",
                "POST|/api/conferences/abcdefghijklmnopqrst/participants/leg-1|405|Use DELETE to eject",
                "POST|/api/conferences/abcdefghijklmnopqrst/participants/leg-1/promote|404|no such action: promote",
                "GET|/api/conferencesX|404|no such resource"
            })
    void bad_paths_and_methods_are_answered_with_what_to_use(String method, String path, int status, String message) {
        AdminServer.Reply r = call(method, path, null);
        assertThat(r.status()).isEqualTo(status);
        assertThat(Json.errorOf(r.body())).contains(message);
        assertThat(asked).hasValue(0);
    }
}

package io.switchboard.node;

import static io.switchboard.node.PresenceApiFixture.ALICE;
import static io.switchboard.node.PresenceApiFixture.BOB;
import static io.switchboard.node.PresenceApiFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.AccessPolicy;
import io.switchboard.presence.domain.Availability;
import io.switchboard.presence.domain.Contact;
import io.switchboard.presence.domain.PresenceView;
import io.switchboard.sip.auth.AuthThrottle;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The operators' presence API ({@code /api/presence/...}) over real HTTP, checked against what is
 * stored in Cassandra. See {@link PresenceApiFixture} for why it runs on an AdminServer of its own.
 */
class PresenceApiTest {

    static PresenceApiFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = new PresenceApiFixture("presence_api", AuthThrottle.Limits.DEFAULT);
    }

    @AfterAll
    static void stop() {
        if (fx != null) {
            fx.close();
        }
    }

    @BeforeEach
    void clear() {
        fx.clear();
    }

    static HttpResponse<String> api(String method, String path, String body) throws Exception {
        return AdminHttp.send(
                fx.port(), method, path, PresenceApiFixture.TOKEN, body == null ? null : "application/json", body);
    }

    static HttpResponse<String> apiText(String method, String path) throws Exception {
        return java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(
                                        java.net.URI.create("http://127.0.0.1:" + fx.port() + path))
                                .header("Authorization", "Bearer " + PresenceApiFixture.TOKEN)
                                .header("Accept", "text/plain")
                                .method(method, java.net.http.HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    // --- access levels

    @Test
    void set_show_and_remove_access_levels() throws Exception {
        HttpResponse<String> put = api(
                "PUT", "/api/presence/sip:alice@example.test/access/sip:Bob@example.test", "{\"level\":\"workgroup\"}");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(put.body())
                .isEqualTo(
                        "{\"owner\":\"sip:alice@example.test\",\"watchers\":{\"sip:bob@example.test\":\"workgroup\"},"
                                + "\"domains\":{},\"defaults\":{\"enterprise\":\"colleagues\",\"others\":\"external\"}}");
        assertThat(api(
                                "PUT",
                                "/api/presence/sip%3Aalice%40example.test/access/Partner.Example",
                                "{\"level\":\"FRIENDS_AND_FAMILY\"}")
                        .statusCode())
                .isEqualTo(200);
        assertThat(await(fx.access.load(ALICE)))
                .isEqualTo(new AccessPolicy(
                        Map.of(BOB, AccessLevel.WORKGROUP), Map.of("partner.example", AccessLevel.FRIENDS_AND_FAMILY)));

        assertThat(api("GET", "/api/presence/sip:alice@example.test/access", null)
                        .body())
                .contains("\"watchers\":{\"sip:bob@example.test\":\"workgroup\"}")
                .contains("\"domains\":{\"partner.example\":\"friends-and-family\"}");
        assertThat(api("GET", "/api/presence/sip:alice@example.test/access/sip:bob@example.test", null)
                        .body())
                .isEqualTo(
                        "{\"owner\":\"sip:alice@example.test\",\"watcher\":\"sip:bob@example.test\",\"level\":\"workgroup\",\"source\":\"watcher\"}");
        // keys without an entry: what they get and why
        assertThat(api("GET", "/api/presence/sip:alice@example.test/access/sip:dan@partner.example", null)
                        .body())
                .contains("\"level\":\"friends-and-family\",\"source\":\"domain\"");
        assertThat(api("GET", "/api/presence/sip:alice@example.test/access/sip:carol@example.org", null)
                        .body())
                .contains("\"level\":\"colleagues\",\"source\":\"default\"");
        assertThat(api("GET", "/api/presence/sip:alice@example.test/access/elsewhere.example", null)
                        .body())
                .contains("\"level\":\"external\",\"source\":\"default\"");

        HttpResponse<String> delete =
                api("DELETE", "/api/presence/sip:alice@example.test/access/sip:bob@example.test", null);
        assertThat(delete.statusCode()).isEqualTo(200);
        assertThat(delete.body()).contains("\"watchers\":{}");
        assertThat(await(fx.access.load(ALICE)))
                .isEqualTo(new AccessPolicy(Map.of(), Map.of("partner.example", AccessLevel.FRIENDS_AND_FAMILY)));
    }

    @Test
    void access_as_text_lists_entries_and_defaults() throws Exception {
        api("PUT", "/api/presence/sip:alice@example.test/access/sip:eve@evil.example", "{\"level\":\"blocked\"}");
        assertThat(apiText("GET", "/api/presence/sip:alice@example.test/access").body())
                .isEqualTo("""
                sip:alice@example.test: access levels
                  WATCHER OR DOMAIN                            LEVEL
                  sip:eve@evil.example                         blocked
                  (anyone else of example.org, example.test)   colleagues (default)
                  (anyone else)                                external (default)
                """);
    }

    @ParameterizedTest(name = "[{index}] {0} {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "/access/sip:bob@example.test   | {\"level\":\"best-friends\"} | level \"best-friends\" is not one of blocked, external, colleagues, workgroup, friends-and-family",
                "/access/sip:bob@example.test   | {\"level\":3}                | level is missing: give one of blocked, external, colleagues, workgroup, friends-and-family",
                "/access/sip:bob@example.test   | {}                           | level is missing: give one of blocked, external, colleagues, workgroup, friends-and-family",
                "/access/sip:bob@example.test   | {\"level\":\"blocked\",\"x\":1} | unknown field \"x\" (known: level, end-subscriptions)",
                "/access/sip:bob@example.test   | not json                     | the body is not a JSON object",
                "/access/sip:bob@example.test   | ''                           | the body must be a JSON object, e.g. {\"level\":\"workgroup\"}",
                "/access/sip:alice@example.test | {\"level\":\"blocked\"}      | watcher sip:alice@example.test is the user themself",
                "/access/bob@example.test       | {\"level\":\"blocked\"}      | watcher \"bob@example.test\" must be sip:user@domain",
                "/access/sip:bob@example.test;x=y | {\"level\":\"blocked\"}    | watcher \"sip:bob@example.test;x=y\" must have no parameters",
                "/access/10.1.2.3               | {\"level\":\"blocked\"}      | watcher \"10.1.2.3\" has no valid domain",
                "/contacts/sip:alice@example.test | {}                         | uri sip:alice@example.test is the owner of the list",
                "/contacts/bob                  | {}                           | uri \"bob\" must be sip:user@domain",
                "/contacts/sip:bob@example.test | {\"name\":7}                 | name must be a string",
                "/contacts/sip:bob@example.test | {\"groups\":\"Team\"}        | groups must be a list of group names",
                "/contacts/sip:bob@example.test | {\"groups\":[\"a\",1]}       | groups[1] must be a string",
                "/contacts/sip:bob@example.test | {\"groups\":[\"\"]}          | groups[0] must have 1 to 64 characters (got 0)",
                "/contacts/sip:bob@example.test | {\"nickname\":\"B\"}         | unknown field \"nickname\" (known: name, groups)",
            })
    void bad_input_is_400_naming_the_field_and_changes_nothing(String path, String body, String error)
            throws Exception {
        HttpResponse<String> r = api("PUT", "/api/presence/sip:alice@example.test" + path, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).startsWith("{\"error\":\"" + error.replace("\"", "\\\""));
        assertThat(await(fx.access.load(ALICE))).isEqualTo(AccessPolicy.DEFAULT);
        assertThat(await(fx.contacts.load(ALICE)).contacts()).isEmpty();
    }

    // --- contacts

    @Test
    void add_replace_show_and_remove_contacts() throws Exception {
        HttpResponse<String> put = api(
                "PUT",
                "/api/presence/sip:alice@example.test/contacts/sip%3Abob%40EXAMPLE.test",
                "{\"name\":\"Bob Smith\",\"groups\":[\"Team\",\"Lunch\"]}");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(put.body())
                .isEqualTo("{\"owner\":\"sip:alice@example.test\",\"contacts\":[{\"uri\":\"sip:bob@example.test\","
                        + "\"name\":\"Bob Smith\",\"groups\":[\"Team\",\"Lunch\"]}],\"groups\":[\"Team\",\"Lunch\"]}");
        // + in a path segment is a plus (E.164 user parts), not a space
        assertThat(api("PUT", "/api/presence/sip:alice@example.test/contacts/sip:+31201234567@example.test", null)
                        .statusCode())
                .isEqualTo(200);
        assertThat(await(fx.contacts.load(ALICE)).contacts())
                .containsExactly(
                        new Contact("sip:+31201234567@example.test", "", List.of()),
                        new Contact(BOB, "Bob Smith", List.of("Team", "Lunch")));

        // PUT on an existing contact replaces it
        assertThat(api(
                                "PUT",
                                "/api/presence/sip:alice@example.test/contacts/sip:bob@example.test",
                                "{\"name\":\"Robert\"}")
                        .statusCode())
                .isEqualTo(200);
        assertThat(await(fx.contacts.load(ALICE)).find(BOB)).contains(new Contact(BOB, "Robert", List.of()));

        assertThat(api("GET", "/api/presence/sip:alice@example.test/contacts/sip:bob@example.test", null)
                        .body())
                .isEqualTo("{\"uri\":\"sip:bob@example.test\",\"name\":\"Robert\",\"groups\":[]}");
        HttpResponse<String> missing =
                api("GET", "/api/presence/sip:alice@example.test/contacts/sip:zed@example.test", null);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body())
                .contains("sip:zed@example.test is not on the contact list of sip:alice@example.test");

        HttpResponse<String> delete =
                api("DELETE", "/api/presence/sip:alice@example.test/contacts/sip:bob@example.test", null);
        assertThat(delete.statusCode()).isEqualTo(200);
        assertThat(delete.body()).doesNotContain("bob");
        assertThat(await(fx.contacts.load(ALICE)).uris()).containsExactly("sip:+31201234567@example.test");
    }

    @Test
    void the_1001st_contact_is_refused_with_400() throws Exception {
        // 50 writes at a time: a thousand at once can outlast the driver's timeout on a loaded machine
        for (int from = 0; from < 1000; from += 50) {
            int first = from;
            await(java.util.concurrent.CompletableFuture.allOf(IntStream.range(first, first + 50)
                    .mapToObj(i -> fx.contacts
                            .put(ALICE, new Contact("sip:u" + i + "@example.test", "", List.of()), WriteStamp.UNFENCED)
                            .toCompletableFuture())
                    .toArray(java.util.concurrent.CompletableFuture<?>[]::new)));
        }
        HttpResponse<String> r =
                api("PUT", "/api/presence/sip:alice@example.test/contacts/sip:one-more@example.test", "{}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("a contact list holds at most 1000 contacts");
        assertThat(await(fx.contacts.load(ALICE)).contacts()).hasSize(1000);
    }

    @Test
    void contacts_as_text() throws Exception {
        api(
                "PUT",
                "/api/presence/sip:alice@example.test/contacts/sip:bob@example.test",
                "{\"name\":\"Bob\",\"groups\":[\"Team\"]}");
        assertThat(apiText("GET", "/api/presence/sip:alice@example.test/contacts")
                        .body())
                .isEqualTo("sip:alice@example.test: 1 contact\n"
                        + String.format("  %-40s %-30s %s%n", "URI", "NAME", "GROUPS")
                        + String.format("  %-40s %-30s %s%n", "sip:bob@example.test", "Bob", "Team"));
    }

    // --- presence view

    @Test
    void presence_shows_the_full_view_or_what_a_watcher_sees() throws Exception {
        Instant since = Instant.parse("2026-11-21T09:00:00Z");
        fx.presence.show(new PresenceView(
                ALICE, Availability.BUSY, "in-a-call", "back at 3", List.of("tel:+31201234567"), since));
        HttpResponse<String> full = api("GET", "/api/presence/sip:alice@example.test", null);
        assertThat(full.statusCode()).isEqualTo(200);
        assertThat(full.body())
                .isEqualTo("{\"entity\":\"sip:alice@example.test\",\"watcher\":null,\"availability\":\"busy\","
                        + "\"availabilityNumber\":6500,\"activity\":\"in-a-call\",\"note\":\"back at 3\",\"phones\":[\"tel:+31201234567\"],"
                        + "\"since\":\"2026-11-21T09:00:00Z\"}");

        api("PUT", "/api/presence/sip:alice@example.test/access/sip:eve@evil.example", "{\"level\":\"blocked\"}");
        HttpResponse<String> eve =
                api("GET", "/api/presence/sip:alice@example.test?watcher=sip%3Aeve%40EVIL.example", null);
        assertThat(eve.body())
                .contains("\"watcher\":\"sip:eve@evil.example\",\"availability\":\"offline\"")
                .doesNotContain("back at 3");
        assertThat(fx.presence.presenceQueries).endsWith("null", "sip:eve@evil.example");

        assertThat(apiText("GET", "/api/presence/sip:alice@example.test?watcher=sip:bob@example.test")
                        .body())
                .isEqualTo("""
                sip:alice@example.test as sip:bob@example.test sees it
                  availability: busy (6500)
                  activity:     in-a-call
                  note:         back at 3
                  phones:       tel:+31201234567
                  since:        2026-11-21T09:00:00Z
                """);

        HttpResponse<String> bad = api("GET", "/api/presence/sip:alice@example.test?watcher=eve", null);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("watcher \\\"eve\\\" must be sip:user@domain");
    }

    // --- users, paths, methods, token

    @Test
    void an_unknown_user_is_404_and_a_bad_aor_400() throws Exception {
        HttpResponse<String> unknown = api(
                "PUT", "/api/presence/sip:nobody@example.test/access/sip:bob@example.test", "{\"level\":\"blocked\"}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("no user sip:nobody@example.test");
        assertThat(await(fx.access.load("sip:nobody@example.test"))).isEqualTo(AccessPolicy.DEFAULT);
        assertThat(api("GET", "/api/presence/sip:nobody@example.test/contacts", null)
                        .statusCode())
                .isEqualTo(404);

        HttpResponse<String> bad = api("GET", "/api/presence/alice/contacts", null);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).startsWith("{\"error\":\"aor: uri must start with sip: or sips:");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "POST   | /api/presence/sip:alice@example.test                                | GET",
                "PUT    | /api/presence/sip:alice@example.test/access                         | GET",
                "DELETE | /api/presence/sip:alice@example.test/contacts                       | GET",
                "POST   | /api/presence/sip:alice@example.test/contacts/sip:bob@example.test  | GET, PUT, DELETE",
                "PATCH  | /api/presence/sip:alice@example.test/access/sip:bob@example.test    | GET, PUT, DELETE",
            })
    void other_methods_are_405_with_allow(String method, String path, String allow) throws Exception {
        HttpResponse<String> r = api(method, path, "{}");
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).contains(allow);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "/api/presence",
        "/api/presence/sip:alice@example.test/friends",
        "/api/presence/sip:alice@example.test/contacts/sip:bob@example.test/x",
        "/api/presencex",
    })
    void unknown_paths_are_404(String path) throws Exception {
        HttpResponse<String> r = api("GET", path, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
    }

    @Test
    void the_admin_api_needs_the_token() throws Exception {
        HttpResponse<String> r =
                AdminHttp.send(fx.port(), "GET", "/api/presence/sip:alice@example.test/access", null, null, null);
        assertThat(r.statusCode()).isEqualTo(401);
        HttpResponse<String> wrong = AdminHttp.send(
                fx.port(),
                "PUT",
                "/api/presence/sip:alice@example.test/access/example.org",
                "not-the-token",
                "application/json",
                "{\"level\":\"blocked\"}");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(await(fx.access.load(ALICE))).isEqualTo(AccessPolicy.DEFAULT);
    }
}

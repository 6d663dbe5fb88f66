package io.switchboard.node;

import static io.switchboard.node.PresenceApiFixture.ALICE;
import static io.switchboard.node.PresenceApiFixture.ALICE_PASSWORD;
import static io.switchboard.node.PresenceApiFixture.BOB;
import static io.switchboard.node.PresenceApiFixture.CAROL;
import static io.switchboard.node.PresenceApiFixture.CAROL_PASSWORD;
import static io.switchboard.node.PresenceApiFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.AccessPolicy;
import io.switchboard.presence.domain.Contact;
import io.switchboard.sip.auth.AuthThrottle;
import io.switchboard.sip.auth.DigestAlgorithm;
import io.switchboard.sip.auth.DigestVerifier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The users' own presence interface ({@code /user/presence/...}): HTTP Digest (RFC 7616) with
 * their SIP credentials, acting only on their own access levels and contact list.
 */
class PresenceUserApiTest {

    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final Pattern PARAM = Pattern.compile("(\\w+)=(?:\"([^\"]*)\"|([^,\\s]+))");
    /** Few failures allowed per account and source, so the lockout test is short; the other tests stay far below it. */
    static final AuthThrottle.Limits LIMITS = new AuthThrottle.Limits(
            3,
            1000,
            Duration.ofMinutes(5),
            Duration.ofMinutes(5),
            1000,
            Duration.ofHours(1),
            Duration.ofHours(24),
            1000);

    static PresenceApiFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = new PresenceApiFixture("presence_user_api", LIMITS);
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

    static HttpResponse<String> send(String method, String target, String authorization, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fx.port() + target))
                .timeout(Duration.ofSeconds(30));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        b.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static Map<String, String> params(String challenge) {
        Map<String, String> p = new java.util.HashMap<>();
        Matcher m = PARAM.matcher(challenge);
        while (m.find()) {
            p.put(m.group(1), m.group(2) != null ? m.group(2) : m.group(3));
        }
        return p;
    }

    /** The Authorization header a Digest client computes for {@code challenge}. */
    static String authorization(String challenge, String user, String password, String method, String uri) {
        Map<String, String> c = params(challenge);
        DigestAlgorithm algorithm =
                DigestAlgorithm.fromToken(c.get("algorithm")).orElseThrow();
        String ha1 = algorithm.ha1(user, c.get("realm"), password);
        String response =
                DigestVerifier.response(algorithm, ha1, c.get("nonce"), "00000001", "0a4f113b", "auth", method, uri);
        return "Digest username=\"" + user + "\", realm=\"" + c.get("realm") + "\", nonce=\"" + c.get("nonce")
                + "\", uri=\"" + uri + "\", response=\"" + response + "\", algorithm=" + algorithm.token()
                + ", qop=auth, nc=00000001, cnonce=\"0a4f113b\"";
    }

    /**
     * Like curl --digest: asks without credentials, answers the first challenge with {@code algorithm}
     * (null: the first offered) and sends the request again.
     */
    static HttpResponse<String> asUser(
            String method, String target, String user, String password, String algorithm, String body)
            throws Exception {
        HttpResponse<String> first = send(method, target, null, body);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(401);
        String challenge = first.headers().allValues("WWW-Authenticate").stream()
                .filter(c -> algorithm == null || c.contains("algorithm=" + algorithm + ","))
                .findFirst()
                .orElseThrow();
        return send(method, target, authorization(challenge, user, password, method, target), body);
    }

    @Test
    void without_credentials_the_answer_is_401_with_sha256_then_md5_per_domain() throws Exception {
        HttpResponse<String> r = send("GET", "/user/presence/contacts", null, null);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).contains("HTTP Digest");
        List<String> challenges = r.headers().allValues("WWW-Authenticate");
        assertThat(challenges).hasSize(4);
        assertThat(challenges.stream()
                        .map(c -> params(c).get("realm") + " " + params(c).get("algorithm"))
                        .toList())
                .containsExactly("example.test SHA-256", "example.test MD5", "example.org SHA-256", "example.org MD5");
        assertThat(challenges).allMatch(c -> c.startsWith("Digest ") && c.contains("qop=\"auth\""));

        HttpResponse<String> onlyOrg = send("GET", "/user/presence/contacts?domain=example.org", null, null);
        assertThat(onlyOrg.headers().allValues("WWW-Authenticate"))
                .hasSize(2)
                .allMatch(c -> c.contains("realm=\"example.org\""));
        HttpResponse<String> foreign = send("GET", "/user/presence/contacts?domain=elsewhere.example", null, null);
        assertThat(foreign.statusCode()).isEqualTo(400);
        assertThat(foreign.body()).contains("domain elsewhere.example is not served here");
    }

    @Test
    void a_user_edits_their_own_access_levels_with_sha256() throws Exception {
        HttpResponse<String> put = asUser(
                "PUT",
                "/user/presence/access/sip:bob@example.test",
                "alice",
                ALICE_PASSWORD,
                "SHA-256",
                "{\"level\":\"friends-and-family\"}");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(put.body())
                .startsWith(
                        "{\"owner\":\"sip:alice@example.test\",\"watchers\":{\"sip:bob@example.test\":\"friends-and-family\"}");
        assertThat(await(fx.access.load(ALICE)).byWatcher()).isEqualTo(Map.of(BOB, AccessLevel.FRIENDS_AND_FAMILY));
        assertThat(await(fx.access.load(BOB))).isEqualTo(AccessPolicy.DEFAULT);

        HttpResponse<String> get = asUser("GET", "/user/presence/access", "alice", ALICE_PASSWORD, "SHA-256", null);
        assertThat(get.body()).contains("\"sip:bob@example.test\":\"friends-and-family\"");
        HttpResponse<String> delete = asUser(
                "DELETE", "/user/presence/access/sip:bob@example.test", "alice", ALICE_PASSWORD, "SHA-256", null);
        assertThat(delete.statusCode()).isEqualTo(200);
        assertThat(await(fx.access.load(ALICE))).isEqualTo(AccessPolicy.DEFAULT);
    }

    @Test
    void a_user_edits_their_own_contacts_with_md5_and_the_same_rules_apply() throws Exception {
        HttpResponse<String> put = asUser(
                "PUT",
                "/user/presence/contacts/sip%3Abob%40example.test",
                "alice",
                ALICE_PASSWORD,
                "MD5",
                "{\"name\":\"Bob\",\"groups\":[\"Team\"]}");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(await(fx.contacts.load(ALICE)).contacts()).containsExactly(new Contact(BOB, "Bob", List.of("Team")));

        HttpResponse<String> self =
                asUser("PUT", "/user/presence/contacts/sip:alice@example.test", "alice", ALICE_PASSWORD, "MD5", "{}");
        assertThat(self.statusCode()).isEqualTo(400);
        assertThat(self.body()).contains("nobody is their own contact");

        HttpResponse<String> list = asUser("GET", "/user/presence/contacts", "alice", ALICE_PASSWORD, null, null);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains("\"uri\":\"sip:bob@example.test\"");
    }

    @Test
    void a_user_of_the_second_domain_picks_its_realm_with_the_domain_parameter() throws Exception {
        HttpResponse<String> r = asUser(
                "PUT",
                "/user/presence/access/example.test?domain=example.org",
                "carol",
                CAROL_PASSWORD,
                null,
                "{\"level\":\"workgroup\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(await(fx.access.load(CAROL)).byDomain()).isEqualTo(Map.of("example.test", AccessLevel.WORKGROUP));
    }

    @Test
    void a_user_can_only_reach_their_own_resources() throws Exception {
        // there is no {aor} segment under /user/presence: naming another user is simply no such resource
        HttpResponse<String> r = asUser(
                "PUT",
                "/user/presence/sip:bob@example.test/access/sip:eve@evil.example",
                "alice",
                ALICE_PASSWORD,
                null,
                "{\"level\":\"blocked\"}");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(await(fx.access.load(BOB))).isEqualTo(AccessPolicy.DEFAULT);
        // and the admin token is not a user credential
        HttpResponse<String> token = send("GET", "/user/presence/access", "Bearer " + PresenceApiFixture.TOKEN, null);
        assertThat(token.statusCode()).isEqualTo(401);
    }

    @Test
    void wrong_password_and_unknown_user_get_the_same_401() throws Exception {
        // one failure each, far below the lockout
        HttpResponse<String> wrong = asUser("GET", "/user/presence/access", "bob", "not-bobs-password", null, null);
        HttpResponse<String> unknown = asUser("GET", "/user/presence/access", "nobody", "whatever-pass", null, null);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).isEqualTo(unknown.body()).isEqualTo("{\"error\":\"Authentication failed\"}");
        assertThat(wrong.headers().allValues("WWW-Authenticate")).hasSize(4);
    }

    @Test
    void credentials_for_another_uri_are_400() throws Exception {
        HttpResponse<String> first = send("GET", "/user/presence/contacts", null, null);
        String challenge = first.headers().firstValue("WWW-Authenticate").orElseThrow();
        // computed for /user/presence/access, sent to /user/presence/contacts (RFC 7616 section 3.4.6)
        HttpResponse<String> r = send(
                "GET",
                "/user/presence/contacts",
                authorization(challenge, "alice", ALICE_PASSWORD, "GET", "/user/presence/access"),
                null);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("does not match the request target");
    }

    @Test
    void a_replayed_authorization_is_refused() throws Exception {
        HttpResponse<String> first = send("GET", "/user/presence/access", null, null);
        String header = authorization(
                first.headers().firstValue("WWW-Authenticate").orElseThrow(),
                "alice",
                ALICE_PASSWORD,
                "GET",
                "/user/presence/access");
        assertThat(send("GET", "/user/presence/access", header, null).statusCode())
                .isEqualTo(200);
        assertThat(send("GET", "/user/presence/access", header, null).statusCode())
                .isEqualTo(401);
    }

    @Test
    void guessing_passwords_locks_the_account_out_with_429() throws Exception {
        // dave is used by this test only: the throttle counts per claimed account and source for the fixture's life
        for (int i = 0; i <= LIMITS.perAccountSource(); i++) {
            assertThat(asUser("GET", "/user/presence/access", "dave", "guess-" + i, null, null)
                            .statusCode())
                    .isEqualTo(401);
        }
        HttpResponse<String> locked = asUser("GET", "/user/presence/access", "dave", "guess-x", null, null);
        assertThat(locked.statusCode()).isEqualTo(429);
        assertThat(locked.headers().firstValue("Retry-After")).isPresent();
        assertThat(locked.body()).contains("Too many failed authentications");
        // even the right password waits for the lockout to pass, from this address (it never
        // authenticated as dave, so it is no known device); other addresses are untouched
        assertThat(asUser("GET", "/user/presence/access", "dave", "dave-secret-1", null, null)
                        .statusCode())
                .isEqualTo(429);
    }
}

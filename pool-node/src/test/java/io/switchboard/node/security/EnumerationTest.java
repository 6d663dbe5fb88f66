package io.switchboard.node.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.SipTestClient;
import io.switchboard.node.SwitchboardNode;
import io.switchboard.node.TestNodes;
import io.switchboard.node.TestPhone;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 10, item 2, over a real socket against a running node: a stranger (another domain, not
 * authenticated) cannot tell a user who does not exist from one who exists but is not registered.
 * Both answers are compared in full: status, reason phrase, and every header name and value, apart
 * from what the request itself decides (tags, the Via branch, the Call-ID and the target's user
 * part). One of our users, authenticated, still learns 404 (README, "No user enumeration").
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EnumerationTest {

    private static final String KEYSPACE = "enumeration_test";
    private static final String USERS = """
            switchboard.bootstrap-users = [
              { uri = "sip:alice@example.test", password = "alice-secret" }
              { uri = "sip:erin@example.test", password = "erin-secret" }
            ]
            """;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private SwitchboardNode node;

    @BeforeAll
    void start() {
        node = TestNodes.start(KEYSPACE, USERS);
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"INVITE", "OPTIONS", "MESSAGE", "SUBSCRIBE"})
    void a_stranger_gets_the_same_answer_for_an_unregistered_and_a_non_existent_user(String method) throws Exception {
        try (SipTestClient stranger = new SipTestClient("udp", "127.0.0.1", node.sipUdpPort())) {
            // erin has an account and never registers; the other name has no account
            String nobody = "nobody" + ThreadLocalRandom.current().nextInt(1_000_000);
            SipTestClient.Response existing = ask(stranger, method, "erin");
            SipTestClient.Response missing = ask(stranger, method, nobody);

            assertThat(existing.status())
                    .as("an existing user who is not registered")
                    .isEqualTo(480);
            assertThat(missing.status()).as("status").isEqualTo(existing.status());
            assertThat(missing.reason()).as("reason phrase").isEqualTo(existing.reason());
            assertThat(comparable(missing.raw(), nobody))
                    .as("headers, in order, with names and values")
                    .isEqualTo(comparable(existing.raw(), "erin"));
        }
    }

    @Test
    void one_of_our_users_still_learns_that_a_user_does_not_exist() throws Exception {
        try (TestPhone alice = new TestPhone("udp", node.sipUdpPort(), "alice", "alice-secret")) {
            TestPhone.Msg missing = alice.authenticated(
                    "MESSAGE",
                    "sip:nobody@example.test",
                    UUID.randomUUID() + "@enum",
                    TestPhone.newTag(),
                    "text/plain",
                    "x");
            assertThat(missing.status()).isEqualTo(404);
            TestPhone.Msg unregistered = alice.authenticated(
                    "OPTIONS", "sip:erin@example.test", UUID.randomUUID() + "@enum", TestPhone.newTag(), "", "");
            assertThat(unregistered.status()).isEqualTo(480);
        }
    }

    /** A stranger's lookups read bindings from the store, not the entity: a registered user is still reached. */
    @Test
    void a_stranger_still_reaches_a_registered_user() throws Exception {
        try (TestPhone alice = new TestPhone("udp", node.sipUdpPort(), "alice", "alice-secret");
                SipTestClient stranger = new SipTestClient("udp", "127.0.0.1", node.sipUdpPort())) {
            assertThat(alice.register().status()).isEqualTo(200);
            Thread answer = new Thread(() -> {
                try {
                    TestPhone.Msg message = alice.awaitRequest("MESSAGE");
                    alice.respond(message, 200, "OK", "alice-tag", List.of());
                } catch (Exception e) {
                    alice.failure = e;
                }
            });
            answer.start();
            SipTestClient.Response delivered = ask(stranger, "MESSAGE", "alice");
            answer.join(10_000);
            assertThat(alice.failure).isNull();
            assertThat(delivered.status()).isEqualTo(200);
        }
    }

    /** Sends {@code method} from another domain to {@code user} of ours; returns the final answer (ACKed). */
    private static SipTestClient.Response ask(SipTestClient client, String method, String user) throws Exception {
        String contact = client.contactUri("mallory");
        String hostPort = contact.substring(contact.indexOf('@') + 1);
        String target = "sip:" + user + "@example.test";
        String body = "MESSAGE".equals(method) ? "hello" : "";
        StringBuilder b = new StringBuilder(method + " " + target + " SIP/2.0\r\n");
        b.append("Via: SIP/2.0/UDP ")
                .append(hostPort)
                .append(";branch=z9hG4bK")
                .append(Long.toHexString(ThreadLocalRandom.current().nextLong()))
                .append(";rport\r\n");
        b.append("Max-Forwards: 70\r\n");
        b.append("From: <sip:mallory@elsewhere.example>;tag=")
                .append(Long.toHexString(ThreadLocalRandom.current().nextLong()))
                .append("\r\n");
        b.append("To: <").append(target).append(">\r\n");
        b.append("Call-ID: ").append(UUID.randomUUID()).append("@elsewhere.example\r\n");
        b.append("CSeq: 1 ").append(method).append("\r\n");
        b.append("Contact: <").append(contact).append(">\r\n");
        if ("SUBSCRIBE".equals(method)) {
            // a package the user's endpoints serve, so the proxy looks the user up (not presence)
            b.append("Event: dialog\r\nExpires: 60\r\n");
        }
        if (!body.isEmpty()) {
            b.append("Content-Type: text/plain\r\n");
        }
        b.append("Content-Length: ").append(body.length()).append("\r\n\r\n").append(body);
        String request = b.toString();
        SipTestClient.Response answer = client.request(request, WAIT);
        if ("INVITE".equals(method)) {
            client.ackNon2xx(request, answer);
        }
        return answer;
    }

    /**
     * The header lines of a response with what the request chose blanked out: tag and branch
     * values, the Call-ID, and the target user's name (in To). Everything else must match.
     */
    private static List<String> comparable(String raw, String user) {
        List<String> out = new ArrayList<>();
        String[] lines = raw.split("\r\n");
        for (int i = 1; i < lines.length && !lines[i].isEmpty(); i++) {
            String line = lines[i];
            int colon = line.indexOf(':');
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("call-id") || name.equals("i")) {
                value = "CALL-ID";
            }
            value = value.replaceAll(";tag=[^;>,\\s]+", ";tag=TAG")
                    .replaceAll(";branch=[^;>,\\s]+", ";branch=BRANCH")
                    .replace("sip:" + user + "@", "sip:USER@");
            out.add(name + ": " + value);
        }
        return out;
    }
}

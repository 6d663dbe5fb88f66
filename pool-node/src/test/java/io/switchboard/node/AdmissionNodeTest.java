package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 17, item 3, on a real node: with at most one REGISTER in flight
 * ({@code availability.admission.registers-in-flight = 1}), a burst of authenticated REGISTERs
 * for users whose entities must first start (load and claim an owner epoch by a Cassandra
 * lightweight transaction, so the first admitted one is slow) gets at once either 200 or 503 with
 * Retry-After: nothing waits into a timeout, and the ones admitted succeed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdmissionNodeTest {

    static final int USERS = 20;
    static final Duration WAIT = Duration.ofSeconds(10);

    SwitchboardNode node;

    @BeforeAll
    void start() {
        StringBuilder config =
                new StringBuilder("switchboard.availability { admission.registers-in-flight = 1, retry-after = 3s }\n");
        config.append("switchboard.bootstrap-users = [\n");
        for (int i = 0; i < USERS; i++) {
            config.append("  { uri = \"sip:a")
                    .append(i)
                    .append("@example.test\", password = \"password-")
                    .append(i)
                    .append("\", name = \"A")
                    .append(i)
                    .append("\" }\n");
        }
        config.append("]\n");
        node = TestNodes.start("admission_node", config.toString());
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void beyond_the_bound_registers_get_503_with_retry_after_at_once_and_the_admitted_ones_succeed() throws Exception {
        List<SipTestClient> clients = new ArrayList<>();
        try {
            List<String> requests = new ArrayList<>();
            for (int i = 0; i < USERS; i++) {
                SipTestClient c = new SipTestClient("udp", "127.0.0.1", node.sipUdpPort());
                clients.add(c);
                String user = "a" + i;
                List<String> headers = List.of("Contact: <" + c.contactUri(user) + ">", "Expires: 600");
                SipTestClient.Response challenge =
                        c.request(c.register(user, "example.test", c.nextCseq(), headers), WAIT);
                assertThat(challenge.status())
                        .as("one at a time, nothing in flight")
                        .isEqualTo(401);
                List<String> withAuth = new ArrayList<>(headers);
                withAuth.add(SipTestClient.authorization(
                        challenge.header("WWW-Authenticate"),
                        user,
                        "password-" + i,
                        "REGISTER",
                        "sip:example.test",
                        1));
                requests.add(c.register(user, "example.test", c.nextCseq(), withAuth));
            }
            for (int i = 0; i < USERS; i++) {
                clients.get(i).send(requests.get(i)); // the burst: all sent before any answer
            }
            int ok = 0;
            int shed = 0;
            for (int i = 0; i < USERS; i++) {
                SipTestClient.Response r = clients.get(i).awaitFinal(WAIT); // throws on a timeout
                if (r.status() == 200) {
                    ok++;
                } else {
                    assertThat(r.status()).as(r.raw()).isEqualTo(503);
                    assertThat(r.header("Retry-After")).as(r.raw()).startsWith("3");
                    assertThat(r.reason()).isEqualTo("Too many registrations in progress, try again");
                    shed++;
                }
            }
            assertThat(ok).as("admitted and registered").isPositive();
            assertThat(shed).as("refused at once beyond the bound").isPositive();
            assertThat(AdminHttp.get(node.adminPort(), "/metrics").body())
                    .contains("switchboard_sip_shed_total{reason=\"register-in-flight\",} " + shed + ".0");
        } finally {
            for (SipTestClient c : clients) {
                c.close();
            }
        }
    }
}

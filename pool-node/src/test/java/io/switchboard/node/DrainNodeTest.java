package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.cli.AdminCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 16, the drain on a real node: {@code POST /api/node/drain} (and the CLI's {@code node drain},
 * which the Kubernetes preStop hook runs) answers once the node drained; from then on the node is
 * not ready, says why, and answers a new REGISTER 503 with Retry-After (RFC 3261 section 21.5.4) so
 * the client tries another node. RollingRestartTest shows the same under load, through SIGTERM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DrainNodeTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    SwitchboardNode node;

    @BeforeAll
    void start() {
        node = TestNodes.start("drain_node", "switchboard.drain { timeout = 20s, in-flight-timeout = 5s }\n");
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void a_drained_node_is_not_ready_and_sends_new_registrations_elsewhere() throws Exception {
        int admin = node.adminPort();
        try (SipTestClient c = new SipTestClient("udp", "127.0.0.1", node.sipUdpPort())) {
            SipTestClient.Response ok = RegistrarSipTest.registerWith(
                    c, "alice", "alice-secret", List.of("Contact: <" + c.contactUri("alice") + ">"));
            assertThat(ok.status()).isEqualTo(200);
        }
        assertThat(AdminHttp.get(admin, "/health/ready").body())
                .contains("drain: no", "sharding: coordinator reachable");
        assertThat(AdminHttp.send(admin, "GET", "/api/node/drain", TestNodes.TOKEN, null, null)
                        .statusCode())
                .as("only POST drains")
                .isEqualTo(405);
        assertThat(AdminHttp.send(admin, "POST", "/api/node/drain", null, null, null)
                        .statusCode())
                .as("the admin token is required")
                .isEqualTo(401);
        assertThat(node.ready()).isTrue();

        HttpResponse<String> drained = AdminHttp.send(admin, "POST", "/api/node/drain", TestNodes.TOKEN, null, null);
        assertThat(drained.statusCode()).as(drained.body()).isEqualTo(200);
        assertThat(drained.body()).contains("node-1 drained in");

        HttpResponse<String> ready = AdminHttp.get(admin, "/health/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("drain: draining");
        assertThat(node.ready()).isFalse();

        try (SipTestClient c = new SipTestClient("udp", "127.0.0.1", node.sipUdpPort())) {
            SipTestClient.Response refused = c.request(
                    c.register(
                            "alice", "example.test", c.nextCseq(), List.of("Contact: <" + c.contactUri("alice") + ">")),
                    WAIT);
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.reason()).contains("Shutting down");
            assertThat(refused.header("Retry-After")).isNotBlank();
        }
        assertThat(AdminHttp.get(admin, "/metrics").body())
                .contains("switchboard_sip_shed_total{reason=\"draining\",} 1.0")
                .contains("switchboard_draining 1.0")
                .containsPattern("switchboard_drain_seconds [0-9]");

        // The CLI (the preStop hook) on a drained node: the same drain, done, exit code 0.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = AdminCli.run(
                new String[] {"node", "drain", "--node", "http://127.0.0.1:" + admin, "--token", TestNodes.TOKEN},
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("drained in");
    }
}

package io.switchboard.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.node.AdminHttp;
import io.switchboard.node.SwitchboardNode;
import io.switchboard.node.TestNodes;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;

/**
 * One node for the test class (started once), a folder per test for the clients' configs and
 * logs (under {@code target/interop}, kept for reading after a failure), and every client
 * started by a test stopped by PID after it, also when it failed.
 */
@Tag("interop")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class InteropTestBase {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration SHORT = Duration.ofSeconds(10);

    protected SwitchboardNode node;
    protected Path dir;
    private List<String> missing = List.of();
    private final List<AutoCloseable> started = new ArrayList<>();

    /** The keyspace of this class's node. */
    abstract String keyspace();

    /** The binaries this class's tests run. */
    abstract String[] binaries();

    @BeforeAll
    void startNode() throws IOException {
        missing = Clients.missing(binaries());
        if (!missing.isEmpty()) {
            return; // skipped test by test below: surefire hides an assumption that fails in @BeforeAll
        }
        node = startNodes();
        dir = Files.createDirectories(Path.of("target", "interop", getClass().getSimpleName()))
                .toAbsolutePath();
    }

    /** One node; the two-node test class starts a pair instead. */
    SwitchboardNode startNodes() {
        return TestNodes.start(keyspace(), InteropNode.HOCON);
    }

    @BeforeEach
    void needsClients() {
        assumeTrue(missing.isEmpty(), missing + " not on the PATH; install with `" + Clients.INSTALL + "`");
    }

    @AfterEach
    void stopClients() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                // the next one is stopped all the same
            }
        }
        started.clear();
    }

    @AfterAll
    void stopNode() {
        stopClients();
        if (node != null) {
            node.close();
        }
    }

    /** Stops {@code client} by PID after the test. */
    <T extends AutoCloseable> T stopAfter(T client) {
        started.add(client);
        return client;
    }

    /** The SIP clients the running test has started so far. */
    List<SipClient> clients() {
        List<SipClient> clients = new ArrayList<>();
        for (AutoCloseable c : started) {
            if (c instanceof SipClient client) {
                clients.add(client);
            }
        }
        return clients;
    }

    Path testDir(String name) throws IOException {
        return Files.createDirectories(dir.resolve(name));
    }

    int port(String transport) {
        return port(node, transport);
    }

    static int port(SwitchboardNode n, String transport) {
        return transport.equals("udp") ? n.sipUdpPort() : n.sipTcpPort();
    }

    /** The bindings of {@code aor}, as the node's admin API lists them. */
    static JsonNode bindings(SwitchboardNode n, String aor) throws IOException, InterruptedException {
        HttpResponse<String> r = AdminHttp.get(
                n.adminPort(), "/api/registrations?aor=" + URLEncoder.encode(aor, StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).get("bindings");
    }

    /** Waits until the bindings of {@code aor} satisfy {@code done}; returns them. */
    static JsonNode awaitBindings(SwitchboardNode n, String aor, Predicate<JsonNode> done, String what)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + SHORT.toNanos();
        JsonNode b = bindings(n, aor);
        while (!done.test(b)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(aor + ": no " + what + " within " + SHORT + "; bindings: " + b);
            }
            Thread.sleep(100); // polling the admin API, with the deadline above
            b = bindings(n, aor);
        }
        return b;
    }

    /** A binding of {@code aor} whose user agent contains {@code userAgent}, over {@code transport}. */
    static Predicate<JsonNode> hasBinding(String userAgent, String transport) {
        return b -> {
            for (JsonNode x : b) {
                if (x.path("user_agent").asText().contains(userAgent)
                        && x.path("transport").asText().equalsIgnoreCase(transport)) {
                    return true;
                }
            }
            return false;
        };
    }

    static Predicate<JsonNode> noBinding(String userAgent) {
        return b -> {
            for (JsonNode x : b) {
                if (x.path("user_agent").asText().contains(userAgent)) {
                    return false;
                }
            }
            return true;
        };
    }
}

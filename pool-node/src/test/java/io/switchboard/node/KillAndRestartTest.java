package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.storage.EmbeddedCassandra;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durability as a client sees it, on the quick start's own setup: a node with its embedded
 * Cassandra. Every binding that got a 200 OK is still listed after the node process is killed
 * with SIGKILL (no shutdown hook runs; its Cassandra child notices the closed pipe and stops) and
 * the node is started again on the same data folder.
 */
class KillAndRestartTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    Process nodeProcess;

    @AfterEach
    void stop() {
        if (nodeProcess != null) {
            nodeProcess.destroyForcibly();
        }
    }

    @Test
    void bindings_acknowledged_before_kill_9_survive_the_restart(@TempDir Path dir) throws Exception {
        int udp = TestNodes.freePort();
        int admin = TestNodes.freePort();
        int cluster = TestNodes.freePort();
        Path conf = dir.resolve("node.conf");
        Files.writeString(conf, TestNodes.config("node-k", "kill_restart", cluster, """
                switchboard.sip { udp-port = %d, tcp-port = %d }
                switchboard.admin.port = %d
                switchboard.node.data-dir = "%s"
                switchboard.storage.mode = embedded
                switchboard.storage.embedded { native-port = 0, storage-port = 0, heap = "512m" }
                """.formatted(
                        udp, udp, admin, dir.resolve("data"))));
        Path log = dir.resolve("node.log");

        nodeProcess = startNode(conf, log);
        awaitReady(admin, log);

        List<String> acknowledged = new ArrayList<>();
        for (String transport : List.of("udp", "tcp")) {
            for (String user : List.of("alice", "bob")) {
                try (SipTestClient c = new SipTestClient(transport, "127.0.0.1", udp)) {
                    SipTestClient.Response ok = RegistrarSipTest.registerWith(
                            c, user, user + "-secret", List.of("Contact: <" + c.contactUri(user) + ">"));
                    assertThat(ok.status()).isEqualTo(200);
                    acknowledged.add(user + " " + c.contactUri(user));
                }
            }
        }

        long cassandraPid = cassandraPid(dir.resolve("data"));
        nodeProcess.destroyForcibly().waitFor(); // SIGKILL
        awaitGone(cassandraPid);
        nodeProcess = startNode(conf, log);
        awaitReady(admin, log);

        for (String entry : acknowledged) {
            String[] parts = entry.split(" ");
            assertThat(get(admin, "/api/registrations?aor=sip:" + parts[0] + "@example.test"))
                    .as("binding %s after kill -9 and restart", entry)
                    .contains(parts[1]);
        }
    }

    /**
     * The embedded Cassandra child of the node: the process whose command line names our data
     * folder. Read from /proc because ProcessHandle.Info leaves out long command lines.
     */
    private static long cassandraPid(Path dataDir) throws java.io.IOException {
        try (var procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .filter(p -> {
                        try {
                            String cmd = new String(
                                    Files.readAllBytes(p.resolve("cmdline")), java.nio.charset.StandardCharsets.UTF_8);
                            return cmd.contains("ParentWatchdog") && cmd.contains(dataDir.toString());
                        } catch (java.io.IOException gone) {
                            return false; // the process ended while we looked
                        }
                    })
                    .mapToLong(p -> Long.parseLong(p.getFileName().toString()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no embedded Cassandra process for " + dataDir));
        }
    }

    private static void awaitGone(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            assertThat(System.nanoTime())
                    .as("embedded Cassandra %d outlived its killed node", pid)
                    .isLessThan(deadline);
            ProcessHandle.of(pid)
                    .ifPresent(p -> p.onExit()
                            .completeOnTimeout(p, 200, java.util.concurrent.TimeUnit.MILLISECONDS)
                            .join());
        }
    }

    private static Process startNode(Path conf, Path log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(
                        java,
                        "-Xmx512m",
                        "-D" + EmbeddedCassandra.LIB_PROPERTY + "=" + EmbeddedCassandra.defaultLibDir(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.switchboard.node.Main",
                        "start",
                        "--config",
                        conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    private void awaitReady(int admin, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(nodeProcess.isAlive())
                    .as("node process died; log:\n%s", Files.readString(log))
                    .isTrue();
            try {
                if (get(admin, "/health/ready").startsWith("200")) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.onSpinWait();
            nodeProcess.waitFor(200, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        throw new AssertionError("node not ready in 180 s; log:\n" + Files.readString(log));
    }

    private static String get(int admin, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + path))
                                .timeout(Duration.ofSeconds(5))
                                .header("Authorization", "Bearer " + TestNodes.TOKEN)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }
}

package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.switchboard.storage.EmbeddedCassandra;
import io.switchboard.storage.testing.TestPorts;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, item 4: a fresh node serves its first 10,000 REGISTERs at 800/s with zero failures. The
 * node is what an operator starts (a JVM of its own with the product's flags, its embedded
 * Cassandra started with it on an empty data folder); once {@code /health/ready} says ready, 10,000
 * users are imported and SIPp runs the bench's REGISTER-with-digest scenario for each of them, once,
 * at 800 new flows per second over UDP: each user's first REGISTER, on JVMs that have compiled
 * nothing of the REGISTER path but their warm-up. Every flow must end in 200 (SIPp waits 5 s for
 * each answer, then retransmits as RFC 3261 says, and a flow without its 200 counts as failed).
 * {@code bench/fresh-node.sh} measures the same with latencies and CPU (bench/RESULTS.md).
 */
@Tag("failure")
class FreshNodeColdStartTest {

    static final Path DIR = Path.of("target", "fresh-node-cold-start");
    static final int USERS = 10_000;
    static final int RATE = 800;
    static final String TOKEN = "fresh-node-test-token";

    Process node;

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            List<ProcessHandle> children = node.descendants().toList();
            node.destroyForcibly();
            children.forEach(ProcessHandle::destroyForcibly);
            node.waitFor(30, TimeUnit.SECONDS);
            for (ProcessHandle c : children) {
                c.onExit().get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void a_fresh_node_serves_its_first_10000_registers_at_800_a_second_without_a_failure() throws Exception {
        String sipp = SippRegistrationTest.onPath("sipp");
        if (sipp == null) {
            String ci = System.getenv("CI");
            if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) {
                fail(SippRegistrationTest.NO_SIPP + ". CI must run this test (.ci/run installs it).");
            }
            Assumptions.abort(SippRegistrationTest.NO_SIPP);
        }
        Path repo = SippRegistrationTest.repositoryRoot();
        PoolProcesses.wipe(DIR);
        Files.createDirectories(DIR);
        Path dir = DIR.toAbsolutePath();

        SippRegistrationTest.makeUsers(repo, dir, USERS);

        int sipPort = TestPorts.udpAndTcp("127.0.0.1");
        int adminPort = TestPorts.tcp("127.0.0.1");
        int clusterPort = TestPorts.tcp("127.0.0.1");
        Files.writeString(dir.resolve("node.conf"), """
                switchboard {
                  node { id = "node-1", data-dir = "%s" }
                  cluster { host = "127.0.0.1", port = %d, seed-nodes = ["127.0.0.1:%d"] }
                  sip { bind-address = "127.0.0.1", udp-port = %d, tcp-port = %d }
                  admin { bind-address = "127.0.0.1", port = %d, token = "%s" }
                  domains = ["example.test"]
                  storage { mode = embedded, embedded { native-port = %d, storage-port = %d } }
                  auth.algorithms = ["MD5", "SHA-256"]   # SIPp computes MD5 only and reads the first challenge
                  auth.throttle.per-source = 1000000     # every flow comes from one address
                }
                """.formatted(
                        dir.resolve("data"),
                        clusterPort,
                        clusterPort,
                        sipPort,
                        sipPort,
                        adminPort,
                        TOKEN,
                        TestPorts.tcp("127.0.0.1"),
                        TestPorts.tcp("127.0.0.1")));

        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder b = new ProcessBuilder(
                        javaBin,
                        // the product's flags (bin/switchboard)
                        "-Xms2g",
                        "-Xmx2g",
                        "-XX:MaxGCPauseMillis=10",
                        "-D" + EmbeddedCassandra.LIB_PROPERTY + "=" + EmbeddedCassandra.defaultLibDir(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.switchboard.node.Main",
                        "start",
                        "--config",
                        dir.resolve("node.conf").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("node.log").toFile());
        b.environment().keySet().removeAll(List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"));
        node = b.start();
        awaitReady(adminPort, dir.resolve("node.log"));

        String csv = Files.readString(dir.resolve("users.csv"), StandardCharsets.UTF_8);
        HttpResponse<String> imported = AdminHttp.send(adminPort, "POST", "/api/users/import", TOKEN, "text/csv", csv);
        assertThat(imported.statusCode()).as(imported.body()).isEqualTo(200);
        assertThat(imported.body()).contains("\"imported\":" + USERS);

        Path stats = dir.resolve("stats.csv");
        Path console = dir.resolve("sipp.out");
        Process p = new ProcessBuilder(
                        sipp,
                        "127.0.0.1:" + sipPort,
                        "-sf",
                        repo.resolve("bench/sipp/register-digest.xml").toString(),
                        "-inf",
                        dir.resolve("users.sipp.csv").toString(),
                        "-t",
                        "u1",
                        "-i",
                        "127.0.0.1",
                        "-r",
                        Integer.toString(RATE),
                        "-m",
                        Integer.toString(USERS),
                        "-l",
                        Integer.toString(RATE * 2),
                        "-recv_timeout",
                        "5000",
                        "-nostdin",
                        "-trace_stat",
                        "-stf",
                        stats.toString(),
                        "-fd",
                        "1",
                        "-timeout",
                        "60s",
                        "-timeout_error")
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(console.toFile())
                .start();
        try {
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                fail("sipp did not exit despite -timeout");
            }
        } finally {
            p.destroyForcibly();
        }
        Map<String, String> last = SippRegistrationTest.lastStatsRow(stats);
        String report = "sipp exit " + p.exitValue() + ", last statistics " + last;
        System.out.println("fresh node, " + USERS + " first REGISTERs at " + RATE + "/s: " + report);
        assertThat(last.get("SuccessfulCall(C)")).as(report).isEqualTo(Integer.toString(USERS));
        assertThat(last.get("FailedCall(C)")).as(report).isEqualTo("0");
        assertThat(p.exitValue()).as(report).isZero();
    }

    /** Polls {@code /health/ready} until 200; fails with the log's tail if the node dies or takes 3 minutes. */
    private void awaitReady(int adminPort, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            if (!node.isAlive()) {
                fail("the node exited during start:\n" + tailOf(log));
            }
            try {
                if (AdminHttp.get(adminPort, "/health/ready").statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        fail("the node was not ready within 3 minutes:\n" + tailOf(log));
    }

    private static String tailOf(Path log) throws Exception {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : new ArrayList<>();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}

package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.storage.EmbeddedCassandra;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code local-pool --nodes 3} as an operator runs it, in its own JVM: three node JVMs on 127.0.0.1-3 and
 * one Cassandra; {@code /api/pool} shows three Up members; SIGTERM to the launcher stops every process it
 * started. Ports are not the defaults, so the test does not collide with a pool someone is running.
 */
class LocalPoolTest {

    static final Duration START = Duration.ofSeconds(180);
    static final String TOKEN = "switchboard-demo-admin-token"; // the built-in default, which local-pool keeps
    Process launcher;

    @AfterEach
    void kill() {
        if (launcher != null && launcher.isAlive()) {
            launcher.descendants().forEach(ProcessHandle::destroyForcibly);
            launcher.destroyForcibly();
        }
    }

    @Test
    void three_nodes_form_a_pool_and_sigterm_stops_every_process(@TempDir Path dir) throws Exception {
        int sip = freeOnAll(3, true);
        int cluster = freeOnAll(3, false);
        int admin = freeAdminBase(3);
        Path out = dir.resolve("launcher.out");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        launcher = new ProcessBuilder(
                        java,
                        "-Xmx256m",
                        "-D" + EmbeddedCassandra.LIB_PROPERTY + "=" + EmbeddedCassandra.defaultLibDir(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.switchboard.node.Main",
                        "local-pool",
                        "--nodes",
                        "3",
                        "--data-dir",
                        dir.resolve("pool").toString(),
                        "--sip-port",
                        Integer.toString(sip),
                        "--base-admin-port",
                        Integer.toString(admin),
                        "--cluster-port",
                        Integer.toString(cluster),
                        "--cassandra-port",
                        "0",
                        "--node-heap",
                        "384m")
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();

        awaitOutput(out, "Local pool of 3 nodes is up");
        String summary = Files.readString(out);
        for (int n = 1; n <= 3; n++) {
            assertThat(summary)
                    .contains(
                            "node-" + n + "  127.0.0." + n + ":" + sip, "http://127.0.0." + n + ":" + (admin + n - 1));
        }

        // Any node answers for the whole pool; ask node-2.
        HttpResponse<String> pool = AdminHttp.send(admin + 1, "GET", "/api/pool", TOKEN, null, null, "127.0.0.2");
        assertThat(pool.statusCode()).isEqualTo(200);
        assertThat(pool.body()).contains("\"self\":\"node-2\"", "\"all_up\":true");
        for (int n = 1; n <= 3; n++) {
            Matcher m = Pattern.compile("\\{\"node\":\"node-" + n + "\"[^{}]*}").matcher(pool.body());
            assertThat(m.find()).as("node-%d in %s", n, pool.body()).isTrue();
            assertThat(m.group())
                    .contains(
                            "\"address\":\"pekko://switchboard@127.0.0." + n + ":" + cluster + "\"",
                            "\"status\":\"Up\"",
                            "\"unreachable\":false");
        }
        assertThat(pool.headers().firstValue("Switchboard-Members-Not-Up")).contains("0");

        List<ProcessHandle> children = launcher.descendants().toList();
        assertThat(children).as("three nodes and Cassandra").hasSizeGreaterThanOrEqualTo(4);

        launcher.destroy(); // SIGTERM
        assertThat(launcher.waitFor(120, TimeUnit.SECONDS))
                .as("launcher exits after SIGTERM")
                .isTrue();
        for (ProcessHandle child : children) {
            child.onExit().completeOnTimeout(child, 10, TimeUnit.SECONDS).join();
            assertThat(child.isAlive())
                    .as(
                            "child %d (%s) after the launcher stopped",
                            child.pid(), child.info().command().orElse("?"))
                    .isFalse();
        }
        assertThat(Files.readString(out)).contains("Local pool stopped.");
    }

    private void awaitOutput(Path out, String line) throws Exception {
        long deadline = System.nanoTime() + START.toNanos();
        while (!Files.readString(out).contains(line)) {
            assertThat(launcher.isAlive())
                    .as("launcher exited; its output:\n%s", Files.readString(out))
                    .isTrue();
            assertThat(System.nanoTime())
                    .as("pool not up in %s; output:\n%s", START, Files.readString(out))
                    .isLessThan(deadline);
            launcher.waitFor(500, TimeUnit.MILLISECONDS);
        }
    }

    /** A port free for TCP (and UDP when asked) on 127.0.0.1 .. 127.0.0.n. */
    private static int freeOnAll(int n, boolean udpToo) {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20000, 40000);
            if (free(port, n, 0, udpToo)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port on 127.0.0.1-" + n);
    }

    /** p such that 127.0.0.k has port p+k-1 free, for k = 1..n. */
    private static int freeAdminBase(int n) {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(40000, 50000);
            if (free(port, n, 1, false)) {
                return port;
            }
        }
        throw new IllegalStateException("no free admin ports");
    }

    private static boolean free(int port, int n, int step, boolean udpToo) {
        for (int k = 1; k <= n; k++) {
            int p = port + step * (k - 1);
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0." + k), p));
            } catch (IOException taken) {
                return false;
            }
            if (udpToo) {
                try (DatagramSocket d =
                        new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0." + k), p))) {
                    d.getLocalPort();
                } catch (IOException taken) {
                    return false;
                }
            }
        }
        return true;
    }
}

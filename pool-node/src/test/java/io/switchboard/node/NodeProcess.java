package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One pool node as a process of its own ({@code io.switchboard.node.Main start --config FILE} with the
 * test class path), for the tests that put one node of a pool beside in-JVM nodes and {@code kill -9}
 * it (ParkThreeNodesTest, ConferenceKillTest; public for interop's ConferencePoolInteropTest). {@link PoolProcesses}
 * is the whole-pool version.
 */
public final class NodeProcess {

    private NodeProcess() {}

    /** Starts the node of {@code conf} (384 MB heap), its output appended to {@code log}. */
    public static Process start(Path conf, Path log) throws IOException {
        return start(List.of(), conf, log);
    }

    /**
     * {@link #start(Path, Path)} with {@code prefix} before the command, e.g. {@code ip netns exec NS} to run the node
     * in a network namespace (BranchWanNamespacesTest); the prefix must exec the command, so the process returned is
     * the node's JVM.
     */
    public static Process start(List<String> prefix, Path conf, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(
                java,
                "-Xmx384m",
                "-cp",
                System.getProperty("java.class.path"),
                "io.switchboard.node.Main",
                "start",
                "--config",
                conf.toString()));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /** Waits until {@code node} answers {@code /health/ready} on {@code admin} with 200; fails (with its log) if it dies or after 120 s. */
    public static void awaitReady(Process node, int admin, Path log) throws Exception {
        awaitReady(node, "127.0.0.1", admin, log);
    }

    /** {@link #awaitReady(Process, int, Path)} for a node whose admin port listens on {@code host}. */
    public static void awaitReady(Process node, String host, int admin, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(node.isAlive())
                    .as("node process died; log:\n%s", Files.readString(log))
                    .isTrue();
            try {
                HttpResponse<String> r = HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create("http://" + host + ":" + admin + "/health/ready"))
                                        .timeout(Duration.ofSeconds(5))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            node.waitFor(200, TimeUnit.MILLISECONDS); // polling, with the deadline above
        }
        throw new AssertionError("node not ready in 120 s; log:\n" + Files.readString(log));
    }
}

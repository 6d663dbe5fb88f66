package io.switchboard.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node must not outlive the JVM that started it, even when that JVM is killed with SIGKILL. */
class EmbeddedCassandraParentDeathTest {

    @TempDir
    Path dataDir;

    @Test
    void nodeExitsWhenItsParentIsKilled() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process helper = new ProcessBuilder(
                        java.toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "-D" + EmbeddedCassandra.LIB_PROPERTY + "=" + EmbeddedCassandra.defaultLibDir(),
                        NodeInHelperJvm.class.getName(),
                        dataDir.toString())
                .redirectErrorStream(true)
                .start();
        Long cassandraPid = null;
        try {
            cassandraPid = cassandraPidPrintedBy(helper).get(180, TimeUnit.SECONDS);
            ProcessHandle cassandra = ProcessHandle.of(cassandraPid).orElseThrow();
            assertThat(cassandra.isAlive()).isTrue();

            helper.destroyForcibly(); // SIGKILL: no shutdown hook of the helper runs
            assertThat(helper.waitFor(30, TimeUnit.SECONDS)).isTrue();

            cassandra.onExit().get(60, TimeUnit.SECONDS);
            assertThat(cassandra.isAlive()).isFalse();
        } finally {
            helper.destroyForcibly();
            if (cassandraPid != null) {
                ProcessHandle.of(cassandraPid).ifPresent(ProcessHandle::destroyForcibly); // only if the test failed
            }
        }
    }

    /** Completes with the pid the helper prints; fails with the helper's output if it ends first. */
    private static CompletableFuture<Long> cassandraPidPrintedBy(Process helper) {
        CompletableFuture<Long> pid = new CompletableFuture<>();
        Thread reader = new Thread(
                () -> {
                    List<String> lines = new ArrayList<>();
                    try (BufferedReader in = new BufferedReader(
                            new InputStreamReader(helper.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = in.readLine()) != null) {
                            lines.add(line);
                            if (line.startsWith(NodeInHelperJvm.PID_PREFIX)) {
                                pid.complete(Long.parseLong(line.substring(NodeInHelperJvm.PID_PREFIX.length())
                                        .strip()));
                            }
                        }
                    } catch (IOException e) {
                        pid.completeExceptionally(e);
                    }
                    pid.completeExceptionally(
                            new AssertionError("helper ended without a pid:\n" + String.join("\n", lines)));
                },
                "helper-output");
        reader.setDaemon(true);
        reader.start();
        return pid;
    }
}

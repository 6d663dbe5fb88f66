package io.switchboard.interop;

import io.switchboard.node.TestNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One SIPp process playing one conference participant ({@code src/test/resources/sipp/conference-*.xml}):
 * a single call ({@code -m 1}) to one node over UDP or TCP, as a user of {@code example.test} with digest
 * (the injection file), every message traced to {@code messages.log}. Stopped by its own handle (its PID);
 * {@code -timeout} bounds its life even if the test JVM dies before it can stop it.
 */
final class SippParticipant implements AutoCloseable {

    final String user;
    final Path dir;
    final Process process;

    private SippParticipant(String user, Path dir, Process process) {
        this.user = user;
        this.dir = dir;
        this.process = process;
    }

    /** Starts {@code scenario} for {@code user} against {@code node} ({@code transport} "udp" or "tcp"). */
    static SippParticipant start(
            Path parent, String scenario, String user, String conferenceUser, int node, String transport)
            throws IOException {
        Path dir = Files.createDirectories(parent.resolve("sipp-" + user));
        Path inf = dir.resolve("participant.csv");
        Files.writeString(
                inf,
                "SEQUENTIAL\n" + user + ";example.test;[authentication username=" + user + " password=" + user
                        + "-secret];" + conferenceUser + "\n");
        Path xml = Path.of("src", "test", "resources", "sipp", scenario).toAbsolutePath();
        Process p = new ProcessBuilder(List.of(
                        "sipp",
                        "127.0.0.1:" + node,
                        "-sf",
                        xml.toString(),
                        "-inf",
                        inf.toString(),
                        "-i",
                        "127.0.0.1",
                        "-p",
                        String.valueOf(TestNodes.freePort()),
                        "-mp",
                        String.valueOf(TestNodes.freePort()),
                        "-t",
                        transport.equals("tcp") ? "t1" : "u1",
                        "-m",
                        "1",
                        "-timeout",
                        "300",
                        "-nostdin",
                        "-trace_msg",
                        "-message_file",
                        dir.resolve("messages.log").toString(),
                        "-trace_err",
                        "-error_file",
                        dir.resolve("errors.log").toString(),
                        "-trace_logs",
                        "-log_file",
                        dir.resolve("logs.log").toString()))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("sipp.out").toFile())
                .start();
        return new SippParticipant(user, dir, p);
    }

    /** SIPp's exit code once it ended within {@code wait} (0: the scenario played through), else -1. */
    int awaitExit(Duration wait) throws InterruptedException {
        return process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** Every message SIPp sent and received so far. */
    String messages() {
        try {
            Path log = dir.resolve("messages.log");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** What to read after a failure. */
    String describe() {
        StringBuilder b = new StringBuilder("SIPp " + user + " (" + dir + ")");
        for (String f : List.of("errors.log", "sipp.out", "logs.log")) {
            try {
                Path p = dir.resolve(f);
                if (Files.exists(p)) {
                    String text = Files.readString(p);
                    b.append("\n--- ")
                            .append(f)
                            .append('\n')
                            .append(text, Math.max(0, text.length() - 3000), text.length());
                }
            } catch (IOException e) {
                // what there is
            }
        }
        return b.toString();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}

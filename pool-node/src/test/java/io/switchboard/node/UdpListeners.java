package io.switchboard.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Waits until a process the test started (a SIPp UAS standing in for a mixer or a gateway) has bound its UDP port,
 * by reading the kernel's socket tables ({@code /proc/net/udp}, {@code udp6}) rather than probing the port, which
 * could take it from the process at the wrong moment. A request sent before the bind is lost, and the stack's
 * retransmissions (0.5, 1, 2, 4 s) may come too late for the test's own wait.
 */
public final class UdpListeners {

    private UdpListeners() {}

    public static void await(int port, Duration timeout) throws IOException, InterruptedException {
        String hex = ":" + String.format(Locale.ROOT, "%04X", port) + " ";
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String table : List.of("/proc/net/udp", "/proc/net/udp6")) {
                Path p = Path.of(table);
                if (Files.isReadable(p)) {
                    for (String line : Files.readAllLines(p)) {
                        // "  sl  local_address rem_address ...": the local address is the second field
                        String[] fields = line.trim().split("\\s+");
                        if (fields.length > 1 && (fields[1] + " ").endsWith(hex)) {
                            return;
                        }
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("nothing listens on UDP port " + port + " after " + timeout);
            }
            Thread.sleep(50); // polling the socket table, with the deadline above
        }
    }
}

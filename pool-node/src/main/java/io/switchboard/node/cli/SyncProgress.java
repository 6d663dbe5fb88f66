package io.switchboard.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;

/**
 * How {@code address-book sync --now} shows a running sync: on a terminal one line redrawn in place (phase,
 * entries read, entries written with a bar, rate); elsewhere (a log, a pipe) a plain line when the phase
 * changes and every few seconds.
 */
final class SyncProgress {

    private static final int BAR = 30;
    private static final long PLAIN_EVERY_NANOS = 5_000_000_000L;

    private final PrintStream out;
    private final boolean terminal;
    private final long startedNanos = System.nanoTime();
    private String lastPhase = "";
    private long lastPlainNanos;
    private int lastWidth;

    SyncProgress(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    void show(JsonNode status) {
        String line = line(status);
        String phase = status.path("phase").asText();
        if (terminal) {
            String padded = line + " ".repeat(Math.max(0, lastWidth - line.length()));
            out.print("\r" + padded);
            out.flush();
            lastWidth = line.length();
        } else if (!phase.equals(lastPhase) || System.nanoTime() - lastPlainNanos > PLAIN_EVERY_NANOS) {
            out.println(line);
            lastPlainNanos = System.nanoTime();
        }
        lastPhase = phase;
    }

    void end(JsonNode status) {
        if (terminal && lastWidth > 0) {
            out.print("\r" + line(status)
                    + " ".repeat(Math.max(0, lastWidth - line(status).length())) + "\n");
        }
    }

    static String line(JsonNode status, double seconds) {
        long read = status.path("read").asLong();
        long written = status.path("written").asLong();
        long toWrite = status.path("to-write").asLong();
        StringBuilder line = new StringBuilder(status.path("phase").asText());
        line.append(": read ").append(read);
        if (toWrite > 0) {
            int filled = (int) Math.min(BAR, BAR * written / toWrite);
            line.append(", written ")
                    .append(written)
                    .append('/')
                    .append(toWrite)
                    .append(" [")
                    .append("#".repeat(filled))
                    .append(" ".repeat(BAR - filled))
                    .append("] ")
                    .append(100 * written / toWrite)
                    .append('%');
        }
        if (seconds > 0.5) {
            line.append(", ").append(Math.round(read / seconds)).append(" entries/s");
        }
        return line.toString();
    }

    private String line(JsonNode status) {
        return line(status, (System.nanoTime() - startedNanos) / 1e9);
    }
}

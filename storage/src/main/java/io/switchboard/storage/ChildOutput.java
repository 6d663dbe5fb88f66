package io.switchboard.storage;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;

/**
 * Reads a child process's (merged) output on a daemon thread for as long as the child lives: it must
 * always be drained, or the child blocks once the pipe buffer is full. Each line goes to an SLF4J logger at
 * DEBUG and into a bounded ring buffer that error messages quote.
 */
final class ChildOutput {

    /** Cassandra prints its whole configuration as one line; a few such lines must not hold megabytes. */
    private static final int MAX_LINE = 2_000;

    private final ArrayDeque<String> ring;
    private final int capacity;
    private final String marker;
    private final CompletableFuture<String> markerSeen = new CompletableFuture<>();
    private final Logger log;
    private final String name;

    private ChildOutput(int capacity, String marker, Logger log, String name) {
        this.capacity = capacity;
        this.ring = new ArrayDeque<>(capacity);
        this.marker = marker;
        this.log = log;
        this.name = name;
    }

    /** Starts pumping {@code output}; {@link #markerSeen()} completes with the first line containing {@code marker}. */
    static ChildOutput pump(InputStream output, String name, String marker, int capacity, Logger log) {
        ChildOutput childOutput = new ChildOutput(capacity, marker, log, name);
        Thread pump = new Thread(() -> childOutput.drain(output), name + "-output");
        pump.setDaemon(true);
        pump.start();
        return childOutput;
    }

    CompletableFuture<String> markerSeen() {
        return markerSeen;
    }

    /** The last {@code lines} lines, oldest first. */
    synchronized List<String> tail(int lines) {
        List<String> all = new ArrayList<>(ring);
        return List.copyOf(all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    synchronized boolean contains(String text) {
        return ring.stream().anyMatch(line -> line.contains(text));
    }

    private void drain(InputStream output) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(output, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                accept(line);
            }
        } catch (IOException e) {
            log.debug("[{}] output closed: {}", name, e.toString());
        } finally {
            markerSeen.completeExceptionally(new IllegalStateException(name + " output ended"));
        }
    }

    private void accept(String line) {
        String kept = line.length() > MAX_LINE ? line.substring(0, MAX_LINE) + " ..." : line;
        synchronized (this) {
            if (ring.size() == capacity) {
                ring.removeFirst();
            }
            ring.addLast(kept);
        }
        log.debug("[{}] {}", name, kept);
        if (!markerSeen.isDone() && line.contains(marker)) {
            markerSeen.complete(line);
        }
    }
}

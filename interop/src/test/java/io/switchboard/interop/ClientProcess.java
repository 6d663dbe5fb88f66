package io.switchboard.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One client program run as a child process: commands go to its stdin, every line it prints
 * (stdout and stderr together) is kept in memory and copied to {@code <dir>/<name>.log}, and the
 * waits read those lines with a deadline. {@link #close()} stops it by its PID: destroy, then
 * destroyForcibly if it has not exited within 5 s.
 */
final class ClientProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Writer stdin;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    ClientProcess(String name, List<String> command, Path dir, Map<String, String> env) throws IOException {
        this.name = name;
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        this.process = pb.start();
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Path log = dir.resolve(name + ".log");
        this.reader = new Thread(() -> pump(log), "client-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    private void pump(Path log) {
        try (BufferedReader in =
                        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                Writer out = Files.newBufferedWriter(
                        log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.write(line);
                out.write('\n');
                out.flush();
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process went away; what it printed before is kept
        } finally {
            synchronized (lines) {
                lines.notifyAll();
            }
        }
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Writes one command line to the client's stdin. */
    void send(String command) {
        try {
            stdin.write(command);
            stdin.write('\n');
            stdin.flush();
        } catch (IOException e) {
            throw new AssertionError(name + " does not take input (exited?): " + tail(), e);
        }
    }

    /** The number of lines printed so far: a mark for the waits that look only at what comes later. */
    int mark() {
        synchronized (lines) {
            return lines.size();
        }
    }

    /** Lines printed since {@code from}. */
    List<String> linesSince(int from) {
        synchronized (lines) {
            return new ArrayList<>(lines.subList(Math.min(from, lines.size()), lines.size()));
        }
    }

    /** The whole output so far, one string. */
    String output() {
        return String.join("\n", linesSince(0));
    }

    /** Waits for a line at or after {@code from} that {@code regex} finds; the match, or AssertionError. */
    Matcher await(int from, String regex, Duration timeout) {
        Pattern p = Pattern.compile(regex);
        Matcher[] found = new Matcher[1];
        awaitLine(
                from,
                line -> {
                    Matcher m = p.matcher(line);
                    if (m.find()) {
                        found[0] = m;
                        return true;
                    }
                    return false;
                },
                timeout,
                "a line matching /" + regex + "/");
        return found[0];
    }

    Matcher await(String regex, Duration timeout) {
        return await(0, regex, timeout);
    }

    /** Waits until {@code done} holds for the lines printed so far. */
    void awaitLines(Predicate<List<String>> done, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            while (true) {
                if (done.test(new ArrayList<>(lines))) {
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(
                            name + ": no " + what + " within " + timeout + "; output ends with:\n" + tailLocked());
                }
                waitLocked(left);
            }
        }
    }

    private void awaitLine(int from, Predicate<String> match, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int next = from;
        synchronized (lines) {
            while (true) {
                for (; next < lines.size(); next++) {
                    if (match.test(lines.get(next))) {
                        return;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(
                            name + ": no " + what + " within " + timeout + "; output ends with:\n" + tailLocked());
                }
                if (!process.isAlive() && next >= lines.size()) {
                    // the reader may still be draining: one short wait, then give up
                    waitLocked(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
                    if (next >= lines.size()) {
                        throw new AssertionError(name + " exited (" + process.exitValue() + ") before " + what
                                + "; output ends with:\n" + tailLocked());
                    }
                    continue;
                }
                waitLocked(left);
            }
        }
    }

    private void waitLocked(long nanos) {
        try {
            TimeUnit.NANOSECONDS.timedWait(lines, nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }

    String tail() {
        synchronized (lines) {
            return tailLocked();
        }
    }

    private String tailLocked() {
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    /** Stops the process by its PID: a polite destroy first, then a forced one after 5 s. */
    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException e) {
            // already gone
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            reader.join(2000);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}

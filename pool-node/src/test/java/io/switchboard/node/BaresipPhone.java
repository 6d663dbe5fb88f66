package io.switchboard.node;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's baresip 1.0 as a branch phone for BranchWanNamespacesTest: an AOR-only account (no outbound proxy), so it
 * finds its registrar and transport the way RFC 3263 says (NAPTR, then SRV for {@code _sips._tcp}, {@code _sip._tcp},
 * ... in that order, then A) asking only the given DNS server ({@code dns_server}), and answers every call
 * ({@code answermode=auto}). No audio device: the source is a WAV of silence and
 * the player writes a file ({@code aufile}). Its SIP trace ({@code -s}) is what the test reads: the 200s to REGISTER
 * and which address sent them. A minimal copy of what interop's {@code Baresip.startResolving} and
 * {@code ClientProcess} do (pool-node's tests cannot depend on the interop module). {@link #close} stops it by its
 * PID.
 */
final class BaresipPhone implements AutoCloseable {

    static final String MISSING = "baresip is not installed; install it with `apt-get install baresip` (Debian/Ubuntu)";

    /** baresip's trace: "UDP src -> dst" before each message it sends or receives (colours stripped). */
    private static final Pattern HOP = Pattern.compile("^(UDP|TCP|TLS) (\\S+) -> (\\S+)$");

    private static final Pattern ANSI = Pattern.compile("\u001b\\[[0-9;]*m");

    final String user;
    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    private BaresipPhone(String user, Process process, Path log) {
        this.user = user;
        this.process = process;
        this.reader = new Thread(() -> pump(log), "baresip-" + user);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts baresip for {@code user@example.test} listening on {@code localAddress} (port chosen by the kernel),
     * asking {@code dnsServer} ("127.0.0.1:PORT") where example.test's registrar is, registering every
     * {@code regint} seconds.
     */
    static BaresipPhone start(
            Path parent, String binary, String user, String password, String localAddress, String dnsServer, int regint)
            throws IOException {
        Path dir = Files.createDirectories(parent.resolve("baresip-" + user));
        Files.writeString(dir.resolve("config"), """
                poll_method epoll
                sip_listen %2$s:0
                dns_server %3$s
                audio_player aufile,%1$s/received.wav
                audio_source aufile,%1$s/silence.wav
                audio_alert aufile,%1$s/alert.wav
                module_path /usr/lib/baresip/modules
                module stdio.so
                module g711.so
                module aufile.so
                module_app account.so
                module_app menu.so
                """.formatted(dir, localAddress, dnsServer));
        writeSilence(dir.resolve("silence.wav"));
        Files.writeString(
                dir.resolve("accounts"),
                "<sip:%s@example.test>;auth_pass=%s;regint=%d;answermode=auto\n".formatted(user, password, regint));
        Files.writeString(dir.resolve("contacts"), "");
        ProcessBuilder pb = new ProcessBuilder(binary, "-f", dir.toString(), "-s")
                .directory(dir.toFile())
                .redirectErrorStream(true);
        pb.environment().put("HOME", dir.toString());
        return new BaresipPhone(user, pb.start(), dir.resolve("baresip.log"));
    }

    private void pump(Path log) {
        try (BufferedReader in =
                        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.write(line);
                out.write('\n');
                out.flush();
                synchronized (lines) {
                    lines.add(ANSI.matcher(line).replaceAll(""));
                }
            }
        } catch (IOException e) {
            // the process went away; what it printed before is kept
        }
    }

    /**
     * How many 200s to REGISTER baresip has received from {@code from} ("address:port"): a trace hop from there whose
     * message starts "SIP/2.0 200" and whose CSeq names REGISTER.
     */
    int registeredAt(String from) {
        List<String> copy;
        synchronized (lines) {
            copy = new ArrayList<>(lines);
        }
        int count = 0;
        for (int i = 0; i + 1 < copy.size(); i++) {
            Matcher hop = HOP.matcher(copy.get(i));
            if (!hop.matches() || !hop.group(2).equals(from) || !copy.get(i + 1).startsWith("SIP/2.0 200 ")) {
                continue;
            }
            for (int j = i + 2; j < copy.size() && !HOP.matcher(copy.get(j)).matches(); j++) {
                if (copy.get(j).matches("(?i)^CSeq:\\s*\\d+\\s+REGISTER\\s*$")) {
                    count++;
                    break;
                }
            }
        }
        return count;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The last lines it printed, for a failure message. */
    String tail() {
        synchronized (lines) {
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        }
    }

    /** 60 s of silence, 8 kHz 16-bit mono PCM (RIFF/WAVE): the audio source of a call (G.711 runs at 8 kHz). */
    static void writeSilence(Path file) throws IOException {
        int rate = 8000;
        int data = rate * 2 * 60;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(44 + data).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + data);
        b.put("WAVE".getBytes(StandardCharsets.US_ASCII));
        b.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16);
        b.putShort((short) 1).putShort((short) 1).putInt(rate).putInt(rate * 2);
        b.putShort((short) 2).putShort((short) 16);
        b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(data);
        Files.write(file, b.array());
    }

    /** Stops it by its PID: a polite destroy first, then a forced one after 5 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        reader.join(2000);
    }

    @Override
    public String toString() {
        return "baresip " + user + " (pid " + process.pid() + ")";
    }
}

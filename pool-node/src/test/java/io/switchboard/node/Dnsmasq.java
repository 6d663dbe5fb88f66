package io.switchboard.node;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real DNS server for tests: Debian's {@code dnsmasq} on 127.0.0.1 at a free high port, serving
 * only the records given (no upstream, no /etc/hosts, no configuration file), in the foreground as
 * a child of the test JVM. {@link #close} kills it by its PID; so does a JVM shutdown hook, should
 * the test JVM end first.
 *
 * <p>Records are dnsmasq options, e.g. {@code --srv-host=_sip._udp.trunk.test,gw1.trunk.test,5071,10,0}
 * (name, target, port, priority, weight), {@code --host-record=gw1.trunk.test,127.0.0.1},
 * {@code --naptr-record=pool.test,10,10,S,SIP+D2U,,_sip._udp.pool.test}.
 */
public final class Dnsmasq implements AutoCloseable {

    public static final String MISSING =
            "dnsmasq is not installed; install it with `apt-get install dnsmasq-base` (Debian/Ubuntu)";

    private final Process process;
    private final int port;
    private final Path log;
    private final Thread hook;

    private Dnsmasq(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.hook = new Thread(process::destroyForcibly, "dnsmasq-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The dnsmasq binary (it lives in /usr/sbin, often not on a user's PATH), or null. */
    public static String binary() {
        String onPath = SippRegistrationTest.onPath("dnsmasq");
        if (onPath != null) {
            return onPath;
        }
        for (String p : List.of("/usr/sbin/dnsmasq", "/sbin/dnsmasq")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return null;
    }

    /** Whether tests must run rather than skip without dnsmasq (CI installs it, .ci/run). */
    public static boolean required() {
        String ci = System.getenv("CI");
        return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false");
    }

    /** Starts dnsmasq serving {@code records}; returns once it answers on its port. */
    public static Dnsmasq start(Path dir, List<String> records) throws IOException, InterruptedException {
        String binary = binary();
        if (binary == null) {
            throw new IllegalStateException(MISSING);
        }
        int port = freeUdpPort();
        Path log = dir.resolve("dnsmasq-" + port + ".log");
        List<String> command = new ArrayList<>(List.of(
                binary,
                "--keep-in-foreground",
                "--conf-file=/dev/null",
                "--pid-file", // none: we hold the process
                "--no-resolv",
                "--no-hosts",
                "--listen-address=127.0.0.1",
                "--bind-interfaces",
                "--port=" + port,
                "--log-facility=-",
                "--log-queries",
                "--local=/test/")); // names under .test that are not given do not exist
        if (isRoot()) {
            command.add("--user=root"); // no drop to "nobody", whose files we could not clean up
        }
        command.addAll(records);
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Dnsmasq d = new Dnsmasq(p, port, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!d.log().contains("started, version")) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                String out = d.log();
                d.close();
                fail("dnsmasq did not start: " + String.join(" ", command) + "\n" + out);
            }
            Thread.sleep(50);
        }
        return d;
    }

    public int port() {
        return port;
    }

    /** "127.0.0.1:PORT", as switchboard.dns.servers takes it. */
    public String server() {
        return "127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    /** What dnsmasq logged so far (queries included). */
    public String log() {
        try {
            return Files.readString(log, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroy(); // SIGTERM to this PID only
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static int freeUdpPort() throws IOException {
        // dnsmasq listens on UDP and TCP; a port free for both is taken from the TCP side first.
        for (int attempt = 0; attempt < 20; attempt++) {
            int port = TestNodes.freePort();
            try (DatagramSocket udp = new DatagramSocket(port, InetAddress.getByName("127.0.0.1"))) {
                return udp.getLocalPort();
            } catch (IOException busy) {
                // try another
            }
        }
        throw new IOException("no free port for dnsmasq");
    }
}

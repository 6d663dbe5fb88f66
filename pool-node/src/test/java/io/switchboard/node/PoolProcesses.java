package io.switchboard.node;

import io.switchboard.storage.EmbeddedCassandra;
import io.switchboard.storage.testing.TestCassandra;
import io.switchboard.storage.testing.TestPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Several real pool-node JVMs ({@code io.switchboard.node.Main start --config FILE} with the test class
 * path, as {@code bin/switchboard start} runs them) forming one Pekko cluster over one Cassandra, for
 * failure tests: {@link #killHard} is {@code kill -9}, {@link #restart} starts the same node again.
 *
 * <p>Nodes are numbered from 1 ({@code node-1}..). Node {@code n} listens on 127.0.0.(20+n): SIP over UDP and
 * TCP on one port, Pekko remoting and the admin HTTP port on that address too; every port is chosen free
 * once and kept across restarts. The seeds are the first two nodes. Each node writes its generated
 * configuration and its log (appended across restarts) to {@code dir/node-N.conf} and {@code dir/node-N.log}.
 * Storage is external: the {@link Storage} given (e.g. {@link Storage#of(String, java.util.List, String)} for
 * {@code TestCassandra}, or a {@code CassandraRing} at RF 3 with LOCAL_QUORUM).
 */
final class PoolProcesses implements AutoCloseable {

    static final String DOMAIN = "example.test";
    /** Bootstrap users of every node: {@code userN} with password {@code userN-secret}, for N in 1..USERS. */
    static final int USERS = 24;

    /** 120 s, or {@code -Dpool.ready-timeout=240s} on a machine busy with other builds. */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(
            Long.parseLong(System.getProperty("pool.ready-timeout", "120s").replaceAll("s$", "")));

    private static final String HEAP = "384m";
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** Where the nodes keep their data: contact points, keyspace, replication and consistency. */
    record Storage(
            List<String> contactPoints, String localDc, String keyspace, String replication, String consistency) {
        /** One Cassandra node, keyspace at RF 1, LOCAL_ONE (the test run's TestCassandra). */
        static Storage of(String keyspace, List<String> contactPoints, String localDc) {
            return new Storage(
                    contactPoints,
                    localDc,
                    keyspace,
                    "{'class': 'SimpleStrategy', 'replication_factor': 1}",
                    "LOCAL_ONE");
        }

        /** The test run's shared Cassandra ({@code TestCassandra}: a container or a forked node), as {@link #of}. */
        static Storage shared(String keyspace) {
            InetSocketAddress cassandra = TestCassandra.contactPoint();
            return of(
                    keyspace, List.of(cassandra.getHostString() + ":" + cassandra.getPort()), TestCassandra.localDc());
        }

        /** A ring replicating the keyspace as {@code replication} (e.g. RF 3), LOCAL_QUORUM as a pool runs. */
        static Storage quorum(String keyspace, List<String> contactPoints, String localDc, String replication) {
            return new Storage(contactPoints, localDc, keyspace, replication, "LOCAL_QUORUM");
        }
    }

    /** Fixed addresses of one node, kept across restarts. */
    record NodeAddresses(String host, int sipPort, int clusterPort, int adminPort) {
        InetSocketAddress sip() {
            return new InetSocketAddress(host, sipPort);
        }
    }

    private final Path dir;
    private final Storage storage;
    private final List<NodeAddresses> addresses;
    private final List<String> jvmFlags;
    private final Process[] processes;

    private PoolProcesses(Path dir, Storage storage, List<NodeAddresses> addresses, List<String> jvmFlags) {
        this.dir = dir;
        this.storage = storage;
        this.addresses = addresses;
        this.jvmFlags = jvmFlags;
        this.processes = new Process[addresses.size()];
    }

    /**
     * Starts {@code size} nodes at once and returns when every one answers {@code /health/ready} with 200
     * (Up cluster member, store connected, SIP listening).
     */
    static PoolProcesses start(Path dir, int size, Storage storage) {
        return start(dir, size, storage, List.of());
    }

    /**
     * {@link #start(Path, int, Storage)} with extra flags for every node JVM, e.g. {@code
     * -Dpekko.cluster.down-removal-margin=2s} to try Pekko settings our configuration does not set.
     */
    static PoolProcesses start(Path dir, int size, Storage storage, List<String> jvmFlags) {
        if (size < 1 || size > 9) {
            throw new IllegalArgumentException("1 to 9 pool nodes: " + size);
        }
        List<NodeAddresses> addresses = new ArrayList<>();
        for (int n = 1; n <= size; n++) {
            String host = host(n);
            addresses.add(new NodeAddresses(host, TestPorts.udpAndTcp(host), TestPorts.tcp(host), TestPorts.tcp(host)));
        }
        PoolProcesses pool =
                new PoolProcesses(dir.toAbsolutePath(), storage, List.copyOf(addresses), List.copyOf(jvmFlags));
        try {
            Files.createDirectories(pool.dir);
            for (int n = 1; n <= size; n++) {
                Files.writeString(pool.configFile(n), pool.config(n));
                pool.launch(n);
            }
            pool.awaitAllReady();
        } catch (IOException e) {
            pool.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            pool.close();
            throw e;
        }
        return pool;
    }

    /** Deletes a test's folder from an earlier run (node configs and logs), if any. */
    static void wipe(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot wipe " + dir, e);
        }
    }

    static String host(int n) {
        return "127.0.0." + (20 + n);
    }

    int size() {
        return processes.length;
    }

    NodeAddresses node(int n) {
        return addresses.get(index(n));
    }

    String nodeId(int n) {
        index(n);
        return "node-" + n;
    }

    Path log(int n) {
        return dir.resolve(nodeId(n) + ".log");
    }

    boolean isAlive(int n) {
        Process p = processes[index(n)];
        return p != null && p.isAlive();
    }

    long pid(int n) {
        return processes[index(n)].pid();
    }

    /**
     * SIGKILL to node {@code n} and to every process it started (none with external storage, but a node
     * with an embedded Cassandra would leave it behind otherwise); returns once all are gone.
     */
    void killHard(int n) {
        Process p = processes[index(n)];
        List<ProcessHandle> descendants = p.descendants().toList(); // before the kill: orphans get a new parent
        p.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException(nodeId(n) + " survived SIGKILL for 10 s");
            }
            for (ProcessHandle d : descendants) {
                d.onExit().get(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("a process started by " + nodeId(n) + " survived SIGKILL", e);
        }
    }

    /**
     * SIGTERM to node {@code n}, as Kubernetes and systemd stop a node: it drains (io.switchboard.node.Drain)
     * and exits. Returns the exit code once it is gone; fails if it outlives {@code bound}.
     */
    int terminate(int n, Duration bound) {
        Process p = processes[index(n)];
        p.destroy(); // SIGTERM
        try {
            if (!p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(
                        nodeId(n) + " did not exit within " + bound + " of SIGTERM; log tail:\n" + tail(n));
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Starts node {@code n} again with the same configuration and waits until it is ready and every live node
     * agrees on the membership ({@link #awaitMembershipAgreed}): its own readiness says only that it sees
     * itself Up, while the others may still list its dead incarnation or not see the new one yet.
     */
    void restart(int n) {
        if (isAlive(n)) {
            throw new IllegalStateException(nodeId(n) + " still runs: kill it first");
        }
        launch(n);
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        awaitReady(n, deadline);
        awaitMembershipAgreed(deadline);
    }

    /**
     * Polls {@code /api/pool} on every live node until each lists every live node and reports all members Up
     * and reachable ({@code "all_up":true}, so no dead incarnation is left); fails with the last answer.
     */
    void awaitMembershipAgreed(long deadline) {
        List<Integer> live = new ArrayList<>();
        for (int k = 1; k <= processes.length; k++) {
            if (isAlive(k)) {
                live.add(k);
            }
        }
        for (int k : live) {
            String last = "no answer";
            while (true) {
                try {
                    last = adminGet(k, "/api/pool", Duration.ofSeconds(10));
                    String body = last;
                    if (body.startsWith("200")
                            && body.contains("\"all_up\":true")
                            && live.stream().allMatch(m -> body.contains("\"node\":\"" + nodeId(m) + "\""))) {
                        break;
                    }
                } catch (IOException e) {
                    last = e.toString();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException(nodeId(k) + " did not list "
                            + live.stream().map(this::nodeId).toList() + " all Up within " + READY_TIMEOUT
                            + "; last /api/pool: " + last);
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }
    }

    /** {@code GET path} on node {@code n}'s admin port with the admin token: "status body". */
    String adminGet(int n, String path) throws IOException, InterruptedException {
        return adminGet(n, path, Duration.ofSeconds(10));
    }

    String adminGet(int n, String path, Duration timeout) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(request(n, path, timeout), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    /** {@link #adminGet} without blocking: completes with "status body", or exceptionally. */
    CompletableFuture<String> adminGetAsync(int n, String path, Duration timeout) {
        return HTTP.sendAsync(request(n, path, timeout), HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> r.statusCode() + " " + r.body());
    }

    private HttpRequest request(int n, String path, Duration timeout) {
        NodeAddresses a = node(n);
        return HttpRequest.newBuilder(URI.create("http://" + a.host() + ":" + a.adminPort() + path))
                .timeout(timeout)
                .header("Authorization", "Bearer " + TestNodes.TOKEN)
                .build();
    }

    /** Resident memory of node {@code n}'s JVM from {@code /proc} (Linux), 0 when unknown. */
    long rssBytes(int n) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid(n)), "status")).stream()
                    .filter(l -> l.startsWith("VmRSS:"))
                    .map(l -> l.replaceAll("[^0-9]", ""))
                    .mapToLong(kb -> Long.parseLong(kb) * 1024)
                    .findFirst()
                    .orElse(0);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Kills every node still running (a test's end needs no graceful leave). */
    @Override
    public void close() {
        for (int n = 1; n <= processes.length; n++) {
            if (isAlive(n)) {
                killHard(n);
            }
        }
    }

    private Path configFile(int n) {
        return dir.resolve(nodeId(n) + ".conf");
    }

    String config(int n) {
        NodeAddresses a = node(n);
        String seeds = addresses.subList(0, Math.min(2, addresses.size())).stream()
                .map(s -> "\"" + s.host() + ":" + s.clusterPort() + "\"")
                .collect(Collectors.joining(", "));
        String contactPoints =
                storage.contactPoints().stream().map(c -> "\"" + c + "\"").collect(Collectors.joining(", "));
        StringBuilder users = new StringBuilder();
        for (int u = 1; u <= USERS; u++) {
            users.append("    { uri = \"sip:user")
                    .append(u)
                    .append('@')
                    .append(DOMAIN)
                    .append("\", password = \"user")
                    .append(u)
                    .append("-secret\", name = \"User ")
                    .append(u)
                    .append("\" }\n");
        }
        return """
                switchboard {
                  node { id = "%s", data-dir = "%s" }
                  cluster { host = "%s", port = %d, seed-nodes = [%s] }
                  sip { bind-address = "%s", udp-port = %d, tcp-port = %d, secret = "%s" }
                  admin { bind-address = "%s", port = %d, token = "%s" }
                  domains = ["%s"]
                  storage {
                    mode = external
                    keyspace = "%s"
                    replication = "%s"
                    consistency = %s
                    external { contact-points = [%s], local-dc = "%s" }
                  }
                  bootstrap-users = [
                %s  ]
                }
                """.formatted(
                        nodeId(n),
                        dir.resolve(nodeId(n) + "-data"),
                        a.host(),
                        a.clusterPort(),
                        seeds,
                        a.host(),
                        a.sipPort(),
                        a.sipPort(),
                        TestNodes.SECRET,
                        a.host(),
                        a.adminPort(),
                        TestNodes.TOKEN,
                        DOMAIN,
                        storage.keyspace(),
                        storage.replication(),
                        storage.consistency(),
                        contactPoints,
                        storage.localDc(),
                        users);
    }

    private void launch(int n) {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(
                javaBin,
                "-Xmx" + HEAP,
                "-Xms" + HEAP,
                // C1 only and one GC thread: a test node lives for a minute on a shared two-core machine,
                // so starting with little CPU beats peak throughput.
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-D" + EmbeddedCassandra.LIB_PROPERTY + "=" + EmbeddedCassandra.defaultLibDir()));
        command.addAll(jvmFlags);
        command.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                "io.switchboard.node.Main",
                "start",
                "--config",
                configFile(n).toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log(n).toFile()));
        builder.environment().keySet().removeAll(List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"));
        try {
            Files.writeString(
                    log(n),
                    "==== " + Instant.now() + " starting " + nodeId(n) + "\n",
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            processes[index(n)] = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + javaBin + " for " + nodeId(n), e);
        }
    }

    private void awaitAllReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        for (int n = 1; n <= processes.length; n++) {
            int node = n;
            waits.add(CompletableFuture.runAsync(() -> awaitReady(node, deadline)));
        }
        try {
            CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** Polls {@code /health/ready} until 200; fails with the log's tail if the node dies or takes too long. */
    void awaitReady(int n, long deadline) {
        String last = "no answer";
        while (System.nanoTime() - deadline < 0) {
            if (!isAlive(n)) {
                throw new IllegalStateException(
                        nodeId(n) + " exited with code " + processes[index(n)].exitValue() + "; log tail:\n" + tail(n));
            }
            try {
                last = adminGet(n, "/health/ready", Duration.ofSeconds(2));
                if (last.startsWith("200")) {
                    return;
                }
            } catch (IOException notListeningYet) {
                last = notListeningYet.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            pause(200);
        }
        throw new IllegalStateException(nodeId(n) + " not ready within " + READY_TIMEOUT + " (last answer: " + last
                + "); log tail:\n" + tail(n));
    }

    String tail(int n) {
        try {
            List<String> lines = Files.readAllLines(log(n));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private int index(int n) {
        if (n < 1 || n > processes.length) {
            throw new IllegalArgumentException("nodes are numbered 1.." + processes.length + ": " + n);
        }
        return n - 1;
    }

    private static void pause(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}

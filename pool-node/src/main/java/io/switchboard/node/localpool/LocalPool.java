package io.switchboard.node.localpool;

import io.switchboard.node.config.ConfigError;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.storage.EmbeddedCassandra;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/switchboard local-pool --nodes N}: a pool of N nodes on one machine for trying the
 * cluster out. Node n listens on its own loopback address 127.0.0.n (SIP UDP and TCP on 5060,
 * Pekko on 2551, admin API on port 8079+n); nodes 1 and 2 are the seeds; all share one embedded
 * Cassandra on 127.0.0.1 (data under {@code data/local-pool}). Each node runs in its own JVM (the
 * JAIN-SIP RI allows one stack per JVM) and exits when this launcher's pipe to its stdin closes,
 * so stopping the launcher in any way, {@code kill -9} included, stops the whole pool.
 */
public final class LocalPool {

    public static final int MAX_NODES = 5;
    public static final int DEFAULT_ADMIN_PORT = 8080;
    static final Duration NODE_START_TIMEOUT = Duration.ofSeconds(180);
    static final Duration NODE_STOP_TIMEOUT = Duration.ofSeconds(40);

    static final String USAGE = """
            usage: switchboard local-pool [--nodes N] [options]
              --nodes N              nodes to run, 1-5 (default 3); node n listens on 127.0.0.n
              --config FILE          domains, users, secret, token etc. for every node (default conf/switchboard.conf,
                                     else the built-in demo); addresses, ports and storage are set per node
              --data-dir DIR         node logs and configs, and Cassandra's data in DIR/cassandra (default data/local-pool)
              --sip-port P           SIP UDP and TCP port on every node's address (default 5060)
              --base-admin-port P    admin port of node 1; node n gets P+n-1 (default 8080)
              --cluster-port P       Pekko port on every node's address (default 2551)
              --cassandra-port P     CQL port of the shared Cassandra on 127.0.0.1 (default 9042; 0 = any free port)
              --node-heap SIZE       heap of each node JVM (default 512m)
            """;

    /** What to run. {@code config} may be null (the built-in demo). */
    record Options(
            int nodes,
            Path config,
            Path dataDir,
            int sipPort,
            int baseAdminPort,
            int clusterPort,
            int cassandraPort,
            String nodeHeap) {}

    private LocalPool() {}

    /** Node n's loopback address. */
    public static String address(int n) {
        return "127.0.0." + n;
    }

    /** Node n's admin API when node 1's admin port is {@code baseAdminPort}. */
    public static String adminUrl(int n, int baseAdminPort) {
        return "http://" + address(n) + ":" + (baseAdminPort + n - 1);
    }

    /** Runs the pool until this JVM is asked to stop; returns an exit code when the start fails. */
    public static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            err.print(e.getMessage() + "\n" + USAGE);
            return 2;
        }
        if (options == null) {
            out.print(USAGE);
            return 0;
        }
        String problem = checkAddresses(options);
        if (problem != null) {
            err.println(problem);
            return 2;
        }
        NodeConfig base;
        try {
            base = NodeConfig.load(options.config());
        } catch (ConfigError e) {
            err.println(e.getMessage());
            return 2;
        }
        Pool pool = new Pool(options, base, out, err);
        Thread stopper = new Thread(pool::stop, "local-pool-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        try {
            pool.start();
        } catch (RuntimeException e) {
            err.println("local-pool: " + e.getMessage());
            pool.stop();
            Runtime.getRuntime().removeShutdownHook(stopper);
            return 1;
        }
        new CountDownLatch(1).await(); // until Ctrl-C / SIGTERM runs the shutdown hook
        return 0;
    }

    /** Null for --help. */
    static Options parse(String[] args) {
        int nodes = 3;
        Path config = null;
        Path dataDir = Path.of("data", "local-pool");
        int sip = 5060;
        int admin = DEFAULT_ADMIN_PORT;
        int cluster = 2551;
        int cassandra = 9042;
        String heap = "512m";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("help")) {
                return null;
            }
            if (!a.startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException(
                        "local-pool: unexpected argument " + a + (a.startsWith("--") ? " (needs a value)" : ""));
            }
            String v = args[++i];
            switch (a) {
                case "--nodes" -> nodes = number(a, v, 1, MAX_NODES);
                case "--config" -> config = Path.of(v);
                case "--data-dir" -> dataDir = Path.of(v);
                case "--sip-port" -> sip = number(a, v, 1, 65535);
                case "--base-admin-port" -> admin = number(a, v, 1, 65535 - MAX_NODES);
                case "--cluster-port" -> cluster = number(a, v, 1, 65535);
                case "--cassandra-port" -> cassandra = number(a, v, 0, 65535);
                case "--node-heap" -> {
                    if (!v.matches("[1-9][0-9]*[mMgG]")) {
                        throw new IllegalArgumentException(
                                "local-pool: --node-heap must look like 512m or 1g, was " + v);
                    }
                    heap = v;
                }
                default -> throw new IllegalArgumentException("local-pool: unknown option " + a);
            }
        }
        if (sip == cluster) {
            throw new IllegalArgumentException("local-pool: --sip-port and --cluster-port must differ");
        }
        return new Options(nodes, config, dataDir.toAbsolutePath().normalize(), sip, admin, cluster, cassandra, heap);
    }

    private static int number(String option, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                "local-pool: " + option + " must be a number from " + min + " to " + max + ", was " + value);
    }

    /** Linux routes all of 127.0.0.0/8 to loopback; macOS needs an alias per address. */
    private static String checkAddresses(Options options) {
        for (int n = 1; n <= options.nodes(); n++) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getByName(address(n)), 0));
            } catch (IOException e) {
                return "local-pool: cannot listen on " + address(n) + " (" + e.getMessage() + "). On macOS add it "
                        + "first: sudo ifconfig lo0 alias " + address(n) + " up";
            }
        }
        return null;
    }

    /** The running pool: one Cassandra and N node processes. */
    static final class Pool {
        private final Options options;
        private final NodeConfig base;
        private final PrintStream out;
        private final PrintStream err;
        private final List<NodeProcess> nodes = new ArrayList<>();
        private EmbeddedCassandra cassandra;
        private volatile boolean stopping;

        Pool(Options options, NodeConfig base, PrintStream out, PrintStream err) {
            this.options = options;
            this.base = base;
            this.out = out;
            this.err = err;
        }

        void start() {
            try {
                Files.createDirectories(options.dataDir());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + options.dataDir(), e);
            }
            out.println("Starting Cassandra (data in " + options.dataDir().resolve("cassandra") + ") ...");
            cassandra = EmbeddedCassandra.start(
                    EmbeddedCassandra.Options.defaults(options.dataDir().resolve("cassandra"))
                            .withListenAddress("127.0.0.1")
                            .withNativePort(options.cassandraPort())
                            .withHeap(base.storage().embedded().heap()));
            for (int n = 1; n <= options.nodes(); n++) {
                Path conf = options.dataDir().resolve("node-" + n + ".conf");
                write(conf, NodeConfigs.forNode(n, options, cassandra.nativeAddress(), cassandra.localDc()));
                nodes.add(new NodeProcess(
                        n,
                        conf,
                        options.dataDir().resolve("node-" + n + ".log"),
                        adminUrl(n, options.baseAdminPort()),
                        options.nodeHeap()));
            }
            // Node 1 first: it is the first seed, the one that forms the cluster, and it applies the schema
            // before the others connect.
            out.println("Starting node-1 ...");
            nodes.get(0).start();
            nodes.get(0).awaitReady(NODE_START_TIMEOUT);
            if (nodes.size() > 1) {
                out.println("Starting node-2" + (nodes.size() > 2 ? " to node-" + nodes.size() : "") + " ...");
                for (NodeProcess p : nodes.subList(1, nodes.size())) {
                    p.start();
                }
                for (NodeProcess p : nodes.subList(1, nodes.size())) {
                    p.awaitReady(NODE_START_TIMEOUT);
                }
            }
            for (NodeProcess p : nodes) {
                p.process().onExit().thenAccept(ended -> {
                    if (!stopping) {
                        err.println("node-" + p.n() + " exited (code " + ended.exitValue() + "); its log: " + p.log());
                    }
                });
            }
            out.print(summary());
        }

        private String summary() {
            StringBuilder s = new StringBuilder();
            s.append("\nLocal pool of ")
                    .append(nodes.size())
                    .append(nodes.size() == 1 ? " node" : " nodes")
                    .append(" is up. Cassandra: ")
                    .append(cassandra.nativeAddress().getHostString())
                    .append(':')
                    .append(cassandra.nativeAddress().getPort())
                    .append(", keyspace ")
                    .append(base.storage().keyspace())
                    .append("\n\n");
            String format = "  %-7s %-26s %-24s %-18s %s%n";
            s.append(String.format(format, "NODE", "SIP (UDP+TCP)", "ADMIN", "CLUSTER", "LOG"));
            for (NodeProcess p : nodes) {
                s.append(String.format(
                        format,
                        "node-" + p.n(),
                        address(p.n()) + ":" + options.sipPort(),
                        p.adminUrl(),
                        address(p.n()) + ":" + options.clusterPort(),
                        p.log()));
            }
            s.append("\nDomains: ").append(String.join(", ", base.domains()));
            if (options.config() == null) {
                s.append(" (demo users alice, bob, carol; passwords alice-secret, bob-secret, carol-secret)");
            }
            if (options.baseAdminPort() == DEFAULT_ADMIN_PORT) {
                s.append("\nMembers and bindings:  bin/switchboard pool status            (asks node-1)")
                        .append("\n                       bin/switchboard pool status --node 2   (asks node-2)");
            } else {
                s.append("\nMembers and bindings:  bin/switchboard pool status --node ")
                        .append(address(1))
                        .append(':')
                        .append(options.baseAdminPort());
            }
            s.append("\nCtrl-C stops all nodes and Cassandra.\n");
            return s.toString();
        }

        /** Closes every node's stdin at once (each leaves the cluster and exits), then stops Cassandra. */
        synchronized void stop() {
            if (stopping) {
                return;
            }
            stopping = true;
            if (!nodes.isEmpty()) {
                out.println("Stopping " + nodes.size() + (nodes.size() == 1 ? " node" : " nodes") + " ...");
            }
            nodes.forEach(NodeProcess::requestStop);
            for (NodeProcess p : nodes) {
                p.awaitStopped(NODE_STOP_TIMEOUT);
            }
            if (cassandra != null) {
                out.println("Stopping Cassandra ...");
                cassandra.close();
            }
            out.println("Local pool stopped.");
        }

        private static void write(Path file, String text) {
            try {
                Files.writeString(file, text, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file, e);
            }
        }
    }

    /** One node JVM. */
    static final class NodeProcess {
        private static final HttpClient HTTP =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

        private final int n;
        private final Path conf;
        private final Path log;
        private final String adminUrl;
        private final String heap;
        private Process process;

        NodeProcess(int n, Path conf, Path log, String adminUrl, String heap) {
            this.n = n;
            this.conf = conf;
            this.log = log;
            this.adminUrl = adminUrl;
            this.heap = heap;
        }

        int n() {
            return n;
        }

        Path log() {
            return log;
        }

        String adminUrl() {
            return adminUrl;
        }

        Process process() {
            return process;
        }

        void start() {
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> command = List.of(
                    java,
                    "-Xms256m",
                    "-Xmx" + heap,
                    "-Xss512k",
                    "-cp",
                    System.getProperty("java.class.path"),
                    "io.switchboard.node.Main",
                    "start",
                    "--config",
                    conf.toString(),
                    "--exit-with-parent");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
            // stdin stays a pipe from us: the node exits when it closes (ParentLink), even if we are killed.
            builder.environment().keySet().removeAll(List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"));
            try {
                process = builder.start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot run " + java, e);
            }
        }

        /** Waits until the node answers /health/ready with 200 (an Up member with storage and SIP). */
        void awaitReady(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            HttpRequest ready = HttpRequest.newBuilder(URI.create(adminUrl + "/health/ready"))
                    .timeout(Duration.ofSeconds(2))
                    .build();
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("node-" + n + " exited with code " + process.exitValue()
                            + " before it was ready. Last lines of " + log + ":\n" + tail(log, 30));
                }
                try {
                    if (HTTP.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while node-" + n + " was starting", e);
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("node-" + n + " was not ready within " + timeout.toSeconds()
                            + " s (" + adminUrl + "/health/ready). Last lines of " + log + ":\n" + tail(log, 30));
                }
                try {
                    process.waitFor(250, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while node-" + n + " was starting", e);
                }
            }
        }

        void requestStop() {
            if (process == null) {
                return;
            }
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                // already closed: the node is on its way out
            }
        }

        void awaitStopped(Duration timeout) {
            if (process == null) {
                return;
            }
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }

        private static String tail(Path file, int lines) {
            try {
                List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
                return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
            } catch (IOException | UncheckedIOException e) {
                return "(cannot read: " + e.getMessage() + ")";
            }
        }
    }
}

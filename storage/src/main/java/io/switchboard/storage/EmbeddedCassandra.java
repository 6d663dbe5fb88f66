package io.switchboard.storage;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import io.switchboard.storage.cassandra.ParentWatchdog;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Cassandra 5.0 node in a forked Java 17 process, for tests and for a one-node pool without an
 * external cluster. Its jars come from {@code cassandra-server/target/lib} and never meet our class path.
 *
 * <p>Data lives in {@link Options#dataDir()} and survives restarts. The node dies with the JVM that started
 * it, even on {@code kill -9} (see {@link ParentWatchdog}); a shutdown hook stops it cleanly on a normal exit.
 * Several nodes may run at once (e.g. on 127.0.0.2 and 127.0.0.3 with the same ports and each other as
 * seeds, they form a ring).
 */
public final class EmbeddedCassandra implements AutoCloseable {

    public static final String LIB_PROPERTY = "switchboard.cassandra.lib";
    public static final String LIB_ENV = "SWITCHBOARD_CASSANDRA_LIB";

    /** Logged by Cassandra once the native transport accepts clients. */
    static final String READY_LINE = "Starting listening for CQL clients";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedCassandra.class);
    private static final Logger childLog = LoggerFactory.getLogger(EmbeddedCassandra.class.getName() + ".child");

    private static final int OUTPUT_LINES_KEPT = 200;
    private static final int OUTPUT_LINES_SHOWN = 40;
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration PREVIOUS_NODE_GRACE = Duration.ofSeconds(30);
    static final String LOCK_FILE = "cassandra.lock";

    /** Nodes the shutdown hook stops; also keeps each node's stdin pipe reachable (a collected pipe closes). */
    private static final Set<EmbeddedCassandra> RUNNING = ConcurrentHashMap.newKeySet();
    /** Data folders of nodes this JVM runs or is starting: one node per folder. */
    private static final Set<Path> DATA_DIRS_IN_USE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(EmbeddedCassandra::stopAll, "embedded-cassandra-stop"));
    }

    private final Options options;
    private final Process process;
    private final ChildOutput output;
    private final InetSocketAddress nativeAddress;
    private final int storagePort;
    private final String name;
    private boolean closed;

    private EmbeddedCassandra(Options options, Process process, ChildOutput output, NodePorts ports, String name) {
        this.options = options;
        this.process = process;
        this.output = output;
        this.nativeAddress = new InetSocketAddress(options.listenAddress(), ports.nativePort());
        this.storagePort = ports.storagePort();
        this.name = name;
    }

    /**
     * How to run a node. {@code libDir} and {@code java17} may be null (then {@link #defaultLibDir()} and the
     * Java 17 lookup apply); ports 0 mean "a free port", remembered in {@code dataDir/ports.properties} and
     * reused at the next start while free; empty {@code seeds} mean the node is its own seed.
     *
     * @param heap JVM heap, both -Xms and -Xmx, like {@code 768m} or {@code 1g}
     * @param seeds seed nodes as {@code host} or {@code host:port}; a ring needs the same list on each node
     * @param initialToken null, or the token of a founding ring member (see {@link #withInitialToken})
     * @param jvmFlags extra flags for the node's JVM (see {@link #withJvmFlags})
     * @param commandPrefix words before the node's command, e.g. to run it in a network namespace (see {@link
     *     #withCommandPrefix}); empty: none
     */
    public record Options(
            Path dataDir,
            Path libDir,
            String listenAddress,
            int nativePort,
            int storagePort,
            String heap,
            Path java17,
            String dc,
            String rack,
            Duration startupTimeout,
            List<String> seeds,
            String initialToken,
            List<String> jvmFlags,
            List<String> commandPrefix) {

        private static final Pattern HEAP = Pattern.compile("[1-9][0-9]*[kKmMgG]");
        private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");
        private static final Pattern SEED = Pattern.compile("[^\\s,'\"]+");
        private static final Pattern TOKEN = Pattern.compile("-?[0-9]{1,19}");

        public Options {
            Objects.requireNonNull(dataDir, "dataDir");
            dataDir = dataDir.toAbsolutePath().normalize();
            libDir = libDir == null ? null : libDir.toAbsolutePath().normalize();
            if (listenAddress == null || listenAddress.isBlank()) {
                throw new IllegalArgumentException("listenAddress must be an address such as 127.0.0.1");
            }
            requirePort(nativePort, "nativePort");
            requirePort(storagePort, "storagePort");
            if (nativePort != 0 && nativePort == storagePort) {
                throw new IllegalArgumentException("nativePort and storagePort must differ: " + nativePort);
            }
            if (heap == null || !HEAP.matcher(heap).matches()) {
                throw new IllegalArgumentException("heap must be a JVM size such as 512m or 1g: " + heap);
            }
            requireName(dc, "dc");
            requireName(rack, "rack");
            if (startupTimeout == null || startupTimeout.isNegative() || startupTimeout.isZero()) {
                throw new IllegalArgumentException("startupTimeout must be positive: " + startupTimeout);
            }
            seeds = seeds == null ? List.of() : List.copyOf(seeds);
            for (String seed : seeds) {
                if (!SEED.matcher(seed).matches()) {
                    throw new IllegalArgumentException("seed must be host or host:port: '" + seed + "'");
                }
            }
            jvmFlags = jvmFlags == null ? List.of() : List.copyOf(jvmFlags);
            for (String flag : jvmFlags) {
                if (!flag.startsWith("-")) {
                    throw new IllegalArgumentException("a JVM flag starts with '-': '" + flag + "'");
                }
            }
            commandPrefix = commandPrefix == null ? List.of() : List.copyOf(commandPrefix);
            if (!commandPrefix.isEmpty() && (nativePort == 0 || storagePort == 0)) {
                // this JVM cannot probe for free ports where the prefix runs the node (another network namespace)
                throw new IllegalArgumentException("a node run through a command prefix needs fixed ports");
            }
            if (initialToken != null && !TOKEN.matcher(initialToken).matches()) {
                throw new IllegalArgumentException(
                        "initialToken must be a Murmur3 token (a signed 64-bit integer): '" + initialToken + "'");
            }
        }

        /** Without seeds: the node is its own seed (a one-node cluster). */
        public Options(
                Path dataDir,
                Path libDir,
                String listenAddress,
                int nativePort,
                int storagePort,
                String heap,
                Path java17,
                String dc,
                String rack,
                Duration startupTimeout) {
            this(
                    dataDir,
                    libDir,
                    listenAddress,
                    nativePort,
                    storagePort,
                    heap,
                    java17,
                    dc,
                    rack,
                    startupTimeout,
                    List.of(),
                    null,
                    List.of(),
                    List.of());
        }

        /** One node on 127.0.0.1, free ports, 768m heap, dc1/rack1, 120 s to start. */
        public static Options defaults(Path dataDir) {
            return new Options(
                    dataDir,
                    null,
                    "127.0.0.1",
                    0,
                    0,
                    "768m",
                    null,
                    "dc1",
                    "rack1",
                    Duration.ofSeconds(120),
                    List.of(),
                    null,
                    List.of(),
                    List.of());
        }

        public Options withLibDir(Path value) {
            return new Options(
                    dataDir,
                    value,
                    listenAddress,
                    nativePort,
                    storagePort,
                    heap,
                    java17,
                    dc,
                    rack,
                    startupTimeout,
                    seeds,
                    initialToken,
                    jvmFlags,
                    commandPrefix);
        }

        public Options withListenAddress(String value) {
            return new Options(
                    dataDir,
                    libDir,
                    value,
                    nativePort,
                    storagePort,
                    heap,
                    java17,
                    dc,
                    rack,
                    startupTimeout,
                    seeds,
                    initialToken,
                    jvmFlags,
                    commandPrefix);
        }

        public Options withNativePort(int value) {
            return new Options(
                    dataDir,
                    libDir,
                    listenAddress,
                    value,
                    storagePort,
                    heap,
                    java17,
                    dc,
                    rack,
                    startupTimeout,
                    seeds,
                    initialToken,
                    jvmFlags,
                    commandPrefix);
        }

        public Options withStoragePort(int value) {
            return new Options(
                    dataDir,
                    libDir,
                    listenAddress,
                    nativePort,
                    value,
                    heap,
                    java17,
                    dc,
                    rack,
                    startupTimeout,
                    seeds,
                    initialToken,
                    jvmFlags,
                    commandPrefix);
        }

        public Options withHeap(String value) {
            return new Options(
                    dataDir,
                    libDir,
                    listenAddress,
                    nativePort,
                    storagePort,
                    value,
                    java17,
                    dc,
                    rack,
                    startupTimeout,
                    seeds,
                    initialToken,
                    jvmFlags,
                    commandPrefix);
        }

        public Options withJava17(Path value) {
            return new Options(
                    dataDir,
                    libDir,
                    listenAddress,
                    nativePort,
                    storagePort,
                    heap,
                    value,
                    dc,
                    rack,
                    startupTimeout,
                    seeds,
                    initialToken,
                    jvmFlags,
                    commandPrefix);
        }

        public Options withDc(String value) {
            return new Options(
                    dataDir,
                    libDir,
                    listenAddress,
                    nativePort,
                    storagePort,
                    heap,
                    java17,
                    value,
                    rack,
                    startupTimeout,
                    seeds,
                    initialToken,
                    jvmFlags,
                    commandPrefix);
        }

        public Options withRack(String value) {
            return new Options(
                    dataDir,
                    libDir,
                    listenAddress,
                    nativePort,
                    storagePort,
                    heap,
                    java17,
                    dc,
                    value,
                    startupTimeout,
                    seeds,
                    initialToken,
                    jvmFlags,
                    commandPrefix);
        }

        public Options withStartupTimeout(Duration value) {
            return new Options(
                    dataDir,
                    libDir,
                    listenAddress,
                    nativePort,
                    storagePort,
                    heap,
                    java17,
                    dc,
                    rack,
                    value,
                    seeds,
                    initialToken,
                    jvmFlags,
                    commandPrefix);
        }

        public Options withSeeds(List<String> value) {
            return new Options(
                    dataDir,
                    libDir,
                    listenAddress,
                    nativePort,
                    storagePort,
                    heap,
                    java17,
                    dc,
                    rack,
                    startupTimeout,
                    value,
                    initialToken,
                    jvmFlags,
                    commandPrefix);
        }

        /**
         * Makes the node a founding member of a new ring that owns {@code value} (null: Cassandra picks a
         * token and a node joining a ring streams its data first). A founding member does not bootstrap
         * ({@code auto_bootstrap: false}) and does not wait for gossip to settle, so all members of a new ring
         * start in parallel in seconds; only valid for nodes of a ring that holds no data yet, or restarts.
         */
        public Options withInitialToken(String value) {
            return new Options(
                    dataDir,
                    libDir,
                    listenAddress,
                    nativePort,
                    storagePort,
                    heap,
                    java17,
                    dc,
                    rack,
                    startupTimeout,
                    seeds,
                    value,
                    jvmFlags,
                    commandPrefix);
        }

        /**
         * JVM flags added after ours, e.g. {@code -XX:TieredStopAtLevel=1} for short-lived test nodes (a node
         * starts with less CPU when it compiles only with C1). Not for memory or GC flags: ours set those.
         */
        public Options withJvmFlags(List<String> value) {
            return new Options(
                    dataDir,
                    libDir,
                    listenAddress,
                    nativePort,
                    storagePort,
                    heap,
                    java17,
                    dc,
                    rack,
                    startupTimeout,
                    seeds,
                    initialToken,
                    value,
                    commandPrefix);
        }

        /**
         * Words put before the node's {@code java} command, e.g. {@code ["ip", "netns", "exec", "pool"]} to run it in
         * another network namespace (pool-node's BranchWanNamespacesTest), where its listen address is. The prefix
         * must exec the command (so the process this class starts is the node's JVM and closing its stdin still stops
         * it), and the ports must be fixed: this JVM cannot check whether a port is free in that namespace.
         */
        public Options withCommandPrefix(List<String> value) {
            return new Options(
                    dataDir,
                    libDir,
                    listenAddress,
                    nativePort,
                    storagePort,
                    heap,
                    java17,
                    dc,
                    rack,
                    startupTimeout,
                    seeds,
                    initialToken,
                    jvmFlags,
                    value);
        }

        /** The seeds the node is started with: {@link #seeds()}, or its own listen address. */
        public List<String> effectiveSeeds() {
            return seeds.isEmpty() ? List.of(listenAddress) : seeds;
        }

        private boolean ownSeedOnly() {
            return effectiveSeeds().equals(List.of(listenAddress));
        }

        private static void requirePort(int port, String what) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException(what + " must be 0 (free port) or 1..65535: " + port);
            }
        }

        private static void requireName(String value, String what) {
            if (value == null || !NAME.matcher(value).matches()) {
                throw new IllegalArgumentException(what + " must be letters, digits, '_', '.' or '-': " + value);
            }
        }
    }

    /**
     * Starts a node and returns once it answers CQL.
     *
     * @throws IllegalStateException if it does not start in time or exits first; the message quotes the
     *     last lines of its output, and the process is killed
     */
    public static EmbeddedCassandra start(Options options) {
        Path java = JavaLocator.java17(options.java17());
        Path lib = options.libDir() != null ? checkedLibDir(options.libDir(), "Options.libDir") : defaultLibDir();
        Path dataDir = options.dataDir();
        if (!DATA_DIRS_IN_USE.add(dataDir)) {
            throw new IllegalStateException("this JVM already runs a Cassandra node on " + dataDir);
        }
        try {
            Files.createDirectories(dataDir);
            awaitPreviousNodeGone(dataDir.resolve(LOCK_FILE), PREVIOUS_NODE_GRACE);
            NodePorts ports = options.commandPrefix().isEmpty()
                    ? NodePorts.choose(
                            dataDir, options.listenAddress(), options.nativePort(), options.storagePort(), false)
                    // elsewhere (another network namespace): the fixed ports as asked, unprobed
                    : new NodePorts(options.nativePort(), options.storagePort(), false);
            try {
                return launch(options, java, lib, ports);
            } catch (StartFailure e) {
                if (!(e.portClash && ports.autoChosen())) {
                    throw e;
                }
                // Another process took a port between our check and Cassandra's bind (parallel builds do that).
                log.info("A port chosen for {} was taken meanwhile; starting again on fresh ports", dataDir);
                ports = NodePorts.choose(
                        dataDir, options.listenAddress(), options.nativePort(), options.storagePort(), true);
                return launch(options, java, lib, ports);
            }
        } catch (IOException e) {
            DATA_DIRS_IN_USE.remove(dataDir);
            throw new UncheckedIOException("cannot prepare " + dataDir, e);
        } catch (RuntimeException | Error e) {
            DATA_DIRS_IN_USE.remove(dataDir);
            throw e;
        }
    }

    /**
     * The folder of Cassandra's jars: {@code -Dswitchboard.cassandra.lib}, else {@code
     * SWITCHBOARD_CASSANDRA_LIB}, else {@code cassandra-server/target/lib} under the working directory or its
     * parent (a module folder of this build).
     */
    public static Path defaultLibDir() {
        String property = System.getProperty(LIB_PROPERTY);
        if (property != null && !property.isBlank()) {
            return checkedLibDir(Path.of(property), "-D" + LIB_PROPERTY);
        }
        String env = System.getenv(LIB_ENV);
        if (env != null && !env.isBlank()) {
            return checkedLibDir(Path.of(env), LIB_ENV);
        }
        Path workingDir = Path.of("").toAbsolutePath();
        List<Path> bases =
                workingDir.getParent() == null ? List.of(workingDir) : List.of(workingDir, workingDir.getParent());
        for (Path base : bases) {
            Path candidate = base.resolve("cassandra-server").resolve("target").resolve("lib");
            if (hasCassandraJar(candidate)) {
                return candidate.normalize();
            }
        }
        throw new IllegalStateException("Cassandra server jars not found: no cassandra-server/target/lib under "
                + workingDir
                + " or its parent. Build them with `mvn package` (or `mvn -pl cassandra-server package`), or set -D"
                + LIB_PROPERTY + " or " + LIB_ENV + " to a folder holding cassandra-all-*.jar and its dependencies.");
    }

    /** Where clients connect: the listen address and the native transport port. */
    public InetSocketAddress nativeAddress() {
        return nativeAddress;
    }

    public int storagePort() {
        return storagePort;
    }

    public String localDc() {
        return options.dc();
    }

    public long pid() {
        return process.pid();
    }

    public Path dataDir() {
        return options.dataDir();
    }

    public Options options() {
        return options;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Stops the node: closes its stdin, which makes it drain and exit; kills it if it takes longer than 30 s.
     * Idempotent; a second caller waits for the first.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            requestStop();
            if (process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.info("Cassandra {} stopped (exit code {})", name, process.exitValue());
            } else {
                log.warn("Cassandra {} did not stop within {}; killing it", name, STOP_TIMEOUT);
                kill();
            }
        } catch (InterruptedException e) {
            kill();
            Thread.currentThread().interrupt();
        } finally {
            RUNNING.remove(this);
            DATA_DIRS_IN_USE.remove(options.dataDir());
        }
    }

    @Override
    public String toString() {
        return "EmbeddedCassandra[" + name + ", pid " + process.pid() + ", " + options.dataDir() + "]";
    }

    private static EmbeddedCassandra launch(Options options, Path java, Path lib, NodePorts ports) {
        Path dataDir = options.dataDir();
        NodeConfigFiles files = NodeConfigFiles.write(
                dataDir,
                options.listenAddress(),
                options.effectiveSeeds(),
                ports,
                options.dc(),
                options.rack(),
                options.initialToken());
        List<String> command = command(options, java, classPath(installWatchdog(dataDir), lib), files);
        ProcessBuilder builder =
                new ProcessBuilder(command).directory(dataDir.toFile()).redirectErrorStream(true);
        // The node's JVM flags are ours alone: agents or options meant for the parent JVM must not leak in.
        builder.environment().keySet().removeAll(List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"));
        String name = options.listenAddress() + ":" + ports.nativePort();
        long started = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + java, e);
        }
        ChildOutput output = ChildOutput.pump(
                process.getInputStream(), "cassandra-" + name, READY_LINE, OUTPUT_LINES_KEPT, childLog);
        EmbeddedCassandra node = new EmbeddedCassandra(options, process, output, ports, name);
        RUNNING.add(node);
        try {
            String version = node.awaitReady(started + options.startupTimeout().toNanos());
            log.info(
                    "Cassandra {} {} ready in {} ms (pid {}, {}/{}, storage port {}, data in {})",
                    version,
                    name,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                    process.pid(),
                    options.dc(),
                    options.rack(),
                    ports.storagePort(),
                    dataDir);
            return node;
        } catch (RuntimeException | Error e) {
            node.kill();
            RUNNING.remove(node);
            throw e;
        }
    }

    /**
     * What Cassandra's {@code conf/jvm17-server.options} sets (G1, the full module flag set, Netty
     * properties), plus a few opens other 5.0 releases list: a missing one only fails deep inside a feature.
     */
    private static final List<String> JVM17_FLAGS = List.of(
            "-XX:+UseG1GC",
            "-XX:+ParallelRefProcEnabled",
            "-XX:MaxTenuringThreshold=1",
            "-XX:G1RSetUpdatingPauseTimePercent=5",
            "-XX:MaxGCPauseMillis=300",
            "-XX:InitiatingHeapOccupancyPercent=70",
            // After an OutOfMemoryError the node's state is undefined: exit rather than risk corrupt data.
            "-XX:+ExitOnOutOfMemoryError",
            "-Djdk.attach.allowAttachSelf=true",
            "--add-exports",
            "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports",
            "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-exports",
            "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-exports",
            "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
            "--add-exports",
            "java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports",
            "java.rmi/sun.rmi.server=ALL-UNNAMED",
            "--add-exports",
            "java.sql/java.sql=ALL-UNNAMED",
            "--add-exports",
            "java.base/java.lang.ref=ALL-UNNAMED",
            "--add-exports",
            "jdk.unsupported/sun.misc=ALL-UNNAMED",
            "--add-exports",
            "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-exports",
            "jdk.attach/sun.tools.attach=ALL-UNNAMED",
            "--add-opens",
            "java.base/java.lang.module=ALL-UNNAMED",
            "--add-opens",
            "java.base/jdk.internal.loader=ALL-UNNAMED",
            "--add-opens",
            "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens",
            "java.base/jdk.internal.reflect=ALL-UNNAMED",
            "--add-opens",
            "java.base/jdk.internal.math=ALL-UNNAMED",
            "--add-opens",
            "java.base/jdk.internal.module=ALL-UNNAMED",
            "--add-opens",
            "java.base/jdk.internal.util.jar=ALL-UNNAMED",
            "--add-opens",
            "jdk.management/com.sun.management.internal=ALL-UNNAMED",
            "--add-opens",
            "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens",
            "java.base/java.io=ALL-UNNAMED",
            "--add-opens",
            "java.base/java.nio=ALL-UNNAMED",
            "--add-opens",
            "java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens",
            "jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
            "--add-opens",
            "java.base/java.lang=ALL-UNNAMED",
            "--add-opens",
            "java.base/java.util=ALL-UNNAMED",
            "--add-opens",
            "java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens",
            "java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens",
            "java.base/java.net=ALL-UNNAMED",
            "-Dio.netty.tryReflectionSetAccessible=true",
            "-Dio.netty.allocator.useCacheForAllThreads=true",
            "-Dio.netty.allocator.maxOrder=11");

    private static List<String> command(Options options, Path java, String classPath, NodeConfigFiles files) {
        Path dataDir = options.dataDir();
        List<String> command = new ArrayList<>(options.commandPrefix());
        command.add(java.toString());
        command.add("-Xms" + options.heap());
        command.add("-Xmx" + options.heap());
        command.addAll(JVM17_FLAGS);
        command.addAll(options.jvmFlags());
        command.add("-Dcassandra.config=" + files.yaml.toUri());
        command.add("-Dcassandra-rackdc.properties=" + files.rackdc.toUri());
        command.add("-Dcassandra-foreground=yes");
        command.add("-Dcassandra.storagedir=" + dataDir);
        command.add("-Dcassandra.logdir=" + files.logs);
        command.add("-Dcassandra.triggers_dir=" + files.triggers);
        command.add("-Dlogback.configurationFile=" + files.logback);
        command.add("-D" + ParentWatchdog.LOCK_FILE_PROPERTY + "=" + dataDir.resolve(LOCK_FILE));
        // No JMX: it would need a port per node, and nothing here uses nodetool.
        if (options.ownSeedOnly()) {
            // A lone node has nobody to gossip with: waiting for gossip to settle (~5 s per start) and
            // announcing its shutdown to peers (2 s per stop) would only cost time.
            command.add("-Dcassandra.skip_wait_for_gossip_to_settle=0");
            command.add("-Dcassandra.shutdown_announce_in_ms=0");
        } else if (options.initialToken() != null) {
            // A founding member owns its token from the start and streams nothing, so it need not wait for
            // gossip to settle before serving; whoever needs the whole ring up waits for that itself.
            command.add("-Dcassandra.skip_wait_for_gossip_to_settle=0");
        }
        command.add("-cp");
        command.add(classPath);
        command.add(ParentWatchdog.class.getName());
        return command;
    }

    /**
     * The watchdog class alone, copied to {@code dataDir/launcher}: putting its code source on the child's
     * class path instead would also bring our driver's netty and guava whenever we run from a fat jar.
     */
    private static Path installWatchdog(Path dataDir) {
        Path launcher = dataDir.resolve("launcher");
        String resource = ParentWatchdog.class.getName().replace('.', '/') + ".class";
        Path target = launcher.resolve(resource);
        try (InputStream in = ParentWatchdog.class.getResourceAsStream("ParentWatchdog.class")) {
            if (in == null) {
                throw new IllegalStateException("cannot read " + resource + " from the class path");
            }
            Files.createDirectories(target.getParent());
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
        return launcher;
    }

    private static String classPath(Path launcher, Path lib) {
        List<String> entries = new ArrayList<>();
        entries.add(launcher.toString());
        try (Stream<Path> jars = Files.list(lib)) {
            jars.filter(jar -> jar.getFileName().toString().endsWith(".jar"))
                    .map(Path::toString)
                    .sorted()
                    .forEach(entries::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + lib, e);
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static Path checkedLibDir(Path lib, String source) {
        if (!hasCassandraJar(lib)) {
            throw new IllegalStateException(source + " points to " + lib + ", which holds no cassandra-all-*.jar. "
                    + "Build it with `mvn package` (or `mvn -pl cassandra-server package`).");
        }
        return lib.toAbsolutePath().normalize();
    }

    private static boolean hasCassandraJar(Path lib) {
        if (!Files.isDirectory(lib)) {
            return false;
        }
        try (Stream<Path> files = Files.list(lib)) {
            return files.anyMatch(f -> f.getFileName().toString().matches("cassandra-all-.*\\.jar"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + lib, e);
        }
    }

    /**
     * A node of an earlier, crashed parent may still be draining on this folder (it holds the lock file until
     * it exits). Give it a moment rather than failing the start of its successor.
     */
    private static void awaitPreviousNodeGone(Path lockFile, Duration grace) throws IOException {
        long deadline = System.nanoTime() + grace.toNanos();
        while (true) {
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = channel.tryLock()) {
                if (lock != null) {
                    return;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("another Cassandra process still uses " + lockFile.getParent() + " ("
                        + lockFile + " is locked)");
            }
            pause(200);
        }
    }

    /** Waits for the readiness line, then for a CQL answer; returns the node's release version. */
    private String awaitReady(long deadline) {
        try {
            CompletableFuture.anyOf(output.markerSeen(), process.onExit())
                    .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw failure("did not start within " + options.startupTimeout());
        } catch (ExecutionException e) {
            // the output ended, so the process is exiting: reported just below
            log.debug("output of {} ended before it was ready", name);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure("start interrupted");
        }
        if (!process.isAlive() || output.markerSeen().isCompletedExceptionally()) {
            throw exitedFailure();
        }
        while (true) {
            try {
                return releaseVersion();
            } catch (DriverException e) {
                if (!process.isAlive()) {
                    throw exitedFailure();
                }
                if (System.nanoTime() - deadline > 0) {
                    throw failure(
                            "printed '" + READY_LINE + "' but does not answer CQL on " + nativeAddress + ": " + e);
                }
                log.debug("{} does not answer CQL yet: {}", name, e.toString());
                pause(250);
            }
        }
    }

    /** A throw-away session without schema or token metadata: the cheapest real CQL round trip. */
    private String releaseVersion() {
        long started = System.nanoTime();
        ClassLoader classLoader = CassandraSessions.classLoader();
        DriverConfigLoader config = DriverConfigLoader.programmaticBuilder(classLoader)
                .withString(DefaultDriverOption.SESSION_NAME, "cassandra-probe")
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(5))
                .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(5))
                .withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, Duration.ofSeconds(5))
                .withBoolean(DefaultDriverOption.METADATA_SCHEMA_ENABLED, false)
                .withBoolean(DefaultDriverOption.METADATA_TOKEN_MAP_ENABLED, false)
                .withInt(DefaultDriverOption.NETTY_IO_SHUTDOWN_QUIET_PERIOD, 0)
                .withInt(DefaultDriverOption.NETTY_ADMIN_SHUTDOWN_QUIET_PERIOD, 0)
                .build();
        try (CqlSession probe = CqlSession.builder()
                .withClassLoader(classLoader)
                .addContactPoint(nativeAddress)
                .withLocalDatacenter(options.dc())
                .withConfigLoader(config)
                .build()) {
            Row row = probe.execute("SELECT release_version FROM system.local").one();
            log.debug("{} answered CQL in {} ms", name, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return row == null ? "(unknown version)" : row.getString("release_version");
        }
    }

    private StartFailure exitedFailure() {
        // Let the pump read the last lines the process wrote before quoting them.
        try {
            process.waitFor(KILL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            output.markerSeen().handle((line, error) -> line).get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.debug("output of {} still open after exit", name, e);
        }
        String code = process.isAlive() ? "(still running)" : Integer.toString(process.exitValue());
        return failure("exited with code " + code + " before it was ready");
    }

    private StartFailure failure(String what) {
        StringBuilder message = new StringBuilder()
                .append("Cassandra ")
                .append(name)
                .append(" (pid ")
                .append(process.pid())
                .append(", data in ")
                .append(options.dataDir())
                .append(") ")
                .append(what)
                .append(". Last lines of its output (full log in ")
                .append(options.dataDir().resolve("logs").resolve("system.log"))
                .append("):");
        for (String line : output.tail(OUTPUT_LINES_SHOWN)) {
            message.append(System.lineSeparator()).append("  ").append(line);
        }
        return new StartFailure(message.toString(), output.contains("Address already in use"));
    }

    private void requestStop() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            log.debug("stdin of {} already closed: {}", name, e.toString());
        }
    }

    private void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(KILL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("Cassandra {} (pid {}) survived a kill for {}", name, process.pid(), KILL_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Kills the node's process with SIGKILL, as a crash would (no drain, no flush, no goodbye to its peers),
     * and waits until it is gone. For failure tests; a later {@link #start} on the same options restarts it.
     */
    public synchronized void killForcibly() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            kill();
            log.info("Cassandra {} (pid {}) killed with SIGKILL", name, process.pid());
        } finally {
            RUNNING.remove(this);
            DATA_DIRS_IN_USE.remove(options.dataDir());
        }
    }

    /** At JVM exit: ask every node to stop at once, then wait for each. */
    private static void stopAll() {
        List<EmbeddedCassandra> nodes = List.copyOf(RUNNING);
        nodes.forEach(EmbeddedCassandra::requestStop);
        nodes.forEach(EmbeddedCassandra::close);
    }

    private static void pause(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** A failed start; {@code portClash} when the node could not bind a port. */
    private static final class StartFailure extends IllegalStateException {
        private static final long serialVersionUID = 1L;
        final transient boolean portClash;

        StartFailure(String message, boolean portClash) {
            super(message);
            this.portClash = portClash;
        }
    }
}

package io.switchboard.storage.testing;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.metadata.NodeState;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.CassandraSettings;
import io.switchboard.storage.EmbeddedCassandra;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Cassandra ring of three nodes (RF 3 possible) on 127.0.0.11, 127.0.0.12 and 127.0.0.13, for
 * failure tests: kill one node with SIGKILL, restart it, and check what clients saw.
 *
 * <pre>{@code
 * try (CassandraRing ring = CassandraRing.start(tempDir)) {
 *   CqlSession s = CassandraSessions.connect(ring.settings("my_test"));   // RF 3, LOCAL_QUORUM
 *   ring.kill(2);      // node 2 (127.0.0.12) dies as in a crash
 *   ring.restart(2);   // returns once every node sees every other as up again
 * }
 * }</pre>
 *
 * <p>Nodes are numbered from 1. They are founding members with evenly spread tokens (no bootstrap), so all
 * three start in parallel. The addresses differ from {@link TestCassandra}'s 127.0.0.1 and from the
 * 127.0.0.1-3 of a local pool; the storage and native ports are chosen free on all three addresses, so two
 * rings on one machine (parallel builds) form two clusters and never one.
 */
public final class CassandraRing implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CassandraRing.class);

    public static final String DC = "dc1";
    /** Each node's heap: tests hold little data, and three nodes share the machine with the pool. */
    public static final String HEAP = "384m";

    private static final String CHECK_KEYSPACE = "switchboard_ring_check";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration UP_TIMEOUT = Duration.ofSeconds(90);

    private final List<EmbeddedCassandra.Options> options;
    private final EmbeddedCassandra[] nodes;
    private volatile Duration startTime = Duration.ZERO;

    private CassandraRing(List<EmbeddedCassandra.Options> options, EmbeddedCassandra[] nodes) {
        this.options = options;
        this.nodes = nodes;
    }

    /**
     * One cluster of several data centers, node {@code n} in {@code dcs.get(n - 1)} (GossipingPropertyFileSnitch
     * reads it from the node's cassandra-rackdc.properties): e.g. {@code ["pool", "ams"]} for a pool's DC and a
     * branch site's (README, "Sites and branches"). Addresses, ports, seeds and tokens as for {@link #start(Path,
     * int, String)}; every node is a seed, so neither DC waits for the other to start.
     */
    public static CassandraRing startDataCenters(Path dir, List<String> dcs, String heap) {
        return start(dir, dcs.size(), heap, List.copyOf(dcs));
    }

    /** Starts three nodes with {@link #HEAP} heaps under {@code dir} (empty or missing) and waits until all are up. */
    public static CassandraRing start(Path dir) {
        return start(dir, 3, HEAP);
    }

    /**
     * Starts {@code size} nodes (at most 9) on 127.0.0.11.. under {@code dir/node-N}, all in parallel, and
     * returns once every node sees every other one as up.
     */
    public static CassandraRing start(Path dir, int size, String heap) {
        return start(dir, size, heap, java.util.Collections.nCopies(size, DC));
    }

    /**
     * Where one node of {@link #startPlaced} runs: its data center, its listen address, and the words before its
     * command ({@link EmbeddedCassandra.Options#withCommandPrefix}), e.g. {@code ["ip", "netns", "exec", "pool"]}
     * for a node in a network namespace that holds {@code address}.
     */
    public record Placement(String dc, String address, List<String> commandPrefix) {}

    /**
     * A ring whose nodes run where {@code placements} say (node {@code n} as {@code placements.get(n - 1)}), on
     * the given fixed ports (this JVM cannot check ports in another network namespace): e.g. a pool's DC and a
     * branch's DC in two namespaces joined by a veth pair, the WAN (pool-node's BranchWanNamespacesTest). This JVM
     * must reach every address (the native port, to check the ring is up).
     */
    public static CassandraRing startPlaced(
            Path dir, List<Placement> placements, String heap, int storagePort, int nativePort) {
        return start(
                dir,
                heap,
                placements.stream().map(Placement::dc).toList(),
                placements.stream().map(Placement::address).toList(),
                placements.stream().map(Placement::commandPrefix).toList(),
                storagePort,
                nativePort);
    }

    private static CassandraRing start(Path dir, int size, String heap, List<String> dcs) {
        if (size < 1 || size > 9) {
            throw new IllegalArgumentException("a test ring has 1 to 9 nodes: " + size);
        }
        List<String> addresses = new ArrayList<>();
        for (int n = 1; n <= size; n++) {
            addresses.add(address(n));
        }
        int storagePort = TestPorts.any();
        int nativePort = TestPorts.any();
        return start(
                dir, heap, dcs, addresses, java.util.Collections.nCopies(size, List.of()), storagePort, nativePort);
    }

    private static CassandraRing start(
            Path dir,
            String heap,
            List<String> dcs,
            List<String> addresses,
            List<List<String>> prefixes,
            int storagePort,
            int nativePort) {
        int size = addresses.size();
        if (size < 1 || size > 9) {
            throw new IllegalArgumentException("a test ring has 1 to 9 nodes: " + size);
        }
        requireEmpty(dir.toAbsolutePath());
        List<String> seeds = addresses.stream().map(a -> a + ":" + storagePort).toList();
        List<EmbeddedCassandra.Options> options = new ArrayList<>();
        for (int n = 1; n <= size; n++) {
            options.add(EmbeddedCassandra.Options.defaults(dir.toAbsolutePath().resolve("node-" + n))
                    .withListenAddress(addresses.get(n - 1))
                    .withNativePort(nativePort)
                    .withStoragePort(storagePort)
                    .withCommandPrefix(prefixes.get(n - 1))
                    .withHeap(heap)
                    .withDc(dcs.get(n - 1))
                    .withRack("rack" + n)
                    .withSeeds(seeds)
                    .withInitialToken(token(n - 1, size))
                    // C1 only: a test node lives for minutes, so compiling fast beats compiling well (less CPU to
                    // start).
                    .withJvmFlags(List.of("-XX:TieredStopAtLevel=1"))
                    .withStartupTimeout(START_TIMEOUT));
        }
        long started = System.nanoTime();
        EmbeddedCassandra[] nodes = new EmbeddedCassandra[size];
        ExecutorService starter = Executors.newFixedThreadPool(size, r -> {
            Thread t = new Thread(r, "cassandra-ring-start");
            t.setDaemon(true);
            return t;
        });
        try {
            List<CompletableFuture<Void>> starts = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                int index = i;
                starts.add(CompletableFuture.runAsync(
                        () -> nodes[index] = EmbeddedCassandra.start(options.get(index)), starter));
            }
            CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            for (EmbeddedCassandra node : nodes) {
                if (node != null) {
                    node.killForcibly();
                }
            }
            throw e.getCause() instanceof RuntimeException r ? r : e;
        } finally {
            starter.shutdown();
        }
        CassandraRing ring = new CassandraRing(List.copyOf(options), nodes);
        try {
            ring.awaitAllUp(UP_TIMEOUT);
        } catch (RuntimeException | Error e) {
            ring.close();
            throw e;
        }
        ring.startTime = Duration.ofNanos(System.nanoTime() - started);
        log.info(
                "Cassandra ring of {} up in {} ms (storage port {}, native port {}, RSS {} MiB, CPU {} s)",
                size,
                ring.startTime.toMillis(),
                storagePort,
                nativePort,
                ring.totalRssBytes() >> 20,
                ring.totalCpuTime().toMillis() / 1000.0);
        return ring;
    }

    /**
     * {@link #start(Path)} on {@code dir} after deleting it: for a ring whose data and logs should stay in
     * {@code target/} for a look after the test (like {@link TestCassandra}'s).
     */
    public static CassandraRing startWiped(Path dir) {
        Path absolute = dir.toAbsolutePath();
        if (Files.exists(absolute)) {
            try (Stream<Path> paths = Files.walk(absolute)) {
                for (Path path :
                        paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot wipe " + absolute, e);
            }
        }
        return start(absolute);
    }

    /** The listen address of node {@code n} (from 1). */
    public static String address(int n) {
        return "127.0.0.1" + n;
    }

    public int size() {
        return nodes.length;
    }

    /** From the first start until every node saw every other one as up. */
    public Duration startTime() {
        return startTime;
    }

    /** Node {@code n} (from 1); after {@link #kill} it is the dead one until {@link #restart}. */
    public EmbeddedCassandra node(int n) {
        return nodes[index(n)];
    }

    public InetSocketAddress nativeAddress(int n) {
        return new InetSocketAddress(
                options.get(index(n)).listenAddress(), options.get(index(n)).nativePort());
    }

    /**
     * The storage (internode) port, the same on every node: what a test drops to cut the ring between data
     * centers, as a WAN outage between a pool and a branch would (pool-node's {@code WanCut}).
     */
    public int storagePort() {
        return options.get(0).storagePort();
    }

    /** Every node's native address, for a driver's contact points. */
    public List<InetSocketAddress> contactPoints() {
        List<InetSocketAddress> points = new ArrayList<>();
        for (int n = 1; n <= nodes.length; n++) {
            points.add(nativeAddress(n));
        }
        return points;
    }

    /** {@code host:port} of every node, as pool configuration lists contact points. */
    public List<String> contactPointStrings() {
        return contactPoints().stream()
                .map(a -> a.getHostString() + ":" + a.getPort())
                .toList();
    }

    /** Node 1's data center. */
    public String localDc() {
        return dc(1);
    }

    /** The data center of node {@code n} (from 1). */
    public String dc(int n) {
        return options.get(index(n)).dc();
    }

    /** The replication of a keyspace that has a copy on every node of the ring (in every DC). */
    public String replication() {
        Map<String, Integer> perDc = new java.util.TreeMap<>();
        for (EmbeddedCassandra.Options o : options) {
            perDc.merge(o.dc(), 1, Integer::sum);
        }
        return CassandraSettings.networkTopology(perDc);
    }

    /**
     * Settings for a client in data center {@code dc}: its nodes are the contact points and its local DC (so
     * the driver coordinates only there, as a site's node does), {@code keyspace} created with {@code
     * replication} if missing.
     */
    public CassandraSettings settingsIn(String dc, String keyspace, String replication, ConsistencyLevel consistency) {
        List<InetSocketAddress> points = new ArrayList<>();
        for (int n = 1; n <= nodes.length; n++) {
            if (dc(n).equals(dc)) {
                points.add(nativeAddress(n));
            }
        }
        if (points.isEmpty()) {
            throw new IllegalArgumentException("no node of the ring is in data center " + dc);
        }
        return new CassandraSettings(points, dc, keyspace, replication, consistency);
    }

    /** Settings for {@code keyspace} replicated to every node, LOCAL_QUORUM as in a pool. */
    public CassandraSettings settings(String keyspace) {
        return settings(keyspace, DefaultConsistencyLevel.LOCAL_QUORUM);
    }

    public CassandraSettings settings(String keyspace, ConsistencyLevel consistency) {
        return new CassandraSettings(contactPoints(), localDc(), keyspace, replication(), consistency);
    }

    /** SIGKILL to node {@code n}'s process, as a crash; returns once it is gone. */
    public synchronized void kill(int n) {
        nodes[index(n)].killForcibly();
    }

    /** Starts node {@code n} again on its data (after {@link #kill}) and waits until the whole ring sees it up. */
    public void restart(int n) {
        synchronized (this) {
            EmbeddedCassandra old = nodes[index(n)];
            if (old.isAlive()) {
                throw new IllegalStateException("node " + n + " still runs: kill it first");
            }
            nodes[index(n)] = EmbeddedCassandra.start(options.get(index(n)));
        }
        awaitAllUp(UP_TIMEOUT);
    }

    /**
     * Returns once every live node, as coordinator, can write at consistency ALL to a keyspace replicated to
     * every node: that needs each node to see each other one as up and to reach it. Node states in the
     * driver's metadata or in {@code system.peers_v2} would only say what one node or the client believes.
     */
    public void awaitAllUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        // The driver connects only to its local DC's nodes: one check session per data center.
        for (String dc : new java.util.TreeSet<>(
                options.stream().map(EmbeddedCassandra.Options::dc).toList())) {
            CassandraSettings check = settingsIn(dc, CHECK_KEYSPACE, replication(), DefaultConsistencyLevel.ALL);
            try (CqlSession session = connectWithin(check, deadline)) {
                session.execute(SimpleStatement.newInstance(
                                "CREATE TABLE IF NOT EXISTS probe (coordinator text PRIMARY KEY, at timestamp)")
                        .setTimeout(Duration.ofSeconds(30)));
                CassandraSessions.awaitSchemaAgreement(session, Duration.ofSeconds(30));
                for (int n = 1; n <= nodes.length; n++) {
                    if (dc(n).equals(dc)) {
                        awaitCoordinatesAtAll(session, n, deadline);
                    }
                }
            }
        }
    }

    private CqlSession connectWithin(CassandraSettings settings, long deadline) {
        while (true) {
            try {
                return CassandraSessions.connect(settings);
            } catch (DriverException | IllegalStateException | CompletionException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("cannot connect to the ring " + contactPoints(), e);
                }
                log.debug("ring not ready for a session yet: {}", e.toString());
                pause(500);
            }
        }
    }

    private void awaitCoordinatesAtAll(CqlSession session, int n, long deadline) {
        InetSocketAddress target = nativeAddress(n);
        DriverException last = null;
        while (System.nanoTime() - deadline < 0) {
            Optional<Node> node = driverNode(session, target);
            if (node.isPresent()) {
                try {
                    session.execute(SimpleStatement.newInstance(
                                    "INSERT INTO probe (coordinator, at) VALUES (?, toTimestamp(now()))",
                                    options.get(index(n)).listenAddress())
                            .setNode(node.get())
                            .setTimeout(Duration.ofSeconds(5)));
                    return;
                } catch (DriverException e) {
                    last = e;
                    log.debug("node {} cannot coordinate a write at ALL yet: {}", n, e.toString());
                }
            }
            pause(250);
        }
        throw new IllegalStateException("node " + n + " (" + target + ") did not see the whole ring up within "
                + UP_TIMEOUT + (last == null ? " (the driver never listed it)" : ": " + last));
    }

    /**
     * Returns node {@code n} as {@code session} knows it, once that session has reconnected to it: the driver
     * lists it UP with an open connection, and a read sent to that node alone answers. {@link #restart} waits only
     * for the ring itself; a session opened before the kill reconnects on its own schedule (its reconnection policy
     * backs off while the node is down), and until it has, a statement pinned to the node with {@code setNode}
     * fails with {@code NodeUnavailableException: No connection was available}.
     */
    public Node awaitReconnected(CqlSession session, int n, Duration timeout) {
        InetSocketAddress target = nativeAddress(n);
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "the driver does not list it";
        while (true) {
            Optional<Node> node = driverNode(session, target);
            if (node.isPresent()) {
                Node known = node.get();
                if (known.getState() != NodeState.UP || known.getOpenConnections() == 0) {
                    last = "state " + known.getState() + ", " + known.getOpenConnections() + " open connections";
                } else {
                    try {
                        session.execute(SimpleStatement.newInstance("SELECT release_version FROM system.local")
                                .setNode(known)
                                .setTimeout(Duration.ofSeconds(5)));
                        return known;
                    } catch (DriverException e) {
                        last = "a read through it failed: " + e;
                    }
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the session did not reconnect to node " + n + " (" + target
                        + ") within " + timeout + "; last seen: " + last);
            }
            pause(200);
        }
    }

    /** The driver's view of the node whose native transport listens on {@code target}, if it lists one. */
    private static Optional<Node> driverNode(CqlSession session, InetSocketAddress target) {
        return session.getMetadata().getNodes().values().stream()
                .filter(candidate -> candidate.getEndPoint().resolve() instanceof InetSocketAddress a
                        && a.getAddress().equals(target.getAddress())
                        && a.getPort() == target.getPort())
                .findFirst();
    }

    /**
     * Resident memory of all live nodes together, from {@code /proc/PID/status} (Linux); 0 where unknown.
     */
    public long totalRssBytes() {
        long total = 0;
        for (EmbeddedCassandra node : nodes) {
            if (node != null && node.isAlive()) {
                total += rssBytes(node.pid());
            }
        }
        return total;
    }

    /**
     * CPU time (user + system) all live nodes have used so far, from {@code /proc/PID/stat} (Linux); zero where
     * unknown. Unlike wall time it does not depend on what else the machine runs.
     */
    public Duration totalCpuTime() {
        long ticks = 0;
        for (EmbeddedCassandra node : nodes) {
            if (node != null && node.isAlive()) {
                ticks += cpuTicks(node.pid());
            }
        }
        return Duration.ofMillis(ticks * 1000 / CLOCK_TICKS_PER_SECOND);
    }

    /** USER_HZ: 100 on every Linux this runs on (sysconf(_SC_CLK_TCK) is not reachable from Java). */
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    private static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // Fields after the command name (which may hold spaces, so skip past its closing parenthesis):
            // state is field 3, utime field 14, stime field 15.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static long rssBytes(long pid) {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        try (Stream<String> lines = Files.lines(status)) {
            return lines.filter(l -> l.startsWith("VmRSS:"))
                    .map(l -> l.replaceAll("[^0-9]", ""))
                    .mapToLong(kb -> Long.parseLong(kb) * 1024)
                    .findFirst()
                    .orElse(0);
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    /** Stops every live node (in parallel: each drains for a moment). */
    @Override
    public void close() {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (EmbeddedCassandra node : nodes) {
            if (node != null) {
                stops.add(CompletableFuture.runAsync(node::close));
            }
        }
        CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
    }

    private int index(int n) {
        if (n < 1 || n > nodes.length) {
            throw new IllegalArgumentException("nodes are numbered 1.." + nodes.length + ": " + n);
        }
        return n - 1;
    }

    /** Murmur3 tokens spread evenly over the whole range, so each node owns the same share. */
    static String token(int index, int size) {
        BigInteger range = BigInteger.TWO.pow(64);
        BigInteger min = BigInteger.TWO.pow(63).negate();
        return min.add(range.multiply(BigInteger.valueOf(index)).divide(BigInteger.valueOf(size)))
                .toString();
    }

    private static void requireEmpty(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                throw new IllegalArgumentException(
                        "a new ring needs an empty folder (its nodes get fresh tokens): " + dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
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

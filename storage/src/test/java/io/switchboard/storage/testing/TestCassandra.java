package io.switchboard.storage.testing;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.CassandraSettings;
import io.switchboard.storage.EmbeddedCassandra;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One real Cassandra node per test JVM, shared by all test classes, for stores' integration tests.
 * Where a Docker-compatible container engine answers ({@link ContainerEngine}), it is Testcontainers'
 * Cassandra container; where none does (CI machines), the forked {@code cassandra-all} node below, and
 * the log says why. Either way, tests reach it through {@link #settings}, {@link #contactPoint()} and
 * {@link #localDc()}; {@link #node()} is the forked node itself, for the tests about forking it.
 *
 *
 * <pre>{@code
 * @BeforeAll static void schema() {
 *   session = TestCassandra.session("registrar_store_test");   // a keyspace per test class
 *   CassandraSessions.applySchema(session, "registrar/schema.cql");
 * }
 * }</pre>
 *
 * <p>The node starts on first use, keeps its data under {@code target/test-cassandra} (wiped when it
 * starts) and stops when the JVM exits. Its jars are found by {@link EmbeddedCassandra#defaultLibDir()}:
 * run {@code mvn package} (or at least the {@code cassandra-server} module) once before.
 */
public final class TestCassandra {

    private static final Logger log = LoggerFactory.getLogger(TestCassandra.class);
    private static final Path DATA_DIR = Path.of("target", "test-cassandra");

    private static EmbeddedCassandra node;
    private static ContainerCassandra container;
    /** Null until the first test asks: whether the shared node is a container (see the class comment). */
    private static Boolean inContainer;
    /** A failed start is not retried by every later test class: each would wait minutes for the same failure. */
    private static RuntimeException startFailure;

    private static final Map<String, CqlSession> SESSIONS = new HashMap<>();

    private TestCassandra() {}

    /**
     * The forked node, started on the first call: for tests about forking it. Others use {@link #settings},
     * {@link #contactPoint()} and {@link #localDc()}, which are the container's where an engine answers.
     */
    public static synchronized EmbeddedCassandra node() {
        if (startFailure != null) {
            throw new IllegalStateException("the shared test Cassandra node failed to start earlier", startFailure);
        }
        if (node == null) {
            Path dataDir = DATA_DIR.toAbsolutePath();
            try {
                deleteRecursively(dataDir);
                // Tests hold little data, but pool-node's suite makes a keyspace of ~40 tables per test class
                // (about 70 classes, 2,800 tables): table metadata, not data, fills the heap. 512m ran out of
                // old generation (GC at 530 of 512 MB, then the node exited) once the suite reached that size.
                node = EmbeddedCassandra.start(EmbeddedCassandra.Options.defaults(dataDir)
                        .withHeap("1g")
                        .withStartupTimeout(Duration.ofSeconds(180)));
            } catch (RuntimeException e) {
                startFailure = e;
                throw e;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(TestCassandra::closeSessions, "test-cassandra-sessions"));
        }
        if (!node.isAlive()) {
            throw new IllegalStateException("the shared test Cassandra node has died; see "
                    + node.dataDir().resolve("logs").resolve("system.log"));
        }
        return node;
    }

    /**
     * The process id of the shared node when it is a forked process (our CI), for tests that make
     * the store slow for a moment by stopping it ({@code kill -STOP}) and resuming it; empty when it
     * is a container.
     */
    public static synchronized java.util.OptionalLong forkedPid() {
        return inContainer() ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(node().pid());
    }

    /** Where the shared node takes CQL: the container's mapped port, or the forked node's address. */
    public static synchronized InetSocketAddress contactPoint() {
        return inContainer() ? container().contactPoint() : node().nativeAddress();
    }

    /** The shared node's data center, for the driver's local-DC load balancing. */
    public static synchronized String localDc() {
        return inContainer() ? container().localDc() : node().localDc();
    }

    private static boolean inContainer() {
        if (inContainer == null) {
            Optional<String> whyNot = ContainerEngine.whyNot();
            inContainer = whyNot.isEmpty();
            if (whyNot.isPresent()) {
                log.info("The tests' Cassandra is a forked cassandra-all node: {}", whyNot.get());
            }
        }
        return inContainer;
    }

    private static ContainerCassandra container() {
        if (startFailure != null) {
            throw new IllegalStateException(
                    "the shared test Cassandra container failed to start earlier", startFailure);
        }
        if (container == null) {
            try {
                container = ContainerCassandra.start();
            } catch (RuntimeException e) {
                startFailure = e;
                throw e;
            }
            log.info("The tests' Cassandra is {}", container.describe());
            Runtime.getRuntime().addShutdownHook(new Thread(TestCassandra::closeSessions, "test-cassandra-sessions"));
        }
        if (!container.isAlive()) {
            throw new IllegalStateException("the shared test Cassandra container has stopped");
        }
        return container;
    }

    /** Settings for {@code keyspace} on the shared node: SimpleStrategy with one replica, LOCAL_ONE. */
    public static CassandraSettings settings(String keyspace) {
        return new CassandraSettings(
                List.of(contactPoint()),
                localDc(),
                keyspace,
                CassandraSettings.simpleStrategy(1),
                DefaultConsistencyLevel.LOCAL_ONE);
    }

    /**
     * A session on a fresh, empty {@code keyspace}: every call drops the keyspace and creates it again (unless
     * it is empty already). The session itself is cached per keyspace (sessions are expensive) and closed
     * when the JVM exits, so do not close it in tests.
     */
    public static synchronized CqlSession session(String keyspace) {
        CassandraSettings settings = settings(keyspace);
        CqlSession session = SESSIONS.get(keyspace);
        if (session == null) {
            session = CassandraSessions.connect(settings);
            SESSIONS.put(keyspace, session);
        }
        if (!exists(session, keyspace)) {
            // dropped when an earlier test class that used it ended (DropTestKeyspaces)
            CassandraSessions.createKeyspace(session, settings);
        } else if (!isEmpty(session, keyspace)) {
            // Dropping and creating a keyspace takes about a second; most calls find a new, empty one.
            session.execute(SimpleStatement.newInstance("DROP KEYSPACE IF EXISTS " + keyspace)
                    .setTimeout(Duration.ofSeconds(30)));
            CassandraSessions.createKeyspace(session, settings);
        }
        return session;
    }

    /**
     * Drops every keyspace but Cassandra's own, when a test class has ended (called by {@link DropTestKeyspaces}):
     * each test class makes keyspaces of its own, and a node holding every class's tables (pool-node's suite would
     * reach ~3,000) spends its heap on their metadata and every schema change on merging them. Does nothing when
     * the node was not started in this JVM or has died.
     */
    static synchronized void dropKeyspaces() {
        boolean alive = inContainer != null && inContainer
                ? container != null && container.isAlive()
                : node != null && node.isAlive();
        if (!alive || SESSIONS.isEmpty()) {
            return;
        }
        CqlSession session = SESSIONS.values().iterator().next();
        List<String> keyspaces = session
                .execute(SimpleStatement.newInstance("SELECT keyspace_name FROM system_schema.keyspaces"))
                .all()
                .stream()
                .map(row -> row.getString(0))
                .filter(name -> !name.startsWith("system"))
                .toList();
        for (String keyspace : keyspaces) {
            try {
                session.execute(SimpleStatement.newInstance("DROP KEYSPACE IF EXISTS " + keyspace)
                        .setTimeout(Duration.ofSeconds(30)));
            } catch (RuntimeException e) {
                // the next class still gets a fresh keyspace: session() drops what it finds
                log.warn("Could not drop test keyspace {}: {}", keyspace, e.toString());
            }
        }
    }

    private static boolean exists(CqlSession session, String keyspace) {
        return session.execute(SimpleStatement.newInstance(
                                "SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?", keyspace))
                        .one()
                != null;
    }

    /** Asks the node itself, not the driver's metadata, which may lag behind schema changes. */
    private static boolean isEmpty(CqlSession session, String keyspace) {
        for (String table : List.of("tables", "types", "functions", "aggregates")) {
            SimpleStatement query = SimpleStatement.newInstance(
                    "SELECT keyspace_name FROM system_schema." + table + " WHERE keyspace_name = ? LIMIT 1", keyspace);
            if (session.execute(query).one() != null) {
                return false;
            }
        }
        return true;
    }

    private static synchronized void closeSessions() {
        SESSIONS.values().forEach(CqlSession::close);
        SESSIONS.clear();
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        log.info("Wiping {}", dir);
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot wipe " + dir, e);
        }
    }
}

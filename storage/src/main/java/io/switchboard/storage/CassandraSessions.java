package io.switchboard.storage;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.config.ProgrammaticDriverConfigLoaderBuilder;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.metadata.NodeState;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens driver sessions the one way the whole pool does it (timeouts, consistency, local DC) and
 * installs schema resources. Prepared statements stay the business of each store.
 */
public final class CassandraSessions {

    private static final Logger log = LoggerFactory.getLogger(CassandraSessions.class);

    /** Default for every request; a single-partition write on a healthy node takes milliseconds. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    /**
     * Schema changes run on every node and flush system tables: seconds on a busy two-core machine.
     * They are rare, so a generous timeout costs nothing.
     */
    static final Duration SCHEMA_TIMEOUT = Duration.ofSeconds(30);

    private CassandraSessions() {}

    /**
     * Connects, creates the keyspace if it does not exist yet, and returns a session whose default keyspace
     * is {@code s.keyspace()} and whose default consistency is {@code s.consistency()}. An existing
     * keyspace is left as it is (its replication is not altered).
     *
     * @throws DriverException if no contact point answers or the keyspace cannot be created
     */
    public static CqlSession connect(CassandraSettings s) {
        return await(connectAsync(s));
    }

    /** {@link #connect} without blocking the calling thread. */
    public static CompletionStage<CqlSession> connectAsync(CassandraSettings s) {
        // A session cannot be built with a keyspace that does not exist yet: a short-lived one creates it.
        // Both builders are made here, on the caller's thread: the second session is built on a driver thread,
        // which has no context class loader to find the driver's configuration with.
        ClassLoader classLoader = classLoader();
        CqlSessionBuilder admin = builder(s, false, classLoader);
        CqlSessionBuilder keyspaceSession = builder(s, true, classLoader);
        return admin.buildAsync()
                .thenCompose(session -> createKeyspaceAsync(session, s)
                        .handle((ok, failure) -> session.closeAsync().thenApply(closed -> {
                            if (failure != null) {
                                throw failure instanceof CompletionException ce ? ce : new CompletionException(failure);
                            }
                            return closed;
                        }))
                        .thenCompose(closing -> closing))
                .thenCompose(created -> keyspaceSession.buildAsync())
                .thenApply(session -> {
                    log.info(
                            "Connected to Cassandra {} (local DC {}), keyspace {}, consistency {}, {}, {}",
                            s.contactPoints(),
                            s.localDc(),
                            s.keyspace(),
                            s.consistency(),
                            s.credentials().map(c -> "as user " + c.username()).orElse("without authentication"),
                            s.tls().map(t -> "over TLS").orElse("without TLS"));
                    return session;
                });
    }

    /** {@code CREATE KEYSPACE IF NOT EXISTS} for {@code s}, using any session (its own keyspace does not matter). */
    public static void createKeyspace(CqlSession session, CassandraSettings s) {
        await(createKeyspaceAsync(session, s));
    }

    /**
     * Applies a schema script found on the classpath (absolute resource name, e.g. {@code
     * registrar/schema.cql}), looked up through the thread's context class loader, then this module's.
     * Statements must be idempotent ({@code CREATE TABLE IF NOT EXISTS ...}); they run in order in the
     * session's keyspace, and this returns once all nodes agree on the schema.
     */
    public static void applySchema(CqlSession session, String classpathResource) {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        String script = context == null ? null : read(context, classpathResource);
        if (script == null) {
            script = read(CassandraSessions.class.getClassLoader(), classpathResource);
        }
        if (script == null) {
            throw new IllegalArgumentException("schema resource not found on the classpath: " + classpathResource);
        }
        applyScript(session, script, classpathResource);
    }

    /** {@link #applySchema(CqlSession, String)} reading the resource through {@code anchor}'s class loader. */
    public static void applySchema(CqlSession session, Class<?> anchor, String classpathResource) {
        ClassLoader loader =
                anchor.getClassLoader() != null ? anchor.getClassLoader() : ClassLoader.getSystemClassLoader();
        String script = read(loader, classpathResource);
        if (script == null) {
            throw new IllegalArgumentException(
                    "schema resource not found by the class loader of " + anchor.getName() + ": " + classpathResource);
        }
        applyScript(session, script, classpathResource);
    }

    /** Runs every statement of a CQL script (see {@link CqlScript}), then waits for schema agreement. */
    public static void applyScript(CqlSession session, String script, String sourceName) {
        List<String> statements = CqlScript.statements(script);
        for (String statement : statements) {
            session.execute(SimpleStatement.newInstance(statement).setTimeout(SCHEMA_TIMEOUT));
        }
        awaitSchemaAgreement(session, SCHEMA_TIMEOUT);
        log.info(
                "Applied {} schema statement(s) from {} to keyspace {}",
                statements.size(),
                sourceName,
                session.getKeyspace().map(CqlIdentifier::asInternal).orElse("(none)"));
    }

    /**
     * Blocks until all live nodes report the same schema version. The driver already waits after each
     * DDL statement, but gives up silently after its own timeout; a store must not prepare statements
     * against a table some node does not know yet.
     *
     * <p>The driver's own check reads {@code system.local} and {@code system.peers} of one node, and a
     * peer's version there is what gossip last said. Just after a DDL statement that node may not have
     * the change yet and its gossip may not carry the coordinator's new version either: every version
     * it shows is the old one, and the check agrees on it. A CI run met exactly that on a fresh RF 3
     * ring ("table schema_version does not exist" on the read after the CREATE). So each node the
     * session can reach is also asked for its own {@code system.local} version, and they must agree
     * too; the coordinator of the DDL is among them and has the change.
     */
    public static void awaitSchemaAgreement(CqlSession session, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!session.checkSchemaAgreement() || !reachableNodesAgree(session)) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("Cassandra nodes did not agree on the schema within " + timeout);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for schema agreement", e);
            }
        }
    }

    /**
     * Whether every node the session has a connection pool to (its state UP; nodes of other data
     * centres are ignored by the load balancer and have none) answers the same schema version from its
     * own {@code system.local}. A node that fails to answer counts as not agreeing yet, so the wait
     * goes on; one the driver sees go down drops out of the set on the next round.
     */
    static boolean reachableNodesAgree(CqlSession session) {
        UUID seen = null;
        for (Node node : session.getMetadata().getNodes().values()) {
            if (node.getState() != NodeState.UP || node.getOpenConnections() == 0) {
                continue;
            }
            UUID version;
            try {
                Row row = session.execute(SimpleStatement.newInstance(
                                        "SELECT schema_version FROM system.local WHERE key = 'local'")
                                .setNode(node)
                                .setTimeout(Duration.ofSeconds(5)))
                        .one();
                version = row == null ? null : row.getUuid("schema_version");
            } catch (DriverException e) {
                log.debug("schema version of {} not read yet: {}", node.getEndPoint(), e.toString());
                return false;
            }
            if (version == null || (seen != null && !seen.equals(version))) {
                return false;
            }
            seen = version;
        }
        return true;
    }

    /**
     * The driver configuration every Switchboard session uses. {@code withKeyspace} selects the final
     * session; the other one only creates the keyspace, so it keeps no schema or token metadata: it would
     * only slow down its start, and a schema refresh still running when it closes logs a warning.
     */
    private static CqlSessionBuilder builder(CassandraSettings s, boolean withKeyspace, ClassLoader classLoader) {
        CqlSessionBuilder builder = CqlSession.builder()
                .withClassLoader(classLoader)
                .addContactPoints(s.contactPoints())
                .withLocalDatacenter(s.localDc())
                .withConfigLoader(driverConfig(s, withKeyspace, classLoader).build());
        return withKeyspace ? builder.withKeyspace(CqlIdentifier.fromInternal(s.keyspace())) : builder;
    }

    /** The driver options of {@link #builder}, security included ({@link #withSecurity}). */
    static ProgrammaticDriverConfigLoaderBuilder driverConfig(
            CassandraSettings s, boolean withKeyspace, ClassLoader classLoader) {
        ProgrammaticDriverConfigLoaderBuilder config = DriverConfigLoader.programmaticBuilder(classLoader)
                .withString(DefaultDriverOption.SESSION_NAME, "cassandra-" + s.keyspace())
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, REQUEST_TIMEOUT)
                .withString(
                        DefaultDriverOption.REQUEST_CONSISTENCY, s.consistency().name())
                // LWTs stay inside the local DC, as reads and writes do: a branch must not need the pool for them.
                .withString(DefaultDriverOption.REQUEST_SERIAL_CONSISTENCY, DefaultConsistencyLevel.LOCAL_SERIAL.name())
                // The driver's defaults (500 ms) fail spuriously while a freshly started node is still warming up.
                .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, REQUEST_TIMEOUT)
                .withDuration(DefaultDriverOption.CONNECTION_SET_KEYSPACE_TIMEOUT, REQUEST_TIMEOUT)
                .withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, REQUEST_TIMEOUT)
                .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, REQUEST_TIMEOUT)
                .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, SCHEMA_TIMEOUT)
                // The driver delays its schema refresh after each DDL statement to coalesce bursts, by 1 s by
                // default: that made every CREATE TABLE of a schema script take over a second.
                .withDuration(DefaultDriverOption.METADATA_SCHEMA_WINDOW, Duration.ofMillis(100))
                // The driver's default, 1,024 requests in flight on its one connection per node, fails every
                // request beyond it at once ("No connection was available"): a cold node's burst of entity
                // starts (several reads and a lightweight transaction each) reached it in the presence bench
                // and turned into 503s. The SIP edge's admission bounds (README, Overload) are the limit
                // meant to hold; protocol v4 and v5 allow 32,768 streams per connection.
                .withInt(DefaultDriverOption.CONNECTION_MAX_REQUESTS, 32768)
                // Netty's graceful shutdown otherwise idles 2 s per closed session; nothing runs after close().
                .withInt(DefaultDriverOption.NETTY_IO_SHUTDOWN_QUIET_PERIOD, 0)
                .withInt(DefaultDriverOption.NETTY_ADMIN_SHUTDOWN_QUIET_PERIOD, 0);
        if (!withKeyspace) {
            config = config.withString(DefaultDriverOption.SESSION_NAME, "cassandra-" + s.keyspace() + "-setup")
                    .withBoolean(DefaultDriverOption.METADATA_SCHEMA_ENABLED, false)
                    .withBoolean(DefaultDriverOption.METADATA_TOKEN_MAP_ENABLED, false);
        }
        return withSecurity(config, s);
    }

    /**
     * Authentication and TLS as driver options, the driver's own providers doing the work: {@code
     * PlainTextAuthProvider} answers a {@code PasswordAuthenticator} challenge, {@code
     * DefaultSslEngineFactory} builds the SSLContext from the trust store (the JVM's default trust
     * when none is given) and checks the node's certificate against the address it was reached at
     * when hostname validation is on.
     */
    private static ProgrammaticDriverConfigLoaderBuilder withSecurity(
            ProgrammaticDriverConfigLoaderBuilder config, CassandraSettings s) {
        if (s.credentials().isPresent()) {
            CassandraSettings.Credentials c = s.credentials().get();
            config = config.withString(DefaultDriverOption.AUTH_PROVIDER_CLASS, "PlainTextAuthProvider")
                    .withString(DefaultDriverOption.AUTH_PROVIDER_USER_NAME, c.username())
                    .withString(DefaultDriverOption.AUTH_PROVIDER_PASSWORD, c.password());
        }
        if (s.tls().isPresent()) {
            CassandraSettings.Tls t = s.tls().get();
            config = config.withString(DefaultDriverOption.SSL_ENGINE_FACTORY_CLASS, "DefaultSslEngineFactory")
                    .withBoolean(DefaultDriverOption.SSL_HOSTNAME_VALIDATION, t.hostnameValidation());
            if (t.trustStore().isPresent()) {
                config = config.withString(
                        DefaultDriverOption.SSL_TRUSTSTORE_PATH,
                        t.trustStore().get().toAbsolutePath().toString());
                if (!t.trustStorePassword().isEmpty()) {
                    config = config.withString(DefaultDriverOption.SSL_TRUSTSTORE_PASSWORD, t.trustStorePassword());
                }
            }
        }
        return config;
    }

    /** The caller's context class loader if it has one (application servers, Pekko), else ours. */
    static ClassLoader classLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : CassandraSessions.class.getClassLoader();
    }

    private static CompletionStage<AsyncResultSet> createKeyspaceAsync(CqlSession session, CassandraSettings s) {
        // Both parts were validated by CassandraSettings: a plain identifier and a single map literal.
        String cql = "CREATE KEYSPACE IF NOT EXISTS " + s.keyspace() + " WITH replication = " + s.replication();
        return session.executeAsync(SimpleStatement.newInstance(cql).setTimeout(SCHEMA_TIMEOUT))
                .thenApply(rs -> {
                    if (!rs.getExecutionInfo().isSchemaInAgreement()) {
                        log.warn("Keyspace {} created, but the nodes did not agree on the schema yet", s.keyspace());
                    }
                    return rs;
                });
    }

    private static String read(ClassLoader loader, String resource) {
        String name = resource.startsWith("/") ? resource.substring(1) : resource;
        try (InputStream in = loader.getResourceAsStream(name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read schema resource " + resource, e);
        }
    }

    /**
     * Waits for a driver future and rethrows its failure with the caller's stack, the way the driver's own
     * synchronous methods do ({@link DriverException#copy()}).
     */
    private static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof DriverException de) {
                throw de.copy();
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }
}

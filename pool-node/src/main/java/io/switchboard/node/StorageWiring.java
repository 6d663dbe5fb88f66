package io.switchboard.node;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import io.switchboard.accounts.domain.AccountDraft;
import io.switchboard.accounts.domain.AccountRules;
import io.switchboard.accounts.domain.NewAccountRequest;
import io.switchboard.accounts.domain.Validation;
import io.switchboard.accounts.store.AccountStore;
import io.switchboard.accounts.store.CachingAccountStore;
import io.switchboard.accounts.store.CassandraAccountStore;
import io.switchboard.node.config.ConfigError;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.node.config.SitesConfig;
import io.switchboard.park.store.CassandraOrbitRangeStore;
import io.switchboard.park.store.OrbitRanges;
import io.switchboard.proxy.store.CachingCallSettingsStore;
import io.switchboard.proxy.store.CassandraCallSettingsStore;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.CassandraSettings;
import io.switchboard.storage.EmbeddedCassandra;
import io.switchboard.storage.VersionedSchema;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's storage side: the embedded Cassandra (when configured), the session, the schema, and
 * the stores built directly on the session (accounts with their decoy rows and bootstrap users,
 * call settings). Holds what it opened as it opens it, so {@link #close} also cleans up after a
 * start that failed halfway.
 */
final class StorageWiring implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StorageWiring.class);

    /** The stores the SIP side and the admin API share. */
    record Stores(
            CachingAccountStore accounts,
            AccountRules accountRules,
            CachingCallSettingsStore callSettings,
            OrbitRanges orbitRanges,
            io.switchboard.park.store.ParkedCallStore parkedCalls,
            io.switchboard.conference.store.ConferenceStore conferences) {}

    /** How old the node's copy of the call park orbit ranges may be: a new range is seen pool-wide this soon. */
    static final java.time.Duration ORBIT_RANGE_CACHE_TTL = java.time.Duration.ofSeconds(2);

    private final NodeConfig config;
    private EmbeddedCassandra cassandra;
    private CqlSession session;

    StorageWiring(NodeConfig config) {
        this.config = config;
    }

    /** Starts the embedded Cassandra if configured, connects and installs the schema. */
    CqlSession open() {
        session = connect();
        installSchema(session);
        return session;
    }

    /** The open session, or null before {@link #open} got that far. */
    CqlSession session() {
        return session;
    }

    /** Whether the session is open (readiness). */
    boolean connected() {
        CqlSession s = session;
        return s != null && !s.isClosed();
    }

    /**
     * The account and call-settings stores; writes each domain's decoy row and the configured
     * bootstrap users first. Call after {@link #open}.
     */
    Stores stores(Clock clock) {
        CassandraAccountStore storedAccounts = CassandraAccountStore.forSessionKeyspace(session);
        // every account partition gets its decoy row, so a lookup reads one row whether the user
        // exists or not (README, "No user enumeration")
        for (String domain : config.domains()) {
            storedAccounts.prepareDomain(domain).toCompletableFuture().join();
        }
        CachingAccountStore accounts = new CachingAccountStore(
                storedAccounts,
                new CachingAccountStore.Settings(
                        EntityTuning.ACCOUNT_CACHE_MAX_ENTRIES, config.auth().accountCacheTtl()),
                clock);
        AccountRules accountRules = SitesConfig.of(config).accountRules(config.domains());
        createBootstrapUsers(accounts, accountRules, clock);
        // Call settings (sim-ring, forwarding): the proxy asks settingsFor(aor) on each call, the admin API edits them.
        CachingCallSettingsStore callSettings =
                CachingCallSettingsStore.of(CassandraCallSettingsStore.forSessionKeyspace(session));
        OrbitRanges orbitRanges =
                new OrbitRanges(new CassandraOrbitRangeStore(session, clock), ORBIT_RANGE_CACHE_TTL, clock);
        return new Stores(
                accounts,
                accountRules,
                callSettings,
                orbitRanges,
                new io.switchboard.park.store.CassandraParkedCallStore(session),
                new io.switchboard.conference.store.CassandraConferenceStore(session));
    }

    /**
     * Every table the node uses, as the versioned {@link PoolSchema}: applied by the first node to
     * find the keyspace without this version (holding the schema lock), skipped by the others (who
     * wait while it is being applied), so nodes starting together on a fresh ring do not race.
     */
    static void installSchema(CqlSession session) {
        PoolSchema.ensure(session);
    }

    /**
     * For {@code bin/switchboard schema apply}: connects, makes sure the schema version is applied and
     * keeps the session for {@link #close}; no stores, no embedded Cassandra.
     */
    VersionedSchema.Outcome applySchemaOnly() {
        if (config.storage().mode() == NodeConfig.StorageMode.EMBEDDED) {
            throw new ConfigError(
                    "switchboard.storage.mode",
                    "schema apply needs an external Cassandra (mode = external); a node with an embedded one"
                            + " applies its schema itself");
        }
        session = connect();
        return PoolSchema.ensure(session);
    }

    private CqlSession connect() {
        NodeConfig.Storage st = config.storage();
        List<java.net.InetSocketAddress> contactPoints = st.contactPoints();
        String localDc = st.localDc();
        if (st.mode() == NodeConfig.StorageMode.EMBEDDED) {
            NodeConfig.Embedded e = st.embedded();
            Path dir = config.dataDir().resolve("cassandra");
            LOG.info("Starting embedded Cassandra in {} (native port {})", dir.toAbsolutePath(), e.nativePort());
            cassandra = EmbeddedCassandra.start(EmbeddedCassandra.Options.defaults(dir)
                    .withListenAddress(e.listenAddress())
                    .withNativePort(e.nativePort())
                    .withStoragePort(e.storagePort())
                    .withHeap(e.heap()));
            contactPoints = List.of(cassandra.nativeAddress());
            localDc = cassandra.localDc();
            logEmbeddedExposure(e.listenAddress(), cassandra.nativeAddress().getPort(), cassandra.storagePort());
        }
        ConsistencyLevel cl = DefaultConsistencyLevel.valueOf(st.consistency().name());
        CassandraSettings settings = new CassandraSettings(contactPoints, localDc, st.keyspace(), st.replication(), cl);
        if (st.mode() == NodeConfig.StorageMode.EXTERNAL) {
            NodeConfig.ExternalSecurity sec = st.security();
            if (sec.credentials().isPresent()) {
                NodeConfig.Credentials c = sec.credentials().get();
                settings = settings.withCredentials(new CassandraSettings.Credentials(c.username(), c.password()));
            }
            if (sec.tls().isPresent()) {
                NodeConfig.StorageTls t = sec.tls().get();
                settings = settings.withTls(
                        new CassandraSettings.Tls(t.trustStore(), t.trustStorePassword(), t.hostnameValidation()));
            }
        }
        return CassandraSessions.connect(settings);
    }

    /**
     * The embedded node has no authentication and no TLS (storage/NodeConfigFiles writes
     * {@code AllowAllAuthenticator}): say where it listens, and warn when that is reachable from
     * other machines.
     */
    private static void logEmbeddedExposure(String address, int nativePort, int storagePort) {
        boolean loopback;
        try {
            loopback = java.net.InetAddress.getByName(address).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            loopback = false;
        }
        if (loopback) {
            LOG.info(
                    "Embedded Cassandra listens on {} only (CQL port {}, storage port {}): loopback, not reachable"
                            + " from other machines",
                    address,
                    nativePort,
                    storagePort);
        } else {
            LOG.warn(
                    "Embedded Cassandra listens on {} (CQL port {}, storage port {}), which is NOT a loopback address:"
                            + " anyone who reaches it can read and change every account and binding, with no password"
                            + " and no TLS. Set switchboard.storage.embedded.listen-address = \"127.0.0.1\", or use an"
                            + " external Cassandra with authentication (switchboard.storage.external.username, tls)",
                    address,
                    nativePort,
                    storagePort);
        }
    }

    private static int freeUdpPort(String address) {
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(0, java.net.InetAddress.getByName(address))) {
            return probe.getLocalPort();
        } catch (java.io.IOException e) {
            throw new ConfigError(
                    "switchboard.sip.bind-address", "cannot bind UDP on " + address + " (" + e.getMessage() + ")");
        }
    }

    /** Creates the configured users that do not exist yet; existing ones (and their passwords) are left alone. */
    private void createBootstrapUsers(AccountStore accounts, AccountRules rules, Clock clock) {
        for (NodeConfig.BootstrapUser u : config.bootstrapUsers()) {
            Validation<AccountDraft> v =
                    rules.validate(new NewAccountRequest(u.uri(), u.password(), u.name(), u.phone()));
            if (v instanceof Validation.Invalid<AccountDraft> invalid) {
                throw new ConfigError("switchboard.bootstrap-users", u.uri() + ": " + invalid.reason());
            }
            AccountDraft draft = ((Validation.Valid<AccountDraft>) v).value();
            accounts.find(draft.address().domain(), draft.address().user())
                    .thenCompose(existing -> existing.isPresent()
                            ? CompletableFuture.completedFuture(null)
                            : accounts.put(draft.toAccount(clock.instant())))
                    .toCompletableFuture()
                    .orTimeout(30, TimeUnit.SECONDS)
                    .join(); // startup thread, before SIP listens
        }
    }

    /** Closes the session, then the embedded Cassandra. */
    @Override
    public void close() {
        if (session != null) {
            session.close();
        }
        if (cassandra != null) {
            cassandra.close();
        }
    }
}

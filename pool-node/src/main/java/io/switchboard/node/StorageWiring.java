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
            io.switchboard.conference.store.ConferenceStore conferences,
            io.switchboard.registrar.store.BindingStore bindings,
            io.switchboard.registrar.store.BindingStore lookupBindings,
            java.util.Optional<io.switchboard.node.site.HomeSites> homeSites) {}

    /** How old the node's copy of the call park orbit ranges may be: a new range is seen pool-wide this soon. */
    static final java.time.Duration ORBIT_RANGE_CACHE_TTL = java.time.Duration.ofSeconds(2);

    private final NodeConfig config;
    private EmbeddedCassandra cassandra;
    private CqlSession session;
    /** The settings {@link #session} was opened with (a site keyspace's session keeps its contact points). */
    private CassandraSettings own;
    /** The site keyspaces this node uses, by site name (README, "Sites and branches"). */
    private final java.util.Map<String, io.switchboard.node.site.SiteStores> siteStores =
            new java.util.LinkedHashMap<>();

    StorageWiring(NodeConfig config) {
        this.config = config;
    }

    /** Starts the embedded Cassandra if configured, connects and installs the schema. */
    CqlSession open() {
        session = connect();
        installSchema(session);
        openSites();
        return session;
    }

    /**
     * Opens the site keyspaces this node uses (creating them and their schema if missing): on a pool node every
     * branch site's, on a branch node its own site's only (no other site's users are stored at a branch).
     * Cassandra refuses a keyspace naming a data center without a node, so a branch's Cassandra node must have
     * joined before a node with that branch configured starts.
     */
    private void openSites() {
        SitesConfig sites = SitesConfig.of(config);
        io.switchboard.node.config.RoleConfig role = io.switchboard.node.config.RoleConfig.of(config);
        List<SitesConfig.Branch> used = role.isBranch() ? List.of(role.site().orElseThrow()) : sites.branches();
        // the pool's DC: configured, or (on a pool node) the local DC of its own storage
        String poolDc = sites.poolDc().orElse(role.isBranch() ? "" : own.localDc());
        if (role.isBranch() && poolDc.isEmpty()) {
            throw new ConfigError(
                    "switchboard.sites.pool-dc",
                    "a branch node must be told the pool's Cassandra data center (its site keyspace is replicated"
                            + " there)");
        }
        java.util.Set<String> dcs = new java.util.HashSet<>();
        session.getMetadata().getNodes().values().forEach(n -> dcs.add(n.getDatacenter()));
        for (SitesConfig.Branch b : used) {
            if (!role.isBranch() && !dcs.contains(b.dc())) {
                // Cassandra refuses a keyspace naming a DC without a node. Until the branch's Cassandra node has
                // joined, its users stay in the pool's keyspace as before sites existed (HomeSites counts them
                // as the pool's); restart the pool's nodes once it has (README, "Sites and branches").
                LOG.warn(
                        "Branch site {}: no Cassandra node in data center {} yet; its users are kept in the pool's"
                                + " keyspace until this node is restarted after that DC has joined",
                        b.name(),
                        b.dc());
                continue;
            }
            CassandraSettings siteSettings = io.switchboard.node.site.SiteKeyspaces.settings(
                    new CassandraSettings(
                            own.contactPoints(),
                            own.localDc(),
                            config.storage().keyspace(),
                            own.replication(),
                            own.consistency(),
                            own.credentials(),
                            own.tls()),
                    sites,
                    b,
                    poolDc);
            try {
                siteStores.put(b.name(), io.switchboard.node.site.SiteKeyspaces.open(siteSettings));
            } catch (RuntimeException e) {
                throw new IllegalStateException(
                        "Cannot open branch site " + b.name() + "'s keyspace " + siteSettings.keyspace()
                                + " (data centers " + poolDc + " and " + b.dc() + "; the branch's Cassandra node must"
                                + " have joined the cluster first): " + e.getMessage(),
                        e);
            }
            LOG.info("Site {}: keyspace {} open", b.name(), siteSettings.keyspace());
        }
    }

    /** The settings the session was opened with (after {@link #open} or {@link #applySchemaOnly}), or null. */
    CassandraSettings settings() {
        return own;
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
        io.switchboard.node.config.RoleConfig role = io.switchboard.node.config.RoleConfig.of(config);
        // A branch node's users are all in its site keyspace: accounts, bindings and call settings come from there.
        io.switchboard.node.site.SiteStores ownSite =
                role.isBranch() ? siteStores.get(role.site().orElseThrow().name()) : null;
        CassandraAccountStore storedAccounts =
                ownSite != null ? ownSite.accounts() : CassandraAccountStore.forSessionKeyspace(session);
        // every account partition gets its decoy row, so a lookup reads one row whether the user
        // exists or not (README, "No user enumeration")
        for (String domain : config.domains()) {
            storedAccounts.prepareDomain(domain).toCompletableFuture().join();
        }
        AccountStore directory = storedAccounts;
        CassandraCallSettingsStore storedSettings =
                ownSite != null ? ownSite.callSettings() : CassandraCallSettingsStore.forSessionKeyspace(session);
        // With branch sites, a pool node keeps a branch user's call settings in her site keyspace, where the branch
        // node's proxy reads them (README, "Sites and branches"); a move takes them along (SiteAccountStore).
        io.switchboard.node.site.SiteCallSettings siteSettings = null;
        if (!role.isBranch() && !siteStores.isEmpty()) {
            java.util.Map<String, CassandraCallSettingsStore> settingsAtSites = new java.util.HashMap<>();
            siteStores.forEach((site, stores) -> settingsAtSites.put(site, stores.callSettings()));
            siteSettings = new io.switchboard.node.site.SiteCallSettings(storedSettings, settingsAtSites);
            java.util.Map<String, AccountStore> atSites = new java.util.HashMap<>();
            for (var e : siteStores.entrySet()) {
                // decoy rows there too: the branch node's lookups read one row either way
                for (String domain : config.domains()) {
                    e.getValue()
                            .accounts()
                            .prepareDomain(domain)
                            .toCompletableFuture()
                            .join();
                }
                atSites.put(e.getKey(), e.getValue().accounts());
            }
            directory = new io.switchboard.node.site.SiteAccountStore(storedAccounts, atSites, siteSettings);
            carryOverCallSettings();
        }
        CachingAccountStore accounts = new CachingAccountStore(directory, accountCache(config), clock);
        AccountRules accountRules = SitesConfig.of(config).accountRules(config.domains());
        createBootstrapUsers(accounts, accountRules, clock);
        // Call settings (sim-ring, forwarding): the proxy asks settingsFor(aor) on each call, the admin API edits them.
        // A branch node's are all in its site keyspace; a pool node's are routed by each user's home site.
        CachingCallSettingsStore callSettings = CachingCallSettingsStore.of(
                siteSettings == null
                        ? storedSettings
                        : siteSettings.routedBy(new io.switchboard.node.site.HomeSites(accounts, siteStores.keySet())));
        // Bindings: a pool-only node's straight in its keyspace (as always); with branch sites, a branch user's in
        // the site keyspace (SiteBindingStore); a branch node's all in its site keyspace. In a site keyspace each
        // site's registrar writes (and loads) only the rows of its own site, while lookups merge every site's
        // (CassandraSiteBindings): a branch user whose phone failed over to the pool is registered there without
        // touching the branch's rows (README, "Sites and branches").
        io.switchboard.registrar.store.BindingStore bindings;
        io.switchboard.registrar.store.BindingStore lookupBindings;
        java.util.Optional<io.switchboard.node.site.HomeSites> homeSites = java.util.Optional.empty();
        if (ownSite != null) {
            bindings = ownSite.bindings().writtenBy(role.site().orElseThrow().name(), true);
            lookupBindings = ownSite.bindings().merged();
        } else if (siteStores.isEmpty()) {
            bindings = new io.switchboard.registrar.store.CassandraBindingStore(session);
            lookupBindings = bindings;
        } else {
            io.switchboard.node.site.HomeSites homes =
                    new io.switchboard.node.site.HomeSites(accounts, siteStores.keySet());
            String poolSite = SitesConfig.of(config).pool();
            java.util.Map<String, io.switchboard.registrar.store.BindingStore> written = new java.util.HashMap<>();
            java.util.Map<String, io.switchboard.registrar.store.BindingStore> merged = new java.util.HashMap<>();
            siteStores.forEach((site, stores) -> {
                written.put(site, stores.bindings().writtenBy(poolSite, false));
                merged.put(site, stores.bindings().merged());
            });
            io.switchboard.registrar.store.BindingStore poolKeyspace =
                    new io.switchboard.registrar.store.CassandraBindingStore(session);
            bindings = new io.switchboard.node.site.SiteBindingStore(poolKeyspace, written, homes);
            lookupBindings = new io.switchboard.node.site.SiteBindingStore(poolKeyspace, merged, homes);
            homeSites = java.util.Optional.of(homes);
        }
        OrbitRanges orbitRanges =
                new OrbitRanges(new CassandraOrbitRangeStore(session, clock), ORBIT_RANGE_CACHE_TTL, clock);
        return new Stores(
                accounts,
                accountRules,
                callSettings,
                orbitRanges,
                new io.switchboard.park.store.CassandraParkedCallStore(session),
                new io.switchboard.conference.store.CassandraConferenceStore(session),
                bindings,
                lookupBindings,
                homeSites);
    }

    /**
     * Copies branch users' call settings that the pool kept in its own keyspace (before they lived in the site
     * keyspace) to their site keyspace, in the background: the node serves meanwhile, reading such a row from the
     * pool's keyspace while the site keyspace has none ({@code SiteCallSettings}).
     */
    private void carryOverCallSettings() {
        siteStores.forEach((site, stores) -> {
            io.switchboard.node.site.CallSettingsCarryOver carry = new io.switchboard.node.site.CallSettingsCarryOver(
                    session, session.getKeyspace().orElseThrow(), stores.session());
            carry.carryAll(stores.accounts(), List.copyOf(config.domains())).whenComplete((carried, failure) -> {
                if (failure != null) {
                    LOG.warn(
                            "Site {}: could not copy its users' call settings from the pool's keyspace ({}); the pool"
                                    + " still reads them there, the next start or change copies them",
                            site,
                            failure.toString());
                } else if (carried > 0) {
                    LOG.info("Site {}: copied {} users' call settings from the pool's keyspace", site, carried);
                }
            });
        });
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
        String keyspace = st.keyspace();
        String replication = st.replication();
        io.switchboard.node.config.RoleConfig role = io.switchboard.node.config.RoleConfig.of(config);
        if (role.isBranch()) {
            // A branch node never touches the pool's keyspace (replicated to the pool's DC only, so not even
            // readable at LOCAL_QUORUM from the branch's DC): its node-local tables get a keyspace of their own.
            keyspace = io.switchboard.node.config.RoleConfig.branchKeyspace(
                    keyspace, role.site().orElseThrow().name());
            replication = CassandraSettings.networkTopology(
                    java.util.Map.of(role.site().orElseThrow().dc(), 1));
        }
        CassandraSettings settings = new CassandraSettings(contactPoints, localDc, keyspace, replication, cl);
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
        own = settings;
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
        for (io.switchboard.node.site.SiteStores site : siteStores.values()) {
            site.close();
        }
        if (session != null) {
            session.close();
        }
        if (cassandra != null) {
            cassandra.close();
        }
    }

    /** The node's account cache; {@code auth.account-cache-ttl = 0s} turns it off (every lookup reads Cassandra). */
    static CachingAccountStore.Settings accountCache(NodeConfig config) {
        return new CachingAccountStore.Settings(
                EntityTuning.ACCOUNT_CACHE_MAX_ENTRIES, config.auth().accountCacheTtl());
    }
}

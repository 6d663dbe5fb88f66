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
import io.switchboard.accounts.store.CassandraAuthFailureStore;
import io.switchboard.entity.ShardedEntities;
import io.switchboard.entity.due.CassandraDueIndex;
import io.switchboard.entity.due.DueSweeper;
import io.switchboard.node.admin.AdminServer;
import io.switchboard.node.admin.AdminServer.Reply;
import io.switchboard.node.admin.CallSettingsApi;
import io.switchboard.node.admin.HttpDigestAuthenticator;
import io.switchboard.node.admin.PoolApi;
import io.switchboard.node.admin.PresenceApi;
import io.switchboard.node.admin.RegistrationsApi;
import io.switchboard.node.admin.UsersApi;
import io.switchboard.node.cluster.NodeDirectory;
import io.switchboard.node.cluster.NodeInfoService;
import io.switchboard.node.cluster.PekkoSettings;
import io.switchboard.node.cluster.SipPeers;
import io.switchboard.node.config.ConfigError;
import io.switchboard.node.config.FederationConfig;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.node.config.PresenceConfig;
import io.switchboard.node.config.ProxyConfig;
import io.switchboard.node.metrics.NodeMetrics;
import io.switchboard.node.sip.PresenceRegistrations;
import io.switchboard.node.sip.RequestAuthenticator;
import io.switchboard.node.sip.SipFrontEnd;
import io.switchboard.presence.domain.PublishRules;
import io.switchboard.presence.domain.SubscribeRules;
import io.switchboard.presence.entity.EntityPresenceAdmin;
import io.switchboard.presence.entity.GatedPresentities;
import io.switchboard.presence.entity.PresentityEntity;
import io.switchboard.presence.entity.ShardedPresence;
import io.switchboard.presence.entity.WatcherEntity;
import io.switchboard.presence.sip.PresenceSip;
import io.switchboard.presence.sip.SipNotifySender;
import io.switchboard.presence.store.CassandraAccessStore;
import io.switchboard.presence.store.CassandraContactListStore;
import io.switchboard.presence.store.CassandraPresenceStore;
import io.switchboard.proxy.sip.ProxyRouter;
import io.switchboard.proxy.sip.StatefulProxy;
import io.switchboard.proxy.sip.UserLocator;
import io.switchboard.proxy.store.CachingCallSettingsStore;
import io.switchboard.proxy.store.CassandraCallSettingsStore;
import io.switchboard.registrar.domain.RegisterRules;
import io.switchboard.registrar.entity.RegistrarClient;
import io.switchboard.registrar.entity.RegistrarEntity;
import io.switchboard.registrar.location.Locations;
import io.switchboard.registrar.sip.Gruus;
import io.switchboard.registrar.sip.RegisterHandler;
import io.switchboard.registrar.sip.RegisterResponses;
import io.switchboard.registrar.store.CassandraBindingStore;
import io.switchboard.sip.auth.AuthThrottle;
import io.switchboard.sip.auth.DigestChallenger;
import io.switchboard.sip.auth.DigestVerifier;
import io.switchboard.sip.auth.NonceService;
import io.switchboard.sip.flow.FlowTokens;
import io.switchboard.sip.routing.ProxyIdentity;
import io.switchboard.sip.routing.RecordRouteSigner;
import io.switchboard.sip.stack.SipEndpoint;
import io.switchboard.sip.stack.SipStackSettings;
import io.switchboard.sip.stack.TlsSettings;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.CassandraSettings;
import io.switchboard.storage.EmbeddedCassandra;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sip.SipFactory;
import javax.sip.header.HeaderFactory;
import javax.sip.message.MessageFactory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pool node: storage, cluster, registrar, SIP edge and admin port, started in that order
 * (nothing accepts SIP before its store and entities exist) and stopped in reverse.
 */
public final class SwitchboardNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SwitchboardNode.class);
    private static final Duration SWEEP_INTERVAL = Duration.ofSeconds(5);
    private static final Duration POOL_QUERY_TIMEOUT = Duration.ofSeconds(2);

    private final NodeConfig config;
    private final NodeMetrics metrics = new NodeMetrics();
    private EmbeddedCassandra cassandra;
    private CqlSession session;
    private ActorSystem<Void> system;
    private NodeDirectory directory;
    private SipEndpoint sip;
    private StatefulProxy proxy;
    private AdminServer admin;
    private java.util.concurrent.ExecutorService notifySenders;
    private volatile boolean closed;

    private SwitchboardNode(NodeConfig config) {
        this.config = config;
    }

    public static SwitchboardNode start(NodeConfig config) {
        SwitchboardNode node = new SwitchboardNode(config);
        try {
            node.startAll();
            return node;
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
    }

    private void startAll() {
        ProxyConfig proxyConfig = ProxyConfig.of(config); // checked before anything starts
        PresenceConfig presenceConfig = PresenceConfig.of(config);
        io.switchboard.sip.trust.Federation federation = FederationConfig.of(config);
        Clock clock = Clock.systemUTC();
        byte[] secret = config.sip().secret().getBytes(StandardCharsets.UTF_8);
        session = openStorage();
        installSchema(session);
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
        AccountRules accountRules = new AccountRules(config.domains());
        createBootstrapUsers(accounts, accountRules, clock);
        // Call settings (sim-ring, forwarding): the proxy asks settingsFor(aor) on each call, the admin API edits them.
        CachingCallSettingsStore callSettings =
                CachingCallSettingsStore.of(CassandraCallSettingsStore.forSessionKeyspace(session));

        // The UDP port is fixed before joining the cluster: the node announces it in its role, so
        // other nodes can reach the TCP/TLS flows it holds (SipPeers).
        int udpPort = config.sip().udpPort() == 0
                ? freeUdpPort(config.sip().bindAddress())
                : config.sip().udpPort();
        system = ActorSystem.create(
                Behaviors.empty(),
                PekkoSettings.SYSTEM_NAME,
                PekkoSettings.from(
                        config,
                        List.of(SipPeers.role(config.nodeId(), config.sip().bindAddress(), udpPort))));
        directory = NodeDirectory.start(system);
        RegisterRules rules = new RegisterRules(config.registrar().policy());
        // Presence: presentity and watcher entities; registration drives presence through the registrar's listener.
        ShardedPresence presence =
                new ShardedPresence(system, config.registrar().askTimeout());
        RegistrarClient endpointLookups = RegistrarClient.readingThroughToStore(
                RegistrarClient.sharded(system, proxyConfig.lookupTimeout()),
                new CassandraBindingStore(session),
                clock);
        RegistrarEntity.init(
                system,
                new RegistrarEntity.Settings(
                        rules,
                        new CassandraBindingStore(session),
                        new PresenceRegistrations(metrics, presence),
                        clock,
                        config.registrar().passivateAfter(),
                        EntityTuning.REGISTRAR_MAX_WAITING));
        RegistrarClient registrar =
                RegistrarClient.sharded(system, config.registrar().askTimeout());

        NonceService nonces = new NonceService(secret, config.auth().nonceLifetime());
        NodeConfig.Throttle t = config.auth().throttle();
        // one throttle for SIP and the users' HTTP Digest interface: one password, one budget
        AuthThrottle throttle = new AuthThrottle(
                new AuthThrottle.Limits(
                        t.perAccountSource(),
                        t.perSource(),
                        t.window(),
                        t.lockout(),
                        t.poolBudget(),
                        t.poolWindow(),
                        t.knownDeviceTtl(),
                        t.maxKnownDevices()),
                AuthThrottle.DEFAULT_MAX_TRACKED_KEYS,
                metrics.authThrottleEvents(),
                // counts live two buckets, so the current bucket is never read after its rows expired
                CassandraAuthFailureStore.forSessionKeyspace(
                        session, config.nodeId(), t.poolWindow().multipliedBy(2)));
        // Authentication state is soft: release it when its time is up, not when traffic next
        // touches it, so memory follows the recently active users rather than all who ever came.
        system.scheduler()
                .scheduleWithFixedDelay(
                        SWEEP_INTERVAL,
                        SWEEP_INTERVAL,
                        () -> {
                            accounts.removeExpired();
                            callSettings.removeExpired();
                            nonces.removeExpired(clock.instant());
                            throttle.removeExpired(clock.instant());
                        },
                        system.executionContext());
        MessageFactory messageFactory;
        HeaderFactory headerFactory;
        try {
            messageFactory = SipFactory.getInstance().createMessageFactory();
            headerFactory = SipFactory.getInstance().createHeaderFactory();
        } catch (javax.sip.PeerUnavailableException e) {
            throw new IllegalStateException("JAIN-SIP RI missing from the class path", e);
        }
        RegisterResponses responses =
                new RegisterResponses(messageFactory, headerFactory, rules.policy(), new Gruus(secret), (int)
                        config.registrar().flowTimer().toSeconds());
        RequestAuthenticator authenticator = new RequestAuthenticator(
                accounts,
                new DigestChallenger(nonces, config.auth().digestPolicy()),
                new DigestVerifier(nonces, secret),
                throttle,
                headerFactory,
                metrics,
                clock);
        FlowTokens flowTokens = new FlowTokens(secret);
        Gruus gruus = new Gruus(secret);
        SipFrontEnd frontEnd = new SipFrontEnd(
                config.nodeId(),
                config.domains(),
                authenticator,
                new RegisterHandler(registrar, responses, metrics, clock),
                responses,
                headerFactory,
                flowTokens,
                metrics,
                gruus,
                federation);
        NodeConfig.Sip s = config.sip();
        SipStackSettings stack = SipStackSettings.defaults(
                        "switchboard-" + config.nodeId(), s.bindAddress(), udpPort, s.tcpPort())
                .withThreadPoolSize(s.threadPoolSize())
                .withMaxServerTransactions(s.maxServerTransactions())
                .withExtraProperties(ProxyRouter.STACK_PROPERTIES);
        if (s.tls().isPresent()) {
            NodeConfig.Tls tls = s.tls().get();
            TlsSettings d = TlsSettings.of(tls.keyStore(), tls.keyStorePassword(), tls.port());
            stack = stack.withTls(new TlsSettings(
                    d.keyStore(),
                    d.keyStorePassword(),
                    tls.keyStoreType(),
                    d.port(),
                    d.trustStore(),
                    d.trustStorePassword(),
                    d.clientAuth(),
                    d.protocols(),
                    d.cipherSuites(),
                    d.handshakeTimeout()));
        }
        sip = SipEndpoint.start(stack, frontEnd);
        notifySenders = java.util.concurrent.Executors.newFixedThreadPool(2, r -> {
            Thread sender = new Thread(r, "notify-send");
            sender.setDaemon(true);
            return sender;
        });
        Map<String, Integer> ports = new java.util.HashMap<>();
        ports.put("udp", sip.udpPort());
        ports.put("tcp", sip.tcpPort());
        s.tls().ifPresent(tlsConfig -> ports.put("tls", sip.tlsPort()));
        ProxyIdentity identity = new ProxyIdentity(
                config.nodeId(),
                s.bindAddress(),
                ports,
                java.util.Set.copyOf(config.domains()),
                flowTokens,
                new RecordRouteSigner(secret));
        // Lookups fall back to Cassandra when an entity does not answer in time (a node just died).
        CassandraBindingStore storedBindings = new CassandraBindingStore(session);
        RegistrarClient lookups = RegistrarClient.readingThroughToStore(
                RegistrarClient.sharded(system, proxyConfig.lookupTimeout()), storedBindings, clock);
        // Requests from strangers read bindings from the store for every name they try, existing
        // or not: the same work either way, and no entity started for made-up names (README,
        // "No user enumeration").
        UserLocator locator =
                new UserLocator(accounts, Locations.over(lookups), Locations.storedIn(storedBindings, clock));
        proxy = new StatefulProxy(
                sip.provider(),
                sip.messages(),
                sip.headers(),
                sip.addresses(),
                identity,
                locator,
                callSettings,
                new SipPeers(directory, config.nodeId(), flowTokens),
                new StatefulProxy.Settings(proxyConfig.timerC(), proxyConfig.outboundProxy()),
                metrics.proxyEvents());
        CassandraPresenceStore presenceStore = new CassandraPresenceStore(session);
        SipPeers peers = new SipPeers(directory, config.nodeId(), flowTokens);
        PresentityEntity.init(
                system,
                new PresentityEntity.Settings(
                        presenceStore,
                        CassandraAccessStore.forSessionKeyspace(session),
                        aor -> endpointLookups.bindings(aor).thenApply(PresenceRegistrations::endpointsOf),
                        presence,
                        new PublishRules(presenceConfig.publish()),
                        presenceConfig.customStates(),
                        java.util.Set.copyOf(config.domains()),
                        presenceConfig.notifyInterval(),
                        EntityTuning.PRESENTITY_RESEND_AFTER,
                        EntityTuning.PRESENCE_PASSIVATE_AFTER,
                        EntityTuning.PRESENCE_MAX_WAITING,
                        clock,
                        presenceConfig.limits().watchersPerPresentity(),
                        metrics::presenceRefused));
        CassandraDueIndex dueIndex = CassandraDueIndex.forSessionKeyspace(session);
        WatcherEntity.init(
                system,
                new WatcherEntity.Settings(
                        presenceStore,
                        CassandraContactListStore.forSessionKeyspace(session),
                        // watchers reach only our users' presentities; made-up names look offline
                        new GatedPresentities(
                                presence,
                                java.util.Set.copyOf(config.domains()),
                                aor -> {
                                    int at = aor.lastIndexOf('@');
                                    return accounts.find(aor.substring(at + 1), aor.substring(4, at))
                                            .thenApply(java.util.Optional::isPresent);
                                },
                                clock),
                        new SipNotifySender(
                                sip.provider(),
                                sip.messages(),
                                sip.headers(),
                                sip.addresses(),
                                identity,
                                peers,
                                notifySenders,
                                // a watcher's Contact may be its GRUU (RFC 5627): resolved as the proxy does
                                new io.switchboard.node.sip.PoolGruuTargets(
                                        sip.addresses(), config.domains(), gruus, proxy::instanceTarget)),
                        presenceConfig.notifyInterval(),
                        EntityTuning.WATCHER_INITIAL_WAIT,
                        EntityTuning.WATCHER_REWATCH_AFTER,
                        EntityTuning.WATCHER_CSEQ_BLOCK,
                        EntityTuning.PRESENCE_PASSIVATE_AFTER,
                        EntityTuning.PRESENCE_MAX_WAITING,
                        clock,
                        dueIndex,
                        presenceConfig.limits().dialogsPerWatcher(),
                        metrics::presenceRefused));
        // Entities whose deadlines must fire even if their node dies are woken by the due sweeper.
        DueSweeper.start(
                system,
                new DueSweeper.Settings(
                        dueIndex,
                        List.of(WatcherEntity.ENTITY_KEY.name()),
                        ShardedEntities.waker(system, List.of(WatcherEntity.ENTITY_KEY)),
                        EntityTuning.DUE_SWEEP_INTERVAL,
                        EntityTuning.DUE_SWEEP_GRACE,
                        EntityTuning.DUE_SWEEP_HORIZON,
                        clock));
        PresenceSip presenceSip = new PresenceSip(
                presence,
                new SubscribeRules(presenceConfig.subscribe()),
                presenceConfig.customStates(),
                identity,
                java.util.Set.copyOf(config.domains()),
                sip.messages(),
                sip.headers(),
                frontEnd::subscriberFlowOf,
                presenceConfig.limits(),
                metrics::presenceRefused);
        frontEnd.attach(sip.provider(), proxy, presenceSip);

        UsersApi users = new UsersApi(accounts, accountRules, config.domains(), clock);
        RegistrationsApi registrations = new RegistrationsApi(lookups, clock);
        CallSettingsApi callSettingsApi = new CallSettingsApi(callSettings, accounts, clock);
        NodeConfig.Admin ac = config.admin();
        try {
            admin = new AdminServer(
                    ac.bindAddress(),
                    ac.port(),
                    ac.token(),
                    Map.of(
                            "/health/alive",
                            c -> done(Reply.text(200, "alive\n")),
                            "/health/ready",
                            c -> done(readiness()),
                            "/metrics",
                            c -> done(new Reply(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()))),
                    Map.of(
                            "/api/users",
                            users::users,
                            "/api/registrations",
                            registrations::registrations,
                            "/api/call-settings",
                            callSettingsApi::callSettings,
                            "/api/pool",
                            new PoolApi(system, directory, POOL_QUERY_TIMEOUT)::pool),
                    new AdminServer.Limits(
                            ac.maxBody(),
                            ac.maxImportBody(),
                            ac.readTimeout(),
                            ac.importReadTimeout(),
                            ac.healthPort()));
        } catch (java.io.IOException e) {
            throw new ConfigError(
                    ac.healthPort() > 0 ? "switchboard.admin.port / health-port" : "switchboard.admin.port",
                    "cannot listen on " + ac.bindAddress() + ":" + ac.port()
                            + (ac.healthPort() > 0 ? " and " + ac.healthPort() : "") + " (" + e.getMessage() + ")");
        }
        admin.secureBulk("/api/users/import", users::importCsv); // the CSV import's own, larger body limit
        // /api/presence (admin token) and /user/presence (users' own HTTP Digest, their SIP credentials)
        HttpDigestAuthenticator userAuth = new HttpDigestAuthenticator(
                accounts,
                config.domains(),
                new DigestChallenger(nonces, config.auth().digestPolicy()),
                new DigestVerifier(nonces, secret),
                throttle,
                clock);
        new PresenceApi(new EntityPresenceAdmin(presence), accounts, config.domains()).register(admin, userAuth);
        admin.start();
        NodeInfoService.start(
                system,
                config.nodeId(),
                s.bindAddress() + ":" + sip.udpPort(),
                "http://" + config.admin().bindAddress() + ":" + admin.port(),
                metrics::activeBindings);
        LOG.info(
                "Node {} up: SIP udp {}:{} tcp {}:{}, admin http://{}:{}/",
                config.nodeId(),
                s.bindAddress(),
                sip.udpPort(),
                s.bindAddress(),
                sip.tcpPort(),
                config.admin().bindAddress(),
                admin.port());
    }

    /**
     * Every table the node uses, created if missing. Several nodes doing this at the same moment on
     * a multi-node Cassandra can race (concurrent CREATE TABLE on different coordinators), so a new
     * pool's schema is best installed by one node, or by calling this once before the others start.
     */
    public static void installSchema(CqlSession session) {
        CassandraSessions.applySchema(session, CassandraDueIndex.class, CassandraDueIndex.SCHEMA_RESOURCE);
        CassandraSessions.applySchema(session, CassandraBindingStore.class, CassandraBindingStore.SCHEMA);
        CassandraSessions.applySchema(session, CassandraAccountStore.class, CassandraAccountStore.SCHEMA_RESOURCE);
        CassandraSessions.applySchema(
                session, CassandraAuthFailureStore.class, CassandraAuthFailureStore.SCHEMA_RESOURCE);
        CassandraSessions.applySchema(
                session, CassandraCallSettingsStore.class, CassandraCallSettingsStore.SCHEMA_RESOURCE);
        CassandraSessions.applySchema(session, CassandraPresenceStore.class, CassandraPresenceStore.SCHEMA);
        CassandraSessions.applySchema(
                session, CassandraContactListStore.class, CassandraContactListStore.SCHEMA_RESOURCE);
        CassandraSessions.applySchema(session, CassandraAccessStore.class, CassandraAccessStore.SCHEMA_RESOURCE);
    }

    private CqlSession openStorage() {
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

    /** Ready = this node is an Up cluster member and its store answers. */
    private Reply readiness() {
        boolean up = system != null && Cluster.get(system).selfMember().status() == MemberStatus.up();
        boolean store = session != null && !session.isClosed();
        boolean sipUp = sip != null;
        String body = "cluster member: " + (up ? "up" : "not up") + "\nstorage: "
                + (store ? "connected" : "not connected") + "\nsip: " + (sipUp ? "listening" : "not listening") + "\n";
        return Reply.text(up && store && sipUp ? 200 : 503, body);
    }

    private static java.util.concurrent.CompletionStage<Reply> done(Reply r) {
        return CompletableFuture.completedFuture(r);
    }

    public NodeConfig config() {
        return config;
    }

    public NodeMetrics metrics() {
        return metrics;
    }

    public ActorSystem<Void> system() {
        return system;
    }

    /** Which pool nodes are Up and reachable; non-blocking, for any thread (the proxy's flow routing). */
    public NodeDirectory directory() {
        return directory;
    }

    public int sipUdpPort() {
        return sip.udpPort();
    }

    public int sipTcpPort() {
        return sip.tcpPort();
    }

    public int adminPort() {
        return admin.port();
    }

    /** The port of the separate health and metrics listener ({@code switchboard.admin.health-port}), or -1. */
    public int adminHealthPort() {
        return admin.healthPort();
    }

    /** Stops SIP first (no new work), then the cluster (hands shards over), then storage. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (admin != null) {
            admin.close();
        }
        if (sip != null) {
            sip.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (notifySenders != null) {
            notifySenders.shutdownNow();
        }
        if (system != null) {
            system.terminate();
            try {
                system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("Actor system did not stop in time: {}", e.toString());
            }
        }
        if (session != null) {
            session.close();
        }
        if (cassandra != null) {
            cassandra.close();
        }
    }
}

package io.switchboard.node;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.entity.fence.CassandraOwnerEpochs;
import io.switchboard.node.admin.AdminServer;
import io.switchboard.node.admin.AdminServer.Reply;
import io.switchboard.node.cluster.NodeDirectory;
import io.switchboard.node.cluster.NodeInfoService;
import io.switchboard.node.cluster.PekkoSettings;
import io.switchboard.node.cluster.SipPeers;
import io.switchboard.node.config.AddressBookConfig;
import io.switchboard.node.config.ConfigError;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.node.config.ParkConfig;
import io.switchboard.node.config.SitesConfig;
import io.switchboard.node.metrics.NodeMetrics;
import io.switchboard.node.sip.PresenceRegistrations;
import io.switchboard.presence.entity.ShardedPresence;
import io.switchboard.registrar.domain.RegisterRules;
import io.switchboard.registrar.entity.RegistrarClient;
import io.switchboard.registrar.entity.RegistrarEntity;
import io.switchboard.sip.stack.SipEndpoint;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pool node: storage ({@link StorageWiring}), cluster and entities, SIP edge ({@link
 * SipWiring}) and admin port ({@link AdminWiring}), started in that order (nothing accepts SIP
 * before its store and entities exist) and stopped in reverse. A start that fails halfway closes
 * what was already opened.
 */
public final class SwitchboardNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SwitchboardNode.class);
    private static final Duration SWEEP_INTERVAL = Duration.ofSeconds(5);
    /** After a failed warm-up round, before the next. */
    private static final Duration PAUSE = Duration.ofMillis(500);
    /** How often readiness asks whether the shard coordinator answers (ShardingProbe). */
    private static final Duration SHARDING_PROBE_INTERVAL = Duration.ofSeconds(2);

    private final NodeConfig config;
    private final NodeMetrics metrics = new NodeMetrics();
    private final StorageWiring storage;
    private ActorSystem<Void> system;
    private NodeDirectory directory;
    private volatile io.switchboard.node.cluster.DeadMemberDowning members;
    private SipWiring sip;
    private AdminServer admin;
    private AddressBookWiring addressBook;
    private volatile boolean closed;
    private final Readiness readiness;
    private volatile ShardingProbe shardingProbe;
    private volatile Drain drain;

    private SwitchboardNode(NodeConfig config) {
        this.config = config;
        this.storage = new StorageWiring(config);
        this.readiness = new Readiness(
                () -> system != null && Cluster.get(system).selfMember().status() == MemberStatus.up(),
                storage::connected,
                () -> sip != null && sip.endpoint() != null,
                () -> members == null || members.inMajority(),
                () -> shardingProbe != null && shardingProbe.ok(),
                () -> shardingProbe == null ? "not started" : shardingProbe.status());
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
        SipWiring.Settings sipSettings = SipWiring.Settings.of(config); // checked before anything starts
        io.switchboard.node.config.AvailabilityConfig.of(config); // so is the ask budget
        AddressBookConfig addressBookConfig = AddressBookConfig.of(config); // so is the address book's

        ParkConfig.of(config); // likewise (call park; read again where it is used)
        SitesConfig.of(config); // likewise (sites)
        io.switchboard.node.config.RoleConfig.of(config); // likewise (role = pool | branch)

        io.switchboard.node.config.ConferencingConfig.of(config); // likewise (conferencing focus)
        io.switchboard.node.config.DrainConfig drainConfig = io.switchboard.node.config.DrainConfig.of(config);
        Clock clock = Clock.systemUTC();
        CqlSession session = storage.open();
        StorageWiring.Stores stores = storage.stores(clock);

        // The UDP port is fixed before joining the cluster: the node announces it in its role, so
        // other nodes can reach the TCP/TLS flows it holds (SipPeers).
        int udpPort = config.sip().udpPort() == 0
                ? freeUdpPort(config.sip().bindAddress())
                : config.sip().udpPort();
        io.switchboard.node.config.RoleConfig roleConfig = io.switchboard.node.config.RoleConfig.of(config);
        String site = roleConfig
                .site()
                .map(io.switchboard.node.config.SitesConfig.Branch::name)
                .orElse(io.switchboard.node.config.SitesConfig.of(config).pool());
        system = ActorSystem.create(
                Behaviors.empty(),
                PekkoSettings.SYSTEM_NAME,
                PekkoSettings.from(
                        config,
                        List.of(
                                SipPeers.role(config.nodeId(), config.sip().bindAddress(), udpPort),
                                io.switchboard.node.cluster.SiteMembership.role(site))));
        // a branch node never stays in another site's cluster (README, "Sites and branches")
        io.switchboard.node.cluster.SiteMembership.start(system, site, roleConfig.isBranch());
        io.switchboard.node.cluster.ClusterFormation.start(system, config);
        directory = NodeDirectory.start(system);
        // A crashed member is downed as soon as its port refuses connections (README, "Cluster settings").
        members = io.switchboard.node.cluster.DeadMemberDowning.start(
                system.classicSystem(),
                io.switchboard.node.config.ClusterFailover.of(config).downCrashedMembers());
        SipWiring.Cluster cluster = startEntities(session, stores, sipSettings, clock);
        shardingProbe = new ShardingProbe(system, RegistrarEntity.ENTITY_KEY.name(), SHARDING_PROBE_INTERVAL);
        shardingProbe.start();

        NodeAuth auth = NodeAuth.of(config, session, metrics);
        // Authentication state is soft: release it when its time is up, not when traffic next
        // touches it, so memory follows the recently active users rather than all who ever came.
        system.scheduler()
                .scheduleWithFixedDelay(
                        SWEEP_INTERVAL,
                        SWEEP_INTERVAL,
                        () -> {
                            stores.accounts().removeExpired();
                            stores.callSettings().removeExpired();
                            auth.nonces().removeExpired(clock.instant());
                            auth.throttle().removeExpired(clock.instant());
                        },
                        system.executionContext());
        sip = new SipWiring(sipSettings, metrics, clock);
        io.switchboard.node.config.AvailabilityConfig availability =
                io.switchboard.node.config.AvailabilityConfig.of(config);
        sip.start(udpPort, session, stores, auth, cluster, readiness::serving, (int)
                availability.retryAfter().toSeconds());
        sip.frontEnd().drainWhen(readiness::isDraining);
        ActorSystem<Void> sys = system;
        drain = new Drain(
                config.nodeId(),
                drainConfig,
                readiness::draining,
                () -> sip.frontEnd().inFlight(),
                () -> org.apache.pekko.actor.CoordinatedShutdown.get(sys).runAll(DrainReason.INSTANCE),
                metrics.registry());

        addressBook = AddressBookWiring.start(
                addressBookConfig, session, stores.accounts(), config.domains(), config.nodeId(), metrics, clock);
        admin = AdminWiring.build(
                config,
                metrics,
                this::readiness,
                stores,
                sip.lookups(),
                cluster,
                auth,
                clock,
                addressBook.api(),
                sip::siteLink,
                // with sites, each site keyspace's replication health in pool status (README, "Sites and branches")
                io.switchboard.node.config.SitesConfig.of(config).branches().isEmpty()
                        ? keyspace -> null
                        : keyspace -> io.switchboard.node.site.ReplicationHealth.of(session.getMetadata(), keyspace));
        admin.secureTree("/api/node/drain", this::drainRoute);
        admin.start();
        SipEndpoint endpoint = sip.endpoint();
        NodeConfig.Sip s = config.sip();
        NodeInfoService.start(
                system,
                config.nodeId(),
                s.bindAddress() + ":" + endpoint.udpPort(),
                "http://" + config.admin().bindAddress() + ":" + admin.port(),
                metrics::activeBindings);
        LOG.info(
                "Node {} up: SIP udp {}:{} tcp {}:{}, admin http://{}:{}/",
                config.nodeId(),
                s.bindAddress(),
                endpoint.udpPort(),
                s.bindAddress(),
                endpoint.tcpPort(),
                config.admin().bindAddress(),
                admin.port());
        // Ready only after the warm-up, which needs this node to be an Up member (Readiness).
        org.apache.pekko.cluster.Cluster.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system))
                .registerOnMemberUp(() -> warmUp(cluster, availability, udpPort));
    }

    private void warmUp(SipWiring.Cluster cluster, io.switchboard.node.config.AvailabilityConfig a, int udpPort) {
        int shards = system.settings().config().getInt("pekko.cluster.sharding.number-of-shards");
        List<String> aors =
                warmEveryShard(a) ? WarmUp.aorsOf(config.nodeId(), shards) : List.of(WarmUp.aorOf(config.nodeId()));
        LOG.info(
                "Node {} is an Up member; warming up through {} reserved AOR(s), such as {}",
                config.nodeId(),
                aors.size(),
                aors.get(0));
        ActorSystem<Void> sys = system;
        new WarmUp(
                        cluster.registrar(),
                        WarmUp.PresenceReads.of(cluster.presence()),
                        aors,
                        new io.switchboard.sip.flow.Flow(
                                "udp", config.sip().bindAddress(), udpPort, config.nodeId(), ""),
                        config.registrar().policy().minExpires(),
                        new WarmUp.Settings(a.warmUpRounds(), a.normalRounds(), a.normalLatency(), PAUSE, 8),
                        (delay, task) -> {
                            if (!closed) {
                                sys.scheduler().scheduleOnce(delay, task, sys.executionContext());
                            }
                        },
                        readiness::warmingUp)
                .start()
                // both parts at once: the SIP requests need no entity (each is answered 401)
                .thenCombine(sipWarmUp(a, udpPort), (entitiesWarm, sipWarm) -> null)
                .thenRun(() -> {
                    sip.frontEnd().serveBeforeReady(null);
                    readiness.warmedUp();
                    LOG.info("Node {} is ready (warm-up done)", config.nodeId());
                });
    }

    /**
     * Whether the warm-up's rounds go through every shard (WarmUp.aorsOf): {@code warm-up.every-shard},
     * whose "auto" means in a pool of one: embedded storage (a laptop) or a branch node (a cluster of
     * its own). In a pool of several, the first node up would take every shard that way, and Pekko's
     * default rebalancing moves one shard per 10 s to the nodes that join after it (about 20 minutes
     * to spread 200), so there the coordinator spreads them as users come.
     */
    private boolean warmEveryShard(io.switchboard.node.config.AvailabilityConfig a) {
        return switch (a.warmUpEveryShard()) {
            case "yes" -> true;
            case "no" -> false;
            default ->
                config.storage().mode() == NodeConfig.StorageMode.EMBEDDED
                        || io.switchboard.node.config.RoleConfig.of(config).isBranch();
        };
    }

    /**
     * The SIP part of the warm-up (SipWarmUp), beside the entities' rounds: REGISTERs to this node's
     * own UDP port, let through the SIP edge until the whole warm-up is done.
     */
    private java.util.concurrent.CompletionStage<Void> sipWarmUp(
            io.switchboard.node.config.AvailabilityConfig a, int udpPort) {
        if (a.warmUpSipRequests() == 0 || closed) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        SipWarmUp warm = new SipWarmUp(
                SipWarmUp.reachable(config.sip().bindAddress(), udpPort),
                config.domains().get(0),
                "warm-up." + config.nodeId().replaceAll("[^A-Za-z0-9-]", "-"),
                new SipWarmUp.Settings(a.warmUpSipRequests(), 32, 1000));
        sip.frontEnd().serveBeforeReady(warm.callIdPrefix());
        int total = a.warmUpSipRequests();
        long started = System.nanoTime();
        return warm.start(
                        answered -> readiness.warmingUpSip("SIP: " + answered + " of " + total + " REGISTERs answered"))
                .thenAccept(answered -> {
                    LOG.info(
                            "Node {}: SIP warm-up, {} of {} REGISTERs answered in {} ms",
                            config.nodeId(),
                            answered,
                            total,
                            (System.nanoTime() - started) / 1_000_000);
                });
    }

    /**
     * The registrar entities and the presence clients; registration drives presence through the
     * registrar's listener.
     */
    private SipWiring.Cluster startEntities(
            CqlSession session, StorageWiring.Stores stores, SipWiring.Settings sipSettings, Clock clock) {
        RegisterRules rules = new RegisterRules(config.registrar().policy());
        io.switchboard.node.config.AvailabilityConfig availability =
                io.switchboard.node.config.AvailabilityConfig.of(config);
        io.switchboard.entity.AskBudget budget = availability.budget();
        // The deadlines travel in messages a node of an earlier release cannot read: during a
        // rolling upgrade from one, send-deadlines stays off (docs/architecture.md, "Cluster message formats").
        ShardedPresence presence = availability.sendDeadlines()
                ? new ShardedPresence(system, budget, clock)
                : new ShardedPresence(system, budget.askTimeout());
        // On a branch node, registration changes also go to the pool, whose presence serves its users (README, "Sites
        // and branches"); sent once the SIP side exists (SipWiring)
        PresenceRegistrations ownPresence = new PresenceRegistrations(metrics, presence);
        io.switchboard.node.site.BranchPresenceRelay branchRelay =
                io.switchboard.node.config.RoleConfig.of(config).isBranch()
                        ? new io.switchboard.node.site.BranchPresenceRelay(ownPresence)
                        : null;
        RegistrarClient endpointLookups = RegistrarClient.readingThroughToStore(
                RegistrarClient.sharded(system, sipSettings.proxy().lookupTimeout()), stores.bindings(), clock);
        RegistrarEntity.init(
                system,
                new RegistrarEntity.Settings(
                        rules,
                        stores.bindings(), // a branch user's in the site keyspace (StorageWiring)
                        branchRelay == null ? ownPresence : branchRelay,
                        clock,
                        config.registrar().passivateAfter(),
                        EntityTuning.REGISTRAR_MAX_WAITING,
                        CassandraOwnerEpochs.forSessionKeyspace(session),
                        budget.writeTimeout()));
        RegistrarClient registrar = availability.sendDeadlines()
                ? RegistrarClient.sharded(system, budget)
                : RegistrarClient.sharded(system, budget.askTimeout());
        return new SipWiring.Cluster(system, directory, rules, presence, registrar, endpointLookups, branchRelay);
    }

    /** Every table the node uses: the versioned {@link PoolSchema}, applied once per version. */
    public static void installSchema(CqlSession session) {
        StorageWiring.installSchema(session);
    }

    private static int freeUdpPort(String address) {
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(0, java.net.InetAddress.getByName(address))) {
            return probe.getLocalPort();
        } catch (java.io.IOException e) {
            throw new ConfigError(
                    "switchboard.sip.bind-address", "cannot bind UDP on " + address + " (" + e.getMessage() + ")");
        }
    }

    /** Why the actor system's coordinated shutdown ran: the node drained ({@link Drain}). */
    enum DrainReason implements org.apache.pekko.actor.CoordinatedShutdown.Reason {
        INSTANCE
    }

    /**
     * {@code POST /api/node/drain}: starts the drain (or joins the one under way) and answers when
     * it is done, 200 with its duration; {@code ?wait=false} answers 202 at once. The node keeps
     * running, not ready, until it is stopped (SIGTERM), which then finds the drain done.
     */
    private java.util.concurrent.CompletionStage<Reply> drainRoute(AdminServer.Call call) {
        if (!call.path().equals("/api/node/drain")) {
            return java.util.concurrent.CompletableFuture.completedFuture(Reply.error(404, "not found"));
        }
        if (!call.method().equals("POST")) {
            return java.util.concurrent.CompletableFuture.completedFuture(
                    Reply.methodNotAllowed("POST", "POST starts the drain"));
        }
        java.util.concurrent.CompletableFuture<Duration> drained = drain();
        if ("false".equals(call.param("wait"))) {
            return java.util.concurrent.CompletableFuture.completedFuture(
                    Reply.text(202, "node " + config.nodeId() + " draining\n"));
        }
        return drained.thenApply(took ->
                Reply.text(200, "node " + config.nodeId() + " drained in " + took.toMillis() + " ms; stop it now\n"));
    }

    /**
     * Drains the node ({@link Drain}): not ready, new dialogs refused with 503 + Retry-After, the
     * SIP transactions under way finished, shards handed over, cluster left. Idempotent; completes
     * with how long it took. A node that did not start completely completes at once.
     */
    public java.util.concurrent.CompletableFuture<Duration> drain() {
        Drain d = drain;
        if (d == null) {
            return java.util.concurrent.CompletableFuture.completedFuture(Duration.ZERO);
        }
        return d.start();
    }

    /** Drains (at most {@code switchboard.drain.timeout} and a little), then closes: what SIGTERM does. */
    public void drainAndClose() {
        try {
            drain().get(
                            io.switchboard.node.config.DrainConfig.of(config)
                                            .timeout()
                                            .toSeconds()
                                    + 5,
                            TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("Node {}: drain did not complete: {}", config.nodeId(), e.toString());
        }
        close();
    }

    /**
     * Runs {@code exit} when this node's cluster member stops without a drain or {@link #close()}: it was
     * downed or removed by the cluster ({@link io.switchboard.node.cluster.ExitWhenDowned}).
     */
    public void exitWhenDowned(Runnable exit) {
        io.switchboard.node.cluster.ExitWhenDowned.watch(
                system, reason -> closed || reason.orElse(null) == DrainReason.INSTANCE, exit);
    }

    /** {@code /health/ready}: see {@link Readiness}, the one definition of ready. */
    private Reply readiness() {
        return readiness.report();
    }

    /** Whether this node is ready (the same answer as {@code /health/ready}; {@link Readiness}). */
    public boolean ready() {
        return readiness.ready();
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
        return sip.endpoint().udpPort();
    }

    public int sipTcpPort() {
        return sip.endpoint().tcpPort();
    }

    public int adminPort() {
        return admin.port();
    }

    /** The port of the separate health and metrics listener ({@code switchboard.admin.health-port}), or -1. */
    public int adminHealthPort() {
        return admin.healthPort();
    }

    /**
     * Stops the admin port and SIP first (no new work: endpoint, proxy, NOTIFY senders), then the
     * cluster (hands shards over), then storage (session, embedded Cassandra).
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (admin != null) {
            admin.close();
        }
        if (addressBook != null) {
            addressBook.close();
        }
        if (sip != null) {
            sip.close();
        }
        if (members != null) {
            members.close();
        }
        if (system != null) {
            system.terminate();
            try {
                system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("Actor system did not stop in time: {}", e.toString());
            }
        }
        storage.close();
    }
}

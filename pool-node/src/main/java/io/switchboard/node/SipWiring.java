package io.switchboard.node;

import com.datastax.oss.driver.api.core.CqlSession;
import com.github.benmanes.caffeine.cache.Ticker;
import io.switchboard.conference.entity.Conferences;
import io.switchboard.conference.sip.FocusSip;
import io.switchboard.node.cluster.NodeDirectory;
import io.switchboard.node.cluster.SipPeers;
import io.switchboard.node.config.ConferencingConfig;
import io.switchboard.node.config.DnsConfig;
import io.switchboard.node.config.FederationConfig;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.node.config.ParkConfig;
import io.switchboard.node.config.PresenceConfig;
import io.switchboard.node.config.ProxyConfig;
import io.switchboard.node.metrics.ConferenceMetrics;
import io.switchboard.node.metrics.NodeMetrics;
import io.switchboard.node.sip.PoolGruuTargets;
import io.switchboard.node.sip.RequestAuthenticator;
import io.switchboard.node.sip.SipFrontEnd;
import io.switchboard.park.media.MohSender;
import io.switchboard.park.sip.ParkSip;
import io.switchboard.presence.entity.ShardedPresence;
import io.switchboard.presence.sip.PresenceSip;
import io.switchboard.proxy.sip.ProxyRouter;
import io.switchboard.proxy.sip.StatefulProxy;
import io.switchboard.proxy.sip.UserLocator;
import io.switchboard.registrar.domain.RegisterRules;
import io.switchboard.registrar.entity.RegistrarClient;
import io.switchboard.registrar.location.Locations;
import io.switchboard.registrar.sip.Gruus;
import io.switchboard.registrar.sip.RegisterHandler;
import io.switchboard.registrar.sip.RegisterResponses;
import io.switchboard.sip.dns.Blacklist;
import io.switchboard.sip.dns.CachingDnsLookup;
import io.switchboard.sip.dns.DnsjavaLookup;
import io.switchboard.sip.dns.SipResolver;
import io.switchboard.sip.flow.FlowTokens;
import io.switchboard.sip.routing.ProxyIdentity;
import io.switchboard.sip.routing.RecordRouteSigner;
import io.switchboard.sip.stack.SipEndpoint;
import io.switchboard.sip.stack.SipStackSettings;
import io.switchboard.sip.stack.TlsSettings;
import io.switchboard.sip.trust.Federation;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import javax.sip.SipFactory;
import javax.sip.header.HeaderFactory;
import javax.sip.message.MessageFactory;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The node's SIP side: the front end, the SIP endpoint (its listening ports), the stateful proxy
 * and the presence edge ({@link PresenceWiring}). Holds what it opened as it opens it, so {@link
 * #close} also cleans up after a start that failed halfway.
 */
final class SipWiring implements AutoCloseable {

    /**
     * The configuration the SIP side reads beyond {@link NodeConfig}, each part checked by
     * {@link #of} (a bad value stops startup before anything starts).
     */
    record Settings(NodeConfig node, ProxyConfig proxy, PresenceConfig presence, Federation federation, DnsConfig dns) {
        static Settings of(NodeConfig config) {
            io.switchboard.node.config.BranchLinkConfig.of(config); // read again by watchSiteLinks
            return new Settings(
                    config,
                    ProxyConfig.of(config),
                    PresenceConfig.of(config),
                    FederationConfig.of(config),
                    DnsConfig.of(config));
        }
    }

    /**
     * What the cluster side started before the SIP side: the actor system, the pool directory and
     * the sharded entities' clients.
     *
     * @param registrar       the registrar entities, asked within the registrar's ask timeout (REGISTER)
     * @param endpointLookups bindings read through to the store when an entity does not answer in
     *                        time (presence)
     * @param branchRelay     on a branch node, what reports its users' registrations to the pool; else null
     */
    record Cluster(
            ActorSystem<Void> system,
            NodeDirectory directory,
            RegisterRules rules,
            ShardedPresence presence,
            RegistrarClient registrar,
            RegistrarClient endpointLookups,
            io.switchboard.node.site.BranchPresenceRelay branchRelay) {}

    private final Settings settings;
    private final NodeConfig config;
    private final NodeMetrics metrics;
    private final Clock clock;
    /** The heap's fill after collections, for the edge's admission. */
    private io.switchboard.node.sip.LiveHeap liveHeap;

    private SipEndpoint endpoint;
    private SipFrontEnd frontEnd;
    private StatefulProxy proxy;
    private ExecutorService notifySenders;
    private ExecutorService dnsAnswers;
    private java.util.concurrent.ScheduledExecutorService mohTimer;
    /** The conferencing focus's SIP side (conferencing-focus/README.md); shares the music-on-hold timer. */
    private volatile FocusSip focusSip;

    private ConferenceMetrics conferenceMetrics;
    private RegistrarClient lookups;
    /** The watched pool-branch links by the site at their other end (README, "Sites and branches"). */
    private final Map<String, io.switchboard.node.site.OptionsWatcher> siteLinks = new java.util.LinkedHashMap<>();

    private java.util.concurrent.ScheduledExecutorService linkTimer;
    /** A branch node's reports of its users' registrations to the pool, or null. */
    private volatile io.switchboard.node.site.BranchPresenceRelay branchRelay;
    /** On a branch node: which next hops are the pool (PoolGate, in-dialog requests); set by watchSiteLinks. */
    private io.switchboard.node.site.PoolAddresses poolAddresses;

    SipWiring(Settings settings, NodeMetrics metrics, Clock clock) {
        this.settings = settings;
        this.config = settings.node();
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * Starts listening on {@code udpPort} (and the configured TCP and TLS ports), then the proxy and
     * the presence edge, and attaches both to the front end.
     */
    /**
     * @param serving    whether the edge serves requests yet (Readiness); until then 503 + Retry-After
     * @param retryAfter that Retry-After, in seconds
     */
    void start(
            int udpPort,
            CqlSession session,
            StorageWiring.Stores stores,
            NodeAuth auth,
            Cluster cluster,
            java.util.function.BooleanSupplier serving,
            int retryAfter) {
        ActorSystem<Void> system = cluster.system();
        MessageFactory messageFactory;
        HeaderFactory headerFactory;
        try {
            messageFactory = SipFactory.getInstance().createMessageFactory();
            headerFactory = SipFactory.getInstance().createHeaderFactory();
        } catch (javax.sip.PeerUnavailableException e) {
            throw new IllegalStateException("JAIN-SIP RI missing from the class path", e);
        }
        RegisterResponses responses = new RegisterResponses(
                messageFactory, headerFactory, cluster.rules().policy(), new Gruus(auth.secret()), (int)
                        config.registrar().flowTimer().toSeconds());
        RequestAuthenticator authenticator = new RequestAuthenticator(
                stores.accounts(), auth.challenger(), auth.verifier(), auth.throttle(), headerFactory, metrics, clock);
        io.switchboard.node.config.RoleConfig role = io.switchboard.node.config.RoleConfig.of(config);
        if (role.isBranch()) {
            // RFC 3261 section 21.4.4: 403, with a reason that helps the operator of a misconfigured phone; a
            // redirect (3xx) would tell a stranger which names are the branch's (they get a challenge first)
            authenticator.failedReason("Authentication failed (branch "
                    + role.site().orElseThrow().name() + " serves its own users only; others register at the pool)");
        }
        if (!role.isBranch() && stores.homeSites().isPresent()) {
            // a branch user's requests that her branch node authenticated and forwarded (BranchVouching)
            authenticator.vouchedFor(new io.switchboard.node.site.BranchVouching(
                    io.switchboard.node.config.SitesConfig.of(config),
                    new RecordRouteSigner(auth.secret()),
                    stores.homeSites().get()));
        }
        FlowTokens flowTokens = new FlowTokens(auth.secret());
        Gruus gruus = new Gruus(auth.secret());
        // a branch node's gate to the pool, once it exists: its REGISTER 200s say when the pool is unreachable
        java.util.concurrent.atomic.AtomicReference<io.switchboard.node.site.PoolGate> poolGate =
                new java.util.concurrent.atomic.AtomicReference<>();
        frontEnd = new SipFrontEnd(
                config.nodeId(),
                config.domains(),
                authenticator,
                new RegisterHandler(cluster.registrar(), responses, metrics, clock, () -> {
                    io.switchboard.node.site.PoolGate gate = poolGate.get();
                    return gate == null ? java.util.Optional.empty() : gate.limitedFunctionality();
                }),
                responses,
                headerFactory,
                flowTokens,
                metrics,
                gruus,
                settings.federation());
        frontEnd.gate(serving, retryAfter); // before the stack delivers the first request
        if (role.isBranch()) {
            frontEnd.forBranch(); // presence, park and conferencing are the pool's
        }
        io.switchboard.node.config.AvailabilityConfig availability =
                io.switchboard.node.config.AvailabilityConfig.of(config);
        frontEnd.admit(
                new io.switchboard.node.sip.Admission(availability.inFlight(), availability.load()),
                auth.nonces(),
                clock);
        metrics.admissionInFlight(frontEnd::admittedInFlight);
        liveHeap = io.switchboard.node.sip.LiveHeap.watch();
        frontEnd.heapFrom(liveHeap::percent);
        metrics.heapAfterGc(liveHeap::percent);
        endpoint = SipEndpoint.start(stackSettings(udpPort), frontEnd);
        endpoint.refuseEarly(frontEnd.earlyRefusal()); // new work shed before the parse under a backlog
        notifySenders = Executors.newFixedThreadPool(2, r -> {
            Thread sender = new Thread(r, "notify-send");
            sender.setDaemon(true);
            return sender;
        });
        NodeConfig.Sip s = config.sip();
        Map<String, Integer> ports = new java.util.HashMap<>();
        ports.put("udp", endpoint.udpPort());
        ports.put("tcp", endpoint.tcpPort());
        s.tls().ifPresent(tlsConfig -> ports.put("tls", endpoint.tlsPort()));
        ProxyIdentity identity = new ProxyIdentity(
                config.nodeId(),
                s.bindAddress(),
                ports,
                Set.copyOf(config.domains()),
                flowTokens,
                new RecordRouteSigner(auth.secret()),
                io.switchboard.node.config.PoolFqdnConfig.of(config).poolFqdn().orElse(""));
        // Lookups fall back to Cassandra when an entity does not answer in time (a node just died).
        io.switchboard.registrar.store.BindingStore storedBindings = stores.bindings();
        lookups = RegistrarClient.readingThroughToStore(
                RegistrarClient.sharded(system, settings.proxy().lookupTimeout()), storedBindings, clock);
        Locations located = Locations.over(lookups);
        // every site's rows of a branch user, merged (CassandraSiteBindings): a lookup finds her wherever she
        // registered, at her branch or, failed over, at the pool
        Locations everySite = Locations.storedIn(stores.lookupBindings(), clock);
        if (stores.homeSites().isPresent()) {
            // branch users' bindings straight from their site keyspace, never a pool entity (SiteLocations)
            located = new io.switchboard.node.site.SiteLocations(
                    located, everySite, stores.homeSites().get());
        } else if (role.isBranch()) {
            // the branch's entity holds the branch's own rows; the pool's rows of the same users are added
            located = io.switchboard.node.site.SiteLocations.merging(located, everySite);
        }
        // Requests from strangers read bindings from the store for every name they try, existing
        // or not: the same work either way, and no entity started for made-up names (README,
        // "No user enumeration").
        UserLocator locator = new UserLocator(stores.accounts(), located, everySite);
        Locations userLocations = located;
        io.switchboard.sip.routing.PoolMembers members = new SipPeers(cluster.directory(), config.nodeId(), flowTokens);
        SipResolver sipResolver = resolver(ports.keySet());
        branchRelay = cluster.branchRelay();
        watchSiteLinks(role, sipResolver, identity);
        if (!role.isBranch() && stores.homeSites().isPresent()) {
            // flows held by branch nodes, reached through them while they answer (BranchPeers)
            io.switchboard.node.config.SitesConfig sites = io.switchboard.node.config.SitesConfig.of(config);
            Map<String, io.switchboard.node.site.OptionsWatcher> byNode = new java.util.HashMap<>();
            for (io.switchboard.node.config.SitesConfig.Branch b : sites.branches()) {
                byNode.put(b.nodeId(), siteLinks.get(b.name()));
            }
            members = new io.switchboard.node.site.BranchPeers(
                    members, flowTokens, sites, nodeId -> byNode.get(nodeId).reachable());
        }
        // A branch node sends whatever is not for its own users to the pool: other domains, and users of our
        // domains it does not know (README, "Sites and branches"); the pool applies its own routing to them.
        // While the pool does not answer, those requests are answered at once (PoolGate).
        StatefulProxy.Settings proxySettings = role.isBranch()
                ? new StatefulProxy.Settings(
                        settings.proxy().timerC(),
                        role.poolUri(),
                        true,
                        poolGate.updateAndGet(none -> new io.switchboard.node.site.PoolGate(
                                siteLinks.get(io.switchboard.node.config.SitesConfig.of(config)
                                        .pool())::reachable,
                                s.bindAddress() + ":" + endpoint.udpPort(),
                                role.site().orElseThrow().name(),
                                io.switchboard.node.config.BranchLinkConfig.of(config)
                                        .trunkUri(),
                                io.switchboard.node.config.BranchLinkConfig.of(config)
                                        .emergencyNumbers(),
                                poolAddresses)))
                : !io.switchboard.node.config.SitesConfig.of(config).branches().isEmpty()
                        // in-dialog requests towards a branch node the pool counts down: 408 at once (BranchLinksGate)
                        ? new StatefulProxy.Settings(
                                settings.proxy().timerC(),
                                settings.proxy().outboundProxy(),
                                false,
                                new io.switchboard.node.site.BranchLinksGate(
                                        io.switchboard.node.config.SitesConfig.of(config),
                                        site -> siteLinks.get(site) == null
                                                || siteLinks.get(site).reachable(),
                                        s.bindAddress() + ":" + endpoint.udpPort()))
                        : new StatefulProxy.Settings(
                                settings.proxy().timerC(), settings.proxy().outboundProxy());
        proxy = new StatefulProxy(
                endpoint.provider(),
                endpoint.messages(),
                endpoint.headers(),
                endpoint.addresses(),
                identity,
                locator,
                stores.callSettings(),
                members,
                proxySettings,
                metrics.proxyEvents(),
                sipResolver);
        // before presence: the due sweeper it starts also wakes parked calls
        ParkConfig parkConfig = ParkConfig.of(config);
        mohTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "music-on-hold");
            t.setDaemon(true);
            return t;
        });
        ParkSip parkSip = new ParkSip(
                new ParkSip.Settings(
                        parkConfig.uri(),
                        Set.copyOf(config.domains()),
                        parkConfig.defaults(),
                        s.bindAddress(),
                        // as the proxy finds a user: a branch user's bindings of every site, without a pool entity
                        aor -> userLocations
                                .lookup(aor)
                                .thenApply(found -> ParkWiring.messageTargets(
                                        new io.switchboard.registrar.entity.RegistrarEntity.CurrentBindings(aor, found),
                                        config.nodeId()))
                                .exceptionally(unavailable -> List.of()),
                        metrics::park,
                        parkConfig.music()),
                stores.orbitRanges(),
                new MohSender(mohTimer),
                mohTimer);
        metrics.parkedCalls(parkSip::activeDialogs);
        ParkWiring.Started park = ParkWiring.start(session, system, clock, parkSip);
        Conferences conferenceEntities = ConferenceWiring.start(session, system, clock);
        ConferencingConfig conferencing = ConferencingConfig.of(config);
        conferenceMetrics = new ConferenceMetrics(metrics, () -> focusSip.conferences(), () -> focusSip.participants());
        conferenceMetrics.watchMixers(metrics, conferencing.mcus(), m -> focusSip.mixerUp(m));
        focusSip = new FocusSip(
                new FocusSip.Settings(
                        Set.copyOf(config.domains()),
                        conferencing.mcus(),
                        conferencing.mcuCheckInterval(),
                        conferenceMetrics::count,
                        conferenceMetrics::mixerFailed,
                        conferencing.factoryUser()),
                mohTimer);
        // a Contact that is a GRUU of ours is resolved by the registrar's bindings (RFC 5627 section 5.4)
        PoolGruuTargets gruuTargets =
                new PoolGruuTargets(endpoint.addresses(), config.domains(), gruus, proxy::instanceTarget);
        // dial-out by REFER rings the callee's bindings as call park rings a parker back (ParkWiring.messageTargets)
        focusSip.dialOutTargets(aor -> userLocations
                .lookup(aor)
                .thenApply(found -> ParkWiring.messageTargets(
                                new io.switchboard.registrar.entity.RegistrarEntity.CurrentBindings(aor, found),
                                config.nodeId())
                        .stream()
                        .map(t -> new FocusSip.DialTarget(t.requestUri(), t.hop()))
                        .toList())
                .exceptionally(unavailable -> List.of()));
        focusSip.storeDialogs(new io.switchboard.conference.store.CassandraDialogStore(session));
        focusSip.attach(
                conferenceEntities,
                endpoint.provider(),
                endpoint.messages(),
                endpoint.headers(),
                endpoint.addresses(),
                identity,
                gruuTargets,
                stores.conferences()::numberOwner);
        parkSip.attach(
                park.calls(),
                park.claims(),
                endpoint.provider(),
                endpoint.messages(),
                endpoint.headers(),
                endpoint.addresses(),
                identity);
        parkSip.joinPool(system, EntityTuning.PARK_ASK_TIMEOUT, park.holders()); // retrieves elsewhere, takeover
        focusSip.takeOverDialogs(system); // the focus's dialogs of nodes that leave the cluster
        PresenceSip presenceSip = new PresenceWiring(config, settings.presence(), metrics, clock)
                .start(
                        session,
                        stores,
                        cluster,
                        new PresenceWiring.SipSide(
                                endpoint,
                                identity,
                                new SipPeers(cluster.directory(), config.nodeId(), flowTokens),
                                gruuTargets,
                                frontEnd,
                                notifySenders));
        frontEnd.attach(endpoint.provider(), proxy, presenceSip);
        if (!role.isBranch() && stores.homeSites().isPresent()) {
            // branch users' registrations at their branch drive their presence here (BranchPresenceReports); the
            // pool's own rows of a branch user: stores.bindings() routes her to the pool site's rows
            frontEnd.attachBranchReports(new io.switchboard.node.site.BranchPresenceReports(
                    new io.switchboard.node.site.BranchVouching(
                            io.switchboard.node.config.SitesConfig.of(config),
                            new RecordRouteSigner(auth.secret()),
                            stores.homeSites().get()),
                    Locations.storedIn(stores.bindings(), clock),
                    cluster.presence()));
        }
        if (cluster.branchRelay() != null) {
            String poolUri = role.poolUri().orElseThrow();
            io.switchboard.node.site.OptionsWatcher poolLink = siteLinks.get(
                    io.switchboard.node.config.SitesConfig.of(config).pool());
            cluster.branchRelay()
                    .attach(
                            io.switchboard.node.site.BranchPresenceRelay.over(
                                    endpoint.provider(),
                                    endpoint.messages(),
                                    identity,
                                    new RecordRouteSigner(auth.secret()),
                                    () -> sipResolver
                                            .resolve(poolUri)
                                            .thenApply(targets -> targets.stream()
                                                    .map(t -> new io.switchboard.sip.routing.NextHop(
                                                            t.address(), t.port(), t.transport()))
                                                    .toList())),
                            poolLink::reachable,
                            linkTimer);
        }
        if (!role.isBranch()) {
            // A branch node serves no call park and hosts no conferences (README, "Sites and branches"): the park URI,
            // orbits, conference URIs and the factory are no users of its site, so they go to the pool like any
            // other, and get 480 with the limited-functionality Warning while the pool does not answer. Its own
            // park and focus stay idle (their entities exist because the due sweeper wakes them).
            frontEnd.attachPark(parkSip);
            frontEnd.attachConference(focusSip);
            focusSip.watchMixers(); // its OPTIONS' answers reach it through the front end from now on
        }
        siteLinks.values().forEach(w -> w.start(linkTimer)); // once the front end hands their answers back
    }

    /**
     * The OPTIONS watches of the pool-branch links (README, "Sites and branches", WAN failure mode): a branch node
     * watches the pool at what {@code branch.pool-uri} resolves to, a pool node with branch sites each branch node
     * at its configured address. Started once the front end is attached.
     */
    private void watchSiteLinks(
            io.switchboard.node.config.RoleConfig role, SipResolver sipResolver, ProxyIdentity identity) {
        io.switchboard.node.config.SitesConfig sites = io.switchboard.node.config.SitesConfig.of(config);
        if (!role.isBranch() && sites.branches().isEmpty()) {
            return;
        }
        io.switchboard.node.config.BranchLinkConfig link = io.switchboard.node.config.BranchLinkConfig.of(config);
        linkTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "site-links");
            t.setDaemon(true);
            return t;
        });
        io.switchboard.node.site.OptionsWatcher.Sender sender =
                io.switchboard.node.site.OptionsWatcher.over(endpoint.provider(), endpoint.messages(), identity);
        if (role.isBranch()) {
            String poolUri = role.poolUri().orElseThrow();
            poolAddresses = io.switchboard.node.site.PoolAddresses.of(poolUri);
            watch(
                    sites.pool(),
                    "the pool",
                    link,
                    sender,
                    () -> sipResolver
                            .resolve(poolUri)
                            .thenApply(targets -> targets.stream()
                                    .map(t -> new io.switchboard.sip.routing.NextHop(
                                            t.address(), t.port(), t.transport()))
                                    .toList())
                            // where the pool is now, for in-dialog requests towards it (PoolGate)
                            .thenApply(poolAddresses::remember));
        } else {
            for (io.switchboard.node.config.SitesConfig.Branch b : sites.branches()) {
                // UDP, as the pool sends to the branch node (BranchPeers)
                List<io.switchboard.sip.routing.NextHop> node =
                        List.of(new io.switchboard.sip.routing.NextHop(b.sipHost(), b.sipPort(), "udp"));
                watch(b.name(), "branch " + b.name(), link, sender, () -> CompletableFuture.completedFuture(node));
            }
        }
    }

    private void watch(
            String site,
            String peer,
            io.switchboard.node.config.BranchLinkConfig link,
            io.switchboard.node.site.OptionsWatcher.Sender sender,
            java.util.function.Supplier<java.util.concurrent.CompletionStage<List<io.switchboard.sip.routing.NextHop>>>
                    targets) {
        metrics.siteLink(site, true, false);
        siteLinks.put(
                site,
                new io.switchboard.node.site.OptionsWatcher(
                        peer, targets, link.checkInterval(), link.downAfter(), link.holdDown(), clock, sender, t -> {
                            metrics.siteLink(site, t.reachable(), true);
                            if (t.reachable() && branchRelay != null) {
                                branchRelay.poolAnswersAgain(); // what changed during the outage (BranchPresenceRelay)
                            }
                        }));
        io.switchboard.node.site.LinkWatch watch = siteLinks.get(site).watch();
        metrics.siteLinkDownFor(site, () -> watch.downFor(clock.instant()).toMillis() / 1000.0);
    }

    /** The watch of the link to {@code site} (the pool on a branch node, a branch on a pool node), or null. */
    io.switchboard.node.site.LinkWatch siteLink(String site) {
        io.switchboard.node.site.OptionsWatcher w = siteLinks.get(site);
        return w == null ? null : w.watch();
    }

    private SipStackSettings stackSettings(int udpPort) {
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
                    d.handshakeTimeout(),
                    tls.reloadCheck()));
        }
        return stack;
    }

    /** Bindings as the proxy and the admin API read them: the entity, or the store when it does not answer in time. */
    RegistrarClient lookups() {
        return lookups;
    }

    /**
     * The RFC 3263 resolver for what the proxy sends outside (README, "DNS"): dnsjava's lookups,
     * answers kept for their TTL and completed on two threads of their own (never a JAIN-SIP
     * thread, docs/architecture.md rule 4).
     *
     * @param transports the transports this node listens on, the only ones it sends on
     */
    private SipResolver resolver(Set<String> transports) {
        DnsConfig dns = settings.dns();
        dnsAnswers = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "dns-answers");
            t.setDaemon(true);
            return t;
        });
        return new SipResolver(
                new CachingDnsLookup(
                        new DnsjavaLookup(dns.servers(), dns.timeout(), dnsAnswers), Ticker.systemTicker()),
                new Blacklist(dns.blacklistTime()),
                transports,
                sum -> ThreadLocalRandom.current().nextInt(sum + 1),
                clock);
    }

    /** The SIP front end, or null before {@link #start}: the drain's gate and in-flight count (Drain). */
    SipFrontEnd frontEnd() {
        return frontEnd;
    }

    /** The SIP endpoint, or null when the node did not get as far as listening. */
    SipEndpoint endpoint() {
        return endpoint;
    }

    /** Stops listening, then the proxy, then the NOTIFY senders. */
    @Override
    public void close() {
        if (endpoint != null) {
            endpoint.close();
        }
        if (liveHeap != null) {
            liveHeap.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (notifySenders != null) {
            notifySenders.shutdownNow();
        }
        if (focusSip != null) {
            focusSip.close();
        }
        if (mohTimer != null) {
            mohTimer.shutdownNow();
        }
        if (dnsAnswers != null) {
            dnsAnswers.shutdownNow();
        }
        siteLinks.values().forEach(io.switchboard.node.site.OptionsWatcher::close);
        if (linkTimer != null) {
            linkTimer.shutdownNow();
        }
    }
}

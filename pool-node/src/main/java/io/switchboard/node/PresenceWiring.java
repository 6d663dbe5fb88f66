package io.switchboard.node;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.conference.entity.ConferenceEntity;
import io.switchboard.entity.ShardedEntities;
import io.switchboard.entity.due.CassandraDueIndex;
import io.switchboard.entity.due.DueSweeper;
import io.switchboard.entity.fence.CassandraOwnerEpochs;
import io.switchboard.node.cluster.SipPeers;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.node.config.PresenceConfig;
import io.switchboard.node.metrics.NodeMetrics;
import io.switchboard.node.sip.PoolGruuTargets;
import io.switchboard.node.sip.PresenceRegistrations;
import io.switchboard.node.sip.SipFrontEnd;
import io.switchboard.park.entity.ParkedCallEntity;
import io.switchboard.presence.domain.PublishRules;
import io.switchboard.presence.domain.SubscribeRules;
import io.switchboard.presence.entity.GatedPresentities;
import io.switchboard.presence.entity.PresentityEntity;
import io.switchboard.presence.entity.ShardedPresence;
import io.switchboard.presence.entity.WatcherEntity;
import io.switchboard.presence.sip.PresenceSip;
import io.switchboard.presence.sip.SipNotifySender;
import io.switchboard.presence.store.CassandraAccessStore;
import io.switchboard.presence.store.CassandraContactListStore;
import io.switchboard.presence.store.CassandraPresenceStore;
import io.switchboard.sip.routing.ProxyIdentity;
import io.switchboard.sip.stack.SipEndpoint;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The presence edge of the SIP side: the presentity and watcher entities, the due sweeper that
 * wakes watchers whose node died, and the SUBSCRIBE/PUBLISH handler the front end hands presence
 * requests to. Started by {@link SipWiring} once the endpoint and the proxy exist.
 */
final class PresenceWiring {

    /**
     * What the presence edge uses of the SIP side.
     *
     * @param peers         the pool as the NOTIFY sender sees it (a watcher's flow may be on another node)
     * @param gruuTargets   a watcher's Contact may be its GRUU (RFC 5627): resolved as the proxy does
     * @param notifySenders the threads NOTIFYs are sent on
     */
    record SipSide(
            SipEndpoint endpoint,
            ProxyIdentity identity,
            SipPeers peers,
            PoolGruuTargets gruuTargets,
            SipFrontEnd frontEnd,
            ExecutorService notifySenders) {}

    private final NodeConfig config;
    private final PresenceConfig presenceConfig;
    private final NodeMetrics metrics;
    private final Clock clock;

    PresenceWiring(NodeConfig config, PresenceConfig presenceConfig, NodeMetrics metrics, Clock clock) {
        this.config = config;
        this.presenceConfig = presenceConfig;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * Where a presentity finds its registered endpoints when it loads: the registrar's bindings. On a pool node with
     * branch sites, a branch user's are her stored rows of every site (those her branch node wrote, replicated to
     * the pool's data center, and the pool's own): the pool's registrar does not hold her branch registrations
     * (README, "Sites and branches"). After that, her branch node's reports keep her presentity current
     * (BranchPresenceReports).
     */
    private java.util.function.Function<
                    String, java.util.concurrent.CompletionStage<List<io.switchboard.presence.entity.Endpoint>>>
            registeredEndpoints(StorageWiring.Stores stores, SipWiring.Cluster cluster) {
        java.util.function.Function<
                        String, java.util.concurrent.CompletionStage<List<io.switchboard.presence.entity.Endpoint>>>
                registrar =
                        aor -> cluster.endpointLookups().bindings(aor).thenApply(PresenceRegistrations::endpointsOf);
        if (stores.homeSites().isEmpty()
                || io.switchboard.node.config.RoleConfig.of(config).isBranch()) {
            return registrar;
        }
        io.switchboard.node.site.HomeSites homes = stores.homeSites().get();
        io.switchboard.registrar.location.Locations everySite =
                io.switchboard.registrar.location.Locations.storedIn(stores.lookupBindings(), clock);
        return aor -> homes.of(aor)
                .thenCompose(site -> site.isEmpty()
                        ? registrar.apply(aor)
                        : everySite
                                .lookup(aor)
                                .thenApply(PresenceRegistrations::endpoints)
                                .exceptionally(unavailable -> List.of()));
    }

    /** Starts the entities and the due sweeper; returns the handler for the front end. */
    PresenceSip start(CqlSession session, StorageWiring.Stores stores, SipWiring.Cluster cluster, SipSide sip) {
        ActorSystem<Void> system = cluster.system();
        ShardedPresence presence = cluster.presence();
        SipEndpoint endpoint = sip.endpoint();
        CassandraPresenceStore presenceStore = new CassandraPresenceStore(session);
        CassandraOwnerEpochs owners = CassandraOwnerEpochs.forSessionKeyspace(session);
        PresentityEntity.init(
                system,
                new PresentityEntity.Settings(
                        presenceStore,
                        CassandraAccessStore.forSessionKeyspace(session),
                        registeredEndpoints(stores, cluster),
                        presence,
                        new PublishRules(presenceConfig.publish()),
                        presenceConfig.customStates(),
                        Set.copyOf(config.domains()),
                        presenceConfig.notifyInterval(),
                        EntityTuning.PRESENTITY_RESEND_AFTER,
                        EntityTuning.PRESENCE_PASSIVATE_AFTER,
                        EntityTuning.PRESENCE_MAX_WAITING,
                        clock,
                        presenceConfig.limits().watchersPerPresentity(),
                        metrics::presenceRefused,
                        owners,
                        io.switchboard.node.config.AvailabilityConfig.of(config)
                                .budget()
                                .writeTimeout()));
        CassandraDueIndex dueIndex = CassandraDueIndex.forSessionKeyspace(session);
        WatcherEntity.init(
                system,
                new WatcherEntity.Settings(
                        presenceStore,
                        CassandraContactListStore.forSessionKeyspace(session),
                        // watchers reach only our users' presentities; made-up names look offline
                        new GatedPresentities(
                                presence,
                                Set.copyOf(config.domains()),
                                aor -> {
                                    int at = aor.lastIndexOf('@');
                                    return stores.accounts()
                                            .find(aor.substring(at + 1), aor.substring(4, at))
                                            .thenApply(java.util.Optional::isPresent);
                                },
                                clock),
                        new SipNotifySender(
                                endpoint.provider(),
                                endpoint.messages(),
                                endpoint.headers(),
                                endpoint.addresses(),
                                sip.identity(),
                                sip.peers(),
                                sip.notifySenders(),
                                sip.gruuTargets()),
                        presenceConfig.notifyInterval(),
                        EntityTuning.WATCHER_INITIAL_WAIT,
                        EntityTuning.WATCHER_REWATCH_AFTER,
                        EntityTuning.WATCHER_CSEQ_BLOCK,
                        EntityTuning.PRESENCE_PASSIVATE_AFTER,
                        EntityTuning.PRESENCE_MAX_WAITING,
                        clock,
                        dueIndex,
                        presenceConfig.limits().dialogsPerWatcher(),
                        metrics::presenceRefused,
                        owners,
                        io.switchboard.node.config.AvailabilityConfig.of(config)
                                .budget()
                                .writeTimeout()));
        // Entities whose deadlines must fire even if their node dies are woken by the due sweeper
        // (watchers here; parked calls and conferences, started by ParkWiring and ConferenceWiring before this).
        DueSweeper.start(
                system,
                new DueSweeper.Settings(
                        dueIndex,
                        List.of(
                                WatcherEntity.ENTITY_KEY.name(),
                                ParkedCallEntity.ENTITY_KEY.name(),
                                ConferenceEntity.ENTITY_KEY.name()),
                        ShardedEntities.waker(
                                system,
                                List.<EntityTypeKey<?>>of(
                                        WatcherEntity.ENTITY_KEY,
                                        ParkedCallEntity.ENTITY_KEY,
                                        ConferenceEntity.ENTITY_KEY)),
                        EntityTuning.DUE_SWEEP_INTERVAL,
                        EntityTuning.DUE_SWEEP_GRACE,
                        EntityTuning.DUE_SWEEP_HORIZON,
                        clock));
        return new PresenceSip(
                presence,
                new SubscribeRules(presenceConfig.subscribe()),
                presenceConfig.customStates(),
                sip.identity(),
                Set.copyOf(config.domains()),
                endpoint.messages(),
                endpoint.headers(),
                sip.frontEnd()::subscriberFlowOf,
                presenceConfig.limits(),
                metrics::presenceRefused);
    }
}

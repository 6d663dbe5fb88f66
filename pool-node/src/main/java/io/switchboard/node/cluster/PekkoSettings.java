package io.switchboard.node.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.switchboard.node.config.ClusterDiscovery;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.node.config.SplitBrainResolver;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** The Pekko configuration of a node, derived from our own settings (operators never write Pekko config). */
public final class PekkoSettings {

    /**
     * The Kryo serializer and the message types it carries between nodes (docs/architecture.md, rule 7), as the
     * {@code pekko.actor} settings; shared with the serializer's tests so they check the real list.
     */
    public static final String SERIALIZATION = """
            serializers { kryo = "io.switchboard.node.cluster.KryoSerializer" }
            serialization-bindings {
              "io.switchboard.registrar.entity.RegistrarEntity$Command" = kryo
              "io.switchboard.registrar.entity.RegistrarEntity$RegisterReply" = kryo
              "io.switchboard.registrar.entity.RegistrarEntity$BindingsReply" = kryo
              "io.switchboard.node.cluster.NodeInfoService$Message" = kryo
              "io.switchboard.entity.ShardedEntities$Wake" = kryo
              "io.switchboard.presence.entity.PresentityEntity$Command" = kryo
              "io.switchboard.presence.entity.PresentityEntity$PublishReply" = kryo
              "io.switchboard.presence.entity.PresentityEntity$WatchReply" = kryo
              "io.switchboard.presence.entity.PresentityEntity$ViewReply" = kryo
              "io.switchboard.presence.entity.PresentityEntity$AccessReply" = kryo
              "io.switchboard.presence.entity.WatcherEntity$Command" = kryo
              "io.switchboard.presence.entity.WatcherEntity$SubscribeReply" = kryo
              "io.switchboard.presence.entity.WatcherEntity$ContactsReply" = kryo
              "io.switchboard.park.entity.ParkedCallEntity$Command" = kryo
              "io.switchboard.park.entity.ParkedCallEntity$ParkReply" = kryo
              "io.switchboard.park.entity.ParkedCallEntity$RetrieveReply" = kryo
              "io.switchboard.park.entity.ParkedCallEntity$StateReply" = kryo
              "io.switchboard.park.entity.ParkedCallEntity$TakeOverReply" = kryo
              "io.switchboard.park.sip.ParkPeers$Command" = kryo
              "io.switchboard.park.sip.ParkPeers$TakeReply" = kryo
              "io.switchboard.conference.entity.ConferenceEntity$Command" = kryo
              "io.switchboard.conference.entity.ConferenceEntity$CreateReply" = kryo
              "io.switchboard.conference.entity.ConferenceEntity$JoinReply" = kryo
              "io.switchboard.conference.entity.ConferenceEntity$ChangeReply" = kryo
              "io.switchboard.conference.entity.ConferenceEntity$StateReply" = kryo
              "io.switchboard.conference.sip.DialogHandover$Message" = kryo
              "io.switchboard.conference.sip.DialogHandover$Released" = kryo
              "io.switchboard.conference.entity.ConferenceEntity$MixerReply" = kryo
            }
            """;

    public static final String SYSTEM_NAME = "switchboard";

    private PekkoSettings() {}

    public static Config from(NodeConfig config) {
        return from(config, java.util.List.of());
    }

    /** @param roles cluster roles of this node (e.g. {@link SipPeers#role}) */
    public static Config from(NodeConfig config, java.util.List<String> roles) {
        return from(config, roles, System.getenv());
    }

    /** @param env the process environment, where the Kubernetes API server's address is ({@link SplitBrainResolver}) */
    public static Config from(NodeConfig config, java.util.List<String> roles, Map<String, String> env) {
        ClusterDiscovery discovery = ClusterDiscovery.of(config);
        SplitBrainResolver resolver = SplitBrainResolver.of(config, env);
        // With cluster bootstrap (ClusterFormation) the seeds stay empty: a node with seed nodes joins them by itself.
        String seeds = discovery.kubernetes()
                ? ""
                : config.cluster().seedNodes().stream()
                        .map(s -> "\"pekko://" + SYSTEM_NAME + "@" + s + "\"")
                        .collect(Collectors.joining(", "));
        String text = """
                pekko {
                  loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
                  logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
                  loglevel = INFO
                  log-dead-letters-during-shutdown = off
                  actor {
                    provider = cluster
                  }
                  remote.artery.canonical { hostname = "%s", port = %d }
                  cluster {
                    seed-nodes = [%s]
                    # Every member advertises its node id (NodeDirectory reads it).
                    roles = [%s]
                    downing-provider-class = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"
                    split-brain-resolver {
                      active-strategy = %s
                      # Pekko's recommended minimum for up to 5 nodes (its split-brain resolver docs)
                      stable-after = 7s
                    }
                    # switchboard.cluster.failover.down-removal-margin (ClusterFailover): below Pekko's
                    # recommended 7 s on purpose, since a crashed member is downed within ~0.5 s
                    # (DeadMemberDowning) and this margin is then most of a crash's 503 window; an owner that
                    # has not stopped when its successor starts cannot win a store write, since every entity
                    # write is fenced by its owner epoch (README, "Cluster settings").
                    down-removal-margin = %dms
                    # The leader removes a downed member at its next round.
                    leader-actions-interval = 500ms
                    sharding {
                      # Entities with bindings stay; an empty one passivates itself (registrar.passivate-after).
                      passivation.strategy = none
                      number-of-shards = 200
                      # A region holding messages for a shard without a home asks the coordinator again this
                      # often (default 2 s): after a member's removal, its shards get a home this much sooner.
                      retry-interval = 250ms
                    }
                  }
                  coordinated-shutdown.exit-jvm = off
                  # Main's shutdown hook runs it, after the node drained its SIP transactions (Drain).
                  # No hook of Pekko's own either: Artery's would close remoting at SIGTERM, before the
                  # drain hands the shards over and leaves, and the others would see us unreachable.
                  coordinated-shutdown.run-by-jvm-shutdown-hook = off
                  jvm-shutdown-hooks = off
                }
                """.formatted(
                        config.cluster().host(),
                        config.cluster().port(),
                        seeds,
                        java.util.stream.Stream.concat(
                                        java.util.stream.Stream.of(NodeDirectory.role(config.nodeId())), roles.stream())
                                .map(r -> "\"" + r + "\"")
                                .collect(Collectors.joining(", ")),
                        resolver.leaseMajority() ? SplitBrainResolver.LEASE_MAJORITY : SplitBrainResolver.KEEP_MAJORITY,
                        io.switchboard.node.config.ClusterFailover.of(config)
                                .downRemovalMargin()
                                .toMillis());
        Config settings = ConfigFactory.parseString(text);
        if (discovery.kubernetes()) {
            // Management listens on the node's own address (the pod IP in Kubernetes): bootstrap finds
            // itself among the discovered pods by comparing that address with their pod IPs.
            settings = ConfigFactory.parseString(bootstrap(config.sip().bindAddress(), discovery))
                    .withFallback(settings);
        }
        if (resolver.leaseMajority()) {
            settings = lease(resolver.lease()).withFallback(settings);
        }
        return settings.withFallback(ConfigFactory.parseString("pekko.actor {\n" + SERIALIZATION + "}"))
                .withFallback(ConfigFactory.load());
    }

    /**
     * The split-brain resolver's {@code lease-majority} with Pekko's Kubernetes lease (a {@code Lease}
     * custom resource of group {@code pekko.apache.org}): on a partition the majority side's leader takes
     * the lease at once, a minority's after {@code acquire-lease-delay-for-minority} (2 s), and a side that
     * cannot take it within {@code lease-operation-timeout} (5 s) downs itself. Values, not HOCON text, so
     * that paths and names need no quoting.
     */
    private static Config lease(SplitBrainResolver.Lease lease) {
        Map<String, Object> k8s = new HashMap<>();
        k8s.put("api-ca-path", lease.caPath());
        k8s.put("api-token-path", lease.tokenPath());
        k8s.put("api-service-host", lease.apiHost());
        k8s.put("api-service-port", lease.apiPort());
        k8s.put("namespace-path", lease.namespacePath());
        // Pekko's "not set" value: the namespace is then read from namespace-path
        k8s.put("namespace", lease.namespace().isEmpty() ? "<namespace>" : lease.namespace());
        return ConfigFactory.parseMap(Map.of(
                        "pekko.cluster.split-brain-resolver.lease-majority",
                        Map.of(
                                "lease-implementation",
                                "pekko.coordination.lease.kubernetes",
                                "lease-name",
                                lease.name())))
                .withFallback(ConfigFactory.parseMap(Map.of("pekko.coordination.lease.kubernetes", k8s)));
    }

    /**
     * Pekko Management and cluster bootstrap for {@code cluster.discovery = kubernetes-api}: the
     * pods come from the Kubernetes API (the pod's service account token, CA and namespace files),
     * each one's contact point is its pod IP and its container port named {@code management}.
     */
    private static String bootstrap(String host, ClusterDiscovery d) {
        return """
                pekko.management {
                  http { hostname = "%s", port = %d }
                  cluster.bootstrap {
                    contact-point-discovery {
                      discovery-method = kubernetes-api
                      service-name = "%s"
                      port-name = "management"
                      required-contact-point-nr = %d
                    }
                    contact-point.fallback-port = %d
                  }
                }
                pekko.discovery.kubernetes-api {
                  pod-label-selector = "%s"
                  # contact points by pod IP, not by the pod DNS names CoreDNS may not serve
                  use-raw-ip = true
                }
                """.formatted(
                        host,
                        d.managementPort(),
                        SYSTEM_NAME,
                        d.requiredContactPoints(),
                        d.managementPort(),
                        d.podLabelSelector());
    }
}

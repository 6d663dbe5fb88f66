package io.switchboard.node.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.switchboard.node.config.NodeConfig;
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
            }
            """;

    public static final String SYSTEM_NAME = "switchboard";

    private PekkoSettings() {}

    public static Config from(NodeConfig config) {
        return from(config, java.util.List.of());
    }

    /** @param roles cluster roles of this node (e.g. {@link SipPeers#role}) */
    public static Config from(NodeConfig config, java.util.List<String> roles) {
        String seeds = config.cluster().seedNodes().stream()
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
                      active-strategy = keep-majority
                      stable-after = 7s
                    }
                    sharding {
                      # Entities with bindings stay; an empty one passivates itself (registrar.passivate-after).
                      passivation.strategy = none
                      number-of-shards = 200
                    }
                  }
                  coordinated-shutdown.exit-jvm = off
                  coordinated-shutdown.run-by-jvm-shutdown-hook = on
                }
                """.formatted(
                        config.cluster().host(),
                        config.cluster().port(),
                        seeds,
                        java.util.stream.Stream.concat(
                                        java.util.stream.Stream.of(NodeDirectory.role(config.nodeId())), roles.stream())
                                .map(r -> "\"" + r + "\"")
                                .collect(Collectors.joining(", ")));
        return ConfigFactory.parseString(text)
                .withFallback(ConfigFactory.parseString("pekko.actor {\n" + SERIALIZATION + "}"))
                .withFallback(ConfigFactory.load());
    }
}

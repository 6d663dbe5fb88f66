package io.switchboard.node.cluster;

import com.typesafe.config.ConfigFactory;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.node.localpool.ParentLink;
import java.io.File;
import java.time.Duration;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * A pool node's cluster part in a process of its own (for {@link KubernetesBootstrapTest}): the
 * actor system the node builds ({@link PekkoSettings}, {@link ClusterFormation}) from a config with
 * {@code cluster.discovery = kubernetes-api}, plus the test's settings for the stub Kubernetes API.
 * Prints {@code STARTED} once bootstrap runs, then {@code UP <members>} whenever the set of Up members it
 * sees changes and {@code UNREACHABLE <members>} whenever the set it cannot reach does; exits when stdin
 * closes, and, as a node does ({@link ExitWhenDowned}), with {@link ExitWhenDowned#EXIT_STATUS} when the
 * cluster downs or removes it.
 *
 * <p>Arguments: host, cluster port, management port, required contact points, Pekko overrides file, and
 * optionally a file of further {@code switchboard} settings (e.g. the split-brain resolver's). With that
 * file the process also serves the admin API's {@code GET /api/pool} (the node's {@link
 * io.switchboard.node.admin.PoolApi}, {@link NodeDirectory} and {@link NodeInfoService}) on {@code
 * admin.bind-address}:{@code admin.port} with {@code admin.token}, so that {@code pool status} can ask it.
 */
public final class BootstrapNodeMain {

    public static void main(String[] args) throws java.io.IOException {
        ParentLink.exitWhenStdinCloses();
        String host = args[0];
        NodeConfig config = NodeConfig.fromString("""
                switchboard {
                  node.id = "node-%s"
                  sip.bind-address = "%s"
                  cluster { host = "%s", port = %s, discovery = kubernetes-api }
                  cluster.kubernetes-api { management-port = %s, required-contact-points = %s }
                }
                """.formatted(host, host, host, args[1], args[2], args[3])
                + (args.length > 5 ? java.nio.file.Files.readString(java.nio.file.Path.of(args[5])) : ""));
        ActorSystem<Void> system = ActorSystem.create(
                Behaviors.empty(),
                PekkoSettings.SYSTEM_NAME,
                ConfigFactory.parseFile(new File(args[4])).withFallback(PekkoSettings.from(config)));
        ExitWhenDowned.watch(system, reason -> false, () -> System.exit(ExitWhenDowned.EXIT_STATUS));
        ClusterFormation.start(system, config);
        if (args.length > 5) {
            NodeConfig.Admin admin = config.admin();
            NodeInfoService.start(
                    system,
                    config.nodeId(),
                    host + ":5060",
                    "http://" + admin.bindAddress() + ":" + admin.port(),
                    () -> 0L);
            io.switchboard.node.admin.PoolApi pool =
                    new io.switchboard.node.admin.PoolApi(system, NodeDirectory.start(system), Duration.ofSeconds(1));
            new io.switchboard.node.admin.AdminServer(
                            admin.bindAddress(),
                            admin.port(),
                            admin.token(),
                            java.util.Map.of(),
                            java.util.Map.of("/api/pool", pool::pool))
                    .start();
        }
        System.out.println("STARTED");
        System.out.flush();
        String[] last = {"", "UNREACHABLE "};
        system.scheduler()
                .scheduleAtFixedRate(
                        Duration.ZERO,
                        Duration.ofMillis(200),
                        () -> {
                            TreeSet<String> up = new TreeSet<>();
                            Cluster.get(system).state().getMembers().forEach(m -> {
                                if (m.status() == MemberStatus.up()) {
                                    up.add(m.address().toString());
                                }
                            });
                            String line = "UP " + String.join(",", up);
                            if (!up.isEmpty() && !line.equals(last[0])) {
                                last[0] = line;
                                System.out.println(line);
                                System.out.flush();
                            }
                            TreeSet<String> unreachable = new TreeSet<>();
                            Cluster.get(system)
                                    .state()
                                    .getUnreachable()
                                    .forEach(m -> unreachable.add(m.address().toString()));
                            String cut = "UNREACHABLE " + String.join(",", unreachable);
                            if (!cut.equals(last[1])) {
                                last[1] = cut;
                                System.out.println(cut);
                                System.out.flush();
                            }
                        },
                        system.executionContext());
    }
}

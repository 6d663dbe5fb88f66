package io.switchboard.node;

import io.switchboard.node.cli.AdminCli;
import io.switchboard.node.config.ConfigError;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.node.localpool.LocalPool;
import io.switchboard.node.localpool.ParentLink;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * {@code bin/switchboard}: {@code start [--config FILE]} runs a node, {@code schema apply [--config FILE]}
 * applies the schema and exits, {@code site add NAME [--config FILE]} prepares a new branch site's keyspace
 * ({@link SiteCommand}); everything else is the admin CLI.
 */
public final class Main {

    private Main() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && args[0].equals("start")) {
            System.exit(start(Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args.length > 0 && args[0].equals("local-pool")) {
            System.exit(LocalPool.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        if (args.length > 0 && args[0].equals("schema")) {
            System.exit(SchemaCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        if (args.length > 0 && args[0].equals("site")) {
            System.exit(SiteCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        System.exit(AdminCli.run(args, System.out, System.err));
    }

    private static int start(String[] args) throws InterruptedException {
        Path configFile = null;
        boolean exitWithParent = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                configFile = Path.of(args[++i]);
            } else if (args[i].equals("--exit-with-parent")) {
                exitWithParent = true; // set by local-pool, which holds our stdin
            } else {
                System.err.println("start: unknown argument " + args[i] + " (usage: start [--config FILE])");
                return 2;
            }
        }
        if (exitWithParent) {
            ParentLink.exitWhenStdinCloses(); // before the (slow) start, so a launcher dying meanwhile is noticed
        }
        NodeConfig config;
        SwitchboardNode node;
        try {
            config = NodeConfig.load(configFile);
            node = SwitchboardNode.start(config);
        } catch (ConfigError e) {
            System.err.println(e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            // e.g. the SIP port is taken: say so and exit, rather than leave a JVM that the SIP
            // stack's non-daemon threads keep alive with nothing listening
            System.err.println("Node failed to start: " + e.getMessage());
            org.slf4j.LoggerFactory.getLogger(Main.class).error("Node failed to start", e);
            return 1;
        }
        // downed by the split-brain resolver (a partition's losing side): exit, so the supervisor starts us again
        node.exitWhenDowned(() -> System.exit(io.switchboard.node.cluster.ExitWhenDowned.EXIT_STATUS));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            // SIGTERM (Kubernetes, systemd, local-pool): drain first (Drain), then close
                            node.drainAndClose();
                            stopped.countDown();
                        },
                        "switchboard-shutdown"));
        stopped.await();
        return 0;
    }
}

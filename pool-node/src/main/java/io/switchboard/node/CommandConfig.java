package io.switchboard.node;

import io.switchboard.node.config.ConfigError;
import io.switchboard.node.config.NodeConfig;
import java.io.PrintStream;
import java.nio.file.Path;

/** The node configuration a one-shot command (schema apply, site add) reads: {@code [--config FILE]}. */
final class CommandConfig {

    private CommandConfig() {}

    /**
     * The configuration named by {@code args} from index {@code from} on ({@code --config FILE}; none: the default
     * file), or null once {@code err} says what is wrong (an unknown argument, a bad configuration): exit status 2.
     */
    static NodeConfig load(String[] args, int from, String command, String usage, PrintStream err) {
        Path configFile = null;
        for (int i = from; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                configFile = Path.of(args[++i]);
            } else {
                err.println(command + ": unknown argument " + args[i] + " (" + usage + ")");
                return null;
            }
        }
        try {
            return NodeConfig.load(configFile);
        } catch (ConfigError e) {
            err.println(e.getMessage());
            return null;
        }
    }
}

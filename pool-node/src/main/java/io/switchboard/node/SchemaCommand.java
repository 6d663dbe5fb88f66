package io.switchboard.node;

import io.switchboard.node.config.ConfigError;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.storage.VersionedSchema;
import java.io.PrintStream;

/**
 * {@code bin/switchboard schema apply --config FILE}: applies the pool's schema version
 * ({@link PoolSchema}) to the configured external Cassandra and exits; for a Kubernetes init
 * container or Job, or by hand before a pool's first start. Safe to run concurrently with nodes and
 * with itself (the schema lock), and a no-op when the version is applied already.
 */
final class SchemaCommand {

    static final String USAGE = "usage: schema apply [--config FILE]";

    private SchemaCommand() {}

    /** Exit status: 0 applied or already current, 1 failed, 2 bad usage or configuration. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || !args[0].equals("apply")) {
            err.println(USAGE);
            return 2;
        }
        NodeConfig config = CommandConfig.load(args, 1, "schema apply", USAGE, err);
        if (config == null) {
            return 2;
        }
        try (StorageWiring storage = new StorageWiring(config)) {
            VersionedSchema.Outcome outcome = storage.applySchemaOnly();
            out.println(switch (outcome) {
                        case APPLIED -> "Applied schema version " + PoolSchema.VERSION;
                        case CURRENT -> "Schema version " + PoolSchema.VERSION + " was applied already";
                        case NEWER ->
                            "A newer schema version than " + PoolSchema.VERSION + " is applied; left as it is";
                    }
                    + " (keyspace " + config.storage().keyspace() + ")");
            return 0;
        } catch (ConfigError e) {
            err.println(e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            err.println("schema apply failed: " + e.getMessage());
            org.slf4j.LoggerFactory.getLogger(SchemaCommand.class).error("schema apply failed", e);
            return 1;
        }
    }
}

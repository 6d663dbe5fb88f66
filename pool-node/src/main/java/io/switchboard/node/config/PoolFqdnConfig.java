package io.switchboard.node.config;

import java.util.Locale;
import java.util.Optional;

/**
 * {@code switchboard.sip.pool-fqdn}: a DNS name that resolves to every node of the pool (the
 * {@code POOL-FQDN} of {@code bin/switchboard dns records}). When set, the Record-Routes the proxy
 * inserts (without a flow token) and the Contact of presence dialogs name it instead of the node, and
 * every node takes it as its own (io.switchboard.sip.routing.ProxyIdentity): in-dialog requests then
 * reach whichever node answers, so a node that drains and leaves (a rolling restart) takes no dialog
 * with it. Empty (the default): this node's address, as a single node needs.
 */
public record PoolFqdnConfig(Optional<String> poolFqdn) {

    private static final String NAME = "[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*";

    public static PoolFqdnConfig of(NodeConfig config) {
        ConfigReader s = new ConfigReader(config.raw(), "").at("switchboard").at("sip");
        String name = s.has("pool-fqdn") ? s.string("pool-fqdn").trim().toLowerCase(Locale.ROOT) : "";
        if (name.isEmpty()) {
            return new PoolFqdnConfig(Optional.empty());
        }
        if (!name.matches(NAME) || name.matches("[0-9.]+")) {
            throw new ConfigError(
                    s.key("pool-fqdn"),
                    "must be a DNS name resolving to every pool node (e.g. pool.example.com), not an address: \"" + name
                            + "\"");
        }
        return new PoolFqdnConfig(Optional.of(name));
    }
}

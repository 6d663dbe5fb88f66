package io.switchboard.node.config;

import com.typesafe.config.Config;
import io.switchboard.sip.trust.Federation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code switchboard.federation} section: the federated domains (the README's trust model,
 * kind 4) and the source networks each is believed from. A bad domain or network stops startup
 * naming its key, e.g. {@code switchboard.federation.domains[0].sources}.
 */
public final class FederationConfig {

    private FederationConfig() {}

    public static Federation of(NodeConfig config) {
        ConfigReader f = new ConfigReader(config.raw(), "").at("switchboard").at("federation");
        List<? extends Config> entries = f.objects("domains");
        List<Federation.Peer> peers = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            ConfigReader e = new ConfigReader(entries.get(i), f.key("domains") + "[" + i + "]");
            String domain = e.string("domain");
            List<String> sources = e.strings("sources");
            Federation.Peer peer;
            try {
                Federation.domainName(domain);
            } catch (IllegalArgumentException bad) {
                throw new ConfigError(e.key("domain"), bad.getMessage());
            }
            try {
                peer = Federation.Peer.of(domain, sources);
            } catch (IllegalArgumentException bad) {
                throw new ConfigError(e.key("sources"), bad.getMessage());
            }
            if (config.domains().contains(peer.domain())) {
                throw new ConfigError(
                        e.key("domain"),
                        peer.domain() + " is one of our own domains (switchboard.domains): its users authenticate");
            }
            if (!seen.add(peer.domain())) {
                throw new ConfigError(e.key("domain"), peer.domain() + " is listed twice");
            }
            peers.add(peer);
        }
        return peers.isEmpty() ? Federation.NONE : new Federation(peers);
    }
}

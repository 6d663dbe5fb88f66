package io.switchboard.node.config;

import io.switchboard.sip.dns.UriTarget;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code switchboard.proxy} section: how requests that are not REGISTERs are routed.
 *
 * @param outboundProxy where requests for domains we do not serve go (a SIP trunk or border
 *                      controller), as a SIP URI; empty: they are refused with 403
 * @param lookupTimeout how long a call waits for the callee's registrar entity before reading the
 *                      bindings from Cassandra (bounds how long users of a dead node are unreachable)
 * @param timerC        how long an INVITE branch may ring (RFC 3261 section 16.8: more than 3 minutes)
 */
public record ProxyConfig(Optional<String> outboundProxy, Duration lookupTimeout, Duration timerC) {

    public static ProxyConfig of(NodeConfig config) {
        String bind = config.sip().bindAddress().trim();
        if (bind.equals("0.0.0.0") || bind.equals("::") || bind.equals("[::]")) {
            // The proxy puts this address in Via and Record-Route and announces it to the other nodes.
            throw new ConfigError(
                    "switchboard.sip.bind-address",
                    "must be this node's own address, not a wildcard (" + bind + "): it goes into Via, Record-Route "
                            + "and the address other pool nodes send to");
        }
        ConfigReader p = new ConfigReader(config.raw(), "").at("switchboard").at("proxy");
        String outbound = p.string("outbound-proxy").trim();
        if (!outbound.isEmpty() && !outbound.matches("sips?:[^\\s<>\"]+")) {
            throw new ConfigError(
                    p.key("outbound-proxy"),
                    "must be a sip: or sips: URI such as sip:sbc.example.net:5060;transport=tcp, or empty");
        }
        if (!outbound.isEmpty()) {
            try {
                UriTarget.parse(outbound); // what RFC 3263 resolution reads from it (README, "DNS")
            } catch (IllegalArgumentException e) {
                throw new ConfigError(p.key("outbound-proxy"), e.getMessage());
            }
        }
        if (!outbound.isEmpty() && !outbound.contains(";lr")) {
            outbound = outbound + ";lr"; // a loose-routing Route (RFC 3261 section 16.12)
        }
        Duration lookup = p.duration("lookup-timeout", Duration.ofMillis(100));
        if (lookup.compareTo(Duration.ofSeconds(30)) > 0) {
            throw new ConfigError(p.key("lookup-timeout"), "must be at most 30s");
        }
        return new ProxyConfig(
                outbound.isEmpty() ? Optional.empty() : Optional.of(outbound),
                lookup,
                p.duration("timer-c", Duration.ofSeconds(181)));
    }
}

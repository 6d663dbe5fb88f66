package io.switchboard.node.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code switchboard.dns} section: how the pool locates the SIP servers it sends to outside
 * (RFC 3263), for now the outbound proxy.
 *
 * @param servers       DNS servers, "host" or "host:port"; empty: the system's resolver configuration
 * @param timeout       how long one query may take
 * @param blacklistTime how long a target that timed out or answered 503 is skipped (zero: never)
 */
public record DnsConfig(List<String> servers, Duration timeout, Duration blacklistTime) {

    public static DnsConfig of(NodeConfig config) {
        ConfigReader d = new ConfigReader(config.raw(), "").at("switchboard").at("dns");
        List<String> servers = new ArrayList<>();
        for (String s : d.strings("servers")) {
            String server = s.trim();
            if (!server.matches("(\\[[0-9A-Fa-f:.]+\\]|[0-9A-Za-z.-]+)(:\\d{1,5})?|[0-9A-Fa-f:]+")) {
                throw new ConfigError(
                        d.key("servers"),
                        "each server must be \"host\" or \"host:port\" (IPv6 as \"[addr]:port\"), was \"" + s + "\"");
            }
            int colon = server.lastIndexOf(':');
            if (!server.contains("]") && server.indexOf(':') == colon && colon > 0) {
                int port = Integer.parseInt(server.substring(colon + 1));
                if (port < 1 || port > 65535) {
                    throw new ConfigError(d.key("servers"), "port out of range in \"" + s + "\"");
                }
            }
            servers.add(server);
        }
        Duration timeout = d.duration("timeout", Duration.ofMillis(100));
        if (timeout.compareTo(Duration.ofSeconds(30)) > 0) {
            throw new ConfigError(d.key("timeout"), "must be at most 30s");
        }
        Duration blacklist = d.duration("blacklist-time", Duration.ZERO);
        if (blacklist.compareTo(Duration.ofHours(1)) > 0) {
            throw new ConfigError(d.key("blacklist-time"), "must be at most 1h");
        }
        return new DnsConfig(List.copyOf(servers), timeout, blacklist);
    }
}

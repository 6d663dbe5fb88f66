package io.switchboard.node.site;

import io.switchboard.sip.routing.NextHop;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which next hops are the pool, as a branch node sees it (README, "Sites and branches", WAN failure mode): the host
 * and port of {@code branch.pool-uri} itself (the pool's name, which its nodes put in their Contacts and
 * Record-Routes when {@code sip.pool-fqdn} is set), and every address that URI resolved to the last time the branch
 * probed the pool with OPTIONS (the nodes' own addresses, in their Contacts otherwise). A missing port is the
 * transport's default (RFC 3263 section 4.2), on both sides of the comparison.
 *
 * <p>Thread-safe: the OPTIONS watch records the targets on its timer, the proxy asks on JAIN-SIP threads.
 */
public final class PoolAddresses {

    private final String named;
    private volatile Set<String> resolved = Set.of();

    private PoolAddresses(String named) {
        this.named = named;
    }

    /** For {@code branch.pool-uri}, e.g. {@code sip:pool.example.com;transport=tcp} or {@code sip:10.0.0.5:5060}. */
    public static PoolAddresses of(String poolUri) {
        String u = poolUri.trim();
        String lower = u.toLowerCase(Locale.ROOT);
        boolean secure = lower.startsWith("sips:") || lower.contains(";transport=tls");
        String rest = u.substring(u.indexOf(':') + 1);
        int at = rest.indexOf('@');
        if (at >= 0) {
            rest = rest.substring(at + 1);
        }
        int end = rest.length();
        for (char c : new char[] {';', '?', '>'}) {
            int i = rest.indexOf(c);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        String hostPort = rest.substring(0, end);
        String host;
        int port = -1;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            host = hostPort.substring(1, close);
            if (hostPort.length() > close + 2 && hostPort.charAt(close + 1) == ':') {
                port = Integer.parseInt(hostPort.substring(close + 2));
            }
        } else {
            int colon = hostPort.lastIndexOf(':');
            host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            if (colon >= 0) {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            }
        }
        return new PoolAddresses(key(host, port, secure));
    }

    /** Records where the pool-uri resolves to now; returns {@code hops} unchanged. */
    public List<NextHop> remember(List<NextHop> hops) {
        resolved = hops.stream()
                .map(h -> key(h.host(), h.port(), "tls".equalsIgnoreCase(h.transport())))
                .collect(Collectors.toUnmodifiableSet());
        return hops;
    }

    /** Whether {@code host:port} (port -1: the default) is the pool. */
    public boolean isPool(String host, int port, boolean secure) {
        if (host == null) {
            return false;
        }
        String k = key(host, port, secure);
        return k.equals(named) || resolved.contains(k);
    }

    private static String key(String host, int port, boolean secure) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1); // a fully qualified name from DNS
        }
        return h + ":" + (port > 0 ? port : secure ? 5061 : 5060);
    }
}

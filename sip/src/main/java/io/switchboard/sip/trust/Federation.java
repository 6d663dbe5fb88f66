package io.switchboard.sip.trust;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Federated domains (the README's "Who is trusted for what", kind 4): other organisations' SIP
 * domains whose requests are believed only when they arrive from one of the source addresses
 * configured for that domain. A From header can be forged; the source address of a TCP or TLS
 * connection cannot, and the source of a UDP datagram can only be spoofed blindly (the answers go
 * to the real address). Pure: the edge passes the claimed domain and the source it read off the
 * socket.
 *
 * <p>A domain matches exactly (case-insensitive): {@code partner.test} does not federate
 * {@code sub.partner.test}, which must be listed on its own. Mutual TLS verification of a peer's
 * certificate is not part of this check yet; the source-address allow-list is.
 */
public final class Federation {

    /** No federated domain: every request from another domain is a stranger's (the default). */
    public static final Federation NONE = new Federation(List.of());

    /**
     * One federated domain and the networks its servers send from.
     *
     * @param domain  lower-case domain name
     * @param sources at least one network
     */
    public record Peer(String domain, List<Cidr> sources) {
        public Peer {
            Objects.requireNonNull(domain, "domain");
            sources = List.copyOf(sources);
        }

        /**
         * Validates and builds a peer from configuration text.
         *
         * @throws IllegalArgumentException with a message fit for an operator, naming the bad value
         */
        public static Peer of(String domain, List<String> sources) {
            String d = domainName(domain);
            if (sources.isEmpty()) {
                throw new IllegalArgumentException(
                        "must list at least one source network (CIDR) for " + d + ", e.g. \"203.0.113.0/24\"");
            }
            List<Cidr> nets = new ArrayList<>();
            for (String s : sources) {
                nets.add(Cidr.parse(s));
            }
            return new Peer(d, nets);
        }

        boolean admits(InetAddress source) {
            for (Cidr c : sources) {
                if (c.contains(source)) {
                    return true;
                }
            }
            return false;
        }
    }

    private final Map<String, Peer> byDomain;

    public Federation(List<Peer> peers) {
        this.byDomain = peers.stream()
                .collect(Collectors.toUnmodifiableMap(Peer::domain, Function.identity(), (a, b) -> {
                    throw new IllegalArgumentException("domain " + a.domain() + " is listed twice");
                }));
    }

    /** The federated domains, for documentation and logs. */
    public List<Peer> peers() {
        return List.copyOf(byDomain.values());
    }

    /** The peer entry of {@code domain}, if it is federated at all (whatever the source). */
    public Optional<Peer> peer(String domain) {
        return domain == null ? Optional.empty() : Optional.ofNullable(byDomain.get(domain.toLowerCase(Locale.ROOT)));
    }

    /**
     * True when a request whose From claims {@code domain} and which arrived from {@code source}
     * comes from a federated peer: the domain is configured and the source lies in one of its
     * networks. A null source (unknown) is never a peer.
     */
    public boolean isFederatedPeer(String domain, InetAddress source) {
        if (source == null) {
            return false;
        }
        return peer(domain).map(p -> p.admits(source)).orElse(false);
    }

    /**
     * {@code domain} trimmed and lower-cased.
     *
     * @throws IllegalArgumentException when it is not a host name
     */
    public static String domainName(String domain) {
        String d = domain == null ? "" : domain.trim().toLowerCase(Locale.ROOT);
        if (!isDomainName(d)) {
            throw new IllegalArgumentException("\"" + domain + "\" is not a valid domain name");
        }
        return d;
    }

    /** RFC 1035 host names as the pool's own {@code domains} accept them (lower-case letters, digits, '-'). */
    static boolean isDomainName(String d) {
        return d.length() <= 253 && d.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");
    }

    /**
     * An IPv4 or IPv6 network in CIDR notation ({@code 203.0.113.0/24}, {@code 2001:db8::/32}); a
     * bare address is a single host (/32 or /128). Parsed without any name resolution.
     */
    public record Cidr(byte[] network, int prefix) {

        public Cidr {
            network = network.clone();
        }

        @Override
        public byte[] network() {
            return network.clone();
        }

        /** @throws IllegalArgumentException naming the value and what is wrong with it */
        public static Cidr parse(String text) {
            String t = text == null ? "" : text.trim();
            int slash = t.indexOf('/');
            String addr = slash < 0 ? t : t.substring(0, slash);
            byte[] bytes = literal(addr);
            if (bytes == null) {
                throw new IllegalArgumentException("\"" + text + "\" is not an IPv4 or IPv6 network in CIDR notation");
            }
            int max = bytes.length * 8;
            int prefix = max;
            if (slash >= 0) {
                String p = t.substring(slash + 1);
                if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > max) {
                    throw new IllegalArgumentException(
                            "\"" + text + "\" has a bad prefix length (0-" + max + " for this address)");
                }
                prefix = Integer.parseInt(p);
            }
            for (int bit = prefix; bit < max; bit++) {
                if ((bytes[bit / 8] & (0x80 >> (bit % 8))) != 0) {
                    throw new IllegalArgumentException("\"" + text + "\" has host bits set beyond /" + prefix
                            + " (did you mean the network address?)");
                }
            }
            return new Cidr(bytes, prefix);
        }

        public boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            if (a.length != network.length) {
                return false; // IPv4 sources never match IPv6 networks and the other way round
            }
            for (int bit = 0; bit < prefix; bit++) {
                int mask = 0x80 >> (bit % 8);
                if ((a[bit / 8] & mask) != (network[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }

        /** Dotted IPv4 (four decimal octets) or an IPv6 literal; null for anything else, never a DNS lookup. */
        private static byte[] literal(String s) {
            if (s.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
                String[] parts = s.split("\\.");
                byte[] b = new byte[4];
                for (int i = 0; i < 4; i++) {
                    int v = Integer.parseInt(parts[i]);
                    if (v > 255) {
                        return null;
                    }
                    b[i] = (byte) v;
                }
                return b;
            }
            if (!s.contains(":") || !s.matches("[0-9A-Fa-f:.]+")) {
                return null; // only literals: a host name here would make startup depend on DNS
            }
            try {
                // with a ':' and only hex digits, dots and colons, the JDK parses a literal and never resolves
                InetAddress a = InetAddress.getByName(s);
                return a instanceof Inet6Address || a instanceof Inet4Address ? a.getAddress() : null;
            } catch (UnknownHostException e) {
                return null;
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Cidr c && c.prefix == prefix && java.util.Arrays.equals(c.network, network);
        }

        @Override
        public int hashCode() {
            return 31 * java.util.Arrays.hashCode(network) + prefix;
        }

        @Override
        public String toString() {
            try {
                return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}

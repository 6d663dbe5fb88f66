package io.switchboard.sip.dns;

import java.util.Locale;
import java.util.Objects;

/**
 * One place RFC 3263 says to send a request: an IP address, port and transport.
 *
 * @param host      the name it was found under (the SRV target or the URI's host), for logs
 * @param address   a literal IPv4 or IPv6 address
 * @param transport "udp", "tcp" or "tls"
 */
public record SipTarget(String host, String address, int port, String transport) {

    public SipTarget {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(address, "address");
        transport = transport.toLowerCase(Locale.ROOT);
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /** What the blacklist remembers: the same address, port and transport found under any name. */
    String key() {
        return address + "|" + port + "|" + transport;
    }

    @Override
    public String toString() {
        return host + "(" + address + "):" + port + "/" + transport;
    }
}

package io.switchboard.sip.routing;

import java.util.Locale;
import java.util.Objects;

/**
 * Where to send a request regardless of its Request-URI and Route: an existing flow (the
 * connection a client registered over, RFC 5626 section 5.3) or its UDP source address.
 *
 * @param transport "udp", "tcp" or "tls"
 */
public record NextHop(String host, int port, String transport) {

    public NextHop {
        Objects.requireNonNull(host, "host");
        transport = transport.toLowerCase(Locale.ROOT);
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }
}

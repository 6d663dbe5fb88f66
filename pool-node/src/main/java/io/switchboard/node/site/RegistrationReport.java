package io.switchboard.node.site;

import io.switchboard.presence.entity.Endpoint;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a branch node tells the pool when the registered endpoints of one of its users change (README, "Sites and
 * branches"): every endpoint she has registered at the branch now, as presence keys them ({@link Endpoint}: the
 * {@code +sip.instance}, flow and Contact of each binding, and when it registered). Sent as the body of a PUBLISH
 * with {@code Event: reg} ({@link BranchPresenceRelay}), read by the pool ({@link BranchPresenceReports}).
 *
 * <p>The whole set, never a difference: a report that arrives after an outage, or twice, still leaves the pool with
 * the branch's current state. One line per endpoint, {@code <registered-at epoch millis> <key>}; a key holds no
 * line break (its parts have their whitespace removed, {@code EndpointId}). An empty body: no endpoint (offline).
 */
public final class RegistrationReport {

    /** The media type of the body: ours, between the nodes of one pool, never seen by phones. */
    public static final String CONTENT_TYPE = "application";

    public static final String CONTENT_SUBTYPE = "x-switchboard-endpoints";

    /** The event package named in the PUBLISH: the registration state of an AOR (RFC 3680's package name). */
    public static final String EVENT = "reg";

    /** At most this many endpoints are read from one report; a user has a handful of phones. */
    static final int MAX_ENDPOINTS = 100;

    private RegistrationReport() {}

    public static String write(List<Endpoint> endpoints) {
        StringBuilder b = new StringBuilder();
        for (Endpoint e : endpoints) {
            b.append(e.registeredAt().toEpochMilli())
                    .append(' ')
                    .append(e.key())
                    .append('\n');
        }
        return b.toString();
    }

    /** The endpoints of a report's body, or empty when it is not one. */
    public static Optional<List<Endpoint>> read(byte[] body) {
        String text = body == null ? "" : new String(body, StandardCharsets.UTF_8);
        List<Endpoint> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            int space = line.indexOf(' ');
            if (space <= 0 || space == line.length() - 1 || out.size() == MAX_ENDPOINTS) {
                return Optional.empty();
            }
            try {
                out.add(new Endpoint(
                        line.substring(space + 1).strip(),
                        Instant.ofEpochMilli(Long.parseLong(line.substring(0, space)))));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return Optional.of(List.copyOf(out));
    }
}

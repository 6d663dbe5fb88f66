package io.switchboard.park.domain;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What an INVITE's Request-URI asks of call park (pure; the SIP edge asks it before the proxy
 * routes the request to a user):
 *
 * <ul>
 *   <li>{@link Park}: it names the park service ({@code switchboard.park.uri}): a transferred
 *       caller arriving to be parked. Compared by scheme-less user and host, case-insensitive in the
 *       host (RFC 3261 section 19.1.4), so {@code sips:} and URI parameters do not matter.
 *   <li>{@link Retrieve}: its user part dials an orbit of a range ({@link DialedOrbit}: as dialed,
 *       before any dial-plan normalization), at one of the pool's domains, or a {@code tel:} URI.
 *   <li>{@link NotPark}: anything else, including an orbit-like number that is in no range (it
 *       may be a user's number: the proxy routes it as usual).
 * </ul>
 */
public sealed interface ParkTarget {

    record Park() implements ParkTarget {}

    record Retrieve(OrbitRange range, Orbit orbit) implements ParkTarget {}

    record NotPark() implements ParkTarget {}

    static ParkTarget of(String requestUri, String parkUri, Set<String> domains, Collection<OrbitRange> ranges) {
        Optional<String[]> target = userAndHost(requestUri);
        Optional<String[]> park = userAndHost(parkUri);
        if (target.isPresent()
                && park.isPresent()
                && target.get()[0].equals(park.get()[0])
                && target.get()[1].equals(park.get()[1])) {
            return new Park();
        }
        if (!atOurDomain(requestUri, domains)) {
            return new NotPark();
        }
        Optional<Orbit> orbit = DialedOrbit.parse(requestUri);
        if (orbit.isEmpty()) {
            return new NotPark();
        }
        Optional<OrbitRange> range = OrbitRules.rangeOf(orbit.get(), ranges);
        return range.<ParkTarget>map(r -> new Retrieve(r, orbit.get())).orElseGet(NotPark::new);
    }

    /** A {@code tel:} URI, or a {@code sip:}/{@code sips:} URI at one of {@code domains}. */
    static boolean atOurDomain(String requestUri, Set<String> domains) {
        boolean tel =
                requestUri != null && requestUri.trim().toLowerCase(Locale.ROOT).startsWith("tel:");
        return tel
                || userAndHost(requestUri)
                        .map(t -> domains.stream().anyMatch(d -> d.equalsIgnoreCase(t[1])))
                        .orElse(false);
    }

    /** User part (as written) and lower-case host of a sip:/sips: URI; empty for anything else. */
    private static Optional<String[]> userAndHost(String uri) {
        if (uri == null) {
            return Optional.empty();
        }
        String u = uri.trim();
        String lower = u.toLowerCase(Locale.ROOT);
        int colon = lower.startsWith("sip:") ? 4 : lower.startsWith("sips:") ? 5 : -1;
        if (colon < 0) {
            return Optional.empty();
        }
        String rest = u.substring(colon);
        int at = rest.lastIndexOf('@');
        if (at <= 0) {
            return Optional.empty();
        }
        String user = rest.substring(0, at);
        int semi = user.indexOf(';');
        if (semi >= 0) {
            user = user.substring(0, semi);
        }
        String host = rest.substring(at + 1);
        int end = host.length();
        for (char c : new char[] {':', ';', '?', '>'}) {
            int i = host.indexOf(c);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        return Optional.of(new String[] {user, host.substring(0, end).toLowerCase(Locale.ROOT)});
    }
}

package io.switchboard.park.domain;

import io.switchboard.sip.events.SubscriptionRules;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Who may watch an orbit, and for how long: a new SUBSCRIBE (no To tag) to a URI of one of our
 * domains, decided before the proxy would route it to a user. Checked in this order:
 *
 * <ol>
 *   <li>Not call park's ({@link Decision.NotOrbit}): routed as usual (a SUBSCRIBE for {@code
 *       dialog} to a user goes to the user's phones). Call park's are the orbits of a range, the
 *       park service, and any {@code #}-prefixed orbit, which no user can be ({@code #} is no
 *       character of a user part, see accounts' SipAddress). An unprefixed or {@code *} number in
 *       no range may be a user's, so it is routed as usual.
 *   <li>From another domain: <b>403</b>. Orbits are the pool's own; which calls wait where is not
 *       for strangers, and a NOTIFY to wherever a stranger's Contact says would be a reflector.
 *   <li>Not an orbit of a range (the park service, an unranged {@code #} number): <b>404</b>.
 *   <li>Another event package than {@code dialog}: <b>489</b> (RFC 6665 section 8.2.1; the SIP
 *       side adds {@code Allow-Events: dialog}).
 *   <li>Expires below {@link #MIN_EXPIRES}: <b>423</b> (RFC 6665 section 4.2.1.1).
 * </ol>
 *
 * Otherwise {@link Decision.Watch}, for the granted duration: {@link #DEFAULT_EXPIRES} without
 * Expires, at most {@link #MAX_EXPIRES}; 0 is a fetch (one NOTIFY, nothing kept).
 */
public final class OrbitSubscribeRules {

    public static final String EVENT = "dialog";
    /** Desk phones refresh busy-lamp subscriptions every half hour or hour; an hour by default. */
    public static final long MIN_EXPIRES = 60, DEFAULT_EXPIRES = 3600, MAX_EXPIRES = 7200;

    private OrbitSubscribeRules() {}

    public sealed interface Decision {
        /** Not an orbit: the request goes on as usual. */
        record NotOrbit() implements Decision {}

        /** Answered with {@code status} and {@code reason}. */
        record Refused(int status, String reason) implements Decision {}

        /** Watch {@code orbit} of {@code range} for {@code granted} seconds. */
        record Watch(OrbitRange range, Orbit orbit, long granted) implements Decision {}
    }

    /**
     * @param requestUri the SUBSCRIBE's Request-URI
     * @param parkUri    {@code switchboard.park.uri}
     * @param domains    the pool's domains
     * @param ranges     the orbit ranges
     * @param ourUser    the subscriber authenticated as one of our users (false: another domain)
     * @param event      the Event header's package, or null
     * @param expires    the Expires value, or -1 when absent
     */
    public static Decision decide(
            String requestUri,
            String parkUri,
            Set<String> domains,
            Collection<OrbitRange> ranges,
            boolean ourUser,
            String event,
            long expires) {
        ParkTarget target = ParkTarget.of(requestUri, parkUri, domains, ranges);
        // an unranged #-number at our domains: no user's (see above), so call park's to refuse
        boolean hashOrbit = ParkTarget.atOurDomain(requestUri, domains)
                && DialedOrbit.parse(requestUri)
                        .map(o -> "#".equals(o.prefix()))
                        .orElse(false);
        boolean ours = target instanceof ParkTarget.Retrieve || target instanceof ParkTarget.Park || hashOrbit;
        if (!ours) {
            return new Decision.NotOrbit();
        }
        if (!ourUser) {
            return new Decision.Refused(403, "Orbits are watched by our users only");
        }
        if (!(target instanceof ParkTarget.Retrieve r)) {
            return new Decision.Refused(404, "No such park orbit");
        }
        if (event == null || !EVENT.equals(event.toLowerCase(Locale.ROOT))) {
            return new Decision.Refused(489, "Orbits offer the dialog event package only");
        }
        long granted = SubscriptionRules.granted(expires, MIN_EXPIRES, DEFAULT_EXPIRES, MAX_EXPIRES);
        if (granted < 0) {
            return new Decision.Refused(423, "Subscription too brief");
        }
        return new Decision.Watch(r.range(), r.orbit(), granted);
    }

    /** The granted duration of a refresh, or empty for 423. */
    public static Optional<Long> refreshed(long expires) {
        long granted = SubscriptionRules.granted(expires, MIN_EXPIRES, DEFAULT_EXPIRES, MAX_EXPIRES);
        return granted < 0 ? Optional.empty() : Optional.of(granted);
    }
}

package io.switchboard.proxy.domain;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A user's call settings: an extra target rung in parallel with their endpoints (simultaneous
 * ring) and call forwarding. Read by the proxy for every call to {@code aor}; set by operators.
 *
 * @param aor the user's address of record, {@code sip:user@domain} with the domain lower-cased
 *     (the account's canonical form, so it is the same key whoever spells it)
 * @param simRing normalised target rung alongside the endpoints, if any
 * @param forwarding what happens instead of / after ringing
 * @param updatedAt when an operator last changed them, to the millisecond; {@link Instant#EPOCH} for {@link #none}
 */
public record CallSettings(String aor, Optional<String> simRing, Forwarding forwarding, Instant updatedAt) {

    public CallSettings {
        aor = canonicalAor(Objects.requireNonNull(aor, "aor"));
        Objects.requireNonNull(simRing, "simRing");
        Objects.requireNonNull(forwarding, "forwarding");
        // to the millisecond, all a CQL timestamp holds: what is stored reads back equal
        updatedAt = Objects.requireNonNull(updatedAt, "updatedAt").truncatedTo(ChronoUnit.MILLIS);
    }

    /** No sim-ring, no forwarding: what a user without a stored row has. */
    public static CallSettings none(String aor) {
        return new CallSettings(aor, Optional.empty(), Forwarding.OFF, Instant.EPOCH);
    }

    /** True when these settings change nothing about how a call is routed. */
    public boolean isNone() {
        return simRing.isEmpty() && forwarding instanceof Forwarding.Off;
    }

    /** The domain part of {@link #aor()}: numbers given as targets become URIs in it. */
    public String domain() {
        return aor.substring(aor.lastIndexOf('@') + 1);
    }

    /**
     * Lower-cases the scheme and the domain, keeps the user part (user parts compare
     * case-sensitively, RFC 3261 section 19.1.4). Not a validator: callers pass account AORs.
     */
    public static String canonicalAor(String aor) {
        int colon = aor.indexOf(':');
        int at = aor.lastIndexOf('@');
        if (colon < 0 || at < colon) {
            throw new IllegalArgumentException("aor must look like sip:user@domain, was " + aor);
        }
        return aor.substring(0, colon).toLowerCase(Locale.ROOT)
                + aor.substring(colon, at + 1)
                + aor.substring(at + 1).toLowerCase(Locale.ROOT);
    }
}

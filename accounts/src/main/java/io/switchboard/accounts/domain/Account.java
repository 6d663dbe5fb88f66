package io.switchboard.accounts.domain;

import io.switchboard.sip.auth.DigestAlgorithm;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A user of one of the pool's SIP domains.
 *
 * <p>The password itself is never kept: only HA1 = H(user:realm:password) per digest algorithm,
 * with the realm being the domain. That is all a digest verifier needs, and a leaked row does
 * not reveal a password reused elsewhere (it does still allow authenticating as this user in
 * this realm, so rows stay confidential).
 *
 * <p>Absent display name and phone are empty strings rather than null: one representation for
 * "none", and the Cassandra store writes no tombstones for them.
 *
 * @param ha1 lower-case hex HA1 per algorithm; may lack an algorithm (e.g. MD5 only for an
 *     account imported from a system that never had the password)
 * @param createdAt truncated to milliseconds, the precision of a CQL timestamp, so that an
 *     account read back from the store equals the one written
 * @param homeSite the branch site the user is homed at (README, "Sites and branches"), or
 *     {@link #POOL_SITE} for the central pool. The pool is stored as "" rather than by its
 *     configured name, so renaming the pool's site ({@code switchboard.sites.pool}) moves nobody.
 */
public record Account(
        String user,
        String domain,
        String displayName,
        String phone,
        Map<DigestAlgorithm, String> ha1,
        Instant createdAt,
        String homeSite) {

    /** {@link #homeSite()} of a user homed at the central pool. */
    public static final String POOL_SITE = "";

    /** A user homed at the central pool. */
    public Account(
            String user,
            String domain,
            String displayName,
            String phone,
            Map<DigestAlgorithm, String> ha1,
            Instant createdAt) {
        this(user, domain, displayName, phone, ha1, createdAt, POOL_SITE);
    }

    public Account {
        Objects.requireNonNull(user, "user");
        domain = Objects.requireNonNull(domain, "domain").toLowerCase(Locale.ROOT);
        displayName = displayName == null ? "" : displayName;
        phone = phone == null ? "" : phone;
        ha1 = immutableCopy(Objects.requireNonNull(ha1, "ha1"));
        createdAt = Objects.requireNonNull(createdAt, "createdAt").truncatedTo(ChronoUnit.MILLIS);
        homeSite = homeSite == null ? POOL_SITE : homeSite;
        if (!homeSite.isEmpty() && !SiteName.isValid(homeSite)) {
            throw new IllegalArgumentException("not a site name: \"" + homeSite + "\"");
        }
    }

    /** Whether the user is homed at a branch site rather than the central pool. */
    public boolean homedAtBranch() {
        return !homeSite.isEmpty();
    }

    /** The same account homed at {@code site} ({@link #POOL_SITE} for the pool). */
    public Account withHomeSite(String site) {
        return new Account(user, domain, displayName, phone, ha1, createdAt, site);
    }

    /** The address of record, "sip:user@domain". */
    public String aor() {
        return "sip:" + user + "@" + domain;
    }

    /** The digest realm of this account: its domain. */
    public String realm() {
        return domain;
    }

    /** The HA1 the verifier compares against for a response using {@code algorithm}. */
    public Optional<String> ha1(DigestAlgorithm algorithm) {
        return Optional.ofNullable(ha1.get(algorithm));
    }

    private static Map<DigestAlgorithm, String> immutableCopy(Map<DigestAlgorithm, String> source) {
        // EnumMap keeps the algorithms in preference order (SHA-256 first) for whoever iterates.
        EnumMap<DigestAlgorithm, String> copy = new EnumMap<>(DigestAlgorithm.class);
        source.forEach((algorithm, hex) -> copy.put(
                Objects.requireNonNull(algorithm, "algorithm"),
                Objects.requireNonNull(hex, "ha1 value").toLowerCase(Locale.ROOT)));
        return Collections.unmodifiableMap(copy);
    }
}

package io.switchboard.sip.auth;

import io.switchboard.sip.crypto.Hmac;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * Stateless digest nonces that every pool node can check, because they are signed with a secret
 * the nodes share instead of being remembered by the node that issued them. A client challenged
 * by node A may answer through node B (DNS SRV, failover, a load balancer), so a nonce table
 * local to A would not do.
 *
 * <p>Layout before base64url (no padding, 43 characters):
 * {@code issuedAtMillis (8) || random (8) || HMAC-SHA256(secret, label || issuedAt || random || realm)[0..16)}.
 * The realm inside the MAC binds a nonce to the realm it was issued for; the random part keeps
 * nonces unique, so two clients challenged in the same millisecond never share nc state.
 *
 * <p><b>Nonce-count replay detection is per node.</b> RFC 7616 section 3.4 lets the server
 * reject a repeated {@code nc}; this class remembers the highest nc accepted per nonce in memory
 * of this node only. A captured request replayed to a <em>different</em> node within the nonce
 * lifetime is not caught by nc. We accept that because: the replay must be bit-identical
 * (the response hash covers method, request URI, nonce, nc and cnonce), so it can only repeat an
 * operation the user already made, never a new one; REGISTER and other state changes are
 * idempotent or carry a Call-ID/CSeq the registrar checks (RFC 3261 section 10.3 step 7); the
 * window is bounded by the nonce lifetime (default 300 s); and requests usually cross TLS, where
 * capture is not possible. Sharing nc state through the cluster would put a network round trip
 * in front of every authentication.
 *
 * <p>Memory is bounded: an entry lives only as long as its nonce (removed lazily by a sweep
 * that runs when the table outgrows its cap or at least once per lifetime), and entries are
 * only created for responses whose credentials were verified, so unauthenticated traffic
 * cannot fill the table. If authenticated traffic alone exceeds the cap, the oldest nonces are
 * forgotten and later answers that use them are reported {@link NonceCheck#STALE}, which costs
 * the client one silent re-challenge and never lets a replay through.
 *
 * <p>Thread-safe without a global lock: a {@link ConcurrentHashMap} and a compare-and-set per
 * nonce; the sweep runs on at most one caller thread at a time, others never wait for it.
 */
public final class NonceService {
    public static final Duration DEFAULT_LIFETIME = Duration.ofSeconds(300);
    public static final int DEFAULT_MAX_TRACKED_NONCES = 100_000;
    /**
     * Nonces issued "in the future" by up to this much are accepted: pool nodes' clocks are NTP
     * synchronized but never exactly equal. Beyond this the nonce cannot be ours.
     */
    static final long MAX_CLOCK_SKEW_MILLIS = 30_000;

    private static final String PURPOSE = "switchboard digest nonce v1";
    private static final int RANDOM_BYTES = 8;
    private static final int MAC_BYTES = 16;
    private static final int NONCE_BYTES = 8 + RANDOM_BYTES + MAC_BYTES;

    private final Hmac current;
    private final List<Hmac> retired;
    private final long lifetimeMillis;
    private final int maxTracked;
    private final SecureRandom random = new SecureRandom();

    /**
     * Highest nc per nonce, keyed by the nonce's 64 random bits: only authentic nonces (MAC checked)
     * get here, and two of them sharing their random part is as likely as guessing a 64-bit key.
     * An entry is a map node, a Long and a Seen: about 80 bytes instead of 170 with the nonce
     * string as key and an AtomicLong, which matters with one entry per authenticated request of
     * the last nonce lifetime (100,000 after 100,000 registrations).
     */
    private final ConcurrentHashMap<Long, Seen> seen = new ConcurrentHashMap<>();
    /** Nonces issued at or before this instant whose entry is gone count as stale. */
    private volatile long forgottenUpTo = Long.MIN_VALUE;

    private volatile long lastSweepMillis;
    private final AtomicBoolean sweeping = new AtomicBoolean();

    private static final class Seen {
        private static final AtomicLongFieldUpdater<Seen> HIGHEST_NC =
                AtomicLongFieldUpdater.newUpdater(Seen.class, "highestNc");
        final long issuedAt;
        volatile long highestNc;

        Seen(long issuedAt) {
            this.issuedAt = issuedAt;
        }
    }

    public NonceService(byte[] secret) {
        this(secret, DEFAULT_LIFETIME);
    }

    public NonceService(byte[] secret, Duration lifetime) {
        this(secret, lifetime, DEFAULT_MAX_TRACKED_NONCES, List.of());
    }

    /**
     * @param secret           shared by all pool nodes, at least 16 random bytes
     * @param lifetime         how long a nonce stays VALID (then STALE)
     * @param maxTrackedNonces cap on nonces whose nc this node remembers
     * @param retiredSecrets   previous secrets during a rotation: nonces signed with them are
     *                         reported STALE (not INVALID), so clients re-authenticate silently
     */
    public NonceService(byte[] secret, Duration lifetime, int maxTrackedNonces, List<byte[]> retiredSecrets) {
        Objects.requireNonNull(lifetime, "lifetime");
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("lifetime must be positive");
        }
        if (maxTrackedNonces < 1) {
            throw new IllegalArgumentException("maxTrackedNonces must be positive");
        }
        this.current = new Hmac(secret, PURPOSE);
        List<Hmac> old = new ArrayList<>();
        for (byte[] s : retiredSecrets) {
            old.add(new Hmac(s, PURPOSE));
        }
        this.retired = List.copyOf(old);
        this.lifetimeMillis = lifetime.toMillis();
        this.maxTracked = maxTrackedNonces;
    }

    public Duration lifetime() {
        return Duration.ofMillis(lifetimeMillis);
    }

    /** A fresh nonce for a challenge in {@code realm}. */
    public String issue(String realm, Instant now) {
        byte[] head = new byte[8 + RANDOM_BYTES];
        ByteBuffer.wrap(head).putLong(now.toEpochMilli());
        byte[] rnd = new byte[RANDOM_BYTES];
        random.nextBytes(rnd);
        System.arraycopy(rnd, 0, head, 8, RANDOM_BYTES);
        byte[] mac = current.truncatedMac(MAC_BYTES, head, realmBytes(realm));
        byte[] nonce = ByteBuffer.allocate(NONCE_BYTES).put(head).put(mac).array();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(nonce);
    }

    /**
     * Authenticity and age only, without touching nc state: VALID, STALE or INVALID. The verifier
     * calls this before it knows whether the credentials are right, so that a response with a
     * wrong password can never consume (poison) a nonce count of the legitimate client.
     */
    public NonceCheck authenticate(String nonce, String realm, Instant now) {
        return classify(issuedAtIfAuthentic(nonce, realm), now.toEpochMilli());
    }

    /**
     * Full check of a nonce and its count: {@link #authenticate} and then, when VALID, records
     * {@code nc} if it is strictly greater than every count accepted for this nonce on this node
     * (else REPLAYED). {@code nc} must be 1..0xffffffff (RFC 7616: 8 hex digits, starting at 1).
     */
    public NonceCheck check(String nonce, String realm, long nc, Instant now) {
        long nowMillis = now.toEpochMilli();
        long issuedAt = issuedAtIfAuthentic(nonce, realm);
        NonceCheck auth = classify(issuedAt, nowMillis);
        if (auth != NonceCheck.VALID) {
            return auth;
        }
        if (nc < 1 || nc > 0xffff_ffffL) {
            return NonceCheck.INVALID;
        }
        Long key = randomPart(nonce);
        Seen entry = seen.get(key);
        if (entry == null) {
            if (issuedAt <= forgottenUpTo) {
                return NonceCheck.STALE;
            }
            entry = seen.computeIfAbsent(key, k -> new Seen(issuedAt));
            maybeSweep(nowMillis);
        }
        while (true) {
            long highest = entry.highestNc;
            if (nc <= highest) {
                return NonceCheck.REPLAYED;
            }
            if (Seen.HIGHEST_NC.compareAndSet(entry, highest, nc)) {
                return NonceCheck.VALID;
            }
        }
    }

    /**
     * Forgets the nc of nonces past their lifetime now, rather than at the next verified response
     * (the lazy sweep only runs when a new nonce is recorded, so after a burst of registrations the
     * table kept one entry per flow until traffic resumed). The node calls this periodically.
     */
    public void removeExpired(Instant now) {
        sweep(now.toEpochMilli());
    }

    /** How many nonces this node currently remembers an nc for (for a gauge). */
    public int trackedNonces() {
        return seen.size();
    }

    private static final long FORGED = Long.MIN_VALUE;
    private static final long RETIRED = Long.MIN_VALUE + 1;

    private NonceCheck classify(long issuedAt, long nowMillis) {
        if (issuedAt == RETIRED) {
            return NonceCheck.STALE;
        }
        if (issuedAt == FORGED) {
            return NonceCheck.INVALID;
        }
        long age = nowMillis - issuedAt;
        if (age < -MAX_CLOCK_SKEW_MILLIS) {
            return NonceCheck.INVALID;
        }
        return age > lifetimeMillis ? NonceCheck.STALE : NonceCheck.VALID;
    }

    /** issuedAt millis when signed by the current secret, RETIRED / FORGED otherwise. */
    private long issuedAtIfAuthentic(String nonce, String realm) {
        if (nonce == null || nonce.length() != 43 || realm == null) {
            return FORGED;
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(nonce);
        } catch (IllegalArgumentException e) {
            return FORGED;
        }
        // base64 leaves unused bits in the last character: only the canonical spelling is ours, so
        // one nonce has exactly one string (nc state is keyed by it)
        if (raw.length != NONCE_BYTES
                || !Base64.getUrlEncoder().withoutPadding().encodeToString(raw).equals(nonce)) {
            return FORGED;
        }
        byte[] head = new byte[8 + RANDOM_BYTES];
        byte[] mac = new byte[MAC_BYTES];
        System.arraycopy(raw, 0, head, 0, head.length);
        System.arraycopy(raw, head.length, mac, 0, MAC_BYTES);
        byte[] realmBytes = realmBytes(realm);
        if (Hmac.constantTimeEquals(mac, current.truncatedMac(MAC_BYTES, head, realmBytes))) {
            return ByteBuffer.wrap(head).getLong();
        }
        for (Hmac old : retired) {
            if (Hmac.constantTimeEquals(mac, old.truncatedMac(MAC_BYTES, head, realmBytes))) {
                return RETIRED;
            }
        }
        return FORGED;
    }

    /** The random bytes of a nonce already found authentic (so canonical base64 of the right length). */
    private static long randomPart(String nonce) {
        return ByteBuffer.wrap(Base64.getUrlDecoder().decode(nonce), 8, RANDOM_BYTES)
                .getLong();
    }

    private static byte[] realmBytes(String realm) {
        return realm.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Drops entries of expired nonces; if the table is still over its cap, forgets the oldest
     * nonces down to three quarters of the cap. Runs when over the cap or once per lifetime, on
     * one thread at a time; the others skip it rather than wait.
     */
    private void maybeSweep(long nowMillis) {
        if (seen.size() <= maxTracked && nowMillis - lastSweepMillis < lifetimeMillis) {
            return;
        }
        sweep(nowMillis);
    }

    private void sweep(long nowMillis) {
        if (!sweeping.compareAndSet(false, true)) {
            return;
        }
        try {
            lastSweepMillis = nowMillis;
            long expiredBefore = nowMillis - lifetimeMillis;
            seen.values().removeIf(s -> s.issuedAt < expiredBefore);
            int size = seen.size();
            if (size > maxTracked) {
                long[] issued = seen.values().stream()
                        .mapToLong(s -> s.issuedAt)
                        .sorted()
                        .toArray();
                int drop = Math.min(issued.length, size - maxTracked * 3 / 4);
                long cutoff = issued[drop - 1];
                // raise the watermark before removing, so a concurrent check of a removed nonce
                // sees STALE rather than a fresh entry that would accept an old nc again
                forgottenUpTo = Math.max(forgottenUpTo, cutoff);
                seen.values().removeIf(s -> s.issuedAt <= cutoff);
            }
        } finally {
            sweeping.set(false);
        }
    }
}

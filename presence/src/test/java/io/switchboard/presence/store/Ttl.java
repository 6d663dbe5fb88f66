package io.switchboard.presence.store;

import java.time.Duration;
import java.time.Instant;

/**
 * Cassandra's TTL as the fakes play it: {@link CassandraPresenceStore} writes each row with a TTL of whole
 * seconds until its expiry, rounded up and at least 1, counted from the write on the real clock; after that
 * the row is not read back.
 */
final class Ttl {

    private Ttl() {}

    /** The {@link System#nanoTime} at which a row written now, at {@code now}, with this expiry leaves. */
    static long goneAt(Instant expiresAt, Instant now) {
        long seconds = Math.max(1, (Duration.between(now, expiresAt).toMillis() + 999) / 1000);
        return System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    }

    static boolean live(long goneAt) {
        return System.nanoTime() - goneAt < 0;
    }
}

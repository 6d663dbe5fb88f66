package io.switchboard.accounts.store;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.switchboard.sip.auth.PoolFailureCounts;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The pool-wide failed-authentication counts of {@link io.switchboard.sip.auth.AuthThrottle} in
 * the Cassandra table of {@value #SCHEMA_RESOURCE}: each node upserts its own count for an
 * (account, bucket) and reads the partition back to sum the other nodes' rows.
 *
 * <p>Both statements are idempotent (an upsert of a value and a read), asynchronous, and run only
 * after a failed authentication. A partition holds at most one row per node, so the read is small
 * whatever the attack. Consistency is the session's default (LOCAL_QUORUM in a pool: a write and
 * a later read at quorum overlap, so nodes see each other's counts).
 *
 * <p>The schema is not applied here: the caller runs {@value #SCHEMA_RESOURCE} at startup.
 */
public final class CassandraAuthFailureStore implements PoolFailureCounts {

    public static final String SCHEMA_RESOURCE = "io/switchboard/accounts/store/auth_failures.cql";

    private final CqlSession session;
    private final String nodeId;
    private final int ttlSeconds;
    private final PreparedStatement upsert;
    private final PreparedStatement select;

    /**
     * Prepares the statements (blocking: call at startup).
     *
     * @param nodeId this node's name in the pool, the row it owns in each partition
     * @param ttl    how long a count is kept: at least one bucket, two so a bucket is never read
     *               after its rows expired
     */
    public CassandraAuthFailureStore(CqlSession session, CqlIdentifier keyspace, String nodeId, Duration ttl) {
        this.session = session;
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        long seconds = ttl.toSeconds();
        if (seconds < 1 || seconds > 630_720_000) { // Cassandra's TTL limit is 20 years
            throw new IllegalArgumentException("ttl must be between 1 s and 20 years, was " + ttl);
        }
        this.ttlSeconds = (int) seconds;
        String table = keyspace.asCql(true) + ".auth_failures";
        this.upsert = prepare("UPDATE " + table
                + " USING TTL ? AND TIMESTAMP ? SET failures = ? WHERE account = ? AND bucket = ? AND node = ?");
        this.select = prepare("SELECT node, failures FROM " + table + " WHERE account = ? AND bucket = ?");
    }

    /** Uses the session's keyspace ({@code CqlSession.builder().withKeyspace(...)}). */
    public static CassandraAuthFailureStore forSessionKeyspace(CqlSession session, String nodeId, Duration ttl) {
        CqlIdentifier keyspace = session.getKeyspace()
                .orElseThrow(() -> new IllegalArgumentException("the session has no keyspace; pass one explicitly"));
        return new CassandraAuthFailureStore(session, keyspace, nodeId, ttl);
    }

    private PreparedStatement prepare(String cql) {
        return session.prepare(SimpleStatement.builder(cql).setIdempotence(true).build());
    }

    @Override
    public CompletionStage<Integer> record(String accountKey, long bucket, int nodeFailures) {
        return session.executeAsync(
                        upsert.bind(ttlSeconds, writeTime(nodeFailures), nodeFailures, accountKey, bucket, nodeId))
                .thenCompose(written -> session.executeAsync(select.bind(accountKey, bucket)))
                .thenCompose(rs -> sumOthers(rs, 0));
    }

    /**
     * The write's timestamp: the count itself, above a fixed base, so that of two writes of one
     * node's row the larger count wins whatever order they reach Cassandra in (several are in
     * flight at once; with the driver's clock as timestamp, a smaller count issued a moment later
     * replaced a larger one). The base (2020-01-01 in microseconds) only keeps the value readable as
     * a time; a row is never deleted, so no tombstone competes with it.
     */
    static long writeTime(int nodeFailures) {
        return WRITE_TIME_BASE_MICROS + nodeFailures;
    }

    private static final long WRITE_TIME_BASE_MICROS = 1_577_836_800_000_000L;

    /** Sums every page but this node's row (one row per node: a single page in practice). */
    private CompletionStage<Integer> sumOthers(AsyncResultSet rs, int before) {
        int total = before;
        for (Row row : rs.currentPage()) {
            if (!nodeId.equals(row.getString("node"))) {
                total += row.getInt("failures");
            }
        }
        if (!rs.hasMorePages()) {
            return CompletableFuture.completedFuture(total);
        }
        int sofar = total;
        return rs.fetchNextPage().thenCompose(next -> sumOthers(next, sofar));
    }
}

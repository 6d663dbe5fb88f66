package io.switchboard.entity.due;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@link DueIndex} in the table of {@value #SCHEMA_RESOURCE}. Statements are prepared once and
 * idempotent. A query over a time range reads one partition per minute it spans, one after the
 * other (a sweep covers a few seconds; the first sweep after a restart of the whole pool covers
 * at most the sweeper's horizon).
 */
public final class CassandraDueIndex implements DueIndex {

    public static final String SCHEMA_RESOURCE = "io/switchboard/entity/due/entity_due.cql";

    /** How long a row outlives its due time if no sweeper removes it. */
    static final Duration KEEP_AFTER_DUE = Duration.ofDays(7);

    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement select;
    private final PreparedStatement delete;

    /** Prepares the statements (blocking: call at startup) against {@code entity_due} in {@code keyspace}. */
    public CassandraDueIndex(CqlSession session, CqlIdentifier keyspace) {
        this.session = session;
        String table = keyspace.asCql(true) + ".entity_due";
        this.insert = prepare("INSERT INTO " + table + " (type, minute, due_at, key) VALUES (?, ?, ?, ?) USING TTL ?");
        this.select = prepare(
                "SELECT due_at, key FROM " + table + " WHERE type = ? AND minute = ? AND due_at > ? AND due_at <= ?");
        this.delete = prepare("DELETE FROM " + table + " WHERE type = ? AND minute = ? AND due_at = ? AND key = ?");
    }

    /** Uses the session's keyspace. */
    public static CassandraDueIndex forSessionKeyspace(CqlSession session) {
        CqlIdentifier keyspace = session.getKeyspace()
                .orElseThrow(() -> new IllegalArgumentException("the session has no keyspace; pass one explicitly"));
        return new CassandraDueIndex(session, keyspace);
    }

    private PreparedStatement prepare(String cql) {
        return session.prepare(SimpleStatement.builder(cql).setIdempotence(true).build());
    }

    static long minuteOf(Instant at) {
        return Math.floorDiv(at.toEpochMilli(), 60_000L);
    }

    @Override
    public CompletionStage<Void> add(Due due) {
        // The TTL counts from the write: the row lives until a week after its due time.
        long ttl = Math.max(
                1,
                Duration.between(Instant.now(), due.at().plus(KEEP_AFTER_DUE)).toSeconds());
        int ttlSeconds = (int) Math.min(Integer.MAX_VALUE, ttl);
        return session.executeAsync(insert.bind(due.type(), minuteOf(due.at()), due.at(), due.key(), ttlSeconds))
                .thenApply(rs -> null);
    }

    @Override
    public CompletionStage<List<Due>> due(String type, Instant from, Instant to) {
        List<Due> found = new ArrayList<>();
        CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
        for (long minute = minuteOf(from); minute <= minuteOf(to); minute++) {
            long m = minute;
            chain = chain.thenCompose(v -> session.executeAsync(select.bind(type, m, from, to)))
                    .thenCompose(rs -> collect(type, rs, found));
        }
        return chain.thenApply(v -> found);
    }

    private static CompletionStage<Void> collect(String type, AsyncResultSet rs, List<Due> into) {
        for (Row row : rs.currentPage()) {
            into.add(new Due(type, row.getString("key"), row.getInstant("due_at")));
        }
        return rs.hasMorePages()
                ? rs.fetchNextPage().thenCompose(next -> collect(type, next, into))
                : CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> remove(Due due) {
        return session.executeAsync(delete.bind(due.type(), minuteOf(due.at()), due.at(), due.key()))
                .thenApply(rs -> null);
    }
}

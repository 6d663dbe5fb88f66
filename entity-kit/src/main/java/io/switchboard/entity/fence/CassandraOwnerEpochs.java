package io.switchboard.entity.fence;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@link OwnerEpochs} in the table of {@value #SCHEMA_RESOURCE}. A claim reads the current epoch
 * and raises it with a compare-and-set (a lightweight transaction, Paxos): one plain read and one
 * LWT per entity start, none per write. A claim that loses a race learns the winner's epoch from
 * the failed compare-and-set and tries once more above it.
 *
 * <p>Paxos makes the order safe even for a claim that was still in flight when its node was
 * downed: a later claim first completes any proposal a quorum accepted, so it ends above it; a
 * proposal that no quorum accepted fails, and the entity that made it never starts.
 */
public final class CassandraOwnerEpochs implements OwnerEpochs {

    public static final String SCHEMA_RESOURCE = "io/switchboard/entity/fence/entity_owner.cql";

    /** Compare-and-set attempts before a claim fails (each lost one means another node just claimed). */
    static final int ATTEMPTS = 8;

    private final CqlSession session;
    private final PreparedStatement read;
    private final PreparedStatement raise;

    /** Prepares the statements (blocking: call at startup) against {@code entity_owner} in {@code keyspace}. */
    public CassandraOwnerEpochs(CqlSession session, CqlIdentifier keyspace) {
        this.session = session;
        String table = keyspace.asCql(true) + ".entity_owner";
        this.read = session.prepare("SELECT epoch FROM " + table + " WHERE type = ? AND key = ?");
        // "IF epoch = null" also applies when the row does not exist yet: the first claim.
        this.raise = session.prepare("UPDATE " + table + " SET epoch = ? WHERE type = ? AND key = ? IF epoch = ?");
    }

    /** Uses the session's keyspace. */
    public static CassandraOwnerEpochs forSessionKeyspace(CqlSession session) {
        CqlIdentifier keyspace = session.getKeyspace()
                .orElseThrow(() -> new IllegalArgumentException("the session has no keyspace; pass one explicitly"));
        return new CassandraOwnerEpochs(session, keyspace);
    }

    @Override
    public CompletionStage<Long> claim(String type, String key) {
        return session.executeAsync(read.bind(type, key))
                .thenCompose(rs -> raiseFrom(type, key, epochOf(rs.one()), ATTEMPTS));
    }

    private CompletionStage<Long> raiseFrom(String type, String key, Long seen, int attemptsLeft) {
        long next = seen == null ? 1 : seen + 1;
        return session.executeAsync(raise.bind(next, type, key, seen)).thenCompose(rs -> {
            if (rs.wasApplied()) {
                return CompletableFuture.completedFuture(next);
            }
            if (attemptsLeft <= 1) {
                return CompletableFuture.failedFuture(new IllegalStateException(
                        "could not claim " + type + " " + key + ": " + ATTEMPTS + " concurrent claims won"));
            }
            // a failed compare-and-set returns the row as it is now
            return raiseFrom(type, key, currentOf(rs), attemptsLeft - 1);
        });
    }

    private static Long currentOf(AsyncResultSet rs) {
        return epochOf(rs.one());
    }

    private static Long epochOf(Row row) {
        return row == null || row.isNull("epoch") ? null : row.getLong("epoch");
    }
}

package io.switchboard.presence.store;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.AccessPolicy;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access levels in the table of {@value #SCHEMA_RESOURCE}: one partition per owner, one row per
 * watcher AOR or domain with an explicit level, stored as the level's token. Statements are
 * prepared once and idempotent. The schema is applied by the caller at startup
 * ({@code CassandraSessions.applySchema(session, CassandraAccessStore.class,
 * CassandraAccessStore.SCHEMA_RESOURCE)}).
 */
public final class CassandraAccessStore implements AccessStore {

    public static final String SCHEMA_RESOURCE = "io/switchboard/presence/store/presence_access.cql";

    private static final Logger LOG = LoggerFactory.getLogger(CassandraAccessStore.class);

    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement select;
    private final PreparedStatement delete;

    /** Prepares the statements (blocking: call at startup) against {@code presence_access} in {@code keyspace}. */
    public CassandraAccessStore(CqlSession session, CqlIdentifier keyspace) {
        this.session = session;
        String table = keyspace.asCql(true) + ".presence_access";
        this.insert = prepare("INSERT INTO " + table + " (owner, watcher_key, level) VALUES (?, ?, ?)");
        this.select = prepare("SELECT watcher_key, level FROM " + table + " WHERE owner = ?");
        this.delete = prepare("DELETE FROM " + table + " WHERE owner = ? AND watcher_key = ?");
    }

    /** Uses the session's keyspace ({@code CassandraSessions.connect} sets one). */
    public static CassandraAccessStore forSessionKeyspace(CqlSession session) {
        CqlIdentifier keyspace = session.getKeyspace()
                .orElseThrow(() -> new IllegalArgumentException("the session has no keyspace; pass one explicitly"));
        return new CassandraAccessStore(session, keyspace);
    }

    private PreparedStatement prepare(String cql) {
        return session.prepare(SimpleStatement.builder(cql).setIdempotence(true).build());
    }

    @Override
    public CompletionStage<AccessPolicy> load(String owner) {
        Map<String, AccessLevel> watchers = new HashMap<>();
        Map<String, AccessLevel> domains = new HashMap<>();
        return session.executeAsync(select.bind(owner))
                .thenCompose(rs -> collect(owner, rs, watchers, domains))
                .thenApply(done -> new AccessPolicy(watchers, domains));
    }

    private static CompletionStage<Void> collect(
            String owner, AsyncResultSet rs, Map<String, AccessLevel> watchers, Map<String, AccessLevel> domains) {
        for (Row row : rs.currentPage()) {
            String key = row.getString("watcher_key").toLowerCase(Locale.ROOT);
            (AccessPolicy.isDomainKey(key) ? domains : watchers).put(key, level(owner, key, row.getString("level")));
        }
        return rs.hasMorePages()
                ? rs.fetchNextPage().thenCompose(next -> collect(owner, next, watchers, domains))
                : CompletableFuture.completedFuture(null);
    }

    /**
     * A level this version cannot read (written by a newer node in a rolling upgrade, or by hand)
     * counts as blocked: showing a watcher less than the user chose is the safe way to be wrong,
     * showing more is not. It is logged, since the user asked for something else.
     */
    private static AccessLevel level(String owner, String key, String token) {
        AccessLevel level = AccessLevel.ofToken(token);
        if (level == null) {
            LOG.warn("Presence access of {} for {}: unknown level \"{}\"; treating it as blocked", owner, key, token);
            return AccessLevel.BLOCKED;
        }
        return level;
    }

    @Override
    public CompletionStage<Void> set(String owner, String key, AccessLevel level, WriteStamp stamp) {
        return session.executeAsync(stamp.on(insert.bind(owner, key, level.token())))
                .thenApply(rs -> null);
    }

    @Override
    public CompletionStage<Void> remove(String owner, String key, WriteStamp stamp) {
        return session.executeAsync(stamp.on(delete.bind(owner, key))).thenApply(rs -> null);
    }
}

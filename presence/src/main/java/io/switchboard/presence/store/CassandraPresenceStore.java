package io.switchboard.presence.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.presence.domain.Subscription;
import io.switchboard.sip.flow.Flow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Both presence stores on Cassandra ({@code presence/schema.cql}). Statements are prepared once;
 * every call is asynchronous; TTLs are whole seconds rounded up, so a row never leaves before
 * the entity's own timer (docs/architecture.md, rule 3).
 */
public final class CassandraPresenceStore implements PresentityStore, SubscriptionStore {

    public static final String SCHEMA = "presence/schema.cql";

    private final CqlSession session;
    private final PreparedStatement selectPublications;
    private final PreparedStatement selectPublicationsWithTtl;
    private final PreparedStatement selectWatchersWithTtl;
    private final PreparedStatement insertPublication;
    private final PreparedStatement deletePublication;
    private final PreparedStatement selectWatchers;
    private final PreparedStatement selectAnyWatcher;
    private final PreparedStatement insertWatcher;
    private final PreparedStatement deleteWatcher;
    private final PreparedStatement selectSubscriptions;
    private final PreparedStatement selectSubscriptionsWithTtl;
    private final PreparedStatement insertSubscription;
    private final PreparedStatement deleteSubscription;

    public CassandraPresenceStore(CqlSession session) {
        this.session = session;
        selectPublications = session.prepare(
                "SELECT etag, endpoint, body, published_at, expires_at FROM presence_publications WHERE presentity = ?");
        insertPublication = session.prepare("INSERT INTO presence_publications (presentity, etag, endpoint, body, "
                + "published_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) USING TTL ?");
        selectPublicationsWithTtl = session.prepare("SELECT etag, endpoint, body, published_at, expires_at, TTL(body) "
                + "FROM presence_publications WHERE presentity = ?");
        selectWatchersWithTtl = session.prepare(
                "SELECT watcher, expires_at, TTL(expires_at) FROM presence_watchers WHERE presentity = ?");
        deletePublication = session.prepare("DELETE FROM presence_publications WHERE presentity = ? AND etag = ?");
        selectWatchers = session.prepare("SELECT watcher, expires_at FROM presence_watchers WHERE presentity = ?");
        selectAnyWatcher = session.prepare("SELECT watcher FROM presence_watchers WHERE presentity = ? LIMIT 1");
        insertWatcher = session.prepare(
                "INSERT INTO presence_watchers (presentity, watcher, expires_at) VALUES (?, ?, ?) USING TTL ?");
        deleteWatcher = session.prepare("DELETE FROM presence_watchers WHERE presentity = ? AND watcher = ?");
        selectSubscriptions = session.prepare("SELECT local_tag, call_id, remote_tag, local_uri, remote_uri, "
                + "remote_target, route_set, transport, source_host, source_port, node, flow_token, event_id, resources, "
                + "list_uri, follows_contacts, expires_at, cseq_ceiling FROM presence_subscriptions WHERE watcher = ?");
        selectSubscriptionsWithTtl = session.prepare("SELECT local_tag, call_id, remote_tag, local_uri, remote_uri, "
                + "remote_target, route_set, transport, source_host, source_port, node, flow_token, event_id, resources, "
                + "list_uri, follows_contacts, expires_at, cseq_ceiling, TTL(expires_at) FROM presence_subscriptions "
                + "WHERE watcher = ?");
        insertSubscription = session.prepare("INSERT INTO presence_subscriptions (watcher, local_tag, call_id, "
                + "remote_tag, local_uri, remote_uri, remote_target, route_set, transport, source_host, source_port, node, "
                + "flow_token, event_id, resources, list_uri, follows_contacts, expires_at, cseq_ceiling) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TTL ?");
        deleteSubscription = session.prepare("DELETE FROM presence_subscriptions WHERE watcher = ? AND local_tag = ?");
    }

    @Override
    public CompletionStage<Loaded> loadPresentity(String presentity) {
        List<StoredPublication> publications = new ArrayList<>();
        Map<String, Instant> watchers = new HashMap<>();
        CompletionStage<Void> p = session.executeAsync(selectPublications.bind(presentity))
                .thenCompose(rs -> each(
                        rs,
                        row -> publications.add(new StoredPublication(
                                row.getString("etag"),
                                row.getString("endpoint"),
                                row.getString("body"),
                                row.getInstant("published_at"),
                                row.getInstant("expires_at")))));
        CompletionStage<Void> w = session.executeAsync(selectWatchers.bind(presentity))
                .thenCompose(
                        rs -> each(rs, row -> watchers.put(row.getString("watcher"), row.getInstant("expires_at"))));
        return p.thenCombine(w, (a, b) -> new Loaded(publications, watchers));
    }

    /**
     * Expiries as instants of {@code clock}: now plus the seconds Cassandra has left for the row,
     * whose TTL was counted from the write ({@link #ttl}, rounded up). So the loading entity's timer
     * fires when Cassandra forgets the row (rule 3), within a second, and skew between the writing
     * and the loading node moves nothing (rule 10); the stored {@code expires_at} is only the
     * fallback for a row without a TTL.
     */
    @Override
    public CompletionStage<Loaded> loadPresentity(String presentity, java.time.Clock clock) {
        List<StoredPublication> publications = new ArrayList<>();
        Map<String, Instant> watchers = new HashMap<>();
        CompletionStage<Void> p = session.executeAsync(selectPublicationsWithTtl.bind(presentity))
                .thenCompose(rs -> each(
                        rs,
                        row -> publications.add(new StoredPublication(
                                row.getString("etag"),
                                row.getString("endpoint"),
                                row.getString("body"),
                                row.getInstant("published_at"),
                                expiry(row, 5, row.getInstant("expires_at"), clock)))));
        CompletionStage<Void> w = session.executeAsync(selectWatchersWithTtl.bind(presentity))
                .thenCompose(rs -> each(
                        rs,
                        row -> watchers.put(
                                row.getString("watcher"), expiry(row, 2, row.getInstant("expires_at"), clock))));
        return p.thenCombine(w, (a, b) -> new Loaded(publications, watchers));
    }

    /** One row at most: expired watchers (TTL) are not returned, so this is "watched now". */
    @Override
    public CompletionStage<Boolean> watched(String presentity) {
        return session.executeAsync(selectAnyWatcher.bind(presentity)).thenApply(rs -> rs.one() != null);
    }

    private static Instant expiry(Row row, int ttlColumn, Instant stored, java.time.Clock clock) {
        return row.isNull(ttlColumn) ? stored : clock.instant().plusSeconds(row.getInt(ttlColumn));
    }

    @Override
    public CompletionStage<Void> putPublication(
            String presentity, StoredPublication pub, List<String> replacedEtags, Instant now, WriteStamp stamp) {
        var insert = insertPublication.bind(
                presentity,
                pub.etag(),
                pub.endpoint(),
                pub.body(),
                pub.publishedAt(),
                pub.expiresAt(),
                ttl(pub.expiresAt(), now));
        if (replacedEtags.isEmpty()) {
            return session.executeAsync(stamp.on(insert)).thenApply(rs -> null);
        }
        // one partition: Cassandra applies the unlogged batch atomically, without the batch log
        var batch = BatchStatement.builder(DefaultBatchType.UNLOGGED).addStatement(insert);
        for (String etag : replacedEtags) {
            batch.addStatement(deletePublication.bind(presentity, etag));
        }
        return session.executeAsync(stamp.on(batch.build())).thenApply(rs -> null);
    }

    @Override
    public CompletionStage<Void> removePublication(String presentity, String etag, WriteStamp stamp) {
        return session.executeAsync(stamp.on(deletePublication.bind(presentity, etag)))
                .thenApply(rs -> null);
    }

    @Override
    public CompletionStage<Void> putWatcher(
            String presentity, String watcher, Instant expiresAt, Instant now, WriteStamp stamp) {
        return session.executeAsync(stamp.on(insertWatcher.bind(presentity, watcher, expiresAt, ttl(expiresAt, now))))
                .thenApply(rs -> null);
    }

    @Override
    public CompletionStage<Void> removeWatcher(String presentity, String watcher, WriteStamp stamp) {
        return session.executeAsync(stamp.on(deleteWatcher.bind(presentity, watcher)))
                .thenApply(rs -> null);
    }

    @Override
    public CompletionStage<List<Subscription>> loadSubscriptions(String watcher) {
        List<Subscription> result = new ArrayList<>();
        return session.executeAsync(selectSubscriptions.bind(watcher))
                .thenCompose(rs -> each(rs, row -> result.add(toSubscription(watcher, row))))
                .thenApply(v -> result);
    }

    /** Expiries as instants of {@code clock}, from the rows' remaining TTLs (as for publications). */
    @Override
    public CompletionStage<List<Subscription>> loadSubscriptions(String watcher, java.time.Clock clock) {
        List<Subscription> result = new ArrayList<>();
        return session.executeAsync(selectSubscriptionsWithTtl.bind(watcher))
                .thenCompose(rs -> each(rs, row -> {
                    Subscription s = toSubscription(watcher, row);
                    result.add(s.withExpiresAt(expiry(row, 18, s.expiresAt(), clock)));
                }))
                .thenApply(v -> result);
    }

    @Override
    public CompletionStage<Void> put(Subscription s, Instant now, WriteStamp stamp) {
        Flow f = s.flow();
        return session.executeAsync(stamp.on(insertSubscription.bind(
                        s.watcher(),
                        s.localTag(),
                        s.callId(),
                        s.remoteTag(),
                        s.localUri(),
                        s.remoteUri(),
                        s.remoteTarget(),
                        s.routeSet(),
                        f.transport(),
                        f.sourceHost(),
                        f.sourcePort(),
                        f.node(),
                        f.flowToken(),
                        s.eventId(),
                        s.resources(),
                        s.listUri(),
                        s.followsContacts(),
                        s.expiresAt(),
                        s.cseqCeiling(),
                        ttl(s.expiresAt(), now))))
                .thenApply(rs -> null);
    }

    @Override
    public CompletionStage<Void> remove(String watcher, String localTag, WriteStamp stamp) {
        return session.executeAsync(stamp.on(deleteSubscription.bind(watcher, localTag)))
                .thenApply(rs -> null);
    }

    private static Subscription toSubscription(String watcher, Row row) {
        Flow flow = new Flow(
                orElse(row.getString("transport"), "udp"),
                orElse(row.getString("source_host"), ""),
                row.getInt("source_port"),
                row.getString("node"),
                row.getString("flow_token"));
        return new Subscription(
                watcher,
                row.getString("local_tag"),
                row.getString("call_id"),
                row.getString("remote_tag"),
                row.getString("local_uri"),
                row.getString("remote_uri"),
                row.getString("remote_target"),
                row.getList("route_set", String.class),
                flow,
                row.getString("event_id"),
                row.getList("resources", String.class),
                row.getString("list_uri"),
                row.getBoolean("follows_contacts"),
                row.getInstant("expires_at"),
                row.getLong("cseq_ceiling"));
    }

    private static int ttl(Instant expiresAt, Instant now) {
        long millis = Duration.between(now, expiresAt).toMillis();
        return (int) Math.max(1, (millis + 999) / 1000);
    }

    private static String orElse(String s, String fallback) {
        return s == null ? fallback : s;
    }

    private static CompletionStage<Void> each(AsyncResultSet rs, Consumer<Row> sink) {
        for (Row row : rs.currentPage()) {
            sink.accept(row);
        }
        if (rs.hasMorePages()) {
            return rs.fetchNextPage().thenCompose(next -> each(next, sink));
        }
        return CompletableFuture.completedFuture(null);
    }
}

package io.switchboard.registrar.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.BindingKey;
import io.switchboard.sip.flow.Flow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * {@link BindingStore} on Cassandra. Statements are prepared once; all calls are asynchronous.
 * A write touching several bindings of one AOR is an unlogged batch on one partition, which
 * Cassandra applies atomically and in isolation without the batch log's cost.
 */
public final class CassandraBindingStore implements BindingStore {

    /** Schema resource, applied by the node at startup. */
    public static final String SCHEMA = "registrar/schema.cql";

    private final CqlSession session;
    private final PreparedStatement select;
    private final PreparedStatement selectWithTtl;
    private final PreparedStatement insert;
    private final PreparedStatement delete;

    public CassandraBindingStore(CqlSession session) {
        this.session = session;
        this.select =
                session.prepare("SELECT binding_key, contact, call_id, cseq, expires_at, q, instance_id, reg_id, path, "
                        + "transport, source_host, source_port, node, flow_token, user_agent, registered_at "
                        + "FROM bindings WHERE aor = ?");
        this.selectWithTtl =
                session.prepare("SELECT binding_key, contact, call_id, cseq, expires_at, q, instance_id, reg_id, path, "
                        + "transport, source_host, source_port, node, flow_token, user_agent, registered_at, TTL(contact) "
                        + "FROM bindings WHERE aor = ?");
        this.insert = session.prepare(
                "INSERT INTO bindings (aor, binding_key, contact, call_id, cseq, expires_at, q, instance_id, "
                        + "reg_id, path, transport, source_host, source_port, node, flow_token, user_agent, "
                        + "registered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TTL ?");
        this.delete = session.prepare("DELETE FROM bindings WHERE aor = ? AND binding_key = ?");
    }

    @Override
    public CompletionStage<List<Binding>> load(String aor) {
        List<Binding> result = new ArrayList<>();
        return session.executeAsync(select.bind(aor)).thenCompose(rs -> collect(rs, result));
    }

    /**
     * Expiries as instants of {@code clock}: now plus the seconds Cassandra has left for the row,
     * whose TTL was counted from the write (rounded up); the stored {@code expires_at} only for a
     * row without a TTL.
     */
    @Override
    public CompletionStage<List<Binding>> load(String aor, java.time.Clock clock) {
        List<Binding> result = new ArrayList<>();
        return session.executeAsync(selectWithTtl.bind(aor)).thenCompose(rs -> collect(rs, result, clock));
    }

    private CompletionStage<List<Binding>> collect(AsyncResultSet rs, List<Binding> into) {
        return collect(rs, into, null);
    }

    /** @param clock null: the stored expiries; else from the TTL column (the last) on this clock */
    private CompletionStage<List<Binding>> collect(AsyncResultSet rs, List<Binding> into, java.time.Clock clock) {
        for (Row row : rs.currentPage()) {
            Binding b = toBinding(row);
            if (clock != null && !row.isNull(16)) {
                b = new Binding(
                        b.key(),
                        b.contact(),
                        b.callId(),
                        b.cseq(),
                        clock.instant().plusSeconds(row.getInt(16)),
                        b.q(),
                        b.instanceId(),
                        b.regId(),
                        b.path(),
                        b.flow(),
                        b.userAgent(),
                        b.registeredAt());
            }
            into.add(b);
        }
        if (rs.hasMorePages()) {
            return rs.fetchNextPage().thenCompose(next -> collect(next, into, clock));
        }
        return java.util.concurrent.CompletableFuture.completedFuture(into);
    }

    @Override
    public CompletionStage<Void> write(
            String aor, List<Binding> upserts, List<BindingKey> removals, Instant now, WriteStamp stamp) {
        List<BoundStatement> statements = new ArrayList<>(upserts.size() + removals.size());
        for (Binding b : upserts) {
            statements.add(bindInsert(aor, b, now));
        }
        for (BindingKey key : removals) {
            statements.add(delete.bind(aor, key.value()));
        }
        if (statements.isEmpty()) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        if (statements.size() == 1) {
            return session.executeAsync(stamp.on(statements.get(0))).thenApply(rs -> null);
        }
        BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.UNLOGGED);
        statements.forEach(batch::addStatement);
        // the batch's timestamp applies to each statement in it
        return session.executeAsync(stamp.on(batch.build())).thenApply(rs -> null);
    }

    private BoundStatement bindInsert(String aor, Binding b, Instant now) {
        return insert.bind(columns(b, now, aor));
    }

    /**
     * The values of an insert of {@code b}, in the column order of {@link #insert} after the leading key
     * values ({@code key}: {@code aor}, and whatever else a table's key has before {@code binding_key}), ending
     * with the TTL: whole seconds, rounded up, so the row never disappears before the entity's timer.
     */
    static Object[] columns(Binding b, Instant now, Object... key) {
        int ttl = (int) Math.max(1, b.secondsLeft(now));
        Flow f = b.flow();
        Object[] values = {
            b.key().value(),
            b.contact(),
            b.callId(),
            b.cseq(),
            b.expiresAt(),
            b.q(),
            b.instanceId(),
            b.regId(),
            b.path(),
            f.transport(),
            f.sourceHost(),
            f.sourcePort(),
            f.node(),
            f.flowToken(),
            b.userAgent(),
            b.registeredAt(),
            ttl
        };
        Object[] all = new Object[key.length + values.length];
        System.arraycopy(key, 0, all, 0, key.length);
        System.arraycopy(values, 0, all, key.length, values.length);
        return all;
    }

    /** The binding a row of {@code bindings} (or of a table with its columns) holds. */
    static Binding toBinding(Row row) {
        Flow flow = new Flow(
                nonNull(row.getString("transport"), "udp"),
                nonNull(row.getString("source_host"), ""),
                row.getInt("source_port"),
                nonNull(row.getString("node"), ""),
                row.getString("flow_token"));
        return new Binding(
                new BindingKey(row.getString("binding_key")),
                row.getString("contact"),
                row.getString("call_id"),
                row.getLong("cseq"),
                row.getInstant("expires_at"),
                row.getInt("q"),
                row.getString("instance_id"),
                row.getInt("reg_id"),
                row.getList("path", String.class),
                flow,
                row.getString("user_agent"),
                row.getInstant("registered_at"));
    }

    private static String nonNull(String s, String fallback) {
        return s == null ? fallback : s;
    }
}

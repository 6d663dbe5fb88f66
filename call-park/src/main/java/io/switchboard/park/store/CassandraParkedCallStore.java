package io.switchboard.park.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.park.domain.CallerIdentity;
import io.switchboard.park.domain.Orbit;
import io.switchboard.park.domain.ParkSettings;
import io.switchboard.park.domain.ParkedCall;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** {@link ParkedCallStore} on Cassandra, table {@code parked_calls} of {@value CassandraOrbitRangeStore#SCHEMA}. */
public final class CassandraParkedCallStore implements ParkedCallStore {

    private final CqlSession session;
    private final PreparedStatement select;
    private final PreparedStatement insert;
    private final PreparedStatement delete;
    private final PreparedStatement all;

    public CassandraParkedCallStore(CqlSession session) {
        this.session = session;
        this.select = session.prepare("SELECT range_name, orbit, parker, caller_uri, caller_display_name, "
                + "caller_asserted_id, parked_at, deadline, ring_backs, pickup_timeout_ms, max_pickup_attempts, "
                + "on_timeout_uri FROM parked_calls WHERE park_id = ?");
        this.insert = session.prepare("INSERT INTO parked_calls (park_id, range_name, orbit, parker, caller_uri, "
                + "caller_display_name, caller_asserted_id, parked_at, deadline, ring_backs, pickup_timeout_ms, "
                + "max_pickup_attempts, on_timeout_uri) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        this.delete = session.prepare("DELETE FROM parked_calls WHERE park_id = ?");
        this.all = session.prepare("SELECT park_id, range_name, orbit, parker, caller_uri, caller_display_name, "
                + "caller_asserted_id, parked_at, deadline, ring_backs, pickup_timeout_ms, max_pickup_attempts, "
                + "on_timeout_uri FROM parked_calls LIMIT " + LIST_LIMIT);
    }

    @Override
    public CompletionStage<Optional<ParkedCall>> load(String parkId) {
        return session.executeAsync(select.bind(parkId))
                .thenApply(rs -> Optional.ofNullable(rs.one()).map(CassandraParkedCallStore::toCall));
    }

    @Override
    public CompletionStage<Void> save(String parkId, ParkedCall c, WriteStamp stamp) {
        ParkSettings s = c.settings();
        return session.executeAsync(stamp.on(insert.bind(
                        parkId,
                        c.rangeName(),
                        c.orbit().toString(),
                        c.parker(),
                        c.caller().uri(),
                        c.caller().displayName(),
                        c.caller().assertedIdentity().orElse(null),
                        c.parkedAt(),
                        c.deadline(),
                        c.ringBacks(),
                        s.pickupTimeout().toMillis(),
                        s.maxPickupAttempts(),
                        s.onTimeoutUri().orElse(null))))
                .thenApply(rs -> null);
    }

    @Override
    public CompletionStage<java.util.Map<String, ParkedCall>> all() {
        // one page as large as the limit: the listing needs no paging state
        return session.executeAsync(all.bind().setPageSize(LIST_LIMIT)).thenApply(rs -> {
            java.util.Map<String, ParkedCall> calls = new java.util.TreeMap<>();
            for (Row row : rs.currentPage()) {
                calls.put(row.getString("park_id"), toCall(row));
            }
            return calls;
        });
    }

    @Override
    public CompletionStage<Void> delete(String parkId, WriteStamp stamp) {
        return session.executeAsync(stamp.on(delete.bind(parkId))).thenApply(rs -> null);
    }

    private static ParkedCall toCall(Row row) {
        return new ParkedCall(
                row.getString("range_name"),
                Orbit.parse(row.getString("orbit")).orElseThrow(),
                row.getString("parker"),
                new CallerIdentity(
                        row.getString("caller_uri"),
                        row.getString("caller_display_name"),
                        Optional.ofNullable(row.getString("caller_asserted_id"))),
                row.getInstant("parked_at"),
                row.getInstant("deadline"),
                row.getInt("ring_backs"),
                new ParkSettings(
                        Duration.ofMillis(row.getLong("pickup_timeout_ms")),
                        row.getInt("max_pickup_attempts"),
                        Optional.ofNullable(row.getString("on_timeout_uri"))));
    }
}

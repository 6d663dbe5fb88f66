package io.switchboard.park.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.switchboard.park.domain.Orbit;
import io.switchboard.park.domain.OrbitRange;
import io.switchboard.park.domain.RangeOverrides;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * {@link OrbitRangeStore} on Cassandra, table {@code park_orbit_ranges} of {@value #SCHEMA}. An
 * add is one conditional single-partition batch: the version bump carries the condition, the
 * insert rides along (a Cassandra batch on one partition is applied atomically).
 */
public final class CassandraOrbitRangeStore implements OrbitRangeStore {

    /** Schema resource (all of call park's tables), applied by the node at startup. */
    public static final String SCHEMA = "park/schema.cql";

    private static final String SCOPE = "pool";

    private final CqlSession session;
    private final Clock clock;
    private final PreparedStatement select;
    private final PreparedStatement bump;
    private final PreparedStatement insert;
    private final PreparedStatement delete;

    public CassandraOrbitRangeStore(CqlSession session, Clock clock) {
        this.session = session;
        this.clock = clock;
        this.select = session.prepare("SELECT version, name, start_orbit, end_orbit, pickup_timeout_ms, "
                + "max_pickup_attempts, on_timeout_uri FROM park_orbit_ranges WHERE scope = ?");
        this.bump = session.prepare("UPDATE park_orbit_ranges SET version = ? WHERE scope = ? IF version = ?");
        this.insert = session.prepare(
                "INSERT INTO park_orbit_ranges (scope, name, start_orbit, end_orbit, "
                        + "pickup_timeout_ms, max_pickup_attempts, on_timeout_uri, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        this.delete = session.prepare("DELETE FROM park_orbit_ranges WHERE scope = ? AND name = ? IF EXISTS");
    }

    @Override
    public CompletionStage<Snapshot> load() {
        return session.executeAsync(select.bind(SCOPE)).thenCompose(rs -> collect(rs, new ArrayList<>(), null));
    }

    private CompletionStage<Snapshot> collect(AsyncResultSet rs, List<OrbitRange> into, Long version) {
        Long v = version;
        for (Row row : rs.currentPage()) {
            if (!row.isNull("version")) {
                v = row.getLong("version");
            }
            // a partition with only the static column (every range removed) has one row without a name
            if (!row.isNull("name")) {
                into.add(toRange(row));
            }
        }
        if (rs.hasMorePages()) {
            Long seen = v;
            return rs.fetchNextPage().thenCompose(next -> collect(next, into, seen));
        }
        return java.util.concurrent.CompletableFuture.completedFuture(
                new Snapshot(List.copyOf(into), Optional.ofNullable(v)));
    }

    @Override
    public CompletionStage<Boolean> add(OrbitRange range, Snapshot seen) {
        Long expected = seen.version().orElse(null);
        long next = seen.version().orElse(0L) + 1;
        RangeOverrides o = range.overrides();
        BatchStatement batch = BatchStatement.newInstance(
                DefaultBatchType.LOGGED,
                bump.bind(next, SCOPE, expected),
                insert.bind(
                        SCOPE,
                        range.name(),
                        range.start().toString(),
                        range.end().toString(),
                        o.pickupTimeout().map(Duration::toMillis).orElse(null),
                        o.maxPickupAttempts().orElse(null),
                        o.onTimeoutUri().orElse(null),
                        clock.instant()));
        return session.executeAsync(batch).thenApply(AsyncResultSet::wasApplied);
    }

    @Override
    public CompletionStage<Boolean> remove(String name) {
        return session.executeAsync(delete.bind(SCOPE, name)).thenApply(AsyncResultSet::wasApplied);
    }

    private static OrbitRange toRange(Row row) {
        Orbit start = Orbit.parse(row.getString("start_orbit")).orElseThrow();
        Orbit end = Orbit.parse(row.getString("end_orbit")).orElseThrow();
        RangeOverrides o = new RangeOverrides(
                row.isNull("pickup_timeout_ms")
                        ? Optional.empty()
                        : Optional.of(Duration.ofMillis(row.getLong("pickup_timeout_ms"))),
                row.isNull("max_pickup_attempts") ? Optional.empty() : Optional.of(row.getInt("max_pickup_attempts")),
                Optional.ofNullable(row.getString("on_timeout_uri")));
        return new OrbitRange(row.getString("name"), start, end, o);
    }
}

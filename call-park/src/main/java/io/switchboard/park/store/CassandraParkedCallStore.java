package io.switchboard.park.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.park.domain.CallerHold;
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
    private final PreparedStatement selectHold;
    private final PreparedStatement insertHold;
    private final PreparedStatement allHolders;

    /** The columns of a call's hold ({@value #TAKEOVER_SCHEMA}), added to {@code parked_calls} in schema version 5. */
    public static final String TAKEOVER_SCHEMA = "park/takeover.cql";

    private static final String HOLD_COLUMNS = "holder, hold_transport, hold_local_tag, hold_remote_tag, "
            + "hold_local_uri, hold_remote_uri, hold_remote_target, hold_route_set, hold_cseq_ceiling, "
            + "hold_caller_host, hold_caller_port, hold_payload_type, hold_caller_offer, hold_moh_at, "
            + "hold_moh_position, hold_sdp_origin, hold_sdp_session, hold_sdp_version";

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
        this.selectHold = session.prepare("SELECT " + HOLD_COLUMNS + " FROM parked_calls WHERE park_id = ?");
        this.insertHold = session.prepare("INSERT INTO parked_calls (park_id, " + HOLD_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        this.allHolders = session.prepare("SELECT park_id, holder FROM parked_calls LIMIT " + LIST_LIMIT);
    }

    @Override
    public CompletionStage<Optional<CallerHold>> hold(String parkId) {
        return session.executeAsync(selectHold.bind(parkId)).thenApply(rs -> {
            Row row = rs.one();
            if (row == null || row.getString("holder") == null) {
                return Optional.empty();
            }
            return Optional.of(new CallerHold(
                    row.getString("holder"),
                    row.getString("hold_transport"),
                    parkId,
                    row.getString("hold_local_tag"),
                    row.getString("hold_remote_tag"),
                    row.getString("hold_local_uri"),
                    row.getString("hold_remote_uri"),
                    row.getString("hold_remote_target"),
                    row.getList("hold_route_set", String.class),
                    row.getLong("hold_cseq_ceiling"),
                    row.getString("hold_caller_host"),
                    row.getInt("hold_caller_port"),
                    row.getInt("hold_payload_type"),
                    row.getString("hold_caller_offer"),
                    row.getInstant("hold_moh_at"),
                    row.getLong("hold_moh_position"),
                    row.getString("hold_sdp_origin"),
                    row.getLong("hold_sdp_session"),
                    row.getLong("hold_sdp_version")));
        });
    }

    @Override
    public CompletionStage<Void> saveHold(String parkId, CallerHold h, WriteStamp stamp) {
        return session.executeAsync(stamp.on(insertHold.bind(
                        parkId,
                        h.holder(),
                        h.transport(),
                        h.localTag(),
                        h.remoteTag(),
                        h.localUri(),
                        h.remoteUri(),
                        h.remoteTarget(),
                        h.routeSet(),
                        h.cseqCeiling(),
                        h.callerHost(),
                        h.callerPort(),
                        h.payloadType(),
                        h.callerOffer(),
                        h.mohAt(),
                        h.mohPosition(),
                        h.sdpOrigin(),
                        h.sdpSessionId(),
                        h.sdpVersion())))
                .thenApply(rs -> null);
    }

    @Override
    public CompletionStage<java.util.Map<String, String>> holders() {
        return session.executeAsync(allHolders.bind().setPageSize(LIST_LIMIT)).thenApply(rs -> {
            java.util.Map<String, String> holders = new java.util.TreeMap<>();
            for (Row row : rs.currentPage()) {
                String holder = row.getString("holder");
                if (holder != null) {
                    holders.put(row.getString("park_id"), holder);
                }
            }
            return holders;
        });
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

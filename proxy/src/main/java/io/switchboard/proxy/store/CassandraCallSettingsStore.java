package io.switchboard.proxy.store;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.switchboard.proxy.domain.CallSettings;
import io.switchboard.proxy.domain.Forwarding;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Call settings in the Cassandra table of {@value #SCHEMA_RESOURCE}, one row per AOR, plain CQL
 * columns (docs/architecture.md, rule 7) so the table can gain columns without a migration.
 *
 * <p>Statements are prepared once, in the constructor, and are idempotent (an upsert of all
 * columns, a delete, a read), so the driver may retry them. Consistency is the session's default.
 * The schema is applied by the caller at startup ({@code CassandraSessions.applySchema(session,
 * CassandraCallSettingsStore.class, CassandraCallSettingsStore.SCHEMA_RESOURCE)}).
 */
public final class CassandraCallSettingsStore implements CallSettingsStore {

    public static final String SCHEMA_RESOURCE = "io/switchboard/proxy/store/call_settings.cql";

    private static final Logger LOG = LoggerFactory.getLogger(CassandraCallSettingsStore.class);

    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement select;
    private final PreparedStatement delete;

    /** Prepares the statements (blocking: call at startup) against {@code call_settings} in {@code keyspace}. */
    public CassandraCallSettingsStore(CqlSession session, CqlIdentifier keyspace) {
        this.session = session;
        String table = keyspace.asCql(true) + ".call_settings";
        this.insert = prepare("INSERT INTO " + table
                + " (aor, sim_ring, forward_mode, forward_target, forward_after_seconds, updated_at)"
                + " VALUES (?, ?, ?, ?, ?, ?)");
        this.select = prepare("SELECT sim_ring, forward_mode, forward_target, forward_after_seconds, updated_at FROM "
                + table + " WHERE aor = ?");
        this.delete = prepare("DELETE FROM " + table + " WHERE aor = ?");
    }

    /** Uses the session's keyspace ({@code CqlSession.builder().withKeyspace(...)}, as {@code CassandraSessions.connect} does). */
    public static CassandraCallSettingsStore forSessionKeyspace(CqlSession session) {
        CqlIdentifier keyspace = session.getKeyspace()
                .orElseThrow(() -> new IllegalArgumentException("the session has no keyspace; pass one explicitly"));
        return new CassandraCallSettingsStore(session, keyspace);
    }

    private PreparedStatement prepare(String cql) {
        return session.prepare(SimpleStatement.builder(cql).setIdempotence(true).build());
    }

    @Override
    public CompletionStage<Optional<CallSettings>> find(String aor) {
        String key = CallSettings.canonicalAor(aor);
        return session.executeAsync(select.bind(key))
                .thenApply(rs -> Optional.ofNullable(rs.one()).map(row -> toSettings(key, row)));
    }

    @Override
    public CompletionStage<Void> put(CallSettings s) {
        Forwarding f = s.forwarding();
        int afterSeconds = f instanceof Forwarding.NoAnswer n ? (int) n.after().toSeconds() : 0;
        return session.executeAsync(insert.bind(
                        s.aor(),
                        s.simRing().orElse(""),
                        f.mode(),
                        f.targetIfAny().orElse(""),
                        afterSeconds,
                        s.updatedAt()))
                .thenApply(rs -> null);
    }

    @Override
    public CompletionStage<Void> delete(String aor) {
        return session.executeAsync(delete.bind(CallSettings.canonicalAor(aor))).thenApply(rs -> null);
    }

    private static CallSettings toSettings(String aor, Row row) {
        String simRing = nullToEmpty(row.getString("sim_ring"));
        Instant updatedAt = row.getInstant("updated_at");
        return new CallSettings(
                aor,
                simRing.isEmpty() ? Optional.empty() : Optional.of(simRing),
                forwarding(aor, row),
                updatedAt == null ? Instant.EPOCH : updatedAt);
    }

    /**
     * A row this version cannot read as forwarding (a mode added by a newer node during a rolling
     * upgrade, or a row edited by hand) counts as "off": calls still reach the user's endpoints,
     * which is the safe way to be wrong. It is logged, since the operator asked for something else.
     */
    private static Forwarding forwarding(String aor, Row row) {
        String mode = nullToEmpty(row.getString("forward_mode"));
        String target = nullToEmpty(row.getString("forward_target"));
        int after = row.getInt("forward_after_seconds"); // 0 when null
        switch (mode) {
            case "", "off":
                return Forwarding.OFF;
            case "immediate":
                if (!target.isEmpty()) {
                    return new Forwarding.Immediate(target);
                }
                break;
            case "no-answer":
                Duration d = Duration.ofSeconds(after);
                if (!target.isEmpty()
                        && d.compareTo(Forwarding.MIN_NO_ANSWER) >= 0
                        && d.compareTo(Forwarding.MAX_NO_ANSWER) <= 0) {
                    return new Forwarding.NoAnswer(target, d);
                }
                break;
            default:
                break;
        }
        LOG.warn(
                "Call settings of {}: cannot use forwarding mode \"{}\" target \"{}\" after {} s; treating it as off",
                aor,
                mode,
                target,
                after);
        return Forwarding.OFF;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}

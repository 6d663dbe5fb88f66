package io.switchboard.proxy.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.switchboard.proxy.domain.CallSettings;
import io.switchboard.proxy.domain.Forwarding;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store contract against a real Cassandra node, plus the row layout and durability across sessions. */
class CassandraCallSettingsStoreTest extends CallSettingsStoreContract {

    private static final String KEYSPACE = "call_settings_store_test";
    private static CqlSession session;

    @BeforeAll
    static void schema() {
        session = TestCassandra.session(KEYSPACE);
        CassandraSessions.applySchema(
                session, CassandraCallSettingsStore.class, CassandraCallSettingsStore.SCHEMA_RESOURCE);
    }

    @Override
    CallSettingsStore store() {
        // TRUNCATE waits for every replica to flush: more than the 5 s request timeout on a busy machine
        session.execute(SimpleStatement.newInstance("TRUNCATE call_settings").setTimeout(Duration.ofSeconds(30)));
        return CassandraCallSettingsStore.forSessionKeyspace(session);
    }

    @Test
    void schema_can_be_applied_again_at_every_start() {
        CassandraSessions.applySchema(
                session, CassandraCallSettingsStore.class, CassandraCallSettingsStore.SCHEMA_RESOURCE);
    }

    @Test
    void settings_survive_a_new_session() {
        CallSettings alice = full(ALICE, T1);
        await(store().put(alice));
        try (CqlSession fresh = CassandraSessions.connect(TestCassandra.settings(KEYSPACE))) {
            CallSettingsStore other = new CassandraCallSettingsStore(fresh, CqlIdentifier.fromInternal(KEYSPACE));
            assertThat(await(other.find(ALICE))).contains(alice);
            await(other.delete(ALICE));
        }
        assertThat(await(CassandraCallSettingsStore.forSessionKeyspace(session).find(ALICE)))
                .isEmpty();
    }

    @Test
    void rows_are_plain_columns_without_nulls() {
        await(store().put(new CallSettings(
                ALICE, java.util.Optional.empty(), new Forwarding.Immediate("sip:bob@example.test"), T2)));
        Row row = session.execute(SimpleStatement.newInstance(
                        "SELECT sim_ring, forward_mode, forward_target, forward_after_seconds, updated_at FROM call_settings WHERE aor = ?",
                        ALICE))
                .one();
        assertThat(row).isNotNull();
        assertThat(row.getString("sim_ring")).isEmpty();
        assertThat(row.getString("forward_mode")).isEqualTo("immediate");
        assertThat(row.getString("forward_target")).isEqualTo("sip:bob@example.test");
        assertThat(row.isNull("forward_after_seconds")).isFalse();
        assertThat(row.getInt("forward_after_seconds")).isZero();
        assertThat(row.getInstant("updated_at")).isEqualTo(T2);
    }

    @Test
    void a_forwarding_row_this_version_cannot_read_counts_as_off_and_keeps_sim_ring() {
        CallSettingsStore store = store();
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        session.execute(SimpleStatement.newInstance(
                "INSERT INTO call_settings (aor, sim_ring, forward_mode, forward_target, forward_after_seconds, updated_at)"
                        + " VALUES (?, 'sip:bob@example.test', 'when-busy', 'sip:vm@example.test', 0, ?)",
                ALICE,
                at));
        session.execute(SimpleStatement.newInstance(
                "INSERT INTO call_settings (aor, forward_mode, forward_target, forward_after_seconds)"
                        + " VALUES ('sip:carol@example.test', 'no-answer', 'sip:vm@example.test', 2)"));

        CallSettings alice = await(store.find(ALICE)).orElseThrow();
        assertThat(alice.forwarding()).isEqualTo(Forwarding.OFF);
        assertThat(alice.simRing()).contains("sip:bob@example.test");
        assertThat(alice.updatedAt()).isEqualTo(at);
        CallSettings carol = await(store.find("sip:carol@example.test")).orElseThrow();
        assertThat(carol.forwarding()).isEqualTo(Forwarding.OFF);
        assertThat(carol.simRing()).isEmpty();
        assertThat(carol.updatedAt()).isEqualTo(Instant.EPOCH);
    }
}

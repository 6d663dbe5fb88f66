package io.switchboard.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.metadata.schema.KeyspaceMetadata;
import io.switchboard.storage.testing.TestCassandra;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Sessions and schema scripts against the shared test node. */
class CassandraSessionsTest {

    private static final String SCHEMA = "io/switchboard/storage/test-schema.cql";
    private static CqlSession session;

    @BeforeAll
    static void connect() {
        session = TestCassandra.session("sessions_test");
    }

    @Test
    void sessionUsesTheKeyspaceAndTheConfiguredDefaults() {
        assertThat(session.getKeyspace()).contains(CqlIdentifier.fromInternal("sessions_test"));
        var profile = session.getContext().getConfig().getDefaultProfile();
        assertThat(profile.getString(DefaultDriverOption.REQUEST_CONSISTENCY)).isEqualTo("LOCAL_ONE");
        assertThat(profile.getDuration(DefaultDriverOption.REQUEST_TIMEOUT)).isEqualTo(Duration.ofSeconds(5));
        KeyspaceMetadata keyspace =
                session.getMetadata().getKeyspace("sessions_test").orElseThrow();
        assertThat(keyspace.getReplication()).containsEntry("replication_factor", "1");
    }

    @Test
    void appliesASchemaTwiceWithoutHarmAndTheTablesWork() {
        CassandraSessions.applySchema(session, SCHEMA);
        CassandraSessions.applySchema(session, CassandraSessionsTest.class, "/" + SCHEMA);
        session.execute("INSERT INTO notes (id, body) VALUES ('n1', 'hello')");
        session.execute("INSERT INTO tags (note, tag) VALUES ('n1', 'a')");
        assertThat(session.execute("SELECT body FROM notes WHERE id = 'n1'")
                        .one()
                        .getString("body"))
                .isEqualTo("hello");
        assertThat(session.execute("SELECT comment FROM system_schema.tables WHERE keyspace_name = 'sessions_test' "
                                + "AND table_name = 'notes'")
                        .one()
                        .getString("comment"))
                .isEqualTo("notes -- kept; across restarts");
    }

    @Test
    void missingSchemaResourceIsAClearError() {
        assertThatThrownBy(() -> CassandraSessions.applySchema(session, "no/such/schema.cql"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no/such/schema.cql");
    }

    @Test
    void connectCreatesAMissingKeyspaceWithItsReplication() {
        CassandraSettings shared = TestCassandra.settings("sessions_test_created");
        CassandraSettings settings = new CassandraSettings(
                shared.contactPoints(),
                shared.localDc(),
                shared.keyspace(),
                "{'class': 'NetworkTopologyStrategy', '" + shared.localDc() + "': 1}",
                shared.consistency());
        try (CqlSession created =
                CassandraSessions.connectAsync(settings).toCompletableFuture().join()) {
            assertThat(created.getKeyspace()).contains(CqlIdentifier.fromInternal("sessions_test_created"));
            assertThat(created.getMetadata()
                            .getKeyspace("sessions_test_created")
                            .orElseThrow()
                            .getReplication())
                    .containsEntry("class", "org.apache.cassandra.locator.NetworkTopologyStrategy");
        } finally {
            // DDL: the 5 s request timeout is too short for a busy 2-core machine (as in TestCassandra)
            session.execute(SimpleStatement.newInstance("DROP KEYSPACE IF EXISTS sessions_test_created")
                    .setTimeout(Duration.ofSeconds(30)));
        }
    }

    @Test
    void testSessionsAreCachedButTheKeyspaceIsFreshEachTime() {
        CqlSession first = TestCassandra.session("sessions_test_fresh");
        CassandraSessions.applySchema(first, SCHEMA);
        first.execute("INSERT INTO notes (id, body) VALUES ('n1', 'gone after the next call')");

        CqlSession second = TestCassandra.session("sessions_test_fresh");

        assertThat(second).isSameAs(first);
        assertThat(second.execute(
                                "SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?",
                                "sessions_test_fresh")
                        .all())
                .isEmpty();
        assertThat(List.of(TestCassandra.contactPoint()))
                .isEqualTo(TestCassandra.settings("x").contactPoints());
    }
}

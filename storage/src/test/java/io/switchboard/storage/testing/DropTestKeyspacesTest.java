package io.switchboard.storage.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import org.junit.jupiter.api.Test;

/** What {@link DropTestKeyspaces} does after each test class, and that the next class still gets its keyspace. */
class DropTestKeyspacesTest {

    private static boolean exists(CqlSession session, String keyspace) {
        return session.execute(SimpleStatement.newInstance(
                                "SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?", keyspace))
                        .one()
                != null;
    }

    @Test
    void droppedKeyspacesComeBackEmptyForTheNextUser() {
        CqlSession session = TestCassandra.session("drop_keyspaces_test");
        session.execute("CREATE TABLE drop_keyspaces_test.t (k int PRIMARY KEY, v text)");
        session.execute("INSERT INTO drop_keyspaces_test.t (k, v) VALUES (1, 'kept?')");

        TestCassandra.dropKeyspaces();
        assertThat(exists(session, "drop_keyspaces_test")).isFalse();
        assertThat(exists(session, "system_schema")).isTrue();

        CqlSession again = TestCassandra.session("drop_keyspaces_test");
        assertThat(exists(again, "drop_keyspaces_test")).isTrue();
        again.execute("CREATE TABLE drop_keyspaces_test.t (k int PRIMARY KEY, v text)");
        assertThat(again.execute("SELECT v FROM drop_keyspaces_test.t WHERE k = 1")
                        .one())
                .isNull();
    }
}

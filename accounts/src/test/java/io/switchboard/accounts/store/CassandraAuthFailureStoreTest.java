package io.switchboard.accounts.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.switchboard.sip.auth.PoolFailureCounts;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pool-wide failure counter against a real Cassandra node (the shared embedded test node),
 * plus what only the real table shows: the schema applies again, every count carries its TTL.
 */
class CassandraAuthFailureStoreTest extends AuthFailureStoreContract {

    private static final String KEYSPACE = "auth_failures_test";
    private static final Duration TTL = Duration.ofHours(2);
    private static CqlSession session;

    @BeforeAll
    static void schema() {
        session = TestCassandra.session(KEYSPACE);
        CassandraSessions.applySchema(
                session, CassandraAuthFailureStore.class, CassandraAuthFailureStore.SCHEMA_RESOURCE);
    }

    @Override
    PoolFailureCounts node(String nodeId) {
        return CassandraAuthFailureStore.forSessionKeyspace(session, nodeId, TTL);
    }

    @Override
    void empty() {
        // TRUNCATE flushes and waits for every replica: more than the 5 s request timeout on a busy machine
        session.execute(SimpleStatement.newInstance("TRUNCATE auth_failures").setTimeout(Duration.ofSeconds(30)));
    }

    @Test
    void schemaCanBeAppliedAgainAtEveryStart() {
        CassandraSessions.applySchema(
                session, CassandraAuthFailureStore.class, CassandraAuthFailureStore.SCHEMA_RESOURCE);
    }

    @Test
    void everyCountExpires() {
        empty();
        await(node("node-1").record("bob@example.test", BUCKET, 1));
        var row = session.execute(SimpleStatement.newInstance(
                        "SELECT TTL(failures) AS ttl FROM auth_failures WHERE account = ? AND bucket = ? AND node = ?",
                        "bob@example.test",
                        BUCKET,
                        "node-1"))
                .one();
        assertThat(row).isNotNull();
        assertThat(row.getInt("ttl")).isBetween(7000, 7200);
    }
}

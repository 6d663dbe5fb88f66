package io.switchboard.presence.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;

/** The presence store contract against a real Cassandra node, TTLs included. */
class CassandraPresenceStoreTest extends PresenceStoreContract {

    private static final String KEYSPACE = "presence_state_store_test";
    private static CqlSession session;
    private static CassandraPresenceStore store;

    @BeforeAll
    static void schema() {
        session = TestCassandra.session(KEYSPACE);
        CassandraSessions.applySchema(session, CassandraPresenceStore.class, CassandraPresenceStore.SCHEMA);
        store = new CassandraPresenceStore(session);
    }

    private static void truncate(String table) {
        // TRUNCATE waits for every replica to flush: more than the 5 s request timeout on a busy machine
        session.execute(SimpleStatement.newInstance("TRUNCATE " + table).setTimeout(Duration.ofSeconds(30)));
    }

    @Override
    PresentityStore presentities() {
        truncate("presence_publications");
        truncate("presence_watchers");
        return store;
    }

    @Override
    SubscriptionStore subscriptions() {
        truncate("presence_subscriptions");
        return store;
    }
}

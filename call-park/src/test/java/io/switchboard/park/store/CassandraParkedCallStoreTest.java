package io.switchboard.park.store;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CassandraParkedCallStoreTest extends ParkedCallStoreContract {

    private CassandraParkedCallStore store;

    @BeforeAll
    void schema() {
        CqlSession session = TestCassandra.session("park_calls");
        CassandraSessions.applySchema(session, CassandraOrbitRangeStore.class, CassandraOrbitRangeStore.SCHEMA);
        store = new CassandraParkedCallStore(session);
    }

    @Override
    ParkedCallStore store() {
        return store;
    }
}

package io.switchboard.park.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.park.domain.ParkedCall;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CassandraParkedCallStoreTest extends ParkedCallStoreContract {

    private CassandraParkedCallStore store;

    @BeforeAll
    void schema() {
        CqlSession session = TestCassandra.session("park_calls");
        CassandraSessions.applySchema(session, CassandraOrbitRangeStore.class, CassandraOrbitRangeStore.SCHEMA);
        CassandraSessions.applySchema(
                session, CassandraParkedCallStore.class, CassandraParkedCallStore.TAKEOVER_SCHEMA);
        store = new CassandraParkedCallStore(session);
    }

    /** A replaced owner's late write (a lower owner epoch) loses to its successor's, whatever the order. */
    @Test
    void a_write_of_an_earlier_owner_epoch_loses() {
        ParkedCall successor = call("sip:operator@example.test", Optional.empty());
        ParkedCall stale = call("", Optional.empty());
        await(store.save("p-fenced", successor, new WriteStamp(WriteStamp.first(2))));
        await(store.save("p-fenced", stale, new WriteStamp(WriteStamp.first(1) + 5)));
        assertThat(await(store.load("p-fenced"))).contains(successor);
        await(store.delete("p-fenced", new WriteStamp(WriteStamp.first(1) + 6)));
        assertThat(await(store.load("p-fenced"))).contains(successor);
        await(store.delete("p-fenced", new WriteStamp(WriteStamp.first(2) + 1)));
        assertThat(await(store.load("p-fenced"))).isEmpty();
    }

    @Override
    ParkedCallStore store() {
        return store;
    }
}

package io.switchboard.entity.due;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;

/** {@link CassandraDueIndex} against the shared test Cassandra node. */
class CassandraDueIndexTest extends DueIndexContract {

    static CassandraDueIndex index;
    static final AtomicInteger N = new AtomicInteger();

    @BeforeAll
    static void connect() {
        CqlSession session = TestCassandra.session("entity_due_test");
        CassandraSessions.applySchema(session, CassandraDueIndex.class, CassandraDueIndex.SCHEMA_RESOURCE);
        index = CassandraDueIndex.forSessionKeyspace(session);
    }

    @Override
    DueIndex index() {
        return index;
    }

    @Override
    String type() {
        return "type-" + N.incrementAndGet() + "-" + System.nanoTime();
    }
}

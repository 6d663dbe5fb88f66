package io.switchboard.entity.fence;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Owner epochs against the shared test Cassandra node, and what they are for: the writes of an
 * owner that was replaced lose to its successor's, in whatever order they reach Cassandra.
 */
class CassandraOwnerEpochsTest {

    static CqlSession session;
    static CassandraOwnerEpochs epochs;

    @BeforeAll
    static void connect() {
        session = TestCassandra.session("entity_owner_test");
        CassandraSessions.applySchema(session, CassandraOwnerEpochs.class, CassandraOwnerEpochs.SCHEMA_RESOURCE);
        epochs = CassandraOwnerEpochs.forSessionKeyspace(session);
        session.execute("CREATE TABLE IF NOT EXISTS fenced (k text, c text, v text, PRIMARY KEY (k, c))");
    }

    static long claim(String type, String key) {
        return epochs.claim(type, key).toCompletableFuture().join();
    }

    @Test
    void each_claim_of_an_entity_is_above_the_last_and_types_count_apart() {
        assertThat(claim("registrar", "sip:a@example.test")).isEqualTo(1);
        assertThat(claim("registrar", "sip:a@example.test")).isEqualTo(2);
        assertThat(claim("presentity", "sip:a@example.test")).isEqualTo(1);
        assertThat(claim("registrar", "sip:a@example.test")).isEqualTo(3);
    }

    @Test
    void concurrent_claims_of_one_entity_get_distinct_epochs() {
        List<CompletableFuture<Long>> claims = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            claims.add(epochs.claim("registrar", "sip:race@example.test").toCompletableFuture());
        }
        List<Long> got = claims.stream().map(CompletableFuture::join).sorted().toList();
        assertThat(got).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void a_stale_owners_late_write_loses_to_its_successors_earlier_one() {
        long stale = WriteStamp.first(claim("registrar", "sip:b@example.test"));
        long successor = WriteStamp.first(claim("registrar", "sip:b@example.test"));
        write("successor's contact", new WriteStamp(successor));
        // the old owner wakes from a pause and writes, long after its successor took over
        write("stale contact", new WriteStamp(stale + 5));
        assertThat(read()).isEqualTo("successor's contact");
        // and the stale owner's delete cannot remove what the successor wrote either
        session.execute(new WriteStamp(stale + 6)
                .on(SimpleStatement.newInstance("DELETE FROM fenced WHERE k = 'b' AND c = 'binding-1'")));
        assertThat(read()).isEqualTo("successor's contact");
    }

    static void write(String value, WriteStamp stamp) {
        session.execute(stamp.on(
                SimpleStatement.newInstance("INSERT INTO fenced (k, c, v) VALUES ('b', 'binding-1', ?)", value)));
    }

    static String read() {
        return session.execute("SELECT v FROM fenced WHERE k = 'b' AND c = 'binding-1'")
                .one()
                .getString("v");
    }
}

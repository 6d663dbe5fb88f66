package io.switchboard.presence.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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

    /**
     * Every write carries its entity's stamp (docs/architecture.md, decision (c)): a replaced
     * owner's publication, watcher and subscription writes, arriving after its successor's, change
     * nothing the successor wrote.
     */
    @Test
    void writes_stamped_by_an_earlier_owner_lose_to_the_successors() {
        PresentityStore presentities = presentities();
        SubscriptionStore subscriptions = subscriptions();
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS); // Cassandra keeps ms
        WriteStamp stale = new WriteStamp(WriteStamp.first(1) + 7);
        WriteStamp successor = new WriteStamp(WriteStamp.first(2));

        await(presentities.putPublication(
                ALICE, publication("e1", now, Duration.ofHours(1)), java.util.List.of(), now, successor));
        await(presentities.putPublication(
                ALICE, publication("e1", now, Duration.ofMinutes(1)), java.util.List.of(), now, stale));
        await(presentities.putWatcher(ALICE, BOB, now.plusSeconds(3600), now, successor));
        await(presentities.removeWatcher(ALICE, BOB, stale));
        PresentityStore.Loaded loaded = await(presentities.loadPresentity(ALICE));
        assertThat(loaded.publications())
                .singleElement()
                .satisfies(p -> assertThat(p.expiresAt())
                        .isEqualTo(publication("e1", now, Duration.ofHours(1)).expiresAt()));
        assertThat(loaded.watchers()).containsKey(BOB);

        await(subscriptions.put(subscription(BOB, "t1", now.plusSeconds(600), 40), now, successor));
        await(subscriptions.put(subscription(BOB, "t1", now.plusSeconds(600), 7), now, stale));
        await(subscriptions.remove(BOB, "t1", stale));
        assertThat(await(subscriptions.loadSubscriptions(BOB)))
                .singleElement()
                .satisfies(sub -> assertThat(sub.cseqCeiling()).isEqualTo(40));
    }
}

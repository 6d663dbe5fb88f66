package io.switchboard.presence.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.Contact;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store contract against a real Cassandra node, plus the row layout and durability across sessions. */
class CassandraStoresTest extends StoreContract {

    private static final String KEYSPACE = "presence_store_test";
    private static CqlSession session;

    @BeforeAll
    static void schema() {
        session = TestCassandra.session(KEYSPACE);
        CassandraSessions.applySchema(
                session, CassandraContactListStore.class, CassandraContactListStore.SCHEMA_RESOURCE);
        CassandraSessions.applySchema(session, CassandraAccessStore.class, CassandraAccessStore.SCHEMA_RESOURCE);
    }

    private static void truncate(String table) {
        // TRUNCATE waits for every replica to flush: more than the 5 s request timeout on a busy machine
        session.execute(SimpleStatement.newInstance("TRUNCATE " + table).setTimeout(Duration.ofSeconds(30)));
    }

    @Override
    ContactListStore contacts() {
        truncate("contact_lists");
        return CassandraContactListStore.forSessionKeyspace(session);
    }

    @Override
    AccessStore access() {
        truncate("presence_access");
        return CassandraAccessStore.forSessionKeyspace(session);
    }

    @Test
    void schemas_can_be_applied_again_at_every_start() {
        CassandraSessions.applySchema(
                session, CassandraContactListStore.class, CassandraContactListStore.SCHEMA_RESOURCE);
        CassandraSessions.applySchema(session, CassandraAccessStore.class, CassandraAccessStore.SCHEMA_RESOURCE);
    }

    @Test
    void rows_are_plain_columns() {
        await(contacts().put(ALICE, new Contact(BOB, "Bob", List.of("Team", "Lunch")), WriteStamp.UNFENCED));
        await(access().set(ALICE, "partner.example", AccessLevel.FRIENDS_AND_FAMILY, WriteStamp.UNFENCED));
        Row contact = session.execute(SimpleStatement.newInstance(
                        "SELECT display_name, groups FROM contact_lists WHERE owner = ? AND uri = ?", ALICE, BOB))
                .one();
        assertThat(contact).isNotNull();
        assertThat(contact.getString("display_name")).isEqualTo("Bob");
        assertThat(contact.getList("groups", String.class)).containsExactly("Team", "Lunch");
        Row access = session.execute(SimpleStatement.newInstance(
                        "SELECT level FROM presence_access WHERE owner = ? AND watcher_key = ?",
                        ALICE,
                        "partner.example"))
                .one();
        assertThat(access).isNotNull();
        assertThat(access.getString("level")).isEqualTo("friends-and-family");
    }

    @Test
    void what_was_written_is_there_for_a_new_session() {
        await(contacts().put(ALICE, new Contact(BOB, "Bob", List.of("Team")), WriteStamp.UNFENCED));
        await(access().set(ALICE, BOB, AccessLevel.WORKGROUP, WriteStamp.UNFENCED));
        try (CqlSession fresh = CassandraSessions.connect(TestCassandra.settings(KEYSPACE))) {
            CqlIdentifier ks = CqlIdentifier.fromInternal(KEYSPACE);
            assertThat(await(new CassandraContactListStore(fresh, ks).load(ALICE))
                            .contacts())
                    .containsExactly(new Contact(BOB, "Bob", List.of("Team")));
            assertThat(await(new CassandraAccessStore(fresh, ks).load(ALICE)).byWatcher())
                    .isEqualTo(Map.of(BOB, AccessLevel.WORKGROUP));
        }
    }

    @Test
    void a_level_this_version_cannot_read_counts_as_blocked() {
        AccessStore store = access();
        session.execute(SimpleStatement.newInstance(
                "INSERT INTO presence_access (owner, watcher_key, level) VALUES (?, ?, 'best-friends')", ALICE, BOB));
        assertThat(await(store.load(ALICE)).byWatcher()).isEqualTo(Map.of(BOB, AccessLevel.BLOCKED));
    }

    @Test
    void a_full_list_of_1000_contacts_loads_whole() {
        ContactListStore store = contacts();
        // 50 writes at a time: a thousand at once can outlast the driver's timeout on a loaded machine
        for (int from = 0; from < 1000; from += 50) {
            java.util.concurrent.CompletableFuture<?>[] writes = new java.util.concurrent.CompletableFuture<?>[50];
            for (int i = 0; i < 50; i++) {
                writes[i] = store.put(
                                ALICE,
                                new Contact(String.format("sip:u%04d@example.test", from + i), "", List.of()),
                                WriteStamp.UNFENCED)
                        .toCompletableFuture();
            }
            await(java.util.concurrent.CompletableFuture.allOf(writes));
        }
        List<String> uris = await(store.load(ALICE)).uris();
        assertThat(uris).hasSize(1000).startsWith("sip:u0000@example.test").endsWith("sip:u0999@example.test");
    }
}

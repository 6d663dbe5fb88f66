package io.switchboard.addressbook.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.switchboard.addressbook.domain.AddressEntry;
import io.switchboard.addressbook.domain.Attribute;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store contract against the shared test Cassandra node, and the documented entry layout. */
class CassandraAddressBookStoreTest extends AddressBookStoreContract {

    private static final String KEYSPACE = "address_book_store_test";
    private static CqlSession session;

    @BeforeAll
    static void schema() {
        session = TestCassandra.session(KEYSPACE);
        CassandraSessions.applySchema(session, CassandraAddressBookStore.SCHEMA_RESOURCE);
    }

    @Override
    AddressBookStore store() {
        for (String table : List.of(
                "address_book_entries",
                "address_book_state",
                "address_book_files",
                "address_book_file_chunks",
                "address_book_lease",
                "address_book_runs")) {
            session.execute(SimpleStatement.newInstance("TRUNCATE " + table).setTimeout(Duration.ofSeconds(30)));
        }
        return new CassandraAddressBookStore(session);
    }

    @Test
    void entriesLiveInTheirBucketWithAttributeKeys() {
        AddressBookStore store = store();
        await(store.writeEntries(
                List.of(new AddressEntry("sip:ann@example.com", Map.of(Attribute.DISPLAY_NAME, "Ann"))), List.of()));
        var row = session.execute(SimpleStatement.newInstance(
                        "SELECT attrs FROM address_book_entries WHERE bucket = ? AND id = ?",
                        Math.floorMod("sip:ann@example.com".hashCode(), 32),
                        "sip:ann@example.com"))
                .one();
        assertThat(row).isNotNull();
        assertThat(row.getMap(0, String.class, String.class)).containsExactly(Map.entry("display-name", "Ann"));
    }
}

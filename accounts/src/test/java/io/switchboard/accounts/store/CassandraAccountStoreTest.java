package io.switchboard.accounts.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.switchboard.accounts.domain.Account;
import io.switchboard.sip.auth.DigestAlgorithm;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store contract against a real Cassandra node (the shared embedded test node), plus what
 * only the real table can show: the schema resource applies, rows use the documented layout.
 */
class CassandraAccountStoreTest extends AccountStoreContract {

    private static final String KEYSPACE = "accounts_store_test";
    private static CqlSession session;

    @BeforeAll
    static void schema() {
        session = TestCassandra.session(KEYSPACE);
        CassandraSessions.applySchema(session, CassandraAccountStore.SCHEMA_RESOURCE);
        CassandraSessions.applySchema(session, CassandraAccountStore.HOME_SITE_SCHEMA_RESOURCE);
    }

    /** Truncating is much cheaper than a fresh keyspace per test, and just as empty. */
    @Override
    AccountStore store() {
        // TRUNCATE flushes and waits for every replica: more than the 5 s request timeout on a busy machine
        session.execute(SimpleStatement.newInstance("TRUNCATE accounts").setTimeout(Duration.ofSeconds(30)));
        return CassandraAccountStore.forSessionKeyspace(session);
    }

    @Test
    void schemaCanBeAppliedAgainAtEveryStart() {
        CassandraSessions.applySchema(session, CassandraAccountStore.SCHEMA_RESOURCE);
        CassandraSessions.applySchema(session, CassandraAccountStore.HOME_SITE_SCHEMA_RESOURCE);
    }

    @Test
    void aKeyspaceCanBeNamedExplicitly() {
        AccountStore store = store();
        Account alice = account("example.test", "alice", "correct horse");
        await(store.put(alice));

        AccountStore explicit = new CassandraAccountStore(session, CqlIdentifier.fromInternal(KEYSPACE));

        assertThat(await(explicit.find("example.test", "alice"))).contains(alice);
    }

    @Test
    void rowsHoldAlgorithmTokensAndTheDocumentedBucket() {
        AccountStore store = store();
        Account alice = account("example.test", "alice", "correct horse");
        await(store.put(alice));

        // bucket 7 is FNV-1a("alice") mod 16, pinned in UserBucketsTest
        var row = session.execute(SimpleStatement.newInstance(
                        "SELECT ha1 FROM accounts WHERE domain = ? AND bucket = 7 AND username = ?",
                        "example.test",
                        "alice"))
                .one();

        assertThat(row).isNotNull();
        assertThat(row.getMap("ha1", String.class, String.class))
                .containsOnly(
                        Map.entry("MD5", alice.ha1(DigestAlgorithm.MD5).orElseThrow()),
                        Map.entry("SHA-256", alice.ha1(DigestAlgorithm.SHA_256).orElseThrow()));
    }

    @Test
    void algorithmsThisVersionDoesNotKnowAreSkipped() {
        AccountStore store = store();
        session.execute(SimpleStatement.newInstance(
                "INSERT INTO accounts (domain, bucket, username, display_name, phone, ha1, created_at)"
                        + " VALUES (?, ?, ?, '', '', ?, ?)",
                "example.test",
                UserBuckets.of("bob"),
                "bob",
                Map.of("MD5", "0123456789abcdef0123456789abcdef", "SHA-512-256", "ff"),
                Instant.parse("2025-01-01T00:00:00Z")));

        Account bob = await(store.find("example.test", "bob")).orElseThrow();

        assertThat(bob.ha1()).containsOnly(Map.entry(DigestAlgorithm.MD5, "0123456789abcdef0123456789abcdef"));
        assertThat(bob.displayName()).isEmpty();
    }
    /**
     * No user enumeration by timing (README): a lookup reads and decodes exactly one row whether
     * the user exists or not, wherever the name sorts among the partition's users.
     */
    @Test
    void everyLookupReadsOneRowKnownOrNot() {
        CassandraAccountStore store = (CassandraAccountStore) store();
        String domain = "example.test";
        await(store.prepareDomain(domain));
        List<String> names = List.of("alice", "bob", "carol", "mallory", "zed");
        for (String user : List.of("bob", "mallory")) {
            await(store.put(account(domain, user, "correct horse")));
        }
        for (String user : names) {
            String read = await(store.rowReadFor(domain, user));
            assertThat(read).as("row read for %s", user).isNotNull();
            boolean exists = user.equals("bob") || user.equals("mallory");
            assertThat(read.equals(user)).as("%s read its own row", user).isEqualTo(exists);
            assertThat(await(store.find(domain, user)).isPresent()).isEqualTo(exists);
        }
        // the decoy itself is never an account, and listing skips it
        assertThat(await(store.find(domain, CassandraAccountStore.DECOY_USER))).isEmpty();
        assertThat(await(store.list(domain, "", 100)).accounts())
                .extracting(Account::user)
                .containsExactlyInAnyOrder("bob", "mallory");
        assertThat(await(store.list(domain, "", 1)).next()).contains("bob");
        assertThat(await(store.list(domain, "bob", 1)).next()).isEmpty();
    }

    @Test
    void aPutWritesItsPartitionsDecoyAndPrepareDomainTheRest() {
        CassandraAccountStore store = (CassandraAccountStore) store();
        await(store.put(account("example.test", "bob", "correct horse")));
        // "zzz" sorts after bob; whatever bucket it is in, only a decoy can follow it there
        String other = "zzz";
        boolean sameBucket = UserBuckets.of(other) == UserBuckets.of("bob");
        assertThat(await(store.rowReadFor("example.test", other)))
                .as("before prepareDomain only bob's partition has a decoy")
                .isEqualTo(sameBucket ? CassandraAccountStore.DECOY_USER : null);
        await(store.prepareDomain("example.test"));
        assertThat(await(store.rowReadFor("example.test", other))).isEqualTo(CassandraAccountStore.DECOY_USER);
        assertThat(await(store.list("example.test", "", 10)).accounts()).hasSize(1);
    }
}

package io.switchboard.addressbook.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.addressbook.domain.AddressEntry;
import io.switchboard.addressbook.domain.Attribute;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** What every {@link AddressBookStore} does; run against the fake and against Cassandra. */
abstract class AddressBookStoreContract {

    /** An empty store. */
    abstract AddressBookStore store();

    static <T> T await(java.util.concurrent.CompletionStage<T> stage) {
        return stage.toCompletableFuture()
                .orTimeout(60, java.util.concurrent.TimeUnit.SECONDS)
                .join();
    }

    private static AddressEntry entry(String id, String name) {
        return new AddressEntry(id, Map.of(Attribute.DISPLAY_NAME, name, Attribute.TELEPHONE, "+31205550100"));
    }

    @Test
    void entriesAreWrittenInBulkAndRemoved() {
        AddressBookStore store = store();
        List<AddressEntry> many = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            many.add(entry("cn=user" + i, "User " + i));
        }
        await(store.writeEntries(many, List.of()));
        assertThat(await(store.entries())).hasSize(1_000).containsEntry("cn=user7", entry("cn=user7", "User 7"));

        await(store.writeEntries(List.of(entry("cn=user7", "Renamed")), List.of("cn=user8", "cn=absent")));
        assertThat(await(store.entries()))
                .hasSize(999)
                .containsEntry("cn=user7", entry("cn=user7", "Renamed"))
                .doesNotContainKey("cn=user8");
    }

    @Test
    void filesRoundTripAcrossChunks() {
        AddressBookStore store = store();
        byte[] big = new byte[CassandraAddressBookStore.CHUNK_BYTES * 2 + 17];
        new Random(7).nextBytes(big);
        Instant at = Instant.parse("2026-01-02T03:04:05Z");
        AddressBookStore.FileInfo full = new AddressBookStore.FileInfo(3, 0, big.length, "abc", 10, at);
        AddressBookStore.FileInfo delta = new AddressBookStore.FileInfo(3, 2, 1, "def", 10, at);
        await(store.putFile(full, big));
        await(store.putFile(delta, new byte[] {42}));
        assertThat(await(store.file(3, 0)))
                .hasValueSatisfying(b -> assertThat(b).isEqualTo(big));
        assertThat(await(store.file(3, 2)))
                .hasValueSatisfying(b -> assertThat(b).containsExactly(42));
        assertThat(await(store.file(4, 0))).isEmpty();
        assertThat(await(store.files())).containsExactlyInAnyOrder(full, delta);

        await(store.deleteFile(3, 2));
        assertThat(await(store.file(3, 2))).isEmpty();
        assertThat(await(store.files())).containsExactly(full);
    }

    @Test
    void versionsMoveOnlyFromTheExpectedOne() {
        AddressBookStore store = store();
        assertThat(await(store.state())).isEqualTo(AddressBookStore.EMPTY);
        Instant at = Instant.parse("2026-01-02T03:04:05Z");
        AddressBookStore.BookState one = new AddressBookStore.BookState(1, 5, "aa", at);
        AddressBookStore.BookState two = new AddressBookStore.BookState(2, 6, "bb", at);
        assertThat(await(store.commit(0, one))).isTrue();
        assertThat(await(store.commit(0, one))).isFalse();
        assertThat(await(store.commit(2, two))).isFalse();
        assertThat(await(store.state())).isEqualTo(one);
        assertThat(await(store.commit(1, two))).isTrue();
        assertThat(await(store.state())).isEqualTo(two);
    }

    @Test
    void theLastRunIsRemembered() {
        AddressBookStore store = store();
        assertThat(await(store.lastRun())).isEmpty();
        Instant at = Instant.parse("2026-01-02T03:04:05Z");
        await(store.recordRun(at, "node-1"));
        await(store.recordRun(at.plusSeconds(60), "node-2"));
        assertThat(await(store.lastRun())).contains(at.plusSeconds(60));
    }

    @Test
    void oneLeaseHolderAtATime() {
        AddressBookStore store = store();
        assertThat(await(store.lease("node-1", Duration.ofMinutes(5)))).isTrue();
        assertThat(await(store.lease("node-2", Duration.ofMinutes(5)))).isFalse();
        await(store.release("node-2")); // not the holder: changes nothing
        assertThat(await(store.lease("node-2", Duration.ofMinutes(5)))).isFalse();
        await(store.release("node-1"));
        assertThat(await(store.lease("node-2", Duration.ofMinutes(5)))).isTrue();
        await(store.release("node-2"));
    }
}

package io.switchboard.addressbook.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.addressbook.domain.AddressEntry;
import io.switchboard.addressbook.domain.Attribute;
import io.switchboard.addressbook.domain.DirectoryEntry;
import io.switchboard.addressbook.domain.OwnAccount;
import io.switchboard.addressbook.files.BookFiles;
import io.switchboard.addressbook.numbers.RulesFile;
import io.switchboard.addressbook.source.DirectorySource;
import io.switchboard.addressbook.source.SourceException;
import io.switchboard.addressbook.source.SourceRead;
import io.switchboard.addressbook.store.AddressBookStore;
import io.switchboard.addressbook.store.AddressBookStore.FileInfo;
import io.switchboard.addressbook.store.InMemoryAddressBookStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AddressBookSyncTest {

    /** A directory the test edits between syncs, and can make fail. */
    private static final class FakeDirectory implements DirectorySource {
        final SortedMap<String, DirectoryEntry> people = new TreeMap<>();
        SourceException failure;

        void put(int i, String name, String phone) {
            String id = "cn=p" + i;
            people.put(
                    id,
                    new DirectoryEntry(
                            id,
                            Map.of(
                                    Attribute.DISPLAY_NAME, name,
                                    Attribute.MAIL, "p" + i + "@example.com",
                                    Attribute.TELEPHONE, phone)));
        }

        @Override
        public SourceRead read(LongConsumer progress) throws SourceException {
            if (failure != null) {
                throw failure;
            }
            progress.accept(people.size());
            return new SourceRead(
                    new ArrayList<>(people.values()), List.of(new SourceRead.Problem("line 9", "no name")));
        }

        @Override
        public String describe() {
            return "fake";
        }
    }

    private final FakeDirectory directory = new FakeDirectory();
    private final InMemoryAddressBookStore store = new InMemoryAddressBookStore(Clock.systemUTC());
    private final List<OwnAccount> accounts = new ArrayList<>();
    private AddressBookSync sync;

    @BeforeEach
    void setUp() {
        for (int i = 0; i < 100; i++) {
            directory.put(i, "Person " + i, "020 555 " + (1000 + i));
        }
        accounts.add(new OwnAccount("sip:p1@example.com", "", ""));
        accounts.add(new OwnAccount("sip:robot@example.com", "Robot", ""));
        sync = new AddressBookSync(
                directory,
                () -> RulesFile.parse("^0(\\d{9})$ -> +31$1").rules(),
                () -> List.copyOf(accounts),
                store,
                AddressBookSync.Settings.DEFAULTS,
                Clock.systemUTC(),
                "node-1");
    }

    private static <T> T await(java.util.concurrent.CompletionStage<T> s) {
        return s.toCompletableFuture().join();
    }

    private byte[] file(long version, long from) {
        return await(store.file(version, from)).orElseThrow();
    }

    @Test
    void theFirstSyncWritesVersionOneWithItsFullFileAndEntries() throws Exception {
        directory.put(200, "No Phone", "call the desk");
        List<String> phases = new ArrayList<>();
        SyncReport report = sync.run(new AddressBookSync.Progress() {
            @Override
            public void phase(String phase) {
                phases.add(phase);
            }
        });
        assertThat(report.previousVersion()).isZero();
        assertThat(report.version()).isEqualTo(1);
        assertThat(report.entries()).isEqualTo(102);
        assertThat(report.added()).isEqualTo(102);
        assertThat(report.accountsMerged()).isEqualTo(1);
        assertThat(report.accountsAdded()).isEqualTo(1);
        assertThat(report.rejected()).isEqualTo(1);
        assertThat(report.numbers().total()).isEqualTo(1);
        assertThat(report.describe()).contains("cn=p200 telephone 'call the desk': not a number");
        assertThat(phases).containsExactly("reading fake", "normalizing", "writing version 1");

        BookFiles.Decoded full = BookFiles.read(file(1, 0));
        assertThat(full.entries()).hasSize(102);
        assertThat(full.entries().get("cn=p1").get(Attribute.SIP_URI)).contains("sip:p1@example.com");
        assertThat(full.entries().get("cn=p1").get(Attribute.TELEPHONE)).contains("+31205551001");
        assertThat(await(store.entries())).isEqualTo(full.entries());
        assertThat(await(store.state()).sha256()).isEqualTo(full.header().sha256());
    }

    @Test
    void changesMakeANewVersionWithExactDeltasFromEachEarlierVersion() throws Exception {
        sync.run(AddressBookSync.Progress.NONE);
        directory.put(5, "Person Five", "020 555 9999");
        directory.people.remove("cn=p6");
        SyncReport two = sync.run(AddressBookSync.Progress.NONE);
        assertThat(two.version()).isEqualTo(2);
        assertThat(List.of(two.added(), two.changed(), two.removed())).containsExactly(0, 1, 1);
        assertThat(two.deltasFrom()).containsExactly(1L);

        directory.put(300, "Newcomer", "+44 20 7946 0000");
        accounts.add(new OwnAccount("sip:p7@example.com", "", ""));
        SyncReport three = sync.run(AddressBookSync.Progress.NONE);
        assertThat(three.version()).isEqualTo(3);
        assertThat(List.of(three.added(), three.changed(), three.removed())).containsExactly(1, 1, 0);
        assertThat(three.deltasFrom()).containsExactly(2L, 1L);

        // a client at any earlier version reaches exactly the new full file
        for (long base : List.of(1L, 2L)) {
            SortedMap<String, AddressEntry> applied = BookFiles.apply(file(base, 0), file(3, base));
            assertThat(BookFiles.full(3, applied)).isEqualTo(file(3, 0));
        }
        // deltas to older versions are gone, full files stay for the retention time
        assertThat(await(store.files()))
                .extracting(f -> f.version() + "<-" + f.from())
                .containsExactlyInAnyOrder("1<-0", "2<-0", "3<-0", "3<-2", "3<-1");
        assertThat(await(store.entries())).isEqualTo(BookFiles.read(file(3, 0)).entries());
    }

    @Test
    void noChangeNoNewVersion() throws Exception {
        sync.run(AddressBookSync.Progress.NONE);
        SyncReport again = sync.run(AddressBookSync.Progress.NONE);
        assertThat(again.newVersion()).isFalse();
        assertThat(again.version()).isEqualTo(1);
        assertThat(again.describe()).startsWith("No change: address book stays at version 1");
        assertThat(await(store.files())).hasSize(1);
    }

    @Test
    void aDeltaOverTwentyPercentOfTheFullFileIsNotMade() throws Exception {
        sync.run(AddressBookSync.Progress.NONE);
        for (int i = 0; i < 10; i++) {
            directory.put(i, "Changed " + i, "020 555 " + (1000 + i));
        }
        SyncReport small = sync.run(AddressBookSync.Progress.NONE);
        assertThat(small.deltasFrom()).containsExactly(1L);
        assertThat(BookFiles.gunzip(file(2, 1)).length)
                .isLessThanOrEqualTo((int) (0.2 * BookFiles.gunzip(file(2, 0)).length));

        for (int i = 0; i < 60; i++) {
            directory.put(i, "Renamed again " + i, "020 555 " + (2000 + i));
        }
        SyncReport large = sync.run(AddressBookSync.Progress.NONE);
        assertThat(large.deltasFrom()).isEmpty();
        assertThat(large.deltasTooLarge()).containsExactly(2L, 1L);
        assertThat(await(store.files())).extracting(FileInfo::from).doesNotContain(1L, 2L);
    }

    @Test
    void aFailingDirectoryLeavesTheBookUntouched() throws Exception {
        sync.run(AddressBookSync.Progress.NONE);
        AddressBookStore.BookState before = await(store.state());
        directory.put(5, "Should not appear", "020 555 0000");
        directory.failure =
                new SourceException("LDAP directory ldap://dir:389 went away after 40 entries: server down");
        assertThatThrownBy(() -> sync.run(AddressBookSync.Progress.NONE))
                .isInstanceOf(SyncFailed.class)
                .hasMessage("LDAP directory ldap://dir:389 went away after 40 entries: server down");
        assertThat(await(store.state())).isEqualTo(before);
        assertThat(await(store.files())).hasSize(1);
        assertThat(await(store.entries()).get("cn=p5").get(Attribute.DISPLAY_NAME))
                .contains("Person 5");
        // and the lease was given back
        directory.failure = null;
        assertThat(sync.run(AddressBookSync.Progress.NONE).version()).isEqualTo(2);
    }

    @Test
    void aStoreFailureBeforeTheCommitChangesNoVersionAndTheNextSyncRepairs() throws Exception {
        sync.run(AddressBookSync.Progress.NONE);
        directory.put(5, "Five", "020 555 0000");
        store.failWrites = true;
        assertThatThrownBy(() -> sync.run(AddressBookSync.Progress.NONE))
                .isInstanceOf(SyncFailed.class)
                .hasMessageStartingWith("storage failed while writing entries: ");
        assertThat(await(store.state()).version()).isEqualTo(1);
        store.failWrites = false;
        SyncReport again = sync.run(AddressBookSync.Progress.NONE);
        assertThat(again.version()).isEqualTo(2);
        assertThat(await(store.entries())).isEqualTo(BookFiles.read(file(2, 0)).entries());
    }

    @Test
    void onlyOneSyncAtATime() {
        assertThat(await(store.lease("node-2", Duration.ofMinutes(5)))).isTrue();
        assertThatThrownBy(() -> sync.run(AddressBookSync.Progress.NONE))
                .isInstanceOf(SyncFailed.class)
                .hasMessage("another address book sync is running in the pool; try again when it has ended");
        assertThat(await(store.state())).isEqualTo(AddressBookStore.EMPTY);
    }
}

package io.switchboard.addressbook.store;

import io.switchboard.addressbook.domain.AddressEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CompletionStage;

/**
 * Where the address book lives: the current entries, the committed version, the files and the sync lease.
 * Only a sync holding the lease writes; every node reads.
 */
public interface AddressBookStore {

    /** The committed version; {@link #EMPTY} before the first sync. {@code sha256} is of the entries (BookFiles). */
    record BookState(long version, long count, String sha256, Instant syncedAt) {}

    BookState EMPTY = new BookState(0, 0, "", Instant.EPOCH);

    /** A kept file: the full file of {@code version} ({@code from} 0) or the delta from {@code from}. */
    record FileInfo(long version, long from, long size, String sha256, long count, Instant createdAt) {
        public boolean isFull() {
            return from == 0;
        }
    }

    CompletionStage<BookState> state();

    CompletionStage<List<FileInfo>> files();

    CompletionStage<Optional<byte[]>> file(long version, long from);

    CompletionStage<Void> putFile(FileInfo info, byte[] bytes);

    CompletionStage<Void> deleteFile(long version, long from);

    CompletionStage<SortedMap<String, AddressEntry>> entries();

    /** Writes entries and removes ids; idempotent, so a failed call can simply be repeated. */
    CompletionStage<Void> writeEntries(Collection<AddressEntry> upserts, Collection<String> removes);

    /** Makes {@code next} the committed version if the committed one is still {@code expectedVersion}. */
    CompletionStage<Boolean> commit(long expectedVersion, BookState next);

    /** When a sync last ended successfully, anywhere in the pool. */
    CompletionStage<Optional<Instant>> lastRun();

    CompletionStage<Void> recordRun(Instant finishedAt, String node);

    /** Takes the sync lease for {@code ttl} unless someone else holds it. */
    CompletionStage<Boolean> lease(String holder, Duration ttl);

    /** Gives the lease back if {@code holder} still has it. */
    CompletionStage<Void> release(String holder);
}

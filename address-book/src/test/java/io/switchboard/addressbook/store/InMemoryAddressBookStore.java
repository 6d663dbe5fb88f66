package io.switchboard.addressbook.store;

import io.switchboard.addressbook.domain.AddressEntry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The fake: the same contract as {@link CassandraAddressBookStore} ({@code AddressBookStoreContract}), in memory. */
public final class InMemoryAddressBookStore implements AddressBookStore {

    private final Clock clock;
    private final SortedMap<String, AddressEntry> entries = new TreeMap<>();
    private final Map<List<Long>, FileInfo> files = new TreeMap<>(
            (a, b) -> a.get(0).equals(b.get(0)) ? Long.compare(a.get(1), b.get(1)) : Long.compare(a.get(0), b.get(0)));
    private final Map<List<Long>, byte[]> bytes = new java.util.HashMap<>();
    private BookState state = EMPTY;
    private String leaseHolder;
    private Instant lastRun;
    private Instant leaseUntil = Instant.EPOCH;
    /** When set, writeEntries fails (a store that goes away mid-sync). */
    public volatile boolean failWrites;

    public InMemoryAddressBookStore(Clock clock) {
        this.clock = clock;
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    @Override
    public synchronized CompletionStage<BookState> state() {
        return done(state);
    }

    @Override
    public synchronized CompletionStage<List<FileInfo>> files() {
        return done(new ArrayList<>(files.values()));
    }

    @Override
    public synchronized CompletionStage<Optional<byte[]>> file(long version, long from) {
        return done(Optional.ofNullable(bytes.get(List.of(version, from))).map(byte[]::clone));
    }

    @Override
    public synchronized CompletionStage<Void> putFile(FileInfo info, byte[] content) {
        files.put(List.of(info.version(), info.from()), info);
        bytes.put(List.of(info.version(), info.from()), content.clone());
        return done(null);
    }

    @Override
    public synchronized CompletionStage<Void> deleteFile(long version, long from) {
        files.remove(List.of(version, from));
        bytes.remove(List.of(version, from));
        return done(null);
    }

    @Override
    public synchronized CompletionStage<SortedMap<String, AddressEntry>> entries() {
        return done(new TreeMap<>(entries));
    }

    @Override
    public synchronized CompletionStage<Void> writeEntries(
            Collection<AddressEntry> upserts, Collection<String> removes) {
        if (failWrites) {
            return CompletableFuture.failedFuture(new IllegalStateException("store unavailable"));
        }
        upserts.forEach(e -> entries.put(e.id(), e));
        removes.forEach(entries::remove);
        return done(null);
    }

    @Override
    public synchronized CompletionStage<Boolean> commit(long expectedVersion, BookState next) {
        if (state.version() != expectedVersion) {
            return done(false);
        }
        state = next;
        return done(true);
    }

    @Override
    public synchronized CompletionStage<Optional<Instant>> lastRun() {
        return done(Optional.ofNullable(lastRun));
    }

    @Override
    public synchronized CompletionStage<Void> recordRun(Instant finishedAt, String node) {
        lastRun = finishedAt;
        return done(null);
    }

    @Override
    public synchronized CompletionStage<Boolean> lease(String holder, Duration ttl) {
        Instant now = clock.instant();
        if (leaseHolder != null && now.isBefore(leaseUntil)) {
            return done(false);
        }
        leaseHolder = holder;
        leaseUntil = now.plus(ttl);
        return done(true);
    }

    @Override
    public synchronized CompletionStage<Void> release(String holder) {
        if (holder.equals(leaseHolder)) {
            leaseHolder = null;
        }
        return done(null);
    }
}

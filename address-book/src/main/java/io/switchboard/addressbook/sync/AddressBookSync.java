package io.switchboard.addressbook.sync;

import io.switchboard.addressbook.domain.AddressEntry;
import io.switchboard.addressbook.domain.BookDiff;
import io.switchboard.addressbook.domain.EntryBuilder;
import io.switchboard.addressbook.domain.OwnAccount;
import io.switchboard.addressbook.domain.Visibility;
import io.switchboard.addressbook.files.BookFiles;
import io.switchboard.addressbook.numbers.NumberRules;
import io.switchboard.addressbook.source.DirectorySource;
import io.switchboard.addressbook.source.SourceException;
import io.switchboard.addressbook.source.SourceRead;
import io.switchboard.addressbook.store.AddressBookStore;
import io.switchboard.addressbook.store.AddressBookStore.BookState;
import io.switchboard.addressbook.store.AddressBookStore.FileInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One sync (issue 14, item 2): read the source, normalize and merge our accounts ({@link EntryBuilder}),
 * compare with the committed version, and when anything changed write version n+1: its full file, a delta
 * from each earlier full file still kept (unless the delta is larger than {@code maxDeltaRatio} of the full
 * file, both uncompressed: then clients take the full file), the entries table, and last the commit of the new version, which is
 * what readers look at. Blocking: run it on a thread of its own, never on a request thread.
 *
 * <p>Nothing is written before the source was read completely, so an unreachable directory, a refused bind or
 * a size limit leaves the address book as it was. Only one sync runs in the pool at a time: the store's lease
 * (taken for {@code leaseTtl}, released at the end). A failure after the files are written but before the
 * commit leaves files of a version nobody sees; the next sync writes that version again.
 *
 * <p>After the commit, deltas to older versions (useless now) are deleted, and full files older than
 * {@code fileRetention}, except the current one.
 */
public final class AddressBookSync {

    /**
     * @param maxDeltaBases deltas are made from at most this many of the newest earlier versions
     */
    public record Settings(
            boolean includeAccounts,
            double maxDeltaRatio,
            Duration fileRetention,
            int maxDeltaBases,
            Duration leaseTtl,
            Duration storeTimeout,
            Visibility visibility) {
        public static final Settings DEFAULTS = new Settings(
                true, 0.2, Duration.ofDays(30), 30, Duration.ofMinutes(30), Duration.ofMinutes(2), Visibility.DEFAULT);
    }

    /** What a sync is doing, for a progress display. Called on the sync's thread. */
    public interface Progress {
        Progress NONE = new Progress() {};

        default void phase(String phase) {}

        default void read(long entries) {}

        default void written(long done, long total) {}
    }

    /** The pool's own accounts; blocking is fine (the sync's own thread). */
    public interface Accounts {
        List<OwnAccount> all() throws Exception;
    }

    private static final int WRITE_SLICE = 5_000;

    private final DirectorySource source;
    private final Supplier<NumberRules> rules;
    private final Accounts accounts;
    private final AddressBookStore store;
    private final Settings settings;
    private final Clock clock;
    private final String holder;

    public AddressBookSync(
            DirectorySource source,
            Supplier<NumberRules> rules,
            Accounts accounts,
            AddressBookStore store,
            Settings settings,
            Clock clock,
            String holder) {
        this.source = source;
        this.rules = rules;
        this.accounts = accounts;
        this.store = store;
        this.settings = settings;
        this.clock = clock;
        this.holder = holder;
    }

    public SyncReport run(Progress progress) throws SyncFailed {
        Instant started = clock.instant();
        if (!await(store.lease(holder, settings.leaseTtl()), "taking the sync lease")) {
            throw new SyncFailed("another address book sync is running in the pool; try again when it has ended");
        }
        try {
            return locked(progress, started);
        } finally {
            try {
                await(store.release(holder), "releasing the sync lease");
            } catch (SyncFailed e) {
                // the lease expires by itself after leaseTtl
            }
        }
    }

    private SyncReport locked(Progress progress, Instant started) throws SyncFailed {
        progress.phase("reading " + source.describe());
        SourceRead read;
        try {
            read = source.read(progress::read);
        } catch (SourceException e) {
            throw new SyncFailed(e.getMessage(), e);
        }
        List<OwnAccount> own;
        try {
            own = accounts.all(); // also when accounts are not added: an entry that matches one takes its SIP URI
        } catch (Exception e) {
            throw new SyncFailed("cannot list the pool's accounts: " + e.getMessage(), e);
        }
        progress.phase("normalizing");
        EntryBuilder.Built built =
                EntryBuilder.build(read.entries(), own, settings.includeAccounts(), rules.get(), settings.visibility());
        SortedMap<String, AddressEntry> now = built.entries();

        BookState state = await(store.state(), "reading the address book's version");
        SortedMap<String, AddressEntry> previous =
                state.version() == 0 ? new TreeMap<>() : fullEntries(state.version());
        BookDiff diff = BookDiff.between(previous, now);
        // the table is compared on its own: a sync that failed before its commit may have written rows already
        BookDiff table = BookDiff.between(await(store.entries(), "reading the entries"), now);

        long version = state.version();
        List<Long> deltasFrom = new ArrayList<>();
        List<Long> tooLarge = new ArrayList<>();
        if (diff.isEmpty() && state.version() > 0) {
            writeTable(table, progress);
        } else {
            version = state.version() + 1;
            progress.phase("writing version " + version);
            Instant at = clock.instant();
            byte[] full = BookFiles.full(version, now);
            String sha = BookFiles.sha256(now);
            long fullContent = BookFiles.gunzip(full).length;
            List<Long> bases = await(store.files(), "listing the files").stream()
                    .filter(FileInfo::isFull)
                    .map(FileInfo::version)
                    .filter(v -> v < state.version() + 1)
                    .sorted(Comparator.reverseOrder())
                    .limit(settings.maxDeltaBases())
                    .toList();
            for (long base : bases) {
                SortedMap<String, AddressEntry> before = base == state.version() ? previous : fullEntries(base);
                byte[] delta = BookFiles.delta(base, version, BookDiff.between(before, now), now);
                // compared uncompressed: what the client applies, and not skewed by how well a small file packs
                if (BookFiles.gunzip(delta).length > settings.maxDeltaRatio() * fullContent) {
                    tooLarge.add(base);
                    continue;
                }
                await(
                        store.putFile(
                                new FileInfo(version, base, delta.length, BookFiles.sha256Hex(delta), now.size(), at),
                                delta),
                        "writing the delta from version " + base);
                deltasFrom.add(base);
            }
            await(
                    store.putFile(
                            new FileInfo(version, 0, full.length, BookFiles.sha256Hex(full), now.size(), at), full),
                    "writing the full file");
            writeTable(table, progress);
            if (!await(store.commit(state.version(), new BookState(version, now.size(), sha, at)), "committing")) {
                throw new SyncFailed("another sync committed a new version first; run the sync again");
            }
            cleanUp(version, at);
        }
        try {
            await(store.recordRun(clock.instant(), holder), "recording the run");
        } catch (SyncFailed e) {
            // only spaces scheduled syncs; the version is committed
        }
        SourceRead.Problem[] examples =
                read.problems().stream().limit(SyncReport.EXAMPLES).toArray(SourceRead.Problem[]::new);
        return new SyncReport(
                source.describe(),
                state.version(),
                version,
                read.entries().size(),
                read.problems().size(),
                List.of(examples),
                now.size(),
                diff.adds().size(),
                diff.changes().size(),
                diff.removes().size(),
                built.accountsMerged(),
                built.accountsAdded(),
                built.numbers(),
                deltasFrom,
                tooLarge,
                Duration.between(started, clock.instant()));
    }

    private void writeTable(BookDiff table, Progress progress) throws SyncFailed {
        List<AddressEntry> upserts = new ArrayList<>(table.adds());
        upserts.addAll(table.changes());
        long total = upserts.size() + (long) table.removes().size();
        progress.written(0, total);
        long done = 0;
        for (int i = 0; i < upserts.size(); i += WRITE_SLICE) {
            List<AddressEntry> slice = upserts.subList(i, Math.min(upserts.size(), i + WRITE_SLICE));
            await(store.writeEntries(slice, List.of()), "writing entries");
            done += slice.size();
            progress.written(done, total);
        }
        if (!table.removes().isEmpty()) {
            await(store.writeEntries(List.of(), table.removes()), "removing entries");
            progress.written(total, total);
        }
    }

    private SortedMap<String, AddressEntry> fullEntries(long version) throws SyncFailed {
        byte[] file = await(store.file(version, 0), "reading the full file of version " + version)
                .orElseThrow(() -> new SyncFailed("the full file of version " + version + " is missing"));
        try {
            return BookFiles.read(file).entries();
        } catch (BookFiles.BadFile e) {
            throw new SyncFailed("the full file of version " + version + " is damaged: " + e.getMessage(), e);
        }
    }

    private void cleanUp(long current, Instant now) {
        try {
            for (FileInfo f : await(store.files(), "listing the files")) {
                boolean staleDelta = !f.isFull() && f.version() < current;
                boolean oldFull = f.isFull()
                        && f.version() < current
                        && f.createdAt().isBefore(now.minus(settings.fileRetention()));
                if (staleDelta || oldFull) {
                    await(store.deleteFile(f.version(), f.from()), "deleting an old file");
                }
            }
        } catch (SyncFailed e) {
            // the version is committed; what is left is removed by the next sync
        }
    }

    private <T> T await(CompletionStage<T> stage, String what) throws SyncFailed {
        try {
            return stage.toCompletableFuture()
                    .orTimeout(settings.storeTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new SyncFailed("storage failed while " + what + ": " + cause, cause);
        }
    }
}

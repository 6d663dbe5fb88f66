package io.switchboard.addressbook.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import io.switchboard.addressbook.domain.AddressEntry;
import io.switchboard.addressbook.domain.Attribute;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The address book in the tables of {@value #SCHEMA_RESOURCE}, in the session's keyspace.
 *
 * <p>Bulk writes: entries are grouped by partition ({@value #BUCKETS} buckets by the id's hash) and written as
 * single-partition unlogged batches of at most {@value #BATCH_ROWS} rows (one mutation per batch for the
 * replicas, not one per row), {@value #LANES} batches in flight at a time.
 */
public final class CassandraAddressBookStore implements AddressBookStore {

    public static final String SCHEMA_RESOURCE = "address-book/schema.cql";
    /** Part of the key: changing it strands every entry row. */
    static final int BUCKETS = 32;

    static final int BATCH_ROWS = 100;
    static final int LANES = 8;
    static final int CHUNK_BYTES = 512 * 1024;
    /** Bucket reads in flight at a time: all 32 at once (3,000 rows each at 100,000 entries) swamp a small node. */
    static final int READ_LANES = 4;
    /**
     * The sync's bulk statements (a page of a bucket, a batch of 100 rows, a file chunk) may take longer than a
     * user's request under load; the sync runs on its own thread and answers nobody while it waits.
     */
    static final Duration BULK_TIMEOUT = Duration.ofSeconds(30);

    private static final String BOOK = "default";

    private final CqlSession session;
    private final PreparedStatement upsertEntry;
    private final PreparedStatement deleteEntry;
    private final PreparedStatement selectBucket;
    private final PreparedStatement selectState;
    private final PreparedStatement insertState;
    private final PreparedStatement updateState;
    private final PreparedStatement selectFiles;
    private final PreparedStatement insertFile;
    private final PreparedStatement deleteFileRow;
    private final PreparedStatement insertChunk;
    private final PreparedStatement selectChunks;
    private final PreparedStatement deleteChunks;
    private final PreparedStatement takeLease;
    private final PreparedStatement selectRun;
    private final PreparedStatement insertRun;
    private final PreparedStatement giveLease;

    public CassandraAddressBookStore(CqlSession session) {
        this.session = session;
        upsertEntry = prepare("INSERT INTO address_book_entries (bucket, id, attrs) VALUES (?, ?, ?)");
        deleteEntry = prepare("DELETE FROM address_book_entries WHERE bucket = ? AND id = ?");
        selectBucket = prepare("SELECT id, attrs FROM address_book_entries WHERE bucket = ?");
        selectState = prepare("SELECT version, entry_count, sha256, synced_at FROM address_book_state WHERE book = ?");
        insertState = prepare("INSERT INTO address_book_state (book, version, entry_count, sha256, synced_at)"
                + " VALUES (?, ?, ?, ?, ?) IF NOT EXISTS");
        updateState = prepare("UPDATE address_book_state SET version = ?, entry_count = ?, sha256 = ?, synced_at = ?"
                + " WHERE book = ? IF version = ?");
        selectFiles = prepare("SELECT version, from_version, size, sha256, entry_count, created_at"
                + " FROM address_book_files WHERE book = ?");
        insertFile = prepare("INSERT INTO address_book_files"
                + " (book, version, from_version, size, sha256, entry_count, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
        deleteFileRow = prepare("DELETE FROM address_book_files WHERE book = ? AND version = ? AND from_version = ?");
        insertChunk = prepare(
                "INSERT INTO address_book_file_chunks (version, from_version, chunk, bytes) VALUES (?, ?, ?, ?)");
        selectChunks =
                prepare("SELECT chunk, bytes FROM address_book_file_chunks WHERE version = ? AND from_version = ?");
        deleteChunks = prepare("DELETE FROM address_book_file_chunks WHERE version = ? AND from_version = ?");
        takeLease = prepare("INSERT INTO address_book_lease (book, holder) VALUES (?, ?) IF NOT EXISTS USING TTL ?");
        selectRun = prepare("SELECT finished_at FROM address_book_runs WHERE book = ?");
        insertRun = prepare("INSERT INTO address_book_runs (book, finished_at, node) VALUES (?, ?, ?)");
        giveLease = prepare("DELETE FROM address_book_lease WHERE book = ? IF holder = ?");
    }

    private PreparedStatement prepare(String cql) {
        return session.prepare(SimpleStatement.builder(cql).setIdempotence(true).build());
    }

    static int bucket(String id) {
        return Math.floorMod(id.hashCode(), BUCKETS);
    }

    @Override
    public CompletionStage<BookState> state() {
        return session.executeAsync(selectState.bind(BOOK)).thenApply(rs -> {
            Row row = rs.one();
            if (row == null) {
                return EMPTY;
            }
            return new BookState(row.getLong(0), row.getLong(1), row.getString(2), row.getInstant(3));
        });
    }

    @Override
    public CompletionStage<List<FileInfo>> files() {
        return all(selectFiles.bind(BOOK)).thenApply(rows -> {
            List<FileInfo> files = new ArrayList<>();
            for (Row r : rows) {
                files.add(new FileInfo(
                        r.getLong(0), r.getLong(1), r.getLong(2), r.getString(3), r.getLong(4), r.getInstant(5)));
            }
            return files;
        });
    }

    @Override
    public CompletionStage<Optional<byte[]>> file(long version, long from) {
        return all(selectChunks.bind(version, from).setTimeout(BULK_TIMEOUT)).thenApply(rows -> {
            if (rows.isEmpty()) {
                return Optional.empty();
            }
            TreeMap<Integer, ByteBuffer> chunks = new TreeMap<>();
            rows.forEach(r -> chunks.put(r.getInt(0), r.getByteBuffer(1)));
            int size = chunks.values().stream().mapToInt(ByteBuffer::remaining).sum();
            ByteBuffer whole = ByteBuffer.allocate(size);
            chunks.values().forEach(b -> whole.put(b.duplicate()));
            return Optional.of(whole.array());
        });
    }

    @Override
    public CompletionStage<Void> putFile(FileInfo info, byte[] bytes) {
        // the chunks first, the index row last: a file is listed only once all of it is there
        List<BoundStatement> chunks = new ArrayList<>();
        for (int offset = 0, n = 0; offset < bytes.length || n == 0; offset += CHUNK_BYTES, n++) {
            int length = Math.min(CHUNK_BYTES, bytes.length - offset);
            chunks.add(insertChunk
                    .bind(info.version(), info.from(), n, ByteBuffer.wrap(bytes, offset, length))
                    .setTimeout(BULK_TIMEOUT));
        }
        return inLanes(chunks, 2)
                .thenCompose(v -> session.executeAsync(insertFile.bind(
                        BOOK, info.version(), info.from(), info.size(), info.sha256(), info.count(), info.createdAt())))
                .thenApply(rs -> null);
    }

    @Override
    public CompletionStage<Void> deleteFile(long version, long from) {
        return session.executeAsync(deleteFileRow.bind(BOOK, version, from))
                .thenCompose(rs -> session.executeAsync(deleteChunks.bind(version, from)))
                .thenApply(rs -> null);
    }

    @Override
    public CompletionStage<SortedMap<String, AddressEntry>> entries() {
        List<List<Row>> buckets = new ArrayList<>();
        for (int b = 0; b < BUCKETS; b++) {
            buckets.add(new ArrayList<>());
        }
        List<CompletableFuture<Void>> lanes = new ArrayList<>();
        for (int lane = 0; lane < READ_LANES; lane++) {
            CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
            for (int b = lane; b < BUCKETS; b += READ_LANES) {
                int bucket = b;
                chain = chain.thenCompose(
                        v -> all(selectBucket.bind(bucket).setTimeout(BULK_TIMEOUT), buckets.get(bucket))
                                .thenApply(rows -> (Void) null));
            }
            lanes.add(chain);
        }
        return CompletableFuture.allOf(lanes.toArray(CompletableFuture[]::new)).thenApply(v -> {
            SortedMap<String, AddressEntry> entries = new TreeMap<>();
            for (List<Row> bucket : buckets) {
                for (Row r : bucket) {
                    EnumMap<Attribute, String> values = new EnumMap<>(Attribute.class);
                    r.getMap(1, String.class, String.class)
                            .forEach((key, value) -> Attribute.byKey(key).ifPresent(a -> values.put(a, value)));
                    entries.put(r.getString(0), new AddressEntry(r.getString(0), values));
                }
            }
            return entries;
        });
    }

    @Override
    public CompletionStage<Void> writeEntries(Collection<AddressEntry> upserts, Collection<String> removes) {
        Map<Integer, List<BoundStatement>> byBucket = new HashMap<>();
        for (AddressEntry e : upserts) {
            Map<String, String> attrs = new LinkedHashMap<>();
            e.values().forEach((a, v) -> attrs.put(a.key(), v));
            byBucket.computeIfAbsent(bucket(e.id()), b -> new ArrayList<>())
                    .add(upsertEntry.bind(bucket(e.id()), e.id(), attrs));
        }
        for (String id : removes) {
            byBucket.computeIfAbsent(bucket(id), b -> new ArrayList<>()).add(deleteEntry.bind(bucket(id), id));
        }
        List<Statement<?>> batches = new ArrayList<>();
        byBucket.values().forEach(rows -> {
            for (int i = 0; i < rows.size(); i += BATCH_ROWS) {
                BatchStatementBuilder batch = BatchStatement.builder(BatchType.UNLOGGED);
                rows.subList(i, Math.min(rows.size(), i + BATCH_ROWS)).forEach(batch::addStatement);
                batches.add(batch.setIdempotence(true).setTimeout(BULK_TIMEOUT).build());
            }
        });
        return inLanes(batches, LANES);
    }

    @Override
    public CompletionStage<Boolean> commit(long expectedVersion, BookState next) {
        BoundStatement statement = expectedVersion == 0
                ? insertState.bind(BOOK, next.version(), next.count(), next.sha256(), next.syncedAt())
                : updateState.bind(next.version(), next.count(), next.sha256(), next.syncedAt(), BOOK, expectedVersion);
        return session.executeAsync(statement).thenApply(AsyncResultSet::wasApplied);
    }

    @Override
    public CompletionStage<Optional<Instant>> lastRun() {
        return session.executeAsync(selectRun.bind(BOOK))
                .thenApply(rs -> Optional.ofNullable(rs.one()).map(r -> r.getInstant(0)));
    }

    @Override
    public CompletionStage<Void> recordRun(Instant finishedAt, String node) {
        return session.executeAsync(insertRun.bind(BOOK, finishedAt, node)).thenApply(rs -> null);
    }

    @Override
    public CompletionStage<Boolean> lease(String holder, Duration ttl) {
        return session.executeAsync(takeLease.bind(BOOK, holder, (int) Math.max(1, ttl.toSeconds())))
                .thenApply(AsyncResultSet::wasApplied);
    }

    @Override
    public CompletionStage<Void> release(String holder) {
        return session.executeAsync(giveLease.bind(BOOK, holder)).thenApply(rs -> null);
    }

    /** Runs the statements with at most {@code lanes} in flight: each lane runs its share one after the other. */
    private CompletionStage<Void> inLanes(List<? extends Statement<?>> statements, int lanes) {
        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (int lane = 0; lane < lanes; lane++) {
            CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
            for (int i = lane; i < statements.size(); i += lanes) {
                Statement<?> s = statements.get(i);
                chain = chain.thenCompose(v -> session.executeAsync(s).thenApply(rs -> (Void) null));
            }
            running.add(chain);
        }
        return CompletableFuture.allOf(running.toArray(CompletableFuture[]::new));
    }

    /** Every row of a query, page after page. */
    private CompletionStage<List<Row>> all(BoundStatement statement) {
        return all(statement, new ArrayList<>());
    }

    private CompletionStage<List<Row>> all(BoundStatement statement, List<Row> rows) {
        return session.executeAsync(statement).thenCompose(rs -> drain(rs, rows));
    }

    private static CompletionStage<List<Row>> drain(AsyncResultSet rs, List<Row> rows) {
        rs.currentPage().forEach(rows::add);
        if (rs.hasMorePages()) {
            return rs.fetchNextPage().thenCompose(next -> drain(next, rows));
        }
        return CompletableFuture.completedFuture(rows);
    }
}

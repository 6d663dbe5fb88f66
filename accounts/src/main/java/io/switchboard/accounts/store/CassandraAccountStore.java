package io.switchboard.accounts.store;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.switchboard.accounts.domain.Account;
import io.switchboard.sip.auth.DigestAlgorithm;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Accounts in the Cassandra table of {@value #SCHEMA_RESOURCE}.
 *
 * <p>Partitioning. The obvious key, {@code ((domain), user)}, puts a whole domain in one
 * partition: at ~250 bytes a row, 100k users make ~25 MB, past the size Cassandra handles
 * comfortably, and every REGISTER of the domain lands on the same RF replicas. One partition per
 * user spreads perfectly but cannot list a domain in user order without a second table written
 * alongside. So the key is {@code ((domain, bucket), username)} with {@link UserBuckets#COUNT}
 * buckets fixed by a hash of the user: lookups still read one row of one partition, a 100k domain
 * is 16 partitions of ~1.5 MB (1M users would be ~16 MB each), and a listing page is 16 parallel
 * range reads merged in user order.
 *
 * <p>Every statement is prepared once, here, and marked idempotent (an upsert of all columns, a
 * delete and reads can be retried or sent speculatively). Consistency is the session's default,
 * configured by whoever builds the session: LOCAL_QUORUM in a pool, LOCAL_ONE on a single node.
 *
 * <p>The schema is not applied here: the caller runs {@value #SCHEMA_RESOURCE} at startup (it is
 * CREATE ... IF NOT EXISTS) into each keyspace that holds accounts.
 *
 * <p>A lookup costs the same whether the user exists or not (README, "No user enumeration"). A
 * point read of a missing row does less work than of a present one: Cassandra has no row to
 * merge and send, the driver none to decode, and only known users run the decoding code. On the
 * embedded node with rows in memtables the difference was within noise
 * ({@code bench/enumeration-timing.sh}, bench/RESULTS.md), but it grows with what a present row
 * costs (SSTables on disk, larger rows), so lookups do not rely on it staying small: {@link #find} reads the first row at or after
 * the name ({@code username >= ? LIMIT 1}), decodes it whatever it is, and keeps it only if it is
 * the user asked for. Every partition ends with a decoy row ({@link #DECOY_USER}, sorting after
 * every user part, with HA1 values of real length), written by {@link #prepareDomain} and with
 * every {@link #put}, so there is always exactly one row to read and decode. Decoys are never
 * returned, listed or counted.
 */
public final class CassandraAccountStore implements AccountStore {

    public static final String SCHEMA_RESOURCE = "accounts/schema.cql";

    /**
     * Adds {@code home_site} (schema version 4): apply after {@link #SCHEMA_RESOURCE} wherever accounts
     * are stored. A row without it (written before) is homed at the pool.
     */
    public static final String HOME_SITE_SCHEMA_RESOURCE = "accounts/home_site.cql";

    private static final String COLUMNS = "username, display_name, phone, ha1, created_at, home_site";

    /**
     * The user part of each partition's decoy row: U+10FFFF, the highest code point, whose UTF-8
     * bytes sort after those of any user part (Cassandra orders text by its bytes), and which no
     * account can have (user parts are ASCII, {@code SipAddress}).
     */
    static final String DECOY_USER = new String(Character.toChars(Character.MAX_CODE_POINT));

    private static final Map<String, String> DECOY_HA1 = Map.of(
            DigestAlgorithm.MD5.token(), "0".repeat(DigestAlgorithm.MD5.hexLength()),
            DigestAlgorithm.SHA_256.token(), "0".repeat(DigestAlgorithm.SHA_256.hexLength()));
    private static final Comparator<Account> BY_USER = Comparator.comparing(Account::user);

    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement selectOne;
    private final PreparedStatement selectAtOrAfter;
    private final PreparedStatement selectAfter;
    private final PreparedStatement deleteOne;

    /**
     * Prepares the statements (blocking, so call at startup, not on a SIP thread) against the
     * {@code accounts} table in {@code keyspace}. Taking the keyspace explicitly lets one session
     * serve both the pool keyspace and branch-site keyspaces.
     */
    public CassandraAccountStore(CqlSession session, CqlIdentifier keyspace) {
        this.session = session;
        String table = keyspace.asCql(true) + ".accounts";
        this.insert = prepare("INSERT INTO " + table
                + " (domain, bucket, username, display_name, phone, ha1, created_at, home_site)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        this.selectOne =
                prepare("SELECT " + COLUMNS + " FROM " + table + " WHERE domain = ? AND bucket = ? AND username = ?");
        this.selectAtOrAfter = prepare(
                "SELECT " + COLUMNS + " FROM " + table + " WHERE domain = ? AND bucket = ? AND username >= ? LIMIT 1");
        this.selectAfter = prepare(
                "SELECT " + COLUMNS + " FROM " + table + " WHERE domain = ? AND bucket = ? AND username > ? LIMIT ?");
        this.deleteOne = prepare("DELETE FROM " + table + " WHERE domain = ? AND bucket = ? AND username = ?");
    }

    /** Uses the session's keyspace ({@code CqlSession.builder().withKeyspace(...)}). */
    public static CassandraAccountStore forSessionKeyspace(CqlSession session) {
        CqlIdentifier keyspace = session.getKeyspace()
                .orElseThrow(() -> new IllegalArgumentException("the session has no keyspace; pass one explicitly"));
        return new CassandraAccountStore(session, keyspace);
    }

    private PreparedStatement prepare(String cql) {
        return session.prepare(SimpleStatement.builder(cql).setIdempotence(true).build());
    }

    /**
     * Reads one row whether or not the user exists (see the class comment): the user's, or the next
     * one in its partition (another user's or the decoy), decoded alike and then compared.
     */
    @Override
    public CompletionStage<Optional<Account>> find(String domain, String user) {
        return session.executeAsync(selectAtOrAfter.bind(domain, UserBuckets.of(user), user))
                .thenApply(rs -> {
                    Row row = rs.one();
                    Account read = row == null ? null : toAccount(domain, row);
                    boolean found = read != null && read.user().equals(user) && !DECOY_USER.equals(user);
                    return found ? Optional.of(read) : Optional.empty();
                });
    }

    /** The user part of the row {@link #find} reads for {@code user}; null when it reads none. For tests. */
    CompletionStage<String> rowReadFor(String domain, String user) {
        return session.executeAsync(selectAtOrAfter.bind(domain, UserBuckets.of(user), user))
                .thenApply(rs -> {
                    Row row = rs.one();
                    return row == null ? null : row.getString("username");
                });
    }

    /**
     * Writes the decoy row of each of the domain's partitions (idempotent). Call at startup for every
     * domain served, so lookups in partitions that hold no account yet, or accounts written before
     * decoys existed, read a row too.
     */
    public CompletionStage<Void> prepareDomain(String domain) {
        List<CompletableFuture<?>> writes = new ArrayList<>(UserBuckets.COUNT);
        for (int bucket = 0; bucket < UserBuckets.COUNT; bucket++) {
            writes.add(session.executeAsync(decoy(domain, bucket)).toCompletableFuture());
        }
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
    }

    /**
     * The account and its partition's decoy in one single-partition batch: a partition never holds
     * an account without the decoy that makes its lookups cost the same.
     */
    @Override
    public CompletionStage<Void> put(Account account) {
        Map<String, String> ha1 = new HashMap<>();
        account.ha1().forEach((algorithm, hex) -> ha1.put(algorithm.token(), hex));
        int bucket = UserBuckets.of(account.user());
        BatchStatement batch = BatchStatement.newInstance(
                DefaultBatchType.UNLOGGED,
                insert.bind(
                        account.domain(),
                        bucket,
                        account.user(),
                        account.displayName(),
                        account.phone(),
                        ha1,
                        account.createdAt(),
                        account.homeSite()),
                decoy(account.domain(), bucket));
        return session.executeAsync(batch.setIdempotent(true)).thenApply(rs -> null);
    }

    private BoundStatement decoy(String domain, int bucket) {
        // display name of a typical length, so the row is not conspicuously shorter than a user's
        return insert.bind(domain, bucket, DECOY_USER, "Decoy row", "", DECOY_HA1, Instant.EPOCH, "");
    }

    /**
     * Reads, then deletes only what it found. A lightweight transaction ({@code IF EXISTS})
     * would answer atomically but costs a Paxos round on every replica for an operator action
     * whose only race is two operators deleting the same user at once, who then both hear
     * "deleted".
     */
    @Override
    public CompletionStage<Boolean> delete(String domain, String user) {
        int bucket = UserBuckets.of(user);
        return session.executeAsync(selectOne.bind(domain, bucket, user)).thenCompose(rs -> {
            if (rs.one() == null) {
                return CompletableFuture.completedFuture(false);
            }
            return session.executeAsync(deleteOne.bind(domain, bucket, user)).thenApply(deleted -> true);
        });
    }

    /**
     * Asks each bucket for {@code limit + 1} users after the cursor: the merged first
     * {@code limit} are the page, and a surplus row proves that a next page exists. Java's
     * String order equals the server's UTF-8 byte order here because user parts are ASCII.
     */
    @Override
    public CompletionStage<AccountPage> list(String domain, String afterUser, int limit) {
        AccountStore.checkLimit(limit);
        List<CompletableFuture<List<Account>>> perBucket = new ArrayList<>(UserBuckets.COUNT);
        for (int bucket = 0; bucket < UserBuckets.COUNT; bucket++) {
            perBucket.add(session.executeAsync(selectAfter.bind(domain, bucket, afterUser, limit + 1))
                    .thenCompose(rs -> collect(domain, rs, new ArrayList<>()))
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(perBucket.toArray(CompletableFuture[]::new))
                .thenApply(done -> {
                    List<Account> merged = new ArrayList<>();
                    perBucket.forEach(f -> merged.addAll(f.join()));
                    merged.sort(BY_USER);
                    if (merged.size() <= limit) {
                        return new AccountPage(merged, Optional.empty());
                    }
                    List<Account> page = merged.subList(0, limit);
                    return new AccountPage(page, Optional.of(page.get(limit - 1).user()));
                });
    }

    /** All rows of a result, following driver pages (a LIMIT above the page size spans several). */
    private CompletionStage<List<Account>> collect(String domain, AsyncResultSet rs, List<Account> into) {
        for (Row row : rs.currentPage()) {
            if (!DECOY_USER.equals(row.getString("username"))) {
                into.add(toAccount(domain, row));
            }
        }
        if (!rs.hasMorePages()) {
            return CompletableFuture.completedFuture(into);
        }
        return rs.fetchNextPage().thenCompose(next -> collect(domain, next, into));
    }

    private static Account toAccount(String domain, Row row) {
        Map<DigestAlgorithm, String> ha1 = new EnumMap<>(DigestAlgorithm.class);
        Map<String, String> stored = row.getMap("ha1", String.class, String.class);
        if (stored != null) {
            // Skip tokens this version does not know, so a newer node may add an algorithm
            // without breaking older ones during a rolling upgrade.
            stored.forEach((token, hex) -> {
                if (!token.isEmpty()) {
                    DigestAlgorithm.fromToken(token).ifPresent(algorithm -> ha1.put(algorithm, hex));
                }
            });
        }
        Instant createdAt = row.getInstant("created_at");
        return new Account(
                row.getString("username"),
                domain,
                row.getString("display_name"),
                row.getString("phone"),
                ha1,
                // only rows written by other tools can lack it; the epoch marks "unknown"
                createdAt == null ? Instant.EPOCH : createdAt,
                // rows written before sites existed have none: the pool
                row.getString("home_site"));
    }
}

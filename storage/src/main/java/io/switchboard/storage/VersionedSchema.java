package io.switchboard.storage;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A keyspace's schema as a numbered version of a list of CQL scripts, applied once per version by
 * exactly one party (a node or a one-shot {@code schema apply}), never by several at once: concurrent
 * {@code CREATE TABLE} on different coordinators of a fresh ring gives each coordinator's table its
 * own id, and the ring can end up with two tables of one name.
 *
 * <p>The state lives in one row of the table {@value #TABLE} in the keyspace itself: the version
 * applied (with the scripts' digest, who applied it and when) and a lock (holder, lease expiry). Every
 * write to that row is a lightweight transaction at SERIAL consistency and every read but the first
 * (which only looks for an applied version) a SERIAL read, so the lock and the version move together
 * linearizably: the applier takes the lock with a
 * conditional write, renews its lease after each script, and records the new version and releases
 * the lock in one conditional write, only after the Cassandra nodes agree on the schema. Others find
 * the version applied and skip the scripts, or wait (polling) until it is; a lock whose lease ran out
 * (its holder died) is taken over. The lease is compared with the clocks of the parties, so it must
 * be much longer than their clock skew.
 *
 * <p>The state table itself is created by every party with {@code IF NOT EXISTS}; that one creation
 * can race too, so it is created with a table id derived from the keyspace name ({@code WITH id}):
 * racing creations then describe the very same table and Cassandra's schema merge keeps one.
 *
 * <p>Scripts must stay idempotent ({@code CREATE ... IF NOT EXISTS}, {@code ALTER TABLE ... ADD IF NOT
 * EXISTS}): a party that lost its lease midway leaves them half applied, and the next one runs all
 * of them again. They must also stay additive (online), since nodes of the previous version keep
 * running on the new schema during a rolling upgrade: a party finding a newer version than its own
 * applied runs on it without touching it.
 */
public final class VersionedSchema {

    private static final Logger log = LoggerFactory.getLogger(VersionedSchema.class);

    /** The state table, in the session's keyspace. */
    public static final String TABLE = "schema_version";

    /** The one row of {@link #TABLE} (its partition key), leaving room for other schema lines later. */
    static final String ROW = "switchboard";

    /** One script: a name for logs and the digest, and its CQL text. */
    public record Script(String name, String cql) {
        public Script {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(cql, "cql");
        }
    }

    /**
     * How long a lock holder's lease lasts (renewed after each script), how long a party waits for
     * another to apply the version before it gives up, and how often it looks meanwhile.
     */
    public record Settings(Duration lease, Duration maxWait, Duration poll) {
        public Settings {
            if (lease.isNegative() || lease.isZero() || maxWait.isNegative() || poll.isNegative() || poll.isZero()) {
                throw new IllegalArgumentException("lease and poll must be positive, wait not negative");
            }
        }

        /**
         * A lease of 2 minutes covers one script with its schema agreement (30 s per statement at
         * most) with room to spare; 5 minutes of waiting cover another party applying every script
         * on a busy ring, or a dead holder's lease running out.
         */
        public static Settings defaults() {
            return new Settings(Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofSeconds(1));
        }
    }

    /** What {@link #ensure} found and did. */
    public enum Outcome {
        /** This party applied the scripts and recorded its version. */
        APPLIED,
        /** The version was applied already (maybe by another party while this one waited): nothing run. */
        CURRENT,
        /** A newer version is applied (a rolling upgrade under way): nothing run, nothing recorded. */
        NEWER
    }

    private final String row;
    private final int version;
    private final List<Script> scripts;
    private final String digest;

    /** The pool's schema, recorded in the row {@value #ROW}. */
    public VersionedSchema(int version, List<Script> scripts) {
        this(ROW, version, scripts);
    }

    /**
     * A schema of its own, versioned in row {@code row} of {@value #TABLE} (and with a lock of its
     * own), for a part of the pool whose tables exist only where it is switched on.
     */
    public VersionedSchema(String row, int version, List<Script> scripts) {
        this.row = Objects.requireNonNull(row, "row");
        if (version < 1) {
            throw new IllegalArgumentException("schema versions start at 1: " + version);
        }
        this.version = version;
        this.scripts = List.copyOf(scripts);
        this.digest = digestOf(this.scripts);
    }

    /** A script read from a classpath resource through {@code anchor}'s class loader. */
    public static Script resource(Class<?> anchor, String classpathResource) {
        ClassLoader loader =
                anchor.getClassLoader() != null ? anchor.getClassLoader() : ClassLoader.getSystemClassLoader();
        String name = classpathResource.startsWith("/") ? classpathResource.substring(1) : classpathResource;
        try (InputStream in = loader.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException(
                        "schema resource not found by the class loader of " + anchor.getName() + ": " + name);
            }
            return new Script(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read schema resource " + name, e);
        }
    }

    public int version() {
        return version;
    }

    public List<Script> scripts() {
        return scripts;
    }

    /** SHA-256 (hex) over every script's name and text, in order: changes whenever a script does. */
    public String digest() {
        return digest;
    }

    /** Host name and process id: in Kubernetes the pod's name. */
    public static String defaultHolder() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return host + "/" + ProcessHandle.current().pid();
    }

    /** {@link #ensure(CqlSession, String, Settings, Clock)} with the system clock. */
    public Outcome ensure(CqlSession session, String holder, Settings settings) {
        return ensure(session, holder, settings, Clock.systemUTC());
    }

    /**
     * Makes sure this version (or a newer one) is applied to the session's keyspace: returns at once
     * when it is, applies it when nobody else is doing so, or waits for the one who is.
     *
     * @param holder who this party is, recorded with the version and (with a suffix of this call's own) the
     *     lock, for the logs of others
     * @throws IllegalStateException when the version is still not applied after {@code settings.maxWait()},
     *     naming who holds the lock; or when this party lost its lock while applying
     */
    public Outcome ensure(CqlSession session, String holder, Settings settings, Clock clock) {
        String keyspace = session.getKeyspace()
                .map(CqlIdentifier::asInternal)
                .orElseThrow(() -> new IllegalArgumentException("the session has no keyspace"));
        createStateTable(session, keyspace);
        // The usual case, a node starting on an applied schema, needs no Paxos round: a plain read at
        // the session's consistency sees a version recorded before (a miss falls through to SERIAL).
        State known = read(session, row, false);
        if (known.version() >= version) {
            return found(known, keyspace);
        }
        // The lock is held under a name of this call's own: two parties with one holder name (two
        // nodes in one process) must not both pass "IF lock_holder = me".
        String lockName = holder + " #" + UUID.randomUUID().toString().substring(0, 8);
        Instant deadline = clock.instant().plus(settings.maxWait());
        boolean waitLogged = false;
        while (true) {
            State state = read(session, row, true);
            if (state.version() >= version) {
                return found(state, keyspace);
            }
            if (tryLock(session, state, lockName, settings, clock)) {
                return applyHoldingLock(session, keyspace, holder, lockName, settings, clock);
            }
            if (!clock.instant().isBefore(deadline)) {
                throw new IllegalStateException(
                        "Gave up after waiting " + settings.maxWait() + " for the Cassandra schema"
                                + " of keyspace " + keyspace + " to reach version " + version + " (this node's): "
                                + describe(state)
                                + ". Another party is applying it or died doing so; see its log, or apply it once with"
                                + " `bin/switchboard schema apply --config FILE` (README, \"Schema\")");
            }
            if (!waitLogged) {
                log.info(
                        "Waiting for the Cassandra schema of keyspace {} to reach version {}: {}",
                        keyspace,
                        version,
                        describe(state));
                waitLogged = true;
            }
            sleep(settings.poll());
        }
    }

    private Outcome found(State state, String keyspace) {
        if (state.version() > version) {
            log.warn(
                    "Cassandra keyspace {} has schema version {} (applied by {} at {}), newer than this node's {}:"
                            + " running on it unchanged (schema changes are additive)",
                    keyspace,
                    state.version(),
                    state.appliedBy(),
                    state.appliedAt(),
                    version);
            return Outcome.NEWER;
        }
        if (!digest.equals(state.digest())) {
            // Only a build that changed a script without bumping the version gets here (a test forbids it).
            log.warn(
                    "Cassandra keyspace {} has schema version {} with script digest {}, but this node's scripts of"
                            + " that version have digest {}: the scripts changed without a version bump",
                    keyspace,
                    version,
                    state.digest(),
                    digest);
        }
        log.info(
                "Cassandra keyspace {} has schema version {} (applied by {} at {}): no schema statements run",
                keyspace,
                state.version(),
                state.appliedBy(),
                state.appliedAt());
        return Outcome.CURRENT;
    }

    private Outcome applyHoldingLock(
            CqlSession session, String keyspace, String holder, String lockName, Settings settings, Clock clock) {
        boolean recorded = false;
        try {
            State state = read(session, row, true); // someone may have recorded it between our read and our lock
            if (state.version() >= version) {
                return found(state, keyspace);
            }
            log.info(
                    "Applying Cassandra schema version {} to keyspace {} (was {}) as {}",
                    version,
                    keyspace,
                    state.version() == 0 ? "empty" : "version " + state.version(),
                    holder);
            for (Script script : scripts) {
                CassandraSessions.applyScript(session, script.cql(), script.name());
                renew(session, lockName, settings, clock, script.name());
            }
            CassandraSessions.awaitSchemaAgreement(session, CassandraSessions.SCHEMA_TIMEOUT);
            recorded = lwt(
                    session,
                    "UPDATE " + TABLE + " SET version = ?, digest = ?, applied_by = ?, applied_at = ?,"
                            + " lock_holder = null, lock_expires_at = null WHERE name = ? IF lock_holder = ?",
                    version,
                    digest,
                    holder,
                    clock.instant(),
                    row,
                    lockName);
            if (!recorded) {
                throw lostLock(session, keyspace, lockName, "recording the version");
            }
            log.info("Recorded Cassandra schema version {} of keyspace {}", version, keyspace);
            return Outcome.APPLIED;
        } finally {
            if (!recorded) {
                release(session, lockName);
            }
        }
    }

    private void renew(CqlSession session, String holder, Settings settings, Clock clock, String after) {
        boolean renewed = lwt(
                session,
                "UPDATE " + TABLE + " SET lock_expires_at = ? WHERE name = ? IF lock_holder = ?",
                clock.instant().plus(settings.lease()),
                row,
                holder);
        if (!renewed) {
            throw lostLock(session, session.getKeyspace().orElseThrow().asInternal(), holder, "applying " + after);
        }
    }

    private IllegalStateException lostLock(CqlSession session, String keyspace, String holder, String doing) {
        return new IllegalStateException("Lost the schema lock of Cassandra keyspace " + keyspace + " while " + doing
                + " (its lease ran out; " + describe(read(session, row, true)) + "), as " + holder
                + ": the scripts are idempotent, start again");
    }

    /** Releases our lock after a failure, so others need not wait for the lease; best effort. */
    private void release(CqlSession session, String holder) {
        try {
            lwt(
                    session,
                    "UPDATE " + TABLE + " SET lock_holder = null, lock_expires_at = null WHERE name = ?"
                            + " IF lock_holder = ?",
                    row,
                    holder);
        } catch (RuntimeException e) {
            log.warn("Could not release the schema lock (it expires with its lease): {}", e.toString());
        }
    }

    /** One attempt: the row is new, or unlocked, or its lock's lease ran out. */
    private boolean tryLock(CqlSession session, State state, String holder, Settings settings, Clock clock) {
        Instant now = clock.instant();
        Instant expires = now.plus(settings.lease());
        if (!state.exists()) {
            return lwt(
                    session,
                    "INSERT INTO " + TABLE + " (name, lock_holder, lock_expires_at) VALUES (?, ?, ?) IF NOT EXISTS",
                    row,
                    holder,
                    expires);
        }
        if (state.lockHolder() == null) {
            return lwt(
                    session,
                    "UPDATE " + TABLE
                            + " SET lock_holder = ?, lock_expires_at = ? WHERE name = ? IF lock_holder = null",
                    holder,
                    expires,
                    row);
        }
        if (state.lockExpiresAt() == null || !state.lockExpiresAt().isAfter(now)) {
            // Compare-and-set on the stale values: of several parties seeing it expire, one takes it over.
            boolean taken = lwt(
                    session,
                    "UPDATE " + TABLE + " SET lock_holder = ?, lock_expires_at = ? WHERE name = ?"
                            + " IF lock_holder = ? AND lock_expires_at = ?",
                    holder,
                    expires,
                    row,
                    state.lockHolder(),
                    state.lockExpiresAt());
            if (taken) {
                log.warn(
                        "Took over the schema lock from {}, whose lease ran out at {} (it died or hangs)",
                        state.lockHolder(),
                        state.lockExpiresAt());
            }
            return taken;
        }
        return false;
    }

    static void createStateTable(CqlSession session, String keyspace) {
        // A fixed id per keyspace: two parties racing here create the same table (see the class comment).
        UUID id = UUID.nameUUIDFromBytes(("switchboard schema state of " + keyspace).getBytes(StandardCharsets.UTF_8));
        String cql = "CREATE TABLE IF NOT EXISTS " + TABLE + " (name text PRIMARY KEY, version int, digest text,"
                + " applied_by text, applied_at timestamp, lock_holder text, lock_expires_at timestamp)"
                + " WITH id = " + id
                + " AND comment = 'Switchboard schema version and its lock (storage/VersionedSchema)'";
        session.execute(SimpleStatement.newInstance(cql).setTimeout(CassandraSessions.SCHEMA_TIMEOUT));
        CassandraSessions.awaitSchemaAgreement(session, CassandraSessions.SCHEMA_TIMEOUT);
    }

    /** The row as a linearizable (SERIAL) read sees it. */
    static State read(CqlSession session) {
        return read(session, ROW, true);
    }

    private static State read(CqlSession session, String name, boolean serial) {
        SimpleStatement select = SimpleStatement.newInstance(
                        "SELECT version, digest, applied_by, applied_at, lock_holder, lock_expires_at FROM " + TABLE
                                + " WHERE name = ?",
                        name)
                .setTimeout(CassandraSessions.SCHEMA_TIMEOUT);
        Row row = session.execute(serial ? select.setConsistencyLevel(DefaultConsistencyLevel.SERIAL) : select)
                .one();
        if (row == null) {
            return new State(false, 0, null, null, null, null, null);
        }
        return new State(
                true,
                row.isNull("version") ? 0 : row.getInt("version"),
                row.getString("digest"),
                row.getString("applied_by"),
                row.getInstant("applied_at"),
                row.getString("lock_holder"),
                row.getInstant("lock_expires_at"));
    }

    /** A conditional write at SERIAL (the schema is the whole ring's, not one data centre's): applied? */
    private static boolean lwt(CqlSession session, String cql, Object... values) {
        ResultSet rs = session.execute(SimpleStatement.newInstance(cql, values)
                .setSerialConsistencyLevel(DefaultConsistencyLevel.SERIAL)
                .setTimeout(CassandraSessions.SCHEMA_TIMEOUT));
        return rs.wasApplied();
    }

    private static String describe(State s) {
        String applied = s.version() == 0
                ? "no version applied yet"
                : "version " + s.version() + " applied by " + s.appliedBy() + " at " + s.appliedAt();
        String lock = s.lockHolder() == null
                ? "the schema lock is free"
                : "the schema lock is held by " + s.lockHolder() + " until " + s.lockExpiresAt();
        return applied + ", " + lock;
    }

    private static void sleep(Duration d) {
        try {
            TimeUnit.MILLISECONDS.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the schema", e);
        }
    }

    private static String digestOf(List<Script> scripts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Script s : scripts) {
                byte[] name = s.name().getBytes(StandardCharsets.UTF_8);
                byte[] cql = s.cql().getBytes(StandardCharsets.UTF_8);
                // lengths first, so moving text from one script to the next changes the digest too
                sha.update(String.valueOf(name.length).getBytes(StandardCharsets.US_ASCII));
                sha.update((byte) ':');
                sha.update(name);
                sha.update(String.valueOf(cql.length).getBytes(StandardCharsets.US_ASCII));
                sha.update((byte) ':');
                sha.update(cql);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** The state row; version 0 = none applied. */
    record State(
            boolean exists,
            int version,
            String digest,
            String appliedBy,
            Instant appliedAt,
            String lockHolder,
            Instant lockExpiresAt) {}
}

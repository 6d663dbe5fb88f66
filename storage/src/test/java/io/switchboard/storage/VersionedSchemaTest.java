package io.switchboard.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.switchboard.storage.testing.TestCassandra;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Versioned schema against the shared test node: one applier among racers, leases, versions. */
class VersionedSchemaTest {

    /** Counts its own runs: a counter increment is not idempotent, so two runs show as 2. */
    private static final VersionedSchema.Script COUNTED = new VersionedSchema.Script(
            "counted.cql",
            "CREATE TABLE IF NOT EXISTS runs (id text PRIMARY KEY, n counter);\n"
                    + "UPDATE runs SET n = n + 1 WHERE id = 'v1';\n"
                    + "CREATE TABLE IF NOT EXISTS notes (id text PRIMARY KEY, body text);\n");

    private static final VersionedSchema.Script SECOND = new VersionedSchema.Script(
            "second.cql",
            "CREATE TABLE IF NOT EXISTS tags (note text, tag text, PRIMARY KEY (note, tag));\n"
                    + "UPDATE runs SET n = n + 1 WHERE id = 'v2';\n");

    private static final VersionedSchema V1 = new VersionedSchema(1, List.of(COUNTED));
    private static final VersionedSchema V2 = new VersionedSchema(2, List.of(COUNTED, SECOND));

    private static final VersionedSchema.Settings QUICK =
            new VersionedSchema.Settings(Duration.ofMinutes(2), Duration.ofSeconds(60), Duration.ofMillis(100));

    @Test
    void racingPartiesOnAFreshKeyspaceApplyTheScriptsOnceAndAllProceed() throws Exception {
        String keyspace = "schema_race_test";
        TestCassandra.session(keyspace); // fresh and empty
        int parties = 4;
        List<CqlSession> sessions = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(parties);
        try {
            for (int i = 0; i < parties; i++) {
                sessions.add(CassandraSessions.connect(TestCassandra.settings(keyspace)));
            }
            CountDownLatch start = new CountDownLatch(1);
            List<Future<VersionedSchema.Outcome>> outcomes = new ArrayList<>();
            for (int i = 0; i < parties; i++) {
                CqlSession session = sessions.get(i);
                String holder = "party-" + i;
                outcomes.add(pool.submit(() -> {
                    start.await();
                    return V1.ensure(session, holder, QUICK);
                }));
            }
            start.countDown();
            List<VersionedSchema.Outcome> results = new ArrayList<>();
            for (Future<VersionedSchema.Outcome> f : outcomes) {
                results.add(f.get(3, TimeUnit.MINUTES));
            }

            assertThat(results)
                    .containsOnly(VersionedSchema.Outcome.APPLIED, VersionedSchema.Outcome.CURRENT)
                    .filteredOn(o -> o == VersionedSchema.Outcome.APPLIED)
                    .hasSize(1);
            CqlSession any = sessions.get(0);
            assertThat(runs(any, "v1")).isEqualTo(1);
            VersionedSchema.State state = VersionedSchema.read(any);
            assertThat(state.version()).isEqualTo(1);
            assertThat(state.digest()).isEqualTo(V1.digest());
            assertThat(state.appliedBy()).startsWith("party-");
            assertThat(state.lockHolder()).isNull();
            any.execute("INSERT INTO notes (id, body) VALUES ('n', 'works')");
        } finally {
            pool.shutdownNow();
            sessions.forEach(CqlSession::close);
        }
    }

    @Test
    void aCurrentVersionIsNotAppliedAgain() {
        CqlSession session = TestCassandra.session("schema_current_test");
        assertThat(V1.ensure(session, "first", QUICK)).isEqualTo(VersionedSchema.Outcome.APPLIED);
        assertThat(V1.ensure(session, "second", QUICK)).isEqualTo(VersionedSchema.Outcome.CURRENT);
        assertThat(runs(session, "v1")).isEqualTo(1);
        assertThat(VersionedSchema.read(session).appliedBy()).isEqualTo("first");

        // a dropped and re-created keyspace gets its state table again, with the same derived id
        CqlSession recreated = TestCassandra.session("schema_current_test");
        assertThat(V1.ensure(recreated, "third", QUICK)).isEqualTo(VersionedSchema.Outcome.APPLIED);
        assertThat(runs(recreated, "v1")).isEqualTo(1);
    }

    @Test
    void aNewerVersionIsAppliedOverAnOlderOneAndAnOlderNodeRunsOnTheNewerWithoutTouchingIt() {
        CqlSession session = TestCassandra.session("schema_versions_test");
        V1.ensure(session, "old-node", QUICK);

        assertThat(V2.ensure(session, "new-node", QUICK)).isEqualTo(VersionedSchema.Outcome.APPLIED);
        session.execute("INSERT INTO tags (note, tag) VALUES ('n', 't')");
        assertThat(VersionedSchema.read(session).version()).isEqualTo(2);
        // the whole list runs for a new version: scripts must be idempotent, as the first one's DDL is
        assertThat(runs(session, "v1")).isEqualTo(2);
        assertThat(runs(session, "v2")).isEqualTo(1);

        assertThat(V1.ensure(session, "old-node-restarted", QUICK)).isEqualTo(VersionedSchema.Outcome.NEWER);
        VersionedSchema.State state = VersionedSchema.read(session);
        assertThat(state.version()).isEqualTo(2);
        assertThat(state.appliedBy()).isEqualTo("new-node");
        assertThat(runs(session, "v1")).isEqualTo(2);
    }

    @Test
    void aDeadHoldersLockIsTakenOverWhenItsLeaseRunsOut() {
        CqlSession session = TestCassandra.session("schema_stale_lock_test");
        Instant now = Instant.now();
        holdLock(session, "dead-node", now.plus(Duration.ofHours(1)));

        // with the clock two hours on, the dead node's lease has run out
        Clock later = Clock.offset(Clock.systemUTC(), Duration.ofHours(2));
        assertThat(V1.ensure(session, "survivor", QUICK, later)).isEqualTo(VersionedSchema.Outcome.APPLIED);
        VersionedSchema.State state = VersionedSchema.read(session);
        assertThat(state.version()).isEqualTo(1);
        assertThat(state.appliedBy()).isEqualTo("survivor");
        assertThat(state.lockHolder()).isNull();
        assertThat(runs(session, "v1")).isEqualTo(1);
    }

    @Test
    void aWaiterTakesTheLockOverOnceTheLeaseRunsOutInRealTime() {
        CqlSession session = TestCassandra.session("schema_lease_test");
        holdLock(session, "dead-node", Instant.now().plusMillis(1500));

        assertThat(V1.ensure(session, "waiter", QUICK)).isEqualTo(VersionedSchema.Outcome.APPLIED);
        assertThat(VersionedSchema.read(session).appliedBy()).isEqualTo("waiter");
    }

    @Test
    void aLiveHoldersLockMakesOthersWaitBoundedlyAndSayWhatTheyWaitedFor() {
        CqlSession session = TestCassandra.session("schema_held_lock_test");
        holdLock(session, "busy-node", Instant.now().plus(Duration.ofHours(1)));
        VersionedSchema.Settings shortWait =
                new VersionedSchema.Settings(Duration.ofMinutes(2), Duration.ofSeconds(1), Duration.ofMillis(200));

        assertThatThrownBy(() -> V1.ensure(session, "waiter", shortWait))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("keyspace schema_held_lock_test")
                .hasMessageContaining("version 1")
                .hasMessageContaining("held by busy-node")
                .hasMessageContaining("schema apply");
        assertThat(VersionedSchema.read(session).version()).isZero();
    }

    @Test
    void theDigestFollowsTheScriptsAndAMissingResourceIsAClearError() {
        assertThat(new VersionedSchema(1, List.of(COUNTED)).digest()).isEqualTo(V1.digest());
        assertThat(new VersionedSchema(1, List.of(new VersionedSchema.Script("counted.cql", COUNTED.cql() + " ")))
                        .digest())
                .isNotEqualTo(V1.digest());
        assertThat(new VersionedSchema(1, List.of(new VersionedSchema.Script("renamed.cql", COUNTED.cql()))).digest())
                .isNotEqualTo(V1.digest());
        assertThat(VersionedSchema.resource(VersionedSchemaTest.class, "/io/switchboard/storage/test-schema.cql")
                        .cql())
                .contains("CREATE TABLE IF NOT EXISTS notes");
        assertThatThrownBy(() -> VersionedSchema.resource(VersionedSchemaTest.class, "no/such.cql"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no/such.cql");
    }

    /** Creates the state table (as any party would) and writes a lock as a party that then went away. */
    private static void holdLock(CqlSession session, String holder, Instant expires) {
        VersionedSchema.createStateTable(
                session, session.getKeyspace().orElseThrow().asInternal());
        assertThat(session.execute(SimpleStatement.newInstance(
                                        "INSERT INTO " + VersionedSchema.TABLE + " (name, lock_holder, lock_expires_at)"
                                                + " VALUES (?, ?, ?) IF NOT EXISTS",
                                        VersionedSchema.ROW,
                                        holder,
                                        expires)
                                .setSerialConsistencyLevel(DefaultConsistencyLevel.SERIAL))
                        .wasApplied())
                .isTrue();
    }

    private static long runs(CqlSession session, String id) {
        var row = session.execute("SELECT n FROM runs WHERE id = ?", id).one();
        return row == null ? 0 : row.getLong("n");
    }
}

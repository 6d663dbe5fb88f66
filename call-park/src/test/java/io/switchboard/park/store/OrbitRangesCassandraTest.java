package io.switchboard.park.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.park.domain.OrbitDecision;
import io.switchboard.park.domain.OrbitRange;
import io.switchboard.park.domain.OrbitRule;
import io.switchboard.park.domain.OrbitRules;
import io.switchboard.park.domain.RangeOverrides;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Orbit ranges stored in a real Cassandra: rules against what is stored, races between adds, the cache. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OrbitRangesCassandraTest {

    private CqlSession session;
    private CassandraOrbitRangeStore store;

    @BeforeAll
    void schema() {
        session = TestCassandra.session("park_ranges");
        CassandraSessions.applySchema(session, CassandraOrbitRangeStore.class, CassandraOrbitRangeStore.SCHEMA);
        store = new CassandraOrbitRangeStore(session, Clock.systemUTC());
    }

    @BeforeEach
    void empty() {
        session.execute("TRUNCATE park_orbit_ranges");
    }

    private static <T> T await(CompletionStage<T> s) {
        try {
            return s.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static OrbitRules.Request request(String name, String range) {
        return new OrbitRules.Request(name, range, RangeOverrides.NONE);
    }

    @Test
    void stores_lists_and_removes_ranges_with_their_overrides() {
        OrbitRanges ranges = new OrbitRanges(store, Duration.ofSeconds(2), Clock.systemUTC());
        RangeOverrides o = new RangeOverrides(
                Optional.of(Duration.ofSeconds(45)), Optional.of(3), Optional.of("sip:operator@example.test"));
        assertThat(await(ranges.add(new OrbitRules.Request("lobby", "#900-#950", o), List.of())))
                .isInstanceOf(OrbitDecision.Accepted.class);
        assertThat(await(ranges.add(request("plain", "900-950"), List.of())))
                .isInstanceOf(OrbitDecision.Accepted.class);

        List<OrbitRange> listed = await(ranges.list());
        assertThat(listed).extracting(OrbitRange::name).containsExactly("lobby", "plain");
        assertThat(listed.get(0).text()).isEqualTo("#900-#950");
        assertThat(listed.get(0).overrides()).isEqualTo(o);
        assertThat(listed.get(1).overrides()).isEqualTo(RangeOverrides.NONE);

        assertThat(await(ranges.remove("lobby"))).isTrue();
        assertThat(await(ranges.remove("lobby"))).isFalse();
        assertThat(await(ranges.list())).extracting(OrbitRange::name).containsExactly("plain");
        // after every range is gone, an add still finds the version it must name
        assertThat(await(ranges.remove("plain"))).isTrue();
        assertThat(await(ranges.list())).isEmpty();
        assertThat(await(ranges.add(request("again", "#900-#950"), List.of())))
                .isInstanceOf(OrbitDecision.Accepted.class);
    }

    @Test
    void refuses_a_conflict_with_a_stored_range_and_stores_nothing() {
        OrbitRanges ranges = new OrbitRanges(store, Duration.ofSeconds(2), Clock.systemUTC());
        await(ranges.add(request("lobby", "#900-#950"), List.of()));
        OrbitDecision d = await(ranges.add(request("other", "#940-#960"), List.of()));
        assertThat(((OrbitDecision.Rejected) d).rule()).isEqualTo(OrbitRule.NO_OVERLAP);
        OrbitDecision same = await(ranges.add(request("lobby", "#100-#200"), List.of()));
        assertThat(((OrbitDecision.Rejected) same).rule()).isEqualTo(OrbitRule.UNIQUE_NAME);
        assertThat(await(ranges.list())).extracting(OrbitRange::name).containsExactly("lobby");
    }

    @Test
    void of_overlapping_adds_racing_on_several_nodes_exactly_one_wins() {
        // eight "nodes" (stores of their own, one session) add overlapping ranges at once
        List<CompletableFuture<OrbitDecision>> adds = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            OrbitRanges node = new OrbitRanges(
                    new CassandraOrbitRangeStore(session, Clock.systemUTC()), Duration.ofSeconds(2), Clock.systemUTC());
            adds.add(node.add(request("r" + i, "#90" + i + "-#950"), List.of()).toCompletableFuture());
        }
        List<OrbitDecision> decisions = new ArrayList<>();
        int contended = 0;
        for (CompletableFuture<OrbitDecision> f : adds) {
            try {
                decisions.add(f.get(60, TimeUnit.SECONDS));
            } catch (Exception e) {
                assertThat(e.getCause()).isInstanceOf(OrbitRanges.Contended.class);
                contended++;
            }
        }
        assertThat(decisions.stream().filter(d -> d instanceof OrbitDecision.Accepted))
                .hasSize(1);
        assertThat(decisions.stream()
                        .filter(d -> d instanceof OrbitDecision.Rejected)
                        .map(d -> ((OrbitDecision.Rejected) d).rule()))
                .allMatch(r -> r == OrbitRule.NO_OVERLAP)
                .hasSize(7 - contended);
        assertThat(await(new OrbitRanges(store, Duration.ofSeconds(2), Clock.systemUTC()).list()))
                .hasSize(1);
    }

    @Test
    void another_node_sees_a_new_range_once_its_cache_entry_is_older_than_the_ttl() {
        MutableClock clock = new MutableClock();
        OrbitRanges reader = new OrbitRanges(store, Duration.ofSeconds(2), clock);
        OrbitRanges writer = new OrbitRanges(store, Duration.ofSeconds(2), Clock.systemUTC());
        assertThat(await(reader.current())).isEmpty();
        await(writer.add(request("lobby", "#900-#950"), List.of()));
        assertThat(await(reader.current())).isEmpty(); // still the cached answer
        clock.advance(Duration.ofMillis(2001));
        assertThat(await(reader.rangeOf(
                        io.switchboard.park.domain.Orbit.parse("#905").orElseThrow())))
                .map(OrbitRange::name)
                .contains("lobby");
    }

    /** A clock the test moves; only millis() is read by the cache. */
    static final class MutableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}

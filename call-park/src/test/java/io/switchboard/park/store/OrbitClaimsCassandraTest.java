package io.switchboard.park.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.park.domain.Orbit;
import io.switchboard.park.domain.OrbitDecision;
import io.switchboard.park.domain.OrbitRange;
import io.switchboard.park.domain.OrbitRules;
import io.switchboard.park.domain.RangeOverrides;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Pool-wide orbit allocation on a real Cassandra: at most one holder per orbit, freed once, full counted. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OrbitClaimsCassandraTest {

    private CqlSession session;

    @BeforeAll
    void schema() {
        session = TestCassandra.session("park_claims");
        CassandraSessions.applySchema(session, CassandraOrbitRangeStore.class, CassandraOrbitRangeStore.SCHEMA);
    }

    @BeforeEach
    void empty() {
        session.execute("TRUNCATE park_orbit_claims");
        session.execute("TRUNCATE park_orbits_in_use");
    }

    private CassandraOrbitClaims node(long seed) {
        return new CassandraOrbitClaims(session, Clock.systemUTC(), new Random(seed));
    }

    private static OrbitRange range(String name, String text) {
        return ((OrbitDecision.Accepted) OrbitRules.validate(new OrbitRules.Request(name, text, RangeOverrides.NONE)))
                .range();
    }

    private static <T> T await(CompletionStage<T> s) {
        try {
            return s.toCompletableFuture().get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Orbit orbitOf(OrbitClaims.Claim c) {
        assertThat(c).isInstanceOf(OrbitClaims.Claim.Claimed.class);
        return ((OrbitClaims.Claim.Claimed) c).orbit();
    }

    @Test
    void fifty_one_concurrent_claims_into_51_orbits_get_51_distinct_orbits_and_the_52nd_is_refused() {
        OrbitRange lobby = range("lobby", "#900-#950");
        // three "nodes" share the work, as parks arriving on several nodes would
        List<CassandraOrbitClaims> nodes = List.of(node(1), node(2), node(3));
        List<CompletableFuture<OrbitClaims.Claim>> claims = new ArrayList<>();
        for (int i = 0; i < 51; i++) {
            claims.add(nodes.get(i % 3).claim(lobby, "park-" + i).toCompletableFuture());
        }
        Set<String> orbits = new HashSet<>();
        for (CompletableFuture<OrbitClaims.Claim> c : claims) {
            Orbit o = orbitOf(await(c));
            assertThat(lobby.contains(o)).isTrue();
            orbits.add(o.toString());
        }
        assertThat(orbits).hasSize(51);
        // each orbit's claim row holds exactly the park id that was told it got it
        for (int i = 0; i < 51; i++) {
            Orbit o = orbitOf(await(claims.get(i)));
            assertThat(session.execute(
                                    "SELECT park_id FROM park_orbit_claims WHERE range_name = 'lobby' AND orbit = ?",
                                    o.toString())
                            .one()
                            .getString("park_id"))
                    .isEqualTo("park-" + i);
        }

        OrbitClaims.Claim refused = await(nodes.get(0).claim(lobby, "park-51"));
        assertThat(refused).isEqualTo(new OrbitClaims.Claim.Full("lobby"));
        assertThat(nodes.get(0).refusedFull()).isEqualTo(1);
        // the refused park holds nothing
        assertThat(session.execute("SELECT park_id FROM park_orbit_claims").all())
                .hasSize(51)
                .noneMatch(row -> "park-51".equals(row.getString("park_id")));
        assertThat(session.execute("SELECT orbit FROM park_orbits_in_use WHERE range_name = 'lobby'")
                        .all())
                .hasSize(51);
    }

    @Test
    void a_release_frees_once_and_only_for_the_holder() {
        OrbitRange small = range("small", "*1-*2");
        CassandraOrbitClaims claims = node(7);
        Orbit a = orbitOf(await(claims.claim(small, "park-a")));
        Orbit b = orbitOf(await(claims.claim(small, "park-b")));
        assertThat(a).isNotEqualTo(b);
        assertThat(await(claims.claim(small, "park-c"))).isInstanceOf(OrbitClaims.Claim.Full.class);

        assertThat(await(claims.holder("small", a))).contains("park-a"); // how a retrieve finds the call
        assertThat(await(claims.release("small", a, "park-b"))).isFalse(); // not the holder
        assertThat(await(claims.release("small", a, "park-a"))).isTrue();
        assertThat(await(claims.release("small", a, "park-a"))).isFalse(); // freed once
        assertThat(await(claims.holder("small", a))).isEmpty();

        // the freed orbit is the one left, and it is allocated again
        assertThat(orbitOf(await(claims.claim(small, "park-c")))).isEqualTo(a);
        assertThat(await(claims.release("small", a, "park-a"))).isFalse(); // the old holder cannot free park-c's
        assertThat(await(claims.claim(small, "park-d"))).isInstanceOf(OrbitClaims.Claim.Full.class);
        assertThat(claims.refusedFull()).isEqualTo(2);
    }

    @Test
    void an_orbit_listed_in_use_without_a_claim_is_still_allocated() {
        OrbitRange one = range("one", "7-7");
        // a stale entry (a release whose list delete failed) must not make the range look full
        session.execute("INSERT INTO park_orbits_in_use (range_name, orbit, park_id) VALUES ('one', '7', 'gone')");
        assertThat(orbitOf(await(node(3).claim(one, "park-x"))).toString()).isEqualTo("7");
        // and an orbit claimed but missing from the list is not handed out twice
        session.execute("TRUNCATE park_orbits_in_use");
        assertThat(await(node(4).claim(one, "park-y"))).isInstanceOf(OrbitClaims.Claim.Full.class);
    }
}

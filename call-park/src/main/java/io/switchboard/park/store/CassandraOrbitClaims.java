package io.switchboard.park.store;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.servererrors.CASWriteUnknownException;
import com.datastax.oss.driver.api.core.servererrors.WriteTimeoutException;
import com.datastax.oss.driver.api.core.servererrors.WriteType;
import io.switchboard.park.domain.Orbit;
import io.switchboard.park.domain.OrbitRange;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link OrbitClaims} on Cassandra (tables in {@value CassandraOrbitRangeStore#SCHEMA}).
 *
 * <p>The authority is {@code park_orbit_claims}, one partition per orbit: a claim is
 * {@code INSERT ... IF NOT EXISTS}, a release {@code DELETE ... IF park_id = ?}, both lightweight
 * transactions (Paxos at LOCAL_SERIAL), so two nodes can never both hold an orbit and a release
 * frees it once. Parks into different orbits touch different partitions and do not contend.
 *
 * <p>Which orbit to try: {@code park_orbits_in_use} lists a range's held orbits (one partition per
 * range, written after a claim and deleted after a release, unconditionally). A claim tries the
 * orbits that list shows free, in random order; a lost race just moves on to the next. The list
 * is only a hint: when its free orbits are exhausted, the orbits it shows held are read from
 * {@code park_orbit_claims} and those that are in fact free are tried too. A range is full only
 * when every orbit was found held there. The list may be wrong both ways (a release racing a new claim of the same orbit can
 * drop the new claim's entry): a claim never trusts it, it only orders the tries.
 *
 * <p>A claim whose outcome Cassandra could not tell (a Paxos timeout: {@code WriteTimeoutException}
 * of type CAS, or {@code CASWriteUnknownException}) is settled by a LOCAL_SERIAL read of that
 * orbit: ours if it holds our park id. A release whose outcome is unknown fails its stage; asking
 * again answers false if the first one had freed the orbit.
 */
public final class CassandraOrbitClaims implements OrbitClaims {

    private static final Logger LOG = LoggerFactory.getLogger(CassandraOrbitClaims.class);
    /** Orbits per {@code IN} read when checking the in-use list against the claims. */
    private static final int READ_CHUNK = 100;

    private final CqlSession session;
    private final Clock clock;
    private final Random random;
    private final LongAdder refusedFull = new LongAdder();
    private final PreparedStatement inUse;
    private final PreparedStatement claim;
    private final PreparedStatement readClaim;
    private final PreparedStatement readClaims;
    private final PreparedStatement markInUse;
    private final PreparedStatement release;
    private final PreparedStatement unmarkInUse;

    public CassandraOrbitClaims(CqlSession session, Clock clock, Random random) {
        this.session = session;
        this.clock = clock;
        this.random = random;
        this.inUse = session.prepare("SELECT orbit FROM park_orbits_in_use WHERE range_name = ?");
        this.claim = session.prepare("INSERT INTO park_orbit_claims (range_name, orbit, park_id, claimed_at) "
                + "VALUES (?, ?, ?, ?) IF NOT EXISTS");
        this.readClaim = session.prepare("SELECT park_id FROM park_orbit_claims WHERE range_name = ? AND orbit = ?");
        this.readClaims = session.prepare("SELECT orbit FROM park_orbit_claims WHERE range_name = ? AND orbit IN ?");
        this.markInUse = session.prepare(
                "INSERT INTO park_orbits_in_use (range_name, orbit, park_id, claimed_at) VALUES (?, ?, ?, ?)");
        this.release =
                session.prepare("DELETE FROM park_orbit_claims WHERE range_name = ? AND orbit = ? IF park_id = ?");
        this.unmarkInUse = session.prepare("DELETE FROM park_orbits_in_use WHERE range_name = ? AND orbit = ?");
    }

    @Override
    public CompletionStage<Claim> claim(OrbitRange range, String parkId) {
        return session.executeAsync(inUse.bind(range.name()))
                .thenCompose(rs -> collectOrbits(rs, new HashSet<>()))
                .thenCompose(listed -> {
                    List<Orbit> free = new ArrayList<>(range.size());
                    List<Orbit> held = new ArrayList<>();
                    for (int i = 0; i < range.size(); i++) {
                        Orbit o = range.orbitAt(i);
                        (listed.contains(o.toString()) ? held : free).add(o);
                    }
                    Collections.shuffle(free, random);
                    return tryEach(range, parkId, free, 0)
                            .thenCompose(got -> got != null
                                    ? CompletableFuture.completedFuture(got)
                                    : tryListedAsHeld(range, parkId, held));
                });
    }

    /** The in-use list was stale or everything it showed free was taken: check what it shows held. */
    private CompletionStage<Claim> tryListedAsHeld(OrbitRange range, String parkId, List<Orbit> listedHeld) {
        return reallyHeld(range.name(), listedHeld, 0, new HashSet<>()).thenCompose(held -> {
            List<Orbit> free = new ArrayList<>();
            for (Orbit o : listedHeld) {
                if (!held.contains(o.toString())) {
                    free.add(o);
                }
            }
            Collections.shuffle(free, random);
            return tryEach(range, parkId, free, 0).thenApply(got -> {
                if (got != null) {
                    return got;
                }
                refusedFull.increment();
                return new Claim.Full(range.name());
            });
        });
    }

    /** Tries {@code candidates} from {@code index} on, one at a time; null when none could be claimed. */
    private CompletionStage<Claim> tryEach(OrbitRange range, String parkId, List<Orbit> candidates, int index) {
        if (index >= candidates.size()) {
            return CompletableFuture.completedFuture(null);
        }
        Orbit orbit = candidates.get(index);
        return claimOne(range.name(), orbit, parkId).thenCompose(won -> {
            if (!won) {
                return tryEach(range, parkId, candidates, index + 1);
            }
            return session.executeAsync(markInUse.bind(range.name(), orbit.toString(), parkId, clock.instant()))
                    .handle((ok, failure) -> {
                        if (failure != null) {
                            // the claim stands; only the hint is missing, and a later claim still
                            // finds the orbit held in park_orbit_claims
                            LOG.warn(
                                    "Orbit {} of {} claimed, but not listed as in use: {}",
                                    orbit,
                                    range.name(),
                                    failure.toString());
                        }
                        return (Claim) new Claim.Claimed(orbit);
                    });
        });
    }

    /** One lightweight transaction on one orbit; true when {@code parkId} holds it afterwards. */
    private CompletionStage<Boolean> claimOne(String rangeName, Orbit orbit, String parkId) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        session.executeAsync(claim.bind(rangeName, orbit.toString(), parkId, clock.instant()))
                .whenComplete((rs, failure) -> {
                    if (failure == null) {
                        result.complete(rs.wasApplied());
                    } else if (outcomeUnknown(failure)) {
                        settle(rangeName, orbit, parkId, result);
                    } else {
                        result.completeExceptionally(failure);
                    }
                });
        return result;
    }

    /** After a Paxos timeout: a serial read tells whether our claim went in (it holds our park id). */
    private void settle(String rangeName, Orbit orbit, String parkId, CompletableFuture<Boolean> result) {
        session.executeAsync(readClaim.bind(rangeName, orbit.toString()).setConsistencyLevel(serial()))
                .whenComplete((rs, failure) -> {
                    if (failure != null) {
                        result.completeExceptionally(failure);
                        return;
                    }
                    Row row = rs.one();
                    result.complete(row != null && parkId.equals(row.getString("park_id")));
                });
    }

    private static ConsistencyLevel serial() {
        return DefaultConsistencyLevel.LOCAL_SERIAL;
    }

    private static boolean outcomeUnknown(Throwable failure) {
        Throwable t =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return t instanceof CASWriteUnknownException
                || (t instanceof WriteTimeoutException w && w.getWriteType() == WriteType.CAS);
    }

    /** Which of {@code orbits} have a claim row, read {@value #READ_CHUNK} at a time. */
    private CompletionStage<Set<String>> reallyHeld(String rangeName, List<Orbit> orbits, int from, Set<String> into) {
        if (from >= orbits.size()) {
            return CompletableFuture.completedFuture(into);
        }
        List<String> chunk = new ArrayList<>();
        for (int i = from; i < Math.min(orbits.size(), from + READ_CHUNK); i++) {
            chunk.add(orbits.get(i).toString());
        }
        return session.executeAsync(readClaims.bind(rangeName, chunk))
                .thenCompose(rs -> collectOrbits(rs, into))
                .thenCompose(held -> reallyHeld(rangeName, orbits, from + READ_CHUNK, held));
    }

    private CompletionStage<Set<String>> collectOrbits(AsyncResultSet rs, Set<String> into) {
        for (Row row : rs.currentPage()) {
            into.add(row.getString("orbit"));
        }
        if (rs.hasMorePages()) {
            return rs.fetchNextPage().thenCompose(next -> collectOrbits(next, into));
        }
        return CompletableFuture.completedFuture(into);
    }

    @Override
    public CompletionStage<Boolean> release(String rangeName, Orbit orbit, String parkId) {
        return session.executeAsync(release.bind(rangeName, orbit.toString(), parkId))
                .thenCompose(rs -> {
                    if (!rs.wasApplied()) {
                        return CompletableFuture.completedFuture(false);
                    }
                    // only once the claim row is gone: the list must not show an orbit free for
                    // longer than it is (showing one held that is free costs a read, not a park)
                    return session.executeAsync(unmarkInUse.bind(rangeName, orbit.toString()))
                            .handle((ok, failure) -> {
                                if (failure != null) {
                                    LOG.warn(
                                            "Orbit {} of {} freed, but still listed as in use: {}",
                                            orbit,
                                            rangeName,
                                            failure.toString());
                                }
                                return true;
                            });
                });
    }

    @Override
    public CompletionStage<java.util.Optional<String>> holder(String rangeName, Orbit orbit) {
        return session.executeAsync(readClaim.bind(rangeName, orbit.toString()))
                .thenApply(rs -> java.util.Optional.ofNullable(rs.one()).map(row -> row.getString("park_id")));
    }

    @Override
    public long refusedFull() {
        return refusedFull.sum();
    }
}

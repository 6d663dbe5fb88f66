package io.switchboard.node;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.entity.due.CassandraDueIndex;
import io.switchboard.entity.fence.CassandraOwnerEpochs;
import io.switchboard.park.entity.ParkedCallEntity;
import io.switchboard.park.entity.ParkedCallListener;
import io.switchboard.park.entity.ParkedCalls;
import io.switchboard.park.store.CassandraOrbitClaims;
import io.switchboard.park.store.CassandraParkedCallStore;
import io.switchboard.park.store.OrbitClaims;
import java.security.SecureRandom;
import java.time.Clock;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Call park on a node (call-park/README.md): the parked call entity type, started on every node
 * like the other entities, its writes fenced by owner epochs and its timeouts in the due index,
 * which the due sweeper started by {@link PresenceWiring} also wakes.
 */
final class ParkWiring {

    /** What the SIP edge of call park uses: the entities' client and the orbit claims (who holds an orbit). */
    record Started(ParkedCalls calls, OrbitClaims claims) {}

    private ParkWiring() {}

    static Started start(CqlSession session, ActorSystem<Void> system, Clock clock, ParkedCallListener listener) {
        OrbitClaims claims = new CassandraOrbitClaims(session, clock, new SecureRandom());
        ParkedCallEntity.init(
                system,
                new ParkedCallEntity.Settings(
                        new CassandraParkedCallStore(session),
                        claims,
                        listener,
                        clock,
                        EntityTuning.PARK_PASSIVATE_AFTER,
                        EntityTuning.PARK_MAX_WAITING,
                        CassandraDueIndex.forSessionKeyspace(session),
                        CassandraOwnerEpochs.forSessionKeyspace(session)));
        return new Started(ParkedCalls.sharded(system, EntityTuning.PARK_ASK_TIMEOUT), claims);
    }
}

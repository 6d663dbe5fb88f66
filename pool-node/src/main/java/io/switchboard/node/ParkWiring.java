package io.switchboard.node;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.entity.due.CassandraDueIndex;
import io.switchboard.entity.fence.CassandraOwnerEpochs;
import io.switchboard.park.entity.ParkedCallEntity;
import io.switchboard.park.entity.ParkedCallListener;
import io.switchboard.park.entity.ParkedCalls;
import io.switchboard.park.sip.ParkSip;
import io.switchboard.park.store.CassandraOrbitClaims;
import io.switchboard.park.store.CassandraParkedCallStore;
import io.switchboard.park.store.OrbitClaims;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.entity.RegistrarEntity;
import io.switchboard.sip.flow.Flow;
import io.switchboard.sip.routing.NextHop;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Call park on a node (call-park/README.md): the parked call entity type, started on every node
 * like the other entities, its writes fenced by owner epochs and its timeouts in the due index,
 * which the due sweeper started by {@link PresenceWiring} also wakes.
 */
final class ParkWiring {

    /** What the SIP edge of call park uses: the entities' client and the orbit claims (who holds an orbit). */
    record Started(
            ParkedCalls calls,
            OrbitClaims claims,
            java.util.function.Supplier<java.util.concurrent.CompletionStage<java.util.Map<String, String>>> holders) {}

    private ParkWiring() {}

    static Started start(CqlSession session, ActorSystem<Void> system, Clock clock, ParkedCallListener listener) {
        OrbitClaims claims = new CassandraOrbitClaims(session, clock, new SecureRandom());
        CassandraParkedCallStore store = new CassandraParkedCallStore(session);
        ParkedCallEntity.init(
                system,
                new ParkedCallEntity.Settings(
                        store,
                        claims,
                        listener,
                        clock,
                        EntityTuning.PARK_PASSIVATE_AFTER,
                        EntityTuning.PARK_MAX_WAITING,
                        CassandraDueIndex.forSessionKeyspace(session),
                        CassandraOwnerEpochs.forSessionKeyspace(session)));
        return new Started(ParkedCalls.sharded(system, EntityTuning.PARK_ASK_TIMEOUT), claims, store::holders);
    }

    /**
     * The parker's registered endpoints as MESSAGE targets: a UDP binding at its flow's source (as
     * it registered), a TCP/TLS binding into its connection when this node holds it. Flows held by
     * another node are not reached yet (call-park/README.md).
     */
    static List<ParkSip.MessageTarget> messageTargets(RegistrarEntity.BindingsReply reply, String nodeId) {
        if (!(reply instanceof RegistrarEntity.CurrentBindings current)) {
            return List.of();
        }
        List<ParkSip.MessageTarget> targets = new ArrayList<>();
        for (Binding b : current.bindings()) {
            Flow f = b.flow();
            if (!f.isConnectionOriented() || f.node().equals(nodeId)) {
                targets.add(new ParkSip.MessageTarget(
                        b.contact(), new NextHop(f.sourceHost(), f.sourcePort(), f.transport())));
            }
        }
        return targets;
    }
}

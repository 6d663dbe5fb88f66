package io.switchboard.node.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * What each node says about itself (its SIP and admin addresses and the bindings its registrar entities
 * hold), for {@code GET /api/pool}. One small actor per node, registered with the Receptionist; a
 * node asks all of them at once and takes what arrives in time.
 */
public final class NodeInfoService {

    /** Messages that cross nodes; serialized with Kryo (ids in {@link KryoRegistrations}). */
    public sealed interface Message permits GetNodeInfo, NodeInfo {}

    public record GetNodeInfo(ActorRef<NodeInfo> replyTo) implements Message {}

    /** {@code bindings}: the bindings held by the registrar entities living on that node right now. */
    public record NodeInfo(String nodeId, String sipAddress, String adminAddress, long bindings) implements Message {}

    /** One member's answer: {@code info}, or null and {@code problem} saying why not. */
    public record Answer(Address address, NodeInfo info, String problem) {}

    public static final ServiceKey<GetNodeInfo> KEY = ServiceKey.create(GetNodeInfo.class, "switchboard-node-info");

    private NodeInfoService() {}

    /** Spawns this node's service and registers it with the Receptionist. */
    public static void start(
            ActorSystem<?> system, String nodeId, String sipAddress, String adminAddress, LongSupplier bindings) {
        system.systemActorOf(behavior(nodeId, sipAddress, adminAddress, bindings), "node-info", Props.empty());
    }

    static Behavior<GetNodeInfo> behavior(
            String nodeId, String sipAddress, String adminAddress, LongSupplier bindings) {
        return Behaviors.setup(ctx -> {
            ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
            return Behaviors.receiveMessage(get -> {
                get.replyTo().tell(new NodeInfo(nodeId, sipAddress, adminAddress, bindings.getAsLong()));
                return Behaviors.same();
            });
        });
    }

    /**
     * Asks every registered service; completes within about twice {@code timeout} (Receptionist lookup,
     * then the questions in parallel) and never fails: a node that does not answer in time is an
     * {@link Answer} with a problem.
     */
    public static CompletionStage<List<Answer>> askAll(ActorSystem<?> system, Duration timeout) {
        Address self = Cluster.get(system).selfMember().address();
        CompletionStage<Receptionist.Listing> listing = AskPattern.ask(
                system.receptionist(),
                (ActorRef<Receptionist.Listing> r) -> Receptionist.find(KEY, r),
                timeout,
                system.scheduler());
        return listing.thenCompose(l -> {
                    List<CompletableFuture<Answer>> answers = new ArrayList<>();
                    for (ActorRef<GetNodeInfo> ref : l.getServiceInstances(KEY)) {
                        Address address = ref.path().address().hasGlobalScope()
                                ? ref.path().address()
                                : self;
                        answers.add(AskPattern.<GetNodeInfo, NodeInfo>ask(
                                        ref, GetNodeInfo::new, timeout, system.scheduler())
                                .toCompletableFuture()
                                .handle((info, failure) -> failure == null
                                        ? new Answer(address, info, null)
                                        : new Answer(
                                                address, null, "did not answer within " + timeout.toMillis() + " ms")));
                    }
                    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                            .thenApply(v -> answers.stream()
                                    .map(CompletableFuture::join)
                                    .toList()); // all complete here
                })
                .exceptionally(failure -> List.of());
    }
}

package io.switchboard.park.sip;

import io.switchboard.park.domain.ParkedCall;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The park B2BUAs of the pool's nodes, talking over the cluster: a parked caller's dialog lives on
 * the node that answered it, so a retrieve arriving at another node asks every other node's park
 * service to take it ({@link TakeRetrieve}); the one holding the caller's leg re-INVITEs the
 * caller with the retriever's offer and answers with the caller's SDP, and from then on each node
 * keeps its leg and a BYE on one is passed to the other ({@link HangUp}). One small actor per
 * node, registered with the Receptionist. A pool has a handful of nodes, so asking all of them
 * costs less than keeping a pool-wide index of which node holds which leg.
 */
public final class ParkPeers {

    public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "switchboard-park-sip");

    /** What one node's park service is asked by another's. */
    public sealed interface Command permits TakeRetrieve, HangUp, RingBack, GaveUp {}

    /**
     * Retrieve park {@code parkId} for {@code retriever} with the SDP {@code offer}, if its caller's
     * leg is held here. {@code from} is the asking node's service, {@code retrieverCallId} its leg,
     * where a BYE of the caller is passed.
     */
    public record TakeRetrieve(
            String parkId,
            String retriever,
            String offer,
            ActorRef<Command> from,
            String retrieverCallId,
            ActorRef<TakeReply> replyTo)
            implements Command {}

    /** End the leg with this Call-ID here: its peer on the sending node ended. */
    public record HangUp(String callId) implements Command {}

    /**
     * The parked call entity, on a node that does not hold the caller's leg, decided a ring-back:
     * the node holding the leg rings the parker (the others ignore it).
     */
    public record RingBack(String parkId, ParkedCall call, int attempt) implements Command {}

    /** Likewise for giving up: the node holding the leg sends the call to {@code fallback} or ends it. */
    public record GaveUp(String parkId, ParkedCall call, Optional<String> fallback) implements Command {}

    public sealed interface TakeReply permits NotHeld, Joined, Failed {}

    /** This node does not hold the park's caller leg. */
    public record NotHeld() implements TakeReply {}

    /** Retrieved: the caller (leg {@code callerCallId} on the answering node) answered the re-INVITE with {@code sdp}. */
    public record Joined(String callerCallId, String sdp) implements TakeReply {}

    /** Held here but not retrieved: answer the retriever {@code status} {@code reason}. */
    public record Failed(int status, String reason) implements TakeReply {}

    /** What a node's park service does with its peers' requests (never blocks: it runs on the actor's thread). */
    interface Handler {
        void take(TakeRetrieve request);

        void hangUp(String callId);

        void ringBack(RingBack ringBack);

        void gaveUp(GaveUp gaveUp);
    }

    /** The reply that decided a retrieve, and the node that gave it. */
    record Taken(ActorRef<Command> node, TakeReply reply) {}

    private final ActorSystem<?> system;
    private final ActorRef<Command> self;
    private final Duration timeout;

    private ParkPeers(ActorSystem<?> system, ActorRef<Command> self, Duration timeout) {
        this.system = system;
        this.self = self;
        this.timeout = timeout;
    }

    /** Spawns this node's service and registers it with the Receptionist. */
    static ParkPeers start(ActorSystem<?> system, Handler handler, Duration timeout) {
        ActorRef<Command> self = system.systemActorOf(
                Behaviors.<Command>setup(ctx -> {
                    ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
                    return Behaviors.receiveMessage(m -> {
                        if (m instanceof TakeRetrieve t) {
                            handler.take(t);
                        } else if (m instanceof HangUp h) {
                            handler.hangUp(h.callId());
                        } else if (m instanceof RingBack r) {
                            handler.ringBack(r);
                        } else if (m instanceof GaveUp g) {
                            handler.gaveUp(g);
                        }
                        return Behaviors.same();
                    });
                }),
                "park-sip",
                Props.empty());
        return new ParkPeers(system, self, timeout);
    }

    ActorRef<Command> self() {
        return self;
    }

    /**
     * Asks every other node to take the retrieve. Completes with the first reply that is not
     * {@link NotHeld}, or empty when every node answered NotHeld or did not answer in time.
     */
    CompletionStage<Optional<Taken>> takeRetrieve(
            String parkId, String retriever, String offer, String retrieverCallId) {
        CompletableFuture<Optional<Taken>> result = new CompletableFuture<>();
        AskPattern.ask(
                        system.receptionist(),
                        (ActorRef<Receptionist.Listing> r) -> Receptionist.find(KEY, r),
                        timeout,
                        system.scheduler())
                .whenComplete((listing, failure) -> {
                    if (failure != null) {
                        result.complete(Optional.empty());
                        return;
                    }
                    List<ActorRef<Command>> others = new ArrayList<>();
                    for (ActorRef<Command> ref : listing.getServiceInstances(KEY)) {
                        if (!ref.equals(self)) {
                            others.add(ref);
                        }
                    }
                    if (others.isEmpty()) {
                        result.complete(Optional.empty());
                        return;
                    }
                    AtomicInteger left = new AtomicInteger(others.size());
                    for (ActorRef<Command> node : others) {
                        AskPattern.<Command, TakeReply>ask(
                                        node,
                                        replyTo -> new TakeRetrieve(
                                                parkId, retriever, offer, self, retrieverCallId, replyTo),
                                        timeout,
                                        system.scheduler())
                                .whenComplete((reply, failed) -> {
                                    if (reply != null && !(reply instanceof NotHeld)) {
                                        result.complete(Optional.of(new Taken(node, reply)));
                                    } else if (left.decrementAndGet() == 0) {
                                        result.complete(Optional.empty());
                                    }
                                });
                    }
                });
        return result;
    }

    /** Tells every other node {@code command} (no answer). */
    void tellOthers(Command command) {
        AskPattern.ask(
                        system.receptionist(),
                        (ActorRef<Receptionist.Listing> r) -> Receptionist.find(KEY, r),
                        timeout,
                        system.scheduler())
                .thenAccept(listing -> {
                    for (ActorRef<Command> ref : listing.getServiceInstances(KEY)) {
                        if (!ref.equals(self)) {
                            ref.tell(command);
                        }
                    }
                });
    }

    /** Tells {@code node} to end its leg {@code callId}. */
    static void hangUp(ActorRef<Command> node, String callId) {
        node.tell(new HangUp(callId));
    }
}

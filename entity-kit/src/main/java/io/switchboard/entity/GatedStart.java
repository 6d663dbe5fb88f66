package io.switchboard.entity;

import java.util.ArrayDeque;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ExtensibleBehavior;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * An entity before it starts, for a type with a {@link StartGate}: looks at the first command and
 * either becomes the {@link WriteThroughEntity} (handing it every command so far, in order) or stays
 * dormant for {@link StartGate#linger()} and then asks its shard to passivate it, having loaded and
 * claimed nothing. A command that is not droppable ends the dormant wait by starting the entity.
 *
 * <p>After the passivation request the shard buffers new commands for the next incarnation; one
 * already on its way here still arrives. A droppable one is dropped (nothing it acts on exists:
 * only the entity writes its rows); any other starts the entity, which then stops at the shard's
 * stop message and refuses it with "try again", as a passivating {@link WriteThroughEntity} does.
 */
final class GatedStart<C extends EntityCommand> extends ExtensibleBehavior<C> {

    private final String key;
    private final ActorRef<ClusterSharding.ShardCommand> shard;
    private final ShardedEntities.Factory<C> factory;
    private final StartGate<C> gate;
    private final ActorContext<C> ctx;

    /** Commands received while the gate looks, oldest first; null before the first. */
    private ArrayDeque<C> held;

    private boolean passivating;

    /** The timer that ends the dormant wait of an entity found not needed; null when none runs. */
    private org.apache.pekko.actor.Cancellable lingering;

    GatedStart(
            String key,
            ActorRef<ClusterSharding.ShardCommand> shard,
            ShardedEntities.Factory<C> factory,
            StartGate<C> gate,
            ActorContext<C> ctx) {
        this.key = key;
        this.shard = shard;
        this.factory = factory;
        this.gate = gate;
        this.ctx = ctx;
    }

    @Override
    public Behavior<C> receive(TypedActorContext<C> context, C command) {
        Object m = command;
        if (m == ShardedEntities.STOP) {
            if (lingering != null) {
                lingering.cancel();
            }
            if (held != null) {
                held.forEach(c -> c.refuse("Moving to another node, try again"));
            }
            return Behaviors.stopped();
        }
        if (m instanceof Looked looked) {
            ArrayDeque<C> waiting = held;
            held = null;
            if (looked.needed || waiting.stream().anyMatch(c -> !droppable(c))) {
                return startWith(context, waiting);
            }
            @SuppressWarnings("unchecked")
            ActorRef<EntityCommand> self = (ActorRef<EntityCommand>) (ActorRef<?>) ctx.getSelf();
            lingering = ctx.scheduleOnce(gate.linger(), self, Linger.INSTANCE);
            return this;
        }
        if (m == Linger.INSTANCE) {
            lingering = null;
            passivating = true;
            shard.tell(new ClusterSharding.Passivate<>(ctx.getSelf()));
            return this;
        }
        if (held != null) {
            held.add(command); // the gate is looking: everything waits for its answer, in order
            return this;
        }
        if (droppable(command)) {
            // dormant or passivating, it was found not needed, and only the entity itself writes
            // what the gate looks at: dropped without another look
            if (!passivating && lingering == null) {
                look(command);
            }
            return this;
        }
        ArrayDeque<C> first = new ArrayDeque<>(1);
        first.add(command);
        return startWith(context, first);
    }

    /**
     * The gate decides for the entity's own commands; the kit's wake (the due sweeper's, typed only
     * as an EntityCommand at run time) always starts the entity.
     */
    private boolean droppable(C command) {
        Object m = command;
        return m != ShardedEntities.WAKE && gate.droppable(command);
    }

    private void look(C first) {
        held = new ArrayDeque<>(2);
        held.add(first);
        @SuppressWarnings("unchecked")
        ActorRef<EntityCommand> self = (ActorRef<EntityCommand>) (ActorRef<?>) ctx.getSelf();
        java.util.concurrent.CompletionStage<Boolean> needed;
        try {
            needed = gate.needed(key);
        } catch (RuntimeException e) {
            needed = java.util.concurrent.CompletableFuture.failedFuture(e);
        }
        // a failed look starts the entity: its load then fails or succeeds on its own terms
        needed.whenComplete((yes, failure) -> self.tell(new Looked(failure != null || Boolean.TRUE.equals(yes))));
    }

    private Behavior<C> startWith(TypedActorContext<C> context, ArrayDeque<C> commands) {
        if (lingering != null) {
            lingering.cancel(); // one already in the mailbox reaches the entity, which ignores it
            lingering = null;
        }
        WriteThroughEntity<C, ?> entity = factory.create(key, shard, ctx);
        Behavior<C> next = entity.start();
        for (C c : commands) {
            if (next != entity) {
                c.refuse("Moving to another node, try again"); // stopped while being handed these
                continue;
            }
            next = entity.receive(context, c);
        }
        return next;
    }

    @Override
    public Behavior<C> receiveSignal(TypedActorContext<C> context, Signal signal) {
        return this;
    }

    /** The gate's answer, sent to this entity itself: never crosses the network. */
    private record Looked(boolean needed) implements EntityCommand {}

    /** The end of the dormant wait ({@link StartGate#linger()}); a started entity ignores it. */
    enum Linger implements EntityCommand {
        INSTANCE
    }
}

package io.switchboard.entity;

import java.util.function.BiFunction;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/** Registers a {@link WriteThroughEntity} type with cluster sharding, with the kit's stop message. */
public final class ShardedEntities {

    /**
     * The message sharding sends an entity to stop it (hand-off on rebalance or shutdown, and after
     * the entity asked to be passivated), set with {@code Entity.withStopMessage} instead of Pekko's
     * internal PoisonPill signal. Local only: sharding sends it to the entity on its own node.
     */
    public static final EntityCommand STOP = Stop.INSTANCE;

    private enum Stop implements EntityCommand {
        INSTANCE
    }

    private ShardedEntities() {}

    /**
     * Starts sharding for {@code key} on this node: {@code create} makes the behaviour of the
     * entity with a given id, given the shard it lives in (for passivation).
     */
    public static <C extends EntityCommand> void init(
            ActorSystem<?> system,
            EntityTypeKey<C> key,
            BiFunction<String, ActorRef<ClusterSharding.ShardCommand>, Behavior<C>> create) {
        ClusterSharding.get(system).init(entity(key, create));
    }

    /** The sharding definition of an entity type, for callers that set more options before {@code init}. */
    public static <C extends EntityCommand>
            Entity<C, org.apache.pekko.cluster.sharding.typed.ShardingEnvelope<C>> entity(
                    EntityTypeKey<C> key,
                    BiFunction<String, ActorRef<ClusterSharding.ShardCommand>, Behavior<C>> create) {
        return Entity.of(key, ctx -> create.apply(ctx.getEntityId(), ctx.getShard()))
                .withStopMessage(stopMessage());
    }

    /**
     * {@link #STOP} typed as the entity's command. Only for sharding's generic code, where the type is
     * erased: every entity accepts it at run time, but a caller that names a concrete command type
     * would get a ClassCastException.
     */
    @SuppressWarnings("unchecked")
    private static <C extends EntityCommand> C stopMessage() {
        return (C) STOP;
    }
}

package io.switchboard.entity;

import java.util.List;
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

    /**
     * The message that starts an entity only so that it loads and fires what is due: sent by
     * {@link io.switchboard.entity.due.DueSweeper} through sharding (so it crosses nodes and is
     * registered with the node's serializer). An entity that has nothing due does nothing with it.
     */
    public static final EntityCommand WAKE = Wake.INSTANCE;

    /** The type of {@link #WAKE}, for serializer registration. */
    public enum Wake implements EntityCommand {
        INSTANCE
    }

    /**
     * A {@link io.switchboard.entity.due.DueSweeper.Waker} over cluster sharding: wakes entities of
     * the given types, by their {@code EntityTypeKey} names.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static io.switchboard.entity.due.DueSweeper.Waker waker(
            ActorSystem<?> system, List<EntityTypeKey<?>> types) {
        ClusterSharding sharding = ClusterSharding.get(system);
        java.util.Map<String, EntityTypeKey<?>> byName = new java.util.HashMap<>();
        types.forEach(t -> byName.put(t.name(), t));
        return due -> {
            EntityTypeKey key = byName.get(due.type());
            if (key != null) {
                sharding.entityRefFor(key, due.key()).tell(WAKE);
            }
        };
    }

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

    /**
     * Makes the running entity {@code key} of a type, given its shard and its context. A factory
     * is made once per type and node and holds what all its entities share (their settings), so
     * each entity's start closure captures only its key, its shard and the factory.
     */
    @FunctionalInterface
    public interface Factory<C extends EntityCommand> {
        WriteThroughEntity<C, ?> create(
                String key,
                ActorRef<ClusterSharding.ShardCommand> shard,
                org.apache.pekko.actor.typed.javadsl.ActorContext<C> ctx);
    }

    /** Starts sharding for {@code type} on this node. */
    public static <C extends EntityCommand> void init(
            ActorSystem<?> system, EntityTypeKey<C> type, Factory<C> factory) {
        init(system, type, (id, shard) -> behavior(id, shard, factory));
    }

    /**
     * Starts sharding for {@code type} on this node, with a gate that lets an entity skip its start
     * for a first command that would change nothing ({@link StartGate}).
     */
    public static <C extends EntityCommand> void init(
            ActorSystem<?> system, EntityTypeKey<C> type, Factory<C> factory, StartGate<C> gate) {
        init(system, type, (id, shard) -> behavior(id, shard, factory, gate));
    }

    /** The behaviour of one entity of a type with a {@link StartGate} (tests spawn it directly). */
    public static <C extends EntityCommand> Behavior<C> behavior(
            String key, ActorRef<ClusterSharding.ShardCommand> shard, Factory<C> factory, StartGate<C> gate) {
        return org.apache.pekko.actor.typed.javadsl.Behaviors.setup(
                ctx -> new GatedStart<>(key, shard, factory, gate, ctx));
    }

    /** The behaviour of one entity, which starts by loading its state (tests spawn it directly). */
    public static <C extends EntityCommand> Behavior<C> behavior(
            String key, ActorRef<ClusterSharding.ShardCommand> shard, Factory<C> factory) {
        return org.apache.pekko.actor.typed.javadsl.Behaviors.setup(
                ctx -> factory.create(key, shard, ctx).start());
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

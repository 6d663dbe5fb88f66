package io.switchboard.registrar.entity;

import io.switchboard.entity.EntityCommand;
import io.switchboard.entity.EntitySettings;
import io.switchboard.entity.ShardedEntities;
import io.switchboard.entity.TimeLeft;
import io.switchboard.entity.WriteThroughEntity;
import io.switchboard.entity.fence.OwnerEpochs;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.RegisterDecision;
import io.switchboard.registrar.domain.RegisterRequest;
import io.switchboard.registrar.domain.RegisterRules;
import io.switchboard.registrar.store.BindingStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The one owner, cluster-wide, of an address-of-record's bindings (docs/architecture.md, rule 1:
 * single writer). A thin user of {@link WriteThroughEntity}: it loads the AOR's bindings, decides
 * each REGISTER with {@link RegisterRules}, writes a changed binding set before it answers
 * (rule 2), and drops expired bindings at their {@code expiresAt}, the instant their Cassandra TTL
 * ends too (rule 3). An entity with no bindings passivates after {@link Settings#passivateAfter}.
 */
public final class RegistrarEntity {

    public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "registrar");

    /** Messages an entity accepts. Those that cross nodes are serialized by the node's Kryo serializer. */
    public sealed interface Command extends EntityCommand
            permits Register, RegisterBefore, RegisterWithin, GetBindings {}

    /** A command with a reply: when the entity cannot take it, the reply is {@link Unavailable} (the edge's 503). */
    public interface Asking extends EntityCommand {
        ActorRef<? super Unavailable> replyTo();

        @Override
        default boolean refuse(String reason) {
            replyTo().tell(new Unavailable(reason));
            return true;
        }
    }

    /** Apply a REGISTER; the answer is a {@link RegisterReply}. */
    public record Register(RegisterRequest request, ActorRef<RegisterReply> replyTo) implements Command, Asking {}

    /**
     * {@link Register} from an asker that stops waiting at {@code answerBy} (its {@code AskBudget}),
     * an instant of the asker's clock (kept readable for rolling upgrades; sent no more since
     * {@link RegisterWithin}):
     * handled only if its turn comes by then, otherwise refused as {@link Unavailable} with nothing
     * written, so the asker's "failed" never hides a stored binding (issue 17, item 4). A message
     * of its own rather than a field added to {@link Register}: a registered message's encoding
     * does not change (docs/architecture.md, "Cluster message formats").
     */
    public record RegisterBefore(RegisterRequest request, Instant answerBy, ActorRef<RegisterReply> replyTo)
            implements Command, Asking {}

    /**
     * {@link Register} from an asker that waits {@code timeLeft} more (its {@code AskBudget}),
     * counted on the monotonic clock of the node that holds the message: handled only if its turn
     * comes in that time, otherwise refused as {@link Unavailable} with nothing written. Unlike
     * {@link RegisterBefore}'s instant of the asker's clock, compared with the entity's, it holds
     * however far apart the two nodes' wall clocks are (docs/architecture.md, rule 10). A node of
     * an earlier release cannot read it: sent only with {@code availability.send-deadlines}.
     */
    public record RegisterWithin(RegisterRequest request, TimeLeft timeLeft, ActorRef<RegisterReply> replyTo)
            implements Command, Asking {}

    /** The AOR's current bindings (for routing and the admin API). */
    public record GetBindings(ActorRef<BindingsReply> replyTo) implements Command, Asking {}

    /** Answers to {@link Register}. */
    public sealed interface RegisterReply permits Registered, Refused, Unavailable {}

    public record Registered(RegisterDecision.Accepted decision) implements RegisterReply {}

    public record Refused(RegisterDecision.Rejected rejection) implements RegisterReply {}

    /** The store could not be read or written, or the entity is moving: nothing changed, the client may retry. */
    public record Unavailable(String reason) implements RegisterReply, BindingsReply {}

    /** Answers to {@link GetBindings}. */
    public sealed interface BindingsReply permits CurrentBindings, Unavailable {}

    public record CurrentBindings(String aor, List<Binding> bindings) implements BindingsReply {}

    /**
     * Everything an entity needs besides its key.
     *
     * @param owners where each entity claims its owner epoch, fencing its writes; null: unfenced (unit tests)
     * @param writeTimeout the bound on one store write (EntitySettings.writeTimeout); null: unbounded
     */
    public record Settings(
            RegisterRules rules,
            BindingStore store,
            BindingListener listener,
            Clock clock,
            Duration passivateAfter,
            int stashCapacity,
            OwnerEpochs owners,
            Duration writeTimeout) {

        /** Settings whose writes are bounded only by the store's own timeouts. */
        public Settings(
                RegisterRules rules,
                BindingStore store,
                BindingListener listener,
                Clock clock,
                Duration passivateAfter,
                int stashCapacity,
                OwnerEpochs owners) {
            this(rules, store, listener, clock, passivateAfter, stashCapacity, owners, null);
        }

        EntitySettings lifecycle() {
            return new EntitySettings(clock, passivateAfter, stashCapacity, "Bindings store unavailable")
                    .withOwnerEpochs(ENTITY_KEY.name(), owners)
                    .withWriteTimeout(writeTimeout);
        }
    }

    private RegistrarEntity() {}

    /** Registers the entity type with cluster sharding on this node. */
    public static void init(ActorSystem<?> system, Settings settings) {
        ShardedEntities.init(system, ENTITY_KEY, factory(settings));
    }

    public static Behavior<Command> create(
            String aor, Settings settings, ActorRef<ClusterSharding.ShardCommand> shard) {
        return ShardedEntities.behavior(aor, shard, factory(settings));
    }

    /** One per type and node: every entity of the node shares the settings and one lifecycle. */
    private static ShardedEntities.Factory<Command> factory(Settings settings) {
        EntitySettings lifecycle = settings.lifecycle();
        return (key, shard, ctx) -> new Instance(key, settings, lifecycle, shard, ctx);
    }

    /** One running entity; a node holds one per registered AOR, so every field here is paid per AOR. */
    private static final class Instance extends WriteThroughEntity<Command, List<Binding>> {
        private final Settings settings;
        private List<Binding> bindings = List.of();

        Instance(
                String aor,
                Settings settings,
                EntitySettings lifecycle,
                ActorRef<ClusterSharding.ShardCommand> shard,
                ActorContext<Command> ctx) {
            super(aor, lifecycle, shard, ctx);
            this.settings = settings;
        }

        @Override
        protected CompletionStage<List<Binding>> load() {
            return settings.store().load(key, settings.clock());
        }

        @Override
        protected void onLoaded(List<Binding> loaded) {
            setBindings(RegisterRules.active(loaded, now()));
        }

        @Override
        protected void handle(Command command) {
            if (command instanceof Register register) {
                onRegister(register.request(), register.replyTo());
            } else if (command instanceof RegisterBefore register) {
                onRegister(register.request(), register.replyTo());
            } else if (command instanceof RegisterWithin register) {
                onRegister(register.request(), register.replyTo());
            } else if (command instanceof GetBindings get) {
                get.replyTo().tell(new CurrentBindings(key, RegisterRules.active(bindings, now())));
            }
        }

        private void onRegister(RegisterRequest request, ActorRef<RegisterReply> replyTo) {
            Instant now = now();
            RegisterDecision decision = settings.rules().decide(bindings, request, now);
            if (decision instanceof RegisterDecision.Rejected rejected) {
                replyTo.tell(new Refused(rejected));
                return;
            }
            RegisterDecision.Accepted accepted = (RegisterDecision.Accepted) decision;
            if (!accepted.changesState()) {
                replyTo.tell(new Registered(accepted));
                return;
            }
            write(
                    () -> settings.store().write(key, accepted.upserts(), accepted.removals(), now, stamp()),
                    () -> {
                        setBindings(accepted.bindings());
                        replyTo.tell(new Registered(accepted));
                    },
                    // Nothing changes in memory: the client is told to retry. A write that timed out may
                    // still have reached Cassandra; the next load or refresh reconciles it.
                    failure -> replyTo.tell(new Unavailable("Bindings store unavailable")));
        }

        @Override
        protected Instant nextDeadline() {
            Instant earliest = null;
            for (Binding b : bindings) {
                if (earliest == null || b.expiresAt().isBefore(earliest)) {
                    earliest = b.expiresAt();
                }
            }
            return earliest;
        }

        @Override
        protected void onDeadline(Instant now) {
            setBindings(RegisterRules.active(bindings, now));
        }

        @Override
        protected boolean holdsNothing() {
            return bindings.isEmpty();
        }

        @Override
        protected void onStopped() {
            if (!bindings.isEmpty()) {
                settings.listener().released(key, bindings);
            }
        }

        /** Installs a new binding list and tells the listener when it changed. */
        private void setBindings(List<Binding> next) {
            List<Binding> previous = bindings;
            bindings = List.copyOf(next);
            if (previous.size() != bindings.size() || !previous.equals(bindings)) {
                settings.listener().changed(key, previous, bindings);
            }
        }
    }
}

package io.switchboard.registrar.entity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.RegisterDecision;
import io.switchboard.registrar.domain.RegisterRequest;
import io.switchboard.registrar.domain.RegisterRules;
import io.switchboard.registrar.store.BindingStore;

/**
 * The one owner, cluster-wide, of an address-of-record's bindings (DESIGN rule 1).
 *
 * <p>Lifecycle: <em>loading</em> (bindings read from the store, commands stashed) then
 * <em>idle</em>; a state-changing REGISTER moves it to <em>writing</em> until the store has
 * acknowledged (rule 2), with later commands stashed so each REGISTER is decided on the state
 * its predecessor left. A timer at the earliest {@code expiresAt} drops expired bindings at the
 * same instant their Cassandra TTL ends (rule 3). An entity with no bindings passivates itself
 * after {@link Settings#passivateAfter}.
 */
public final class RegistrarEntity {

    public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "registrar");

    /** Messages an entity accepts. Those that cross nodes are serialized by the node's Kryo serializer. */
    public sealed interface Command permits Register, GetBindings, Internal {
    }

    /** Apply a REGISTER; the answer is a {@link RegisterReply}. */
    public record Register(RegisterRequest request, ActorRef<RegisterReply> replyTo) implements Command {
    }

    /** The AOR's current bindings (for routing and the admin API). */
    public record GetBindings(ActorRef<BindingsReply> replyTo) implements Command {
    }

    /** Answers to {@link Register}. */
    public sealed interface RegisterReply permits Registered, Refused, Unavailable {
    }

    public record Registered(RegisterDecision.Accepted decision) implements RegisterReply {
    }

    public record Refused(RegisterDecision.Rejected rejection) implements RegisterReply {
    }

    /** The store could not be read or written: nothing changed, the client may retry. */
    public record Unavailable(String reason) implements RegisterReply, BindingsReply {
    }

    /** Answers to {@link GetBindings}. */
    public sealed interface BindingsReply permits CurrentBindings, Unavailable {
    }

    public record CurrentBindings(String aor, List<Binding> bindings) implements BindingsReply {
    }

    /** Messages the entity sends itself; never cross the network. */
    sealed interface Internal extends Command permits Loaded, LoadFailed, Written, WriteFailed, ExpiryDue, IdleDue {
    }

    record Loaded(List<Binding> bindings) implements Internal {
    }

    record LoadFailed(Throwable cause) implements Internal {
    }

    record Written(RegisterDecision.Accepted decision, ActorRef<RegisterReply> replyTo) implements Internal {
    }

    record WriteFailed(Throwable cause, ActorRef<RegisterReply> replyTo) implements Internal {
    }

    enum ExpiryDue implements Internal { INSTANCE }

    enum IdleDue implements Internal { INSTANCE }

    /** Everything an entity needs besides its key. */
    public record Settings(RegisterRules rules, BindingStore store, BindingListener listener, Clock clock,
                           Duration passivateAfter, int stashCapacity) {
    }

    private RegistrarEntity() {
    }

    /** Registers the entity type with cluster sharding on this node. */
    public static void init(ActorSystem<?> system, Settings settings) {
        ClusterSharding.get(system).init(Entity.of(ENTITY_KEY,
                ctx -> create(ctx.getEntityId(), settings, ctx.getShard())));
    }

    public static Behavior<Command> create(
            String aor, Settings settings,
            ActorRef<org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.ShardCommand> shard) {
        return Behaviors.setup(ctx -> Behaviors.withStash(settings.stashCapacity(), stash ->
                Behaviors.withTimers(timers -> new Instance(aor, settings, shard, ctx, stash, timers).loading())));
    }

    /** One running entity: the behaviors of its three states share these fields. */
    private static final class Instance {
        private final String aor;
        private final Settings settings;
        private final ActorRef<ClusterSharding.ShardCommand> shard;
        private final ActorContext<Command> ctx;
        private final StashBuffer<Command> stash;
        private final TimerScheduler<Command> timers;
        private List<Binding> bindings = List.of();

        Instance(String aor, Settings settings, ActorRef<ClusterSharding.ShardCommand> shard,
                 ActorContext<Command> ctx, StashBuffer<Command> stash, TimerScheduler<Command> timers) {
            this.aor = aor;
            this.settings = settings;
            this.shard = shard;
            this.ctx = ctx;
            this.stash = stash;
            this.timers = timers;
        }

        Behavior<Command> loading() {
            ctx.pipeToSelf(settings.store().load(aor),
                    (loaded, failure) -> failure != null ? new LoadFailed(failure) : new Loaded(loaded));
            return Behaviors.receive(Command.class)
                    .onMessage(Loaded.class, this::onLoaded)
                    .onMessage(LoadFailed.class, this::onLoadFailed)
                    .onAnyMessage(this::stashOrRefuse)
                    .onSignal(PostStop.class, this::onStop)
                    .build();
        }

        private Behavior<Command> onLoaded(Loaded loaded) {
            setBindings(RegisterRules.active(loaded.bindings(), now()));
            return stash.unstashAll(idle());
        }

        /** Answer what waited, then stop: the next command starts a fresh entity that loads again. */
        private Behavior<Command> onLoadFailed(LoadFailed failed) {
            ctx.getLog().warn("Loading bindings of {} failed: {}", aor, failed.cause().toString());
            String reason = "Bindings store unavailable";
            return stash.unstashAll(Behaviors.receive(Command.class)
                    .onMessage(Register.class, r -> { r.replyTo().tell(new Unavailable(reason)); return Behaviors.stopped(); })
                    .onMessage(GetBindings.class, g -> { g.replyTo().tell(new Unavailable(reason)); return Behaviors.stopped(); })
                    .onAnyMessage(m -> Behaviors.stopped())
                    .build());
        }

        Behavior<Command> idle() {
            return Behaviors.receive(Command.class)
                    .onMessage(Register.class, this::onRegister)
                    .onMessage(GetBindings.class, this::onGetBindings)
                    .onMessage(ExpiryDue.class, e -> onExpiryDue())
                    .onMessage(IdleDue.class, e -> onIdleDue())
                    .onSignal(PostStop.class, this::onStop)
                    .build();
        }

        private Behavior<Command> onRegister(Register register) {
            Instant now = now();
            RegisterDecision decision = settings.rules().decide(bindings, register.request(), now);
            if (decision instanceof RegisterDecision.Rejected rejected) {
                register.replyTo().tell(new Refused(rejected));
                return Behaviors.same();
            }
            RegisterDecision.Accepted accepted = (RegisterDecision.Accepted) decision;
            if (!accepted.changesState()) {
                register.replyTo().tell(new Registered(accepted));
                return Behaviors.same();
            }
            ctx.pipeToSelf(settings.store().write(aor, accepted.upserts(), accepted.removals(), now),
                    (ok, failure) -> failure != null
                            ? new WriteFailed(failure, register.replyTo())
                            : new Written(accepted, register.replyTo()));
            return writing();
        }

        private Behavior<Command> writing() {
            return Behaviors.receive(Command.class)
                    .onMessage(Written.class, this::onWritten)
                    .onMessage(WriteFailed.class, this::onWriteFailed)
                    .onAnyMessage(this::stashOrRefuse)
                    .onSignal(PostStop.class, this::onStop)
                    .build();
        }

        private Behavior<Command> onWritten(Written written) {
            setBindings(written.decision().bindings());
            written.replyTo().tell(new Registered(written.decision()));
            return stash.unstashAll(idle());
        }

        private Behavior<Command> onWriteFailed(WriteFailed failed) {
            // Nothing changes in memory: the client is told to retry. A write that timed out may
            // still have reached Cassandra; the next load or refresh reconciles it.
            ctx.getLog().warn("Writing bindings of {} failed: {}", aor, failed.cause().toString());
            failed.replyTo().tell(new Unavailable("Bindings store unavailable"));
            return stash.unstashAll(idle());
        }

        private Behavior<Command> onGetBindings(GetBindings get) {
            get.replyTo().tell(new CurrentBindings(aor, RegisterRules.active(bindings, now())));
            return Behaviors.same();
        }

        private Behavior<Command> onExpiryDue() {
            setBindings(RegisterRules.active(bindings, now()));
            return Behaviors.same();
        }

        private Behavior<Command> onIdleDue() {
            if (bindings.isEmpty()) {
                shard.tell(new ClusterSharding.Passivate<>(ctx.getSelf()));
            }
            return Behaviors.same();
        }

        private Behavior<Command> onStop(PostStop stop) {
            if (!bindings.isEmpty()) {
                settings.listener().released(aor, bindings);
            }
            return Behaviors.same();
        }

        private Behavior<Command> stashOrRefuse(Command command) {
            if (stash.isFull()) {
                // Back-pressure instead of unbounded memory: the client retries after Retry-After.
                if (command instanceof Register r) {
                    r.replyTo().tell(new Unavailable("Too many pending requests for " + aor));
                } else if (command instanceof GetBindings g) {
                    g.replyTo().tell(new Unavailable("Too many pending requests for " + aor));
                }
                return Behaviors.same();
            }
            stash.stash(command);
            return Behaviors.same();
        }

        /** Installs a new binding list, tells the listener, and re-arms the expiry and idle timers. */
        private void setBindings(List<Binding> next) {
            List<Binding> previous = bindings;
            bindings = List.copyOf(next);
            if (previous.size() != bindings.size() || !previous.equals(bindings)) {
                settings.listener().changed(aor, previous, bindings);
            }
            timers.cancel(ExpiryDue.INSTANCE);
            timers.cancel(IdleDue.INSTANCE);
            if (bindings.isEmpty()) {
                timers.startSingleTimer(IdleDue.INSTANCE, settings.passivateAfter());
                return;
            }
            Instant earliest = bindings.get(0).expiresAt();
            for (Binding b : bindings) {
                if (b.expiresAt().isBefore(earliest)) {
                    earliest = b.expiresAt();
                }
            }
            Duration delay = Duration.between(now(), earliest);
            timers.startSingleTimer(ExpiryDue.INSTANCE, delay.isNegative() ? Duration.ZERO : delay);
        }

        private Instant now() {
            return settings.clock().instant();
        }
    }
}

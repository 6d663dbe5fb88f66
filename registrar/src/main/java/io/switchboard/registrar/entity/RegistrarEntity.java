package io.switchboard.registrar.entity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;

import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ExtensibleBehavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
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
        return Behaviors.setup(ctx -> new Instance(aor, settings, shard, ctx).start());
    }

    /**
     * One running entity, written for memory: a node holds one per registered AOR (100,000 and
     * more), so everything here is paid per AOR. The states are a field rather than a behavior
     * built per transition ({@code Behaviors.receive(...).build()} allocated a builder, four cases
     * and their handler lambdas on every state change, and kept them); commands held during a load
     * or write sit in a queue created only when needed (instead of a {@code StashBuffer} per entity);
     * and the expiry / idle timer is one {@code scheduleOnce} (instead of {@code Behaviors.withTimers},
     * which adds an interceptor, a timer table and wrapper messages to every entity). Timer messages
     * are idempotent, so one that was cancelled too late to stop its delivery does no harm.
     */
    private static final class Instance extends ExtensibleBehavior<Command> {
        private enum State { LOADING, IDLE, WRITING }

        private final String aor;
        private final Settings settings;
        private final ActorRef<ClusterSharding.ShardCommand> shard;
        private final ActorContext<Command> ctx;
        private State state = State.LOADING;
        private List<Binding> bindings = List.of();
        /** Commands that arrived while loading or writing, oldest first; null when there are none. */
        private ArrayDeque<Command> held;
        /** The pending expiry or idle timer, or null. */
        private Cancellable timer;

        Instance(String aor, Settings settings, ActorRef<ClusterSharding.ShardCommand> shard,
                 ActorContext<Command> ctx) {
            this.aor = aor;
            this.settings = settings;
            this.shard = shard;
            this.ctx = ctx;
        }

        Behavior<Command> start() {
            ctx.pipeToSelf(settings.store().load(aor),
                    (loaded, failure) -> failure != null ? new LoadFailed(failure) : new Loaded(loaded));
            return this;
        }

        @Override
        public Behavior<Command> receive(TypedActorContext<Command> context, Command command) {
            return switch (state) {
                case IDLE -> onIdle(command);
                case LOADING -> {
                    if (command instanceof Loaded loaded) {
                        setBindings(RegisterRules.active(loaded.bindings(), now()));
                        yield becomeIdle();
                    }
                    if (command instanceof LoadFailed failed) {
                        yield onLoadFailed(failed);
                    }
                    yield hold(command);
                }
                case WRITING -> {
                    if (command instanceof Written written) {
                        setBindings(written.decision().bindings());
                        written.replyTo().tell(new Registered(written.decision()));
                        yield becomeIdle();
                    }
                    if (command instanceof WriteFailed failed) {
                        // Nothing changes in memory: the client is told to retry. A write that timed out may
                        // still have reached Cassandra; the next load or refresh reconciles it.
                        ctx.getLog().warn("Writing bindings of {} failed: {}", aor, failed.cause().toString());
                        failed.replyTo().tell(new Unavailable("Bindings store unavailable"));
                        yield becomeIdle();
                    }
                    yield hold(command);
                }
            };
        }

        @Override
        public Behavior<Command> receiveSignal(TypedActorContext<Command> context, Signal signal) {
            if (signal instanceof org.apache.pekko.actor.typed.internal.PoisonPill) {
                // Sharding's hand-off stop message (shard rebalance, rolling restart). Without this
                // the region waits 5 s per shard before giving up. A REGISTER whose write is in flight
                // gets no answer; the client retransmits and the new owner loads the stored state.
                return Behaviors.stopped();
            }
            if (signal instanceof PostStop) {
                cancelTimer(); // the scheduler would otherwise keep this entity reachable until it fires
                if (!bindings.isEmpty()) {
                    settings.listener().released(aor, bindings);
                }
            }
            return this;
        }

        private Behavior<Command> onIdle(Command command) {
            if (command instanceof Register register) {
                return onRegister(register);
            }
            if (command instanceof GetBindings get) {
                get.replyTo().tell(new CurrentBindings(aor, RegisterRules.active(bindings, now())));
            } else if (command == ExpiryDue.INSTANCE) {
                setBindings(RegisterRules.active(bindings, now()));
            } else if (command == IdleDue.INSTANCE && bindings.isEmpty()) {
                shard.tell(new ClusterSharding.Passivate<>(ctx.getSelf()));
            }
            return this;
        }

        private Behavior<Command> onRegister(Register register) {
            Instant now = now();
            RegisterDecision decision = settings.rules().decide(bindings, register.request(), now);
            if (decision instanceof RegisterDecision.Rejected rejected) {
                register.replyTo().tell(new Refused(rejected));
                return this;
            }
            RegisterDecision.Accepted accepted = (RegisterDecision.Accepted) decision;
            if (!accepted.changesState()) {
                register.replyTo().tell(new Registered(accepted));
                return this;
            }
            ctx.pipeToSelf(settings.store().write(aor, accepted.upserts(), accepted.removals(), now),
                    (ok, failure) -> failure != null
                            ? new WriteFailed(failure, register.replyTo())
                            : new Written(accepted, register.replyTo()));
            state = State.WRITING;
            return this;
        }

        /** Back to idle, then the held commands in arrival order until one starts a write again. */
        private Behavior<Command> becomeIdle() {
            state = State.IDLE;
            while (state == State.IDLE && held != null && !held.isEmpty()) {
                onIdle(held.poll());
            }
            if (held != null && held.isEmpty()) {
                held = null;
            }
            return this;
        }

        /** Answers everything that waited, then stops: the next command starts a fresh entity that loads again. */
        private Behavior<Command> onLoadFailed(LoadFailed failed) {
            ctx.getLog().warn("Loading bindings of {} failed: {}", aor, failed.cause().toString());
            if (held != null) {
                for (Command c : held) {
                    refuse(c, "Bindings store unavailable");
                }
                held = null;
            }
            return Behaviors.stopped();
        }

        private Behavior<Command> hold(Command command) {
            if (command == ExpiryDue.INSTANCE || command == IdleDue.INSTANCE) {
                return this; // the load or write in progress ends with setBindings, which re-arms the timer
            }
            if (held == null) {
                held = new ArrayDeque<>(4);
            } else if (held.size() >= settings.stashCapacity()) {
                // Back-pressure instead of unbounded memory: the client retries after Retry-After.
                refuse(command, "Too many pending requests for " + aor);
                return this;
            }
            held.add(command);
            return this;
        }

        private static void refuse(Command command, String reason) {
            if (command instanceof Register r) {
                r.replyTo().tell(new Unavailable(reason));
            } else if (command instanceof GetBindings g) {
                g.replyTo().tell(new Unavailable(reason));
            }
        }

        /** Installs a new binding list, tells the listener, and re-arms the expiry or idle timer. */
        private void setBindings(List<Binding> next) {
            List<Binding> previous = bindings;
            bindings = List.copyOf(next);
            if (previous.size() != bindings.size() || !previous.equals(bindings)) {
                settings.listener().changed(aor, previous, bindings);
            }
            if (bindings.isEmpty()) {
                arm(settings.passivateAfter(), IdleDue.INSTANCE);
                return;
            }
            Instant earliest = bindings.get(0).expiresAt();
            for (Binding b : bindings) {
                if (b.expiresAt().isBefore(earliest)) {
                    earliest = b.expiresAt();
                }
            }
            Duration delay = Duration.between(now(), earliest);
            arm(delay.isNegative() ? Duration.ZERO : delay, ExpiryDue.INSTANCE);
        }

        private void arm(Duration delay, Internal message) {
            cancelTimer();
            timer = ctx.scheduleOnce(delay, ctx.getSelf(), message);
        }

        private void cancelTimer() {
            if (timer != null) {
                timer.cancel();
                timer = null;
            }
        }

        private Instant now() {
            return settings.clock().instant();
        }
    }
}

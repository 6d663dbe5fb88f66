package io.switchboard.entity;

import io.switchboard.entity.due.DueIndex;
import io.switchboard.entity.fence.OwnerEpochs;
import io.switchboard.entity.fence.WriteStamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ExtensibleBehavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The one lifecycle every sharded, write-through entity shares (docs/architecture.md, "The
 * write-through entity"). A subclass supplies its load, its command handling, its deadlines and
 * whether it holds anything; this class does the rest:
 *
 * <ol>
 *   <li><b>Load on start.</b> {@link #load()} runs once; commands arriving meanwhile wait, in
 *       order. A failed load refuses every waiting command and stops the entity: the next
 *       message starts a fresh one that loads again.</li>
 *   <li><b>Write through, one at a time.</b> {@link #write} starts a store write; the caller's
 *       continuation (typically: install the new state, reply) runs only after the store
 *       acknowledged it. While a write is in flight commands wait (unless
 *       {@link EntityCommand#waitsForWrite()} says otherwise), so each is decided on the state its
 *       predecessor left. A write asked for while one is in flight starts after it, in order: at
 *       most one write per entity is ever in flight.</li>
 *   <li><b>Deadlines.</b> A command past its {@link EntityCommand#answerBy() deadline}, or whose
 *       {@link EntityCommand#timeLeft() time left} is over, when its turn comes is refused without writing; a write is bounded by
 *       {@link EntitySettings#writeTimeout()}, so the asker hears the outcome before it stops
 *       waiting ({@link AskBudget}).</li>
 *   <li><b>Bounded waiting.</b> At most {@link EntitySettings#maxHeld()} commands wait; beyond it
 *       a command that can be answered is refused at once with a clear reason.</li>
 *   <li><b>One timer.</b> The subclass reports its earliest deadline ({@link #nextDeadline()});
 *       one timer fires at the earlier of it and the idle check, and {@link #onDeadline} runs.</li>
 *   <li><b>Passivation.</b> An entity that {@link #holdsNothing() holds nothing} and received no
 *       command for {@link EntitySettings#passivateAfter()} asks its shard to stop it.</li>
 *   <li><b>Fencing.</b> With {@link EntitySettings#owners() owner epochs}, the entity claims an epoch
 *       while it loads (one lightweight transaction per start, none per write; a failed claim is
 *       a failed load) and stamps each write from it ({@link #stamp()}), so the writes of an owner
 *       that was replaced without noticing lose to its successor's (docs/architecture.md, "After a
 *       node loss", decision (c)).</li>
 *   <li><b>Hand-off.</b> Sharding stops the entity with {@link ShardedEntities#STOP} (set with
 *       {@code Entity.withStopMessage}). A write in flight is finished and answered first; commands
 *       still waiting are refused so their clients retry against the next owner at once.</li>
 * </ol>
 *
 * <p>Written for memory: a node holds one instance per user (100,000 and more). The phase is a
 * field, not a behaviour built per transition; the waiting queue exists only while something
 * waits; there is no per-entity {@code StashBuffer} or {@code TimerScheduler}, only one
 * {@code scheduleOnce} at a time. Timer messages are idempotent, so one cancelled too late to stop
 * its delivery does no harm.
 *
 * @param <C> the entity's command type
 * @param <L> what {@link #load()} yields
 */
public abstract class WriteThroughEntity<C extends EntityCommand, L> extends ExtensibleBehavior<C> {

    private static final byte LOADING = 0;
    private static final byte IDLE = 1;
    private static final byte WRITING = 2;
    /** Timer instants are int milliseconds from here, compared by subtraction (wrap-safe within 24 days). */
    private static final long BASE = System.nanoTime();
    /** The timer is never armed further ahead than this; one that fires early re-arms. */
    private static final long MAX_ARM_MS = Duration.ofDays(1).toMillis();

    protected final String key;
    protected final ActorContext<C> ctx;
    private final EntitySettings lifecycle;
    private final ActorRef<ClusterSharding.ShardCommand> shard;

    private byte phase = LOADING;
    private boolean stopping;
    /** Received a command since the idle check was armed. */
    private boolean touched;
    /** Commands waiting for a load or write, oldest first; null when none wait. */
    private ArrayDeque<C> held;
    /** Writes asked for while one was in flight, oldest first; null when none. */
    private ArrayDeque<Write> queuedWrites;

    /** The stamp of the next fenced write; 0 when writes are not fenced. One long: paid per entity. */
    private long nextStamp;

    private Cancellable timer;
    /** Whether the passivation check is armed, at {@link #idleAt}. */
    private boolean idleArmed;
    /** When {@link #timer} fires (see {@link #BASE}); valid while the timer is set. Ints: paid per entity. */
    private int timerAt;
    /** When to check for passivation (see {@link #BASE}); valid while {@link #idleArmed}. */
    private int idleAt;

    protected WriteThroughEntity(
            String key, EntitySettings lifecycle, ActorRef<ClusterSharding.ShardCommand> shard, ActorContext<C> ctx) {
        this.key = key;
        this.lifecycle = lifecycle;
        this.shard = shard;
        this.ctx = ctx;
    }

    // ---- what a subclass provides ------------------------------------------------------------

    /** Reads the entity's stored state; called once, when the entity starts. */
    protected abstract CompletionStage<L> load();

    /** Installs the loaded state; commands that waited for it are handled next. */
    protected abstract void onLoaded(L loaded);

    /** Handles one command, with the state loaded and no write in flight (see {@link EntityCommand#waitsForWrite()}). */
    protected abstract void handle(C command);

    /** The earliest instant at which {@link #onDeadline} must run (expiry, retry, ...), or null for none. */
    protected Instant nextDeadline() {
        return null;
    }

    /** Called when {@link #nextDeadline()} has come, with the state loaded and no write in flight. */
    protected void onDeadline(Instant now) {}

    /** Whether everything this entity holds is in the store, so it may stop when idle. */
    protected boolean holdsNothing() {
        return true;
    }

    /** Called each time the entity becomes idle (no write in flight, nothing waiting). */
    protected void onIdle() {}

    /** Called once the entity has stopped, for whatever reason: release what others were told. */
    protected void onStopped() {}

    // ---- what a subclass uses ----------------------------------------------------------------

    /** The entity's clock, as the domain rules see it. */
    protected final Instant now() {
        return lifecycle.clock().instant();
    }

    /**
     * Writes to the store and runs {@code onWritten} once it acknowledged, or {@code onFailed} if
     * it did not (the write may or may not have been applied: change nothing in memory, tell the
     * client to retry; the next load reconciles). {@code io} is called only when no other write of
     * this entity is in flight.
     */
    protected final void write(
            Supplier<? extends CompletionStage<?>> io, Runnable onWritten, Consumer<Throwable> onFailed) {
        Write w = new Write(io, onWritten, onFailed);
        if (phase == WRITING) {
            if (queuedWrites == null) {
                queuedWrites = new ArrayDeque<>(2);
            }
            queuedWrites.add(w);
            return;
        }
        start(w);
    }

    /**
     * {@code io}, together with a row in the due-time index saying that this entity must be woken
     * at {@code at} even if its node dies before then (docs/architecture.md, "After a node loss",
     * decision (a)). Both are written at once; the write succeeds only if both do. Needs settings
     * {@link EntitySettings#withDueIndex with a due index}.
     */
    protected final Supplier<CompletionStage<?>> wakingAt(Supplier<? extends CompletionStage<?>> io, Instant at) {
        DueIndex index = lifecycle.dueIndex();
        if (index == null) {
            throw new IllegalStateException("entity type has no due index: " + key);
        }
        DueIndex.Due due = new DueIndex.Due(lifecycle.type(), key, at);
        return () -> {
            CompletionStage<?> state = io.get();
            return state.thenCombine(index.add(due), (a, b) -> null);
        };
    }

    /**
     * The write timestamp for the store write being started: call it inside the {@code io} given to
     * {@link #write}, once per write, and pass it to the store, which sets it on its statements.
     * {@link WriteStamp#UNFENCED} when the entity type does not fence its writes.
     */
    protected final WriteStamp stamp() {
        if (nextStamp == 0) {
            return WriteStamp.UNFENCED;
        }
        if (WriteStamp.lastOfEpoch(nextStamp)) {
            // 2^24 - 1 writes since the claim: this write fails, the entity stops, the next start claims anew
            stopping = true;
            throw new IllegalStateException("write stamps of this owner epoch are used up: " + key);
        }
        return new WriteStamp(nextStamp++);
    }

    /**
     * The owner epoch this entity claimed when it started ({@link OwnerEpochs}), from {@link
     * #onLoaded} on; 0 when the entity type does not fence its writes. Every later owner of the key
     * has a higher one, so it orders what two owners did without comparing their nodes' clocks
     * (docs/architecture.md, rule 10).
     */
    protected final long ownerEpoch() {
        return nextStamp == 0 ? 0 : WriteStamp.epochOf(nextStamp); // derived: no field paid per entity
    }

    /** Whether a write of this entity is in flight. */
    protected final boolean writing() {
        return phase == WRITING;
    }

    // ---- the lifecycle -----------------------------------------------------------------------

    /** Starts the load; call from {@code Behaviors.setup}: {@code Behaviors.setup(ctx -> new X(...).start())}. */
    public final Behavior<C> start() {
        CompletionStage<L> loading;
        CompletionStage<Long> claiming;
        try {
            loading = load();
            OwnerEpochs owners = lifecycle.owners();
            claiming = owners == null
                    ? java.util.concurrent.CompletableFuture.completedFuture(0L)
                    : owners.claim(lifecycle.type(), key);
        } catch (RuntimeException e) {
            loading = java.util.concurrent.CompletableFuture.failedFuture(e);
            claiming = loading.thenApply(x -> 0L);
        }
        ActorRef<EntityCommand> self = self(); // the context is not to be touched from the completing thread
        loading.thenCombine(claiming, (loaded, epoch) -> new Loaded(loaded, epoch))
                .whenComplete((loaded, failure) -> self.tell(failure != null ? new LoadFailed(failure) : loaded));
        return this;
    }

    @Override
    public final Behavior<C> receive(TypedActorContext<C> context, C command) {
        Object m = command;
        if (m instanceof Tick) {
            onTick();
        } else if (m instanceof Written written) {
            finishWrite(written.write, null);
        } else if (m instanceof WriteFailed failed) {
            finishWrite(failed.write, failed.cause);
        } else if (m == GatedStart.Linger.INSTANCE) {
            // the start gate's dormant wait ended as this entity started (StartGate.linger): nothing to do
        } else if (m == ShardedEntities.WAKE) {
            // started (or reached) by the due sweeper: what is due fires from the timer armed below
        } else if (m == ShardedEntities.STOP) {
            stopping = true;
            if (phase != WRITING) {
                return stopNow();
            }
        } else if (m instanceof Loaded loaded) {
            onLoadedMessage(loaded);
        } else if (m instanceof LoadFailed failed) {
            ctx.getLog().warn("Loading {} failed: {}", key, failed.cause.toString());
            refuseHeld(lifecycle.storeUnavailable());
            return Behaviors.stopped();
        } else {
            touched = true;
            if (phase == IDLE || (phase == WRITING && !command.waitsForWrite())) {
                handleInTime(command);
            } else {
                hold(command);
            }
        }
        if (stopping && phase != WRITING) {
            return stopNow();
        }
        rearm();
        return this;
    }

    @Override
    public final Behavior<C> receiveSignal(TypedActorContext<C> context, Signal signal) {
        if (signal instanceof PostStop) {
            cancelTimer(); // the scheduler would otherwise keep this entity reachable until it fires
            onStopped();
        }
        return this;
    }

    @SuppressWarnings("unchecked")
    private void onLoadedMessage(Loaded loaded) {
        if (loaded.epoch > 0) {
            nextStamp = WriteStamp.first(loaded.epoch);
        }
        onLoaded((L) loaded.value);
        becomeIdle();
    }

    private void start(Write w) {
        phase = WRITING;
        CompletionStage<?> io;
        try {
            io = w.io.get();
        } catch (RuntimeException e) {
            io = java.util.concurrent.CompletableFuture.failedFuture(e);
        }
        Duration bound = lifecycle.writeTimeout();
        if (bound != null) {
            // The asker's time is bounded (AskBudget): a write that does not end within the bound is
            // answered as failed before the ask times out, rather than left to a reply nobody reads.
            // The store may still apply it late; with owner epochs a later write of this entity is
            // stamped above it, so it cannot overwrite what comes after.
            java.util.concurrent.CompletableFuture<Object> bounded = new java.util.concurrent.CompletableFuture<>();
            io.whenComplete((ok, failure) -> {
                if (failure != null) {
                    bounded.completeExceptionally(failure);
                } else {
                    bounded.complete(ok);
                }
            });
            io = bounded.orTimeout(bound.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        ActorRef<EntityCommand> self = self(); // the context is not to be touched from the completing thread
        io.whenComplete((ok, failure) -> self.tell(failure != null ? new WriteFailed(w, failure) : new Written(w)));
    }

    private void finishWrite(Write w, Throwable failure) {
        // The next queued write starts before this one's continuation runs, so a continuation that
        // writes again queues behind it and the order of writes is the order they were asked for.
        phase = IDLE;
        if (queuedWrites != null && !queuedWrites.isEmpty()) {
            start(queuedWrites.poll());
        }
        if (failure == null) {
            w.onWritten.run();
        } else {
            ctx.getLog().warn("Writing {} failed: {}", key, failure.toString());
            w.onFailed.accept(failure);
        }
        if (phase == IDLE) {
            becomeIdle();
        }
    }

    /** Handles waiting commands in arrival order until one starts a write again. */
    private void becomeIdle() {
        phase = IDLE;
        if (stopping) {
            return;
        }
        while (phase == IDLE && held != null && !held.isEmpty()) {
            handleInTime(held.poll());
        }
        if (held != null && held.isEmpty()) {
            held = null;
        }
        if (phase == IDLE) {
            onIdle();
        }
    }

    /**
     * Handles a command, unless it comes after its {@link EntityCommand#answerBy() deadline} or
     * its {@link EntityCommand#timeLeft() time left} is over: its
     * asker has answered "failed" or is about to, so it is refused and nothing is written
     * (issue 17: a reply never says "failed" for a write that completed; {@link AskBudget}).
     */
    private void handleInTime(C command) {
        Instant deadline = command.answerBy();
        TimeLeft left = command.timeLeft();
        if (((deadline != null && now().isAfter(deadline)) || (left != null && left.isOver()))
                && command.refuse("Request waited past its deadline, try again")) {
            return;
        }
        handle(command);
    }

    private void hold(C command) {
        if (held == null) {
            held = new ArrayDeque<>(4);
        } else if (held.size() >= lifecycle.maxHeld() && command.refuse("Too many pending requests for " + key)) {
            return;
        }
        held.add(command);
    }

    private void refuseHeld(String reason) {
        if (held != null) {
            for (C c : held) {
                c.refuse(reason);
            }
            held = null;
        }
    }

    private Behavior<C> stopNow() {
        // Sharding hands the entity over (rebalance, rolling restart, passivation): what waits here
        // would be lost with this actor, so its senders are told now and retry at the next owner.
        refuseHeld("Moving to another node, try again");
        return Behaviors.stopped();
    }

    private void onTick() {
        timer = null;
        if (phase != IDLE) {
            return; // re-armed when the load or write ends
        }
        Instant deadline = nextDeadline();
        if (deadline != null && !deadline.isAfter(now())) {
            onDeadline(now());
        }
        if (idleArmed && millis() - idleAt >= 0) {
            idleArmed = false;
            if (!touched && phase == IDLE && held == null && holdsNothing()) {
                // everything is in the store; the next message starts the entity again and loads it
                shard.tell(new ClusterSharding.Passivate<>(ctx.getSelf()));
            }
        }
    }

    /** Arms the one timer at the earliest of the entity's deadline and the idle check. */
    private void rearm() {
        if (phase != IDLE || stopping) {
            return;
        }
        int millisNow = millis();
        long delay = -1;
        Instant deadline = nextDeadline();
        if (deadline != null) {
            delay = Math.min(
                    MAX_ARM_MS, Math.max(0, Duration.between(now(), deadline).toMillis()));
        }
        if (held == null && holdsNothing()) {
            if (!idleArmed) {
                idleArmed = true;
                idleAt = millisNow
                        + (int) Math.min(MAX_ARM_MS, lifecycle.passivateAfter().toMillis());
                touched = false;
            }
            long idleDelay = Math.max(0, idleAt - millisNow);
            delay = delay < 0 ? idleDelay : Math.min(delay, idleDelay);
        } else {
            idleArmed = false;
        }
        if (delay < 0) {
            cancelTimer();
            return;
        }
        int at = millisNow + (int) delay;
        // Re-arm only to fire earlier: a timer that fires too early finds nothing due and re-arms.
        if (timer != null && timerAt - at <= 0) {
            return;
        }
        cancelTimer();
        timerAt = at;
        timer = ctx.scheduleOnce(Duration.ofMillis(delay), self(), Tick.INSTANCE);
    }

    private static int millis() {
        return (int) ((System.nanoTime() - BASE) / 1_000_000L);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    /**
     * The same actor, typed to also accept this class's own messages (all are EntityCommands).
     * Computed, not a field: a node holds one instance per user, so every field is paid per user.
     */
    @SuppressWarnings("unchecked")
    private ActorRef<EntityCommand> self() {
        return (ActorRef<EntityCommand>) (ActorRef<?>) ctx.getSelf();
    }

    // ---- this class's own messages: never cross the network ---------------------------------

    private record Write(Supplier<? extends CompletionStage<?>> io, Runnable onWritten, Consumer<Throwable> onFailed) {}

    /** The stored state and the claimed owner epoch (0: not fenced). */
    private record Loaded(Object value, long epoch) implements EntityCommand {}

    private record LoadFailed(Throwable cause) implements EntityCommand {}

    private record Written(Write write) implements EntityCommand {}

    private record WriteFailed(Write write, Throwable cause) implements EntityCommand {}

    private enum Tick implements EntityCommand {
        INSTANCE
    }
}

package io.switchboard.park.entity;

import io.switchboard.entity.EntityCommand;
import io.switchboard.entity.EntitySettings;
import io.switchboard.entity.ShardedEntities;
import io.switchboard.entity.WriteThroughEntity;
import io.switchboard.entity.due.DueIndex;
import io.switchboard.entity.fence.OwnerEpochs;
import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.park.domain.CallerHold;
import io.switchboard.park.domain.CallerIdentity;
import io.switchboard.park.domain.OrbitRange;
import io.switchboard.park.domain.ParkRules;
import io.switchboard.park.domain.ParkSettings;
import io.switchboard.park.domain.ParkedCall;
import io.switchboard.park.store.OrbitClaims;
import io.switchboard.park.store.ParkedCallStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * One parked call, keyed by its park id: the only writer of its {@code parked_calls} row and the
 * only one that frees its orbit (docs/architecture.md, rule 1). A thin user of
 * {@link WriteThroughEntity}: a park claims an orbit pool-wide ({@link OrbitClaims}) and stores
 * the call before it answers (rule 2); the pickup timeout is the entity's deadline, an absolute
 * instant stored with the call, so a node that takes the entity over fires it when the first
 * would have (rule 10); {@link ParkRules} decides ring-back or giving up; a retrieve or giving up
 * frees the orbit (once: the release is conditional on this park id) and deletes the row.
 */
public final class ParkedCallEntity {

    public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "parked-call");

    /** Retry delay after a timeout's write failed, so a failing store is not hammered. */
    static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(1);

    public sealed interface Command extends EntityCommand permits Park, ParkHeld, Retrieve, GetParked, TakeOver {}

    /** A command with a reply: when the entity cannot take it, the reply is {@link Unavailable} (the edge's 503). */
    public interface Asking extends EntityCommand {
        ActorRef<? super Unavailable> replyTo();

        @Override
        default boolean refuse(String reason) {
            replyTo().tell(new Unavailable(reason));
            return true;
        }
    }

    /** Park {@code caller} for {@code parker} in {@code range}, following {@code settings}. */
    public record ParkRequest(OrbitRange range, String parker, CallerIdentity caller, ParkSettings settings) {}

    public record Park(ParkRequest request, ActorRef<ParkReply> replyTo) implements Command, Asking {}

    /**
     * Park as {@link Park}, storing {@code hold} (the caller's leg as this node answers it) with the
     * call before the park is confirmed, so another node can take the leg over if this one dies.
     */
    public record ParkHeld(ParkRequest request, CallerHold hold, ActorRef<ParkReply> replyTo)
            implements Command, Asking {}

    /**
     * Take the caller's leg over from {@code goneHolder}, a member that left the cluster, for
     * {@code newHolder}. Only the first asker for a given holder gets it ({@link TakenOver}, with the
     * hold already stored under the new holder); later ones get {@link HeldElsewhere}.
     */
    public record TakeOver(String goneHolder, String newHolder, ActorRef<TakeOverReply> replyTo)
            implements Command, Asking {}

    public sealed interface TakeOverReply permits TakenOver, HeldElsewhere, NotParked, Unavailable {}

    /** The leg is now {@code hold.holder()}'s: re-INVITE the caller, play the music. */
    public record TakenOver(ParkedCall call, CallerHold hold) implements TakeOverReply {}

    /** Another member holds the leg (already taken over, or never held by the gone one). */
    public record HeldElsewhere(String holder) implements TakeOverReply {}

    /** Take the call out of its orbit for {@code retriever} (who dialed it, or the parker answering a ring-back). */
    public record Retrieve(String retriever, ActorRef<RetrieveReply> replyTo) implements Command, Asking {}

    public record GetParked(ActorRef<StateReply> replyTo) implements Command, Asking {}

    public sealed interface ParkReply permits Parked, ParkRefused, Unavailable {}

    /** Stored: the call waits at {@code call.orbit()} until {@code call.deadline()}. */
    public record Parked(ParkedCall call) implements ParkReply {}

    /** Nothing was claimed or stored. */
    public record ParkRefused(Reason reason, String detail) implements ParkReply {}

    public enum Reason {
        /** Every orbit of the range is held. */
        RANGE_FULL,
        /** This park id already holds another call. */
        ALREADY_PARKED
    }

    public sealed interface RetrieveReply permits Retrieved, NotParked, Unavailable {}

    /** The orbit is free and the row gone: connect {@code call.caller()} with the retriever. */
    public record Retrieved(ParkedCall call) implements RetrieveReply {}

    /** No call is parked here (never was, already retrieved, or given up): the edge's 404. */
    public record NotParked() implements RetrieveReply, TakeOverReply {}

    public sealed interface StateReply permits Current, Unavailable {}

    public record Current(String parkId, Optional<ParkedCall> call) implements StateReply {}

    /** The store could not be read or written, or the entity is moving: nothing changed, the client may retry. */
    public record Unavailable(String reason) implements ParkReply, RetrieveReply, StateReply, TakeOverReply {}

    /**
     * Everything an entity needs besides its key.
     *
     * @param dueIndex where each deadline is recorded with the state that has it, so that the due
     *                 sweeper starts the entity on a surviving node if its node dies before the
     *                 timeout ({@code WriteThroughEntity.wakingAt}); null: not recorded (unit tests)
     * @param owners   where each entity claims its owner epoch, fencing its writes (entity-kit's
     *                 {@code stamp()}); null: unfenced (unit tests)
     */
    public record Settings(
            ParkedCallStore store,
            OrbitClaims claims,
            ParkedCallListener listener,
            Clock clock,
            Duration passivateAfter,
            int maxHeld,
            DueIndex dueIndex,
            OwnerEpochs owners) {
        EntitySettings lifecycle() {
            EntitySettings plain = new EntitySettings(clock, passivateAfter, maxHeld, "Parked call store unavailable")
                    .withOwnerEpochs(ENTITY_KEY.name(), owners);
            return dueIndex == null ? plain : plain.withDueIndex(ENTITY_KEY.name(), dueIndex);
        }
    }

    private ParkedCallEntity() {}

    /** Registers the entity type with cluster sharding on this node. */
    public static void init(ActorSystem<?> system, Settings settings) {
        ShardedEntities.init(system, ENTITY_KEY, factory(settings));
    }

    public static Behavior<Command> create(
            String parkId, Settings settings, ActorRef<ClusterSharding.ShardCommand> shard) {
        return ShardedEntities.behavior(parkId, shard, factory(settings));
    }

    private static ShardedEntities.Factory<Command> factory(Settings settings) {
        EntitySettings lifecycle = settings.lifecycle();
        return (key, shard, ctx) -> new Instance(key, settings, lifecycle, shard, ctx);
    }

    /** What an entity loads: its call and the caller's leg, when stored. */
    private record Stored(Optional<ParkedCall> call, Optional<CallerHold> hold) {}

    private static final class Instance extends WriteThroughEntity<Command, Stored> {
        private final Settings settings;
        private ParkedCall call;
        /** The caller's leg and who holds it (null: none stored). */
        private CallerHold hold;
        /** After a failed timeout write: not before this instant again. */
        private Instant retryAt;

        Instance(
                String parkId,
                Settings settings,
                EntitySettings lifecycle,
                ActorRef<ClusterSharding.ShardCommand> shard,
                ActorContext<Command> ctx) {
            super(parkId, lifecycle, shard, ctx);
            this.settings = settings;
        }

        @Override
        protected CompletionStage<Stored> load() {
            return settings.store().load(key).thenCombine(settings.store().hold(key), Stored::new);
        }

        @Override
        protected void onLoaded(Stored loaded) {
            call = loaded.call().orElse(null);
            hold = call == null ? null : loaded.hold().orElse(null);
        }

        @Override
        protected void handle(Command command) {
            if (command instanceof Park park) {
                onPark(park.request(), null, park.replyTo());
            } else if (command instanceof ParkHeld park) {
                onPark(park.request(), park.hold(), park.replyTo());
            } else if (command instanceof TakeOver takeOver) {
                onTakeOver(takeOver);
            } else if (command instanceof Retrieve retrieve) {
                onRetrieve(retrieve);
            } else if (command instanceof GetParked get) {
                get.replyTo().tell(new Current(key, Optional.ofNullable(call)));
            }
        }

        private void onPark(ParkRequest r, CallerHold newHold, ActorRef<ParkReply> replyTo) {
            if (call != null) {
                // a retried park of the call already stored is answered as the first was
                boolean same = call.parker().equals(r.parker())
                        && call.caller().equals(r.caller())
                        && call.rangeName().equals(r.range().name());
                replyTo.tell(
                        same
                                ? new Parked(call)
                                : new ParkRefused(Reason.ALREADY_PARKED, key + " holds a call at " + call.orbit()));
                return;
            }
            Instant now = now();
            // filled in by the write before it completes; read only in onWritten, after the entity
            // received the write's acknowledgement (a message: happens-after the completion)
            Object[] outcome = new Object[1];
            // stamp() is taken when the write starts, on the entity's thread, not in a callback
            Supplier<CompletionStage<?>> claimAndStore = () -> {
                WriteStamp stamp = stamp();
                return settings.claims().claim(r.range(), key).thenCompose(claim -> {
                    if (claim instanceof OrbitClaims.Claim.Full full) {
                        outcome[0] = full;
                        return CompletableFuture.completedFuture(null);
                    }
                    ParkedCall parked = ParkRules.parked(
                            r.range().name(),
                            ((OrbitClaims.Claim.Claimed) claim).orbit(),
                            r.parker(),
                            r.caller(),
                            r.settings(),
                            now);
                    CompletionStage<Void> stored = settings.store().save(key, parked, stamp);
                    if (newHold != null) {
                        stored = stored.thenCompose(ok -> settings.store().saveHold(key, newHold, stamp));
                    }
                    return stored.thenApply(ok -> outcome[0] = parked)
                            .exceptionallyCompose(failure -> settings.claims()
                                    .release(parked.rangeName(), parked.orbit(), key)
                                    .handle((released, ignored) -> null)
                                    .thenCompose(x -> CompletableFuture.failedFuture(failure)));
                });
            };
            write(
                    waking(claimAndStore, now.plus(r.settings().pickupTimeout())),
                    () -> {
                        if (outcome[0] instanceof ParkedCall parked) {
                            call = parked;
                            hold = newHold;
                            replyTo.tell(new Parked(parked));
                        } else {
                            replyTo.tell(new ParkRefused(
                                    Reason.RANGE_FULL,
                                    "every orbit of " + r.range().name() + " is in use"));
                        }
                    },
                    failure -> replyTo.tell(new Unavailable("Parked call store unavailable")));
        }

        /**
         * The holder of the caller's leg left the cluster: the first node asking gets the leg, stored
         * under its name (with the next CSeq block) before it is told, so a second takeover after
         * this one's death starts above whatever this one sent.
         */
        private void onTakeOver(TakeOver t) {
            if (call == null) {
                t.replyTo().tell(new NotParked());
                return;
            }
            if (hold == null || !hold.holder().equals(t.goneHolder())) {
                t.replyTo().tell(new HeldElsewhere(hold == null ? "" : hold.holder()));
                return;
            }
            CallerHold taken = hold.takenBy(t.newHolder());
            ParkedCall current = call;
            write(
                    () -> settings.store().saveHold(key, taken, stamp()),
                    () -> {
                        hold = taken;
                        t.replyTo().tell(new TakenOver(current, taken));
                    },
                    failure -> t.replyTo().tell(new Unavailable("Parked call store unavailable")));
        }

        private void onRetrieve(Retrieve retrieve) {
            if (call == null) {
                retrieve.replyTo().tell(new NotParked());
                return;
            }
            ParkedCall leaving = call;
            write(
                    () -> leave(leaving),
                    () -> {
                        call = null;
                        hold = null;
                        retrieve.replyTo().tell(new Retrieved(leaving));
                    },
                    failure -> retrieve.replyTo().tell(new Unavailable("Parked call store unavailable")));
        }

        /**
         * Frees the orbit, then deletes the row: if the node dies in between, the row is still
         * there and the next owner does it again (the release then answers false, already free).
         */
        private CompletionStage<Void> leave(ParkedCall c) {
            WriteStamp stamp = stamp(); // on the entity's thread, as the write starts
            return settings.claims()
                    .release(c.rangeName(), c.orbit(), key)
                    .thenCompose(freed -> settings.store().delete(key, stamp));
        }

        /** {@code io} with the due-index row for {@code deadline}, when the type has a due index. */
        private Supplier<? extends CompletionStage<?>> waking(Supplier<CompletionStage<?>> io, Instant deadline) {
            return settings.dueIndex() == null ? io : wakingAt(io, deadline);
        }

        @Override
        protected Instant nextDeadline() {
            if (call == null) {
                return null;
            }
            return retryAt != null && retryAt.isAfter(call.deadline()) ? retryAt : call.deadline();
        }

        @Override
        protected void onDeadline(Instant now) {
            if (call == null) {
                return;
            }
            retryAt = null;
            ParkedCall before = call;
            ParkRules.Timeout t = ParkRules.onDeadline(before, now);
            if (t instanceof ParkRules.Timeout.RingBack ring) {
                write(
                        waking(
                                () -> settings.store().save(key, ring.next(), stamp()),
                                ring.next().deadline()),
                        () -> {
                            call = ring.next();
                            settings.listener().ringBack(key, ring.next(), ring.attempt());
                        },
                        failure -> retryAt = now().plus(RETRY_AFTER_FAILURE));
            } else if (t instanceof ParkRules.Timeout.GiveUp giveUp) {
                write(
                        () -> leave(before),
                        () -> {
                            call = null;
                            hold = null;
                            settings.listener().gaveUp(key, before, giveUp.fallback());
                        },
                        failure -> retryAt = now().plus(RETRY_AFTER_FAILURE));
            }
        }

        @Override
        protected boolean holdsNothing() {
            return call == null;
        }
    }
}

package io.switchboard.conference.entity;

import io.switchboard.conference.domain.Actor;
import io.switchboard.conference.domain.Conference;
import io.switchboard.conference.domain.JoinDecision;
import io.switchboard.conference.domain.JoinRules;
import io.switchboard.conference.domain.Joiner;
import io.switchboard.conference.domain.LobbyReason;
import io.switchboard.conference.domain.Participant;
import io.switchboard.conference.domain.Role;
import io.switchboard.conference.domain.Roster;
import io.switchboard.conference.domain.RosterChange;
import io.switchboard.conference.domain.RosterRules;
import io.switchboard.conference.store.ConferenceStore;
import io.switchboard.entity.EntityCommand;
import io.switchboard.entity.EntitySettings;
import io.switchboard.entity.ShardedEntities;
import io.switchboard.entity.WriteThroughEntity;
import io.switchboard.entity.due.DueIndex;
import io.switchboard.entity.fence.OwnerEpochs;
import io.switchboard.entity.fence.WriteStamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
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
 * One conference, keyed by its id: the only writer of its partition (docs/architecture.md, rule
 * 1). A thin user of {@link WriteThroughEntity}: every request is decided by the pure rules
 * ({@link JoinRules}, {@link RosterRules}) on the state its predecessor left, and the new roster is
 * stored before anyone is answered (rule 2), so 20 joins arriving at once are 20 decisions, one
 * after the other, each counted once. Expiry is the entity's deadline, computed from the stored
 * state ({@link Conference#expiresAt}); at it the conference's rows are deleted and its numeric id
 * freed.
 */
public final class ConferenceEntity {

    public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "conference");

    /** Retry delay after the expiry's delete failed, so a failing store is not hammered. */
    static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(1);

    static final String UNAVAILABLE = "Conference store unavailable";

    public sealed interface Command extends EntityCommand
            permits Create,
                    Join,
                    Leave,
                    Admit,
                    Deny,
                    Eject,
                    SetRole,
                    SetLocked,
                    End,
                    GetConference,
                    UseMixer,
                    MoveMixer,
                    GetMixer,
                    DialOut,
                    DialOutAnswered {}

    /** A command with a reply: when the entity cannot take it, the reply is {@link Unavailable} (the edge's 503). */
    public interface Asking extends EntityCommand {
        ActorRef<? super Unavailable> replyTo();

        @Override
        default boolean refuse(String reason) {
            replyTo().tell(new Unavailable(reason));
            return true;
        }
    }

    /** Create the conference {@code conference} (its id is this entity's key); a retry of the same is answered as the first. */
    public record Create(Conference conference, ActorRef<CreateReply> replyTo) implements Command, Asking {}

    /** The leg {@code legId} (its dialog's Call-ID) of {@code joiner} asks to join. */
    public record Join(String legId, Joiner joiner, ActorRef<JoinReply> replyTo) implements Command, Asking {}

    /** The leg left (its BYE, or its dialog ended). */
    public record Leave(String legId, ActorRef<ChangeReply> replyTo) implements Command, Asking {}

    public record Admit(Actor actor, String legId, ActorRef<ChangeReply> replyTo) implements Command, Asking {}

    public record Deny(Actor actor, String legId, ActorRef<ChangeReply> replyTo) implements Command, Asking {}

    public record Eject(Actor actor, String legId, ActorRef<ChangeReply> replyTo) implements Command, Asking {}

    public record SetRole(Actor actor, String legId, Role role, ActorRef<ChangeReply> replyTo)
            implements Command, Asking {}

    public record SetLocked(Actor actor, boolean locked, ActorRef<ChangeReply> replyTo) implements Command, Asking {}

    public record End(Actor actor, ActorRef<ChangeReply> replyTo) implements Command, Asking {}

    public record GetConference(ActorRef<StateReply> replyTo) implements Command, Asking {}

    /**
     * The focus asks which mixer the conference uses: the one it already has, else {@code
     * candidate} (the focus's least-loaded choice), remembered while anyone is in the conference.
     * Every leg of a conference must reach the same mixer, whichever node its INVITE arrived on, so
     * the entity, not the node, decides. Kept in memory only (not stored): a conference's mixer is
     * part of its legs' dialog state, which item 6 of issue 12 stores.
     */
    public record UseMixer(String candidate, ActorRef<MixerReply> replyTo) implements Command, Asking {}

    /**
     * A focus saw the conference's mixer {@code from} down (conferencing-focus/README.md, "Mixer
     * watching"): the conference moves to {@code candidate}, that focus's least-loaded live mixer,
     * or to none ({@code null}: no live mixer, participants stay without media), unless another
     * focus moved it already (its mixer is no longer {@code from}); the reply names the mixer now
     * ({@link MixerChosen}, null for none). A conference nobody is in keeps no mixer.
     */
    public record MoveMixer(String from, String candidate, ActorRef<MixerReply> replyTo) implements Command, Asking {}

    /**
     * Dial-out (RFC 4579 section 5.5): {@code actor} (the REFER's sender, as the roster has it)
     * asks the focus to call {@code callee} into the conference as leg {@code legId} (our
     * dialog's Call-ID). Decided by {@code JoinRules.dialOut}: {@link Admitted} with the leg
     * {@code DIALING_OUT}, stored; or {@link JoinRefused} (403, 404, 486), nothing stored.
     */
    public record DialOut(Actor actor, String legId, Joiner callee, ActorRef<JoinReply> replyTo)
            implements Command, Asking {}

    /** The dialed-out leg {@code legId} answered and is bridged: {@code connected} ({@code RosterRules.answered}). */
    public record DialOutAnswered(String legId, ActorRef<ChangeReply> replyTo) implements Command, Asking {}

    /** The conference's mixer now ({@link MixerChosen}; null: none chosen, or none live). */
    public record GetMixer(ActorRef<MixerReply> replyTo) implements Command, Asking {}

    public sealed interface CreateReply permits Created, CreateRefused, Unavailable {}

    /** Stored, with its first roster. */
    public record Created(Conference conference, Roster roster) implements CreateReply {}

    public record CreateRefused(CreateProblem problem, String detail) implements CreateReply {}

    public enum CreateProblem {
        /** Another conference already has this id (a different definition). */
        EXISTS,
        /** The numeric id is another live conference's: the creator picks another and retries. */
        NUMBER_TAKEN
    }

    public sealed interface JoinReply permits Admitted, InLobby, JoinRefused, Unavailable {}

    /** In the conference (answer 200); {@code roster} is the stored state after the join. */
    public record Admitted(Participant participant, Roster roster) implements JoinReply {}

    /** In the lobby (hold the call with 180); stored. */
    public record InLobby(Participant participant, LobbyReason reason, Roster roster) implements JoinReply {}

    /** Not in, nothing stored: the SIP final response {@code status}. */
    public record JoinRefused(int status, String reason) implements JoinReply {}

    public sealed interface ChangeReply permits Done, ChangeRefused, Unavailable {}

    public sealed interface MixerReply permits MixerChosen, ChangeRefused, Unavailable {}

    /** The conference's mixer (a SIP URI from {@code switchboard.conferencing.mcus}); null: none (for MoveMixer and GetMixer). */
    public record MixerChosen(String mixer) implements MixerReply {}

    /** The change is stored (or there was nothing to change): {@code roster} is the state now. */
    public record Done(Roster roster) implements ChangeReply {}

    /** Not done, nothing changed: 404 or 403 with a reason. */
    public record ChangeRefused(int status, String reason) implements ChangeReply, MixerReply {}

    public sealed interface StateReply permits Current, Unavailable {}

    /** The conference and its roster; empty when there is none (never created, expired or ended). */
    public record Current(String conferenceId, Optional<ConferenceStore.Stored> state) implements StateReply {}

    /** The store could not be read or written, or the entity is moving: nothing changed, the client may retry. */
    public record Unavailable(String reason) implements CreateReply, JoinReply, ChangeReply, StateReply, MixerReply {}

    /**
     * Everything an entity needs besides its key.
     *
     * @param dueIndex where each expiry is recorded with the state that has it, so that the due
     *                 sweeper starts the entity on a surviving node to expire it; null: not recorded
     *                 (unit tests)
     * @param owners   where each entity claims its owner epoch, fencing its writes; null: unfenced
     *                 (unit tests)
     */
    public record Settings(
            ConferenceStore store,
            Clock clock,
            Duration passivateAfter,
            int maxHeld,
            DueIndex dueIndex,
            OwnerEpochs owners) {
        EntitySettings lifecycle() {
            EntitySettings plain = new EntitySettings(clock, passivateAfter, maxHeld, UNAVAILABLE)
                    .withOwnerEpochs(ENTITY_KEY.name(), owners);
            return dueIndex == null ? plain : plain.withDueIndex(ENTITY_KEY.name(), dueIndex);
        }
    }

    private ConferenceEntity() {}

    /** Registers the entity type with cluster sharding on this node. */
    public static void init(ActorSystem<?> system, Settings settings) {
        ShardedEntities.init(system, ENTITY_KEY, factory(settings));
    }

    public static Behavior<Command> create(
            String conferenceId, Settings settings, ActorRef<ClusterSharding.ShardCommand> shard) {
        return ShardedEntities.behavior(conferenceId, shard, factory(settings));
    }

    private static ShardedEntities.Factory<Command> factory(Settings settings) {
        EntitySettings lifecycle = settings.lifecycle();
        return (key, shard, ctx) -> new Instance(key, settings, lifecycle, shard, ctx);
    }

    private static final class Instance extends WriteThroughEntity<Command, Optional<ConferenceStore.Stored>> {
        private final Settings settings;
        private Conference conference;
        private Roster roster;
        /** Whether this owner wrote the whole conference since it loaded (see ConferenceStore.saveRoster). */
        private boolean rewritten;
        /** After a failed expiry: not before this instant again. */
        private Instant retryAt;
        /** The conference's mixer while anyone is in it (see UseMixer); null: none chosen yet. */
        private String mixer;

        Instance(
                String conferenceId,
                Settings settings,
                EntitySettings lifecycle,
                ActorRef<ClusterSharding.ShardCommand> shard,
                ActorContext<Command> ctx) {
            super(conferenceId, lifecycle, shard, ctx);
            this.settings = settings;
        }

        @Override
        protected CompletionStage<Optional<ConferenceStore.Stored>> load() {
            return settings.store().load(key);
        }

        @Override
        protected void onLoaded(Optional<ConferenceStore.Stored> loaded) {
            conference = loaded.map(ConferenceStore.Stored::conference).orElse(null);
            roster = loaded.map(ConferenceStore.Stored::roster).orElse(null);
        }

        @Override
        protected void handle(Command command) {
            Instant now = now();
            if (command instanceof Create create) {
                onCreate(create, now);
            } else if (command instanceof Join join) {
                onJoin(join, now);
            } else if (command instanceof Leave leave) {
                change(
                        leave.replyTo(),
                        conference == null ? missing() : RosterRules.leave(conference, roster, leave.legId(), now));
            } else if (command instanceof Admit admit) {
                change(
                        admit.replyTo(),
                        conference == null
                                ? missing()
                                : RosterRules.admit(conference, roster, admit.actor(), admit.legId(), now));
            } else if (command instanceof Deny deny) {
                change(
                        deny.replyTo(),
                        conference == null
                                ? missing()
                                : RosterRules.deny(conference, roster, deny.actor(), deny.legId(), now));
            } else if (command instanceof Eject eject) {
                change(
                        eject.replyTo(),
                        conference == null
                                ? missing()
                                : RosterRules.eject(conference, roster, eject.actor(), eject.legId(), now));
            } else if (command instanceof SetRole role) {
                change(
                        role.replyTo(),
                        conference == null
                                ? missing()
                                : RosterRules.setRole(
                                        conference, roster, role.actor(), role.legId(), role.role(), now));
            } else if (command instanceof SetLocked lock) {
                change(
                        lock.replyTo(),
                        conference == null
                                ? missing()
                                : RosterRules.setLocked(conference, roster, lock.actor(), lock.locked(), now));
            } else if (command instanceof End end) {
                change(
                        end.replyTo(),
                        conference == null ? missing() : RosterRules.end(conference, roster, end.actor(), now));
            } else if (command instanceof DialOut dial) {
                onDialOut(dial, now);
            } else if (command instanceof DialOutAnswered answered) {
                change(
                        answered.replyTo(),
                        conference == null
                                ? missing()
                                : RosterRules.answered(conference, roster, answered.legId(), now));
            } else if (command instanceof UseMixer use) {
                if (conference == null || roster.ended() || conference.expired(roster, now)) {
                    use.replyTo().tell(new ChangeRefused(JoinRules.NOT_FOUND, "Conference not found"));
                    return;
                }
                if (mixer == null) {
                    mixer = use.candidate();
                }
                use.replyTo().tell(new MixerChosen(mixer));
            } else if (command instanceof MoveMixer move) {
                if (conference == null || roster.ended() || conference.expired(roster, now)) {
                    move.replyTo().tell(new ChangeRefused(JoinRules.NOT_FOUND, "Conference not found"));
                    return;
                }
                if (Objects.equals(mixer, move.from()) && !roster.participants().isEmpty()) {
                    mixer = move.candidate();
                }
                move.replyTo().tell(new MixerChosen(mixer));
            } else if (command instanceof GetMixer get) {
                if (conference == null || roster.ended() || conference.expired(roster, now)) {
                    get.replyTo().tell(new ChangeRefused(JoinRules.NOT_FOUND, "Conference not found"));
                    return;
                }
                get.replyTo().tell(new MixerChosen(mixer));
            } else if (command instanceof GetConference get) {
                boolean live = conference != null && !conference.expired(roster, now);
                get.replyTo()
                        .tell(new Current(
                                key,
                                live ? Optional.of(new ConferenceStore.Stored(conference, roster)) : Optional.empty()));
            }
        }

        private static RosterChange missing() {
            return new RosterChange.Refused(JoinRules.NOT_FOUND, "Conference not found");
        }

        private void onCreate(Create create, Instant now) {
            Conference c = create.conference();
            if (!c.id().equals(key)) {
                // a client's mistake: answered, never thrown (an exception would stop the entity)
                create.replyTo()
                        .tell(new CreateRefused(
                                CreateProblem.EXISTS, "conference " + c.id() + " sent to entity " + key));
                return;
            }
            if (conference != null) {
                create.replyTo()
                        .tell(
                                conference.equals(c)
                                        ? new Created(conference, roster)
                                        : new CreateRefused(CreateProblem.EXISTS, "conference " + key + " exists"));
                return;
            }
            Roster first = Roster.created(c.createdAt());
            // filled by the write before it completes; read in its continuation, which runs after
            // the entity received the write's acknowledgement (a message: happens-after)
            boolean[] numberTaken = new boolean[1];
            Supplier<CompletionStage<?>> claimAndCreate = () -> {
                WriteStamp stamp = stamp(); // on the entity's thread, as the write starts
                return settings.store().claimNumber(c.numericId(), key).thenCompose(claimed -> {
                    if (!claimed) {
                        numberTaken[0] = true;
                        return CompletableFuture.completedFuture(null);
                    }
                    return settings.store().create(c, first, stamp);
                });
            };
            write(
                    waking(claimAndCreate, c.expiresAt(first)),
                    () -> {
                        if (numberTaken[0]) {
                            create.replyTo()
                                    .tell(new CreateRefused(
                                            CreateProblem.NUMBER_TAKEN, "numeric id " + c.numericId() + " is in use"));
                            return;
                        }
                        conference = c;
                        roster = first;
                        rewritten = true; // everything of it was written with this owner's stamp
                        create.replyTo().tell(new Created(c, first));
                    },
                    failure -> create.replyTo().tell(new Unavailable(UNAVAILABLE)));
        }

        private void onJoin(Join join, Instant now) {
            JoinDecision d = JoinRules.decide(conference, roster, join.legId(), join.joiner(), now);
            if (d instanceof JoinDecision.Refused refused) {
                join.replyTo().tell(new JoinRefused(refused.status(), refused.reason()));
                return;
            }
            Roster next;
            JoinReply reply;
            if (d instanceof JoinDecision.Admitted a) {
                next = a.next();
                reply = new Admitted(a.participant(), next);
            } else {
                JoinDecision.Lobby l = (JoinDecision.Lobby) d;
                next = l.next();
                reply = new InLobby(l.participant(), l.reason(), next);
            }
            if (next == roster) { // a retried join: answered as before, nothing to store
                join.replyTo().tell(reply);
                return;
            }
            store(next, () -> join.replyTo().tell(reply), join.replyTo());
        }

        private void onDialOut(DialOut dial, Instant now) {
            JoinDecision d = conference == null
                    ? new JoinDecision.Refused(JoinRules.NOT_FOUND, "Conference not found")
                    : JoinRules.dialOut(conference, roster, dial.actor(), dial.legId(), dial.callee(), now);
            if (d instanceof JoinDecision.Refused refused) {
                dial.replyTo().tell(new JoinRefused(refused.status(), refused.reason()));
                return;
            }
            JoinDecision.Admitted a = (JoinDecision.Admitted) d;
            Admitted reply = new Admitted(a.participant(), a.next());
            if (a.next() == roster) {
                dial.replyTo().tell(reply);
                return;
            }
            store(a.next(), () -> dial.replyTo().tell(reply), dial.replyTo());
        }

        private void change(ActorRef<ChangeReply> replyTo, RosterChange change) {
            if (change instanceof RosterChange.Refused refused) {
                replyTo.tell(new ChangeRefused(refused.status(), refused.reason()));
            } else if (change instanceof RosterChange.Unchanged) {
                replyTo.tell(new Done(roster));
            } else {
                Roster next = ((RosterChange.Applied) change).next();
                store(next, () -> replyTo.tell(new Done(next)), replyTo);
            }
        }

        /** Stores {@code next}, then installs it and runs {@code reply}; on failure nothing changes. */
        private void store(Roster next, Runnable reply, ActorRef<? super Unavailable> replyTo) {
            Roster before = roster;
            Conference c = conference;
            boolean first = !rewritten;
            Supplier<CompletionStage<?>> save = () -> settings.store().saveRoster(c, before, next, stamp(), first);
            Instant expiresAt = c.expiresAt(next);
            write(
                    Objects.equals(expiresAt, c.expiresAt(before)) ? save : waking(save, expiresAt),
                    () -> {
                        roster = next;
                        rewritten = true;
                        if (next.participants().isEmpty()) {
                            mixer = null; // the next one in gets the least-loaded mixer then
                        }
                        reply.run();
                    },
                    failure -> replyTo.tell(new Unavailable(UNAVAILABLE)));
        }

        /** {@code io} with the due-index row for {@code at}, when the type has a due index and there is an instant. */
        private Supplier<? extends CompletionStage<?>> waking(Supplier<CompletionStage<?>> io, Instant at) {
            return settings.dueIndex() == null || at == null ? io : wakingAt(io, at);
        }

        @Override
        protected Instant nextDeadline() {
            if (conference == null) {
                return null;
            }
            Instant at = conference.expiresAt(roster);
            if (at == null) {
                return null;
            }
            return retryAt != null && retryAt.isAfter(at) ? retryAt : at;
        }

        @Override
        protected void onDeadline(Instant now) {
            if (conference == null || !conference.expired(roster, now)) {
                return;
            }
            retryAt = null;
            Conference gone = conference;
            write(
                    () -> {
                        WriteStamp stamp = stamp();
                        // the number first: if the node dies in between, the row is still there and
                        // the next owner expires it again (the release then answers false)
                        return settings.store()
                                .releaseNumber(gone.numericId(), key)
                                .thenCompose(released -> settings.store().delete(key, stamp));
                    },
                    () -> {
                        conference = null;
                        roster = null;
                    },
                    failure -> retryAt = now().plus(RETRY_AFTER_FAILURE));
        }

        @Override
        protected boolean holdsNothing() {
            // everything is stored; a conference with legs stays resident for the SIP side to come
            return roster == null || roster.participants().isEmpty();
        }
    }
}

package io.switchboard.presence.entity;

import io.switchboard.entity.EntityCommand;
import io.switchboard.entity.EntitySettings;
import io.switchboard.entity.ShardedEntities;
import io.switchboard.entity.StartGate;
import io.switchboard.entity.TimeLeft;
import io.switchboard.entity.WriteThroughEntity;
import io.switchboard.entity.fence.OwnerEpochs;
import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.AccessPolicy;
import io.switchboard.presence.domain.Aggregation;
import io.switchboard.presence.domain.CustomStates;
import io.switchboard.presence.domain.PresenceView;
import io.switchboard.presence.domain.PublishRequest;
import io.switchboard.presence.domain.PublishRules;
import io.switchboard.presence.store.AccessStore;
import io.switchboard.presence.store.PresentityStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The one owner, cluster-wide, of a presentity's presence (docs/architecture.md, rule 1): its
 * publications (RFC 3903), its registered endpoints (told by the registrar), its access levels,
 * the set of watchers, and the aggregate ({@link Aggregation}) computed from them. A user of
 * {@link WriteThroughEntity}.
 *
 * <p>It does not hold SIP dialogs: each watcher's own {@link WatcherEntity} does. On every change
 * of the aggregate it sends each watcher the view that watcher's access level allows, rendered
 * once per level, and keeps sending it until the watcher's entity acknowledges (so a change is
 * not lost while a watcher's entity moves to another node). Fan-out happens at most once per
 * {@link Settings#coalesce} interval, carrying the latest state: the work a presentity with many
 * watchers can cause is bounded by (watchers / interval), whatever the rate of publications.
 *
 * <p>Writes follow rule 2: a PUBLISH is answered, and its state sent to watchers, only after
 * Cassandra has the publication. Commands arriving while a load or write is in flight wait, except
 * acknowledgements and endpoint changes, which touch no stored row.
 *
 * <p>It keeps at most {@link Settings#maxWatchers} distinct watchers: a new one beyond that is
 * answered {@link NotWatched} ("probation") and stored nowhere, so the fan-out work of one
 * presentity stays bounded whoever subscribes.
 */
public final class PresentityEntity {

    public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "presentity");

    public sealed interface Command extends EntityCommand
            permits Publish,
                    PublishWithin,
                    EndpointsChanged,
                    Watch,
                    WatchFor,
                    Unwatch,
                    Ack,
                    GetView,
                    GetAccess,
                    SetAccess,
                    Revoke {}

    /** A command with a reply: when the entity cannot take it, the reply is {@link Unavailable} (the edge's 503). */
    public interface Asking extends EntityCommand {
        ActorRef<? super Unavailable> replyTo();

        @Override
        default boolean refuse(String reason) {
            replyTo().tell(new Unavailable(reason));
            return true;
        }
    }

    /**
     * A PUBLISH from the SIP edge, already parsed and interpreted.
     *
     * @param deadline when the asking edge stops waiting and answers 503; a PUBLISH that reaches
     *                 the entity later (held by sharding while the entity moved off a dead node) is
     *                 not applied, since its client was told it failed and will retry it. Null: none.
     *                 The entity kit refuses it ({@link EntityCommand#answerBy()}). An instant of
     *                 the asker's clock, compared with the entity's: sent only without
     *                 {@code availability.send-deadlines} (a rolling upgrade), else {@link PublishWithin}.
     */
    public record Publish(PublishRequest request, Instant deadline, ActorRef<PublishReply> replyTo)
            implements Command, Asking {
        public Publish(PublishRequest request, ActorRef<PublishReply> replyTo) {
            this(request, null, replyTo);
        }

        @Override
        public Instant answerBy() {
            return deadline;
        }
    }

    /**
     * A PUBLISH from an asker that waits {@code timeLeft} more (its AskBudget), counted on the
     * monotonic clock of the node that holds the message: not applied if its turn comes later
     * (the kit refuses it, {@link EntityCommand#timeLeft()}), like {@link Publish} past its
     * deadline, but without comparing the asker's clock with the entity's (docs/architecture.md,
     * rule 10). A node of an earlier release cannot read it: sent only with
     * {@code availability.send-deadlines}.
     */
    public record PublishWithin(PublishRequest request, TimeLeft timeLeft, ActorRef<PublishReply> replyTo)
            implements Command, Asking {}

    /** The registrar's view of the presentity's endpoints changed (registration drives presence). */
    public record EndpointsChanged(List<Endpoint> endpoints) implements Command {
        @Override
        public boolean waitsForWrite() {
            return false; // changes no stored row
        }
    }

    /** A watcher's entity starts or extends watching; the answer carries what it may see now. */
    public record Watch(String watcher, Instant expiresAt, ActorRef<WatchReply> replyTo) implements Command, Asking {}

    /**
     * {@link Watch} with the watch's {@code lifetime} instead of an instant of the watcher's node:
     * the presentity counts it on its own clock when it takes the command, so no deadline crosses
     * nodes (docs/architecture.md, rule 10). Taken a little after it was sent, it ends a little after
     * the watcher's dialog, which unwatches when it ends anyway. A node of an earlier release cannot
     * read it: sent only with {@code availability.send-deadlines}.
     */
    public record WatchFor(String watcher, Duration lifetime, ActorRef<WatchReply> replyTo)
            implements Command, Asking {}

    /** The watcher no longer has any subscription to this presentity. */
    public record Unwatch(String watcher) implements Command {}

    /** The watcher's entity has the view of {@code version}. */
    public record Ack(String watcher, long version) implements Command {
        @Override
        public boolean waitsForWrite() {
            return false; // changes no stored row
        }
    }

    /** What {@code watcher} sees now; null watcher = the full view. */
    public record GetView(String watcher, ActorRef<ViewReply> replyTo) implements Command, Asking {}

    public record GetAccess(ActorRef<AccessReply> replyTo) implements Command, Asking {}

    /** Sets (or, level null, removes) the level of a watcher AOR or domain; affected watchers are re-notified at once. */
    public record SetAccess(String key, AccessLevel level, ActorRef<AccessReply> replyTo) implements Command, Asking {}

    /**
     * Loss of authorization, an operator's decision: the watcher is blocked and its subscriptions to
     * this presentity end with {@code Subscription-State: terminated;reason=rejected} (RFC 6665
     * section 4.2.2: "SHOULD NOT attempt to re-subscribe"). Unlike setting Blocked, which hides the
     * state behind Offline, this tells the watcher that it lost access.
     */
    public record Revoke(String watcher, ActorRef<AccessReply> replyTo) implements Command, Asking {}

    public sealed interface PublishReply permits Published, PublishRefused, Unavailable {}

    public record Published(String etag, long expires) implements PublishReply {}

    public record PublishRefused(int status, String reason, long minExpires) implements PublishReply {}

    public record Unavailable(String reason) implements PublishReply, WatchReply, ViewReply, AccessReply {}

    public sealed interface WatchReply permits Watching, NotWatched, Unavailable {}

    public record Watching(String presentity, long version, PresenceView view, String pidf) implements WatchReply {}

    public sealed interface ViewReply permits CurrentView, NotWatched, Unavailable {}

    /**
     * The watcher is not told this presentity's presence, and should not ask again soon:
     * {@code reason} is the RFC 6665 section 4.2.2 reason its subscription (or, in a list, the
     * resource's instance, RFC 4662 section 5.2) ends with. "rejected": not one of our users
     * ({@link GatedPresentities}); "probation": the presentity has as many watchers as it may
     * keep ({@code switchboard.presence.limits.watchers-per-presentity}).
     */
    public record NotWatched(String presentity, String reason) implements WatchReply, ViewReply {}

    public record CurrentView(PresenceView view) implements ViewReply {}

    public sealed interface AccessReply permits CurrentAccess, Unavailable {}

    public record CurrentAccess(AccessPolicy policy) implements AccessReply {}

    /** What a presentity loads when it starts. */
    record Loaded(PresentityStore.Loaded stored, AccessPolicy policy, List<Endpoint> endpoints) {}

    /** Where a presentity's state goes and comes from; one per node. */
    public record Settings(
            PresentityStore store,
            AccessStore access,
            Function<String, CompletionStage<List<Endpoint>>> endpoints,
            WatcherNotifier watchers,
            PublishRules rules,
            CustomStates customStates,
            Set<String> domains,
            Duration coalesce,
            Duration retry,
            Duration passivateAfter,
            int stashCapacity,
            Clock clock,
            int maxWatchers,
            java.util.function.Consumer<String> refusals,
            OwnerEpochs owners,
            Duration writeTimeout) {

        /** Settings whose writes are bounded only by the store's own timeouts. */
        public Settings(
                PresentityStore store,
                AccessStore access,
                Function<String, CompletionStage<List<Endpoint>>> endpoints,
                WatcherNotifier watchers,
                PublishRules rules,
                CustomStates customStates,
                Set<String> domains,
                Duration coalesce,
                Duration retry,
                Duration passivateAfter,
                int stashCapacity,
                Clock clock,
                int maxWatchers,
                java.util.function.Consumer<String> refusals,
                OwnerEpochs owners) {
            this(
                    store,
                    access,
                    endpoints,
                    watchers,
                    rules,
                    customStates,
                    domains,
                    coalesce,
                    retry,
                    passivateAfter,
                    stashCapacity,
                    clock,
                    maxWatchers,
                    refusals,
                    owners,
                    null);
        }

        /**
         * {@code owners}: where each presentity claims its owner epoch, fencing its writes; null:
         * unfenced (unit tests). {@code writeTimeout}: the bound on one store write (null: none), so
         * a PUBLISH's answer reaches the edge before its ask times out (AskBudget).
         */
        EntitySettings lifecycle() {
            return new EntitySettings(clock, passivateAfter, stashCapacity, STORE_UNAVAILABLE)
                    .withOwnerEpochs(ENTITY_KEY.name(), owners)
                    .withWriteTimeout(writeTimeout);
        }
    }

    /** How views reach watchers' entities (cluster sharding in the node, a probe in tests). */
    public interface WatcherNotifier {
        void changed(String watcher, String presentity, long version, PresenceView view, String pidf);

        /** The watcher lost its authorization to watch {@code presentity}. */
        void revoked(String watcher, String presentity);
    }

    static final String STORE_UNAVAILABLE = "Presence store unavailable";

    private PresentityEntity() {}

    public static void init(ActorSystem<?> system, Settings settings) {
        ShardedEntities.init(system, ENTITY_KEY, factory(settings), gate(settings));
    }

    public static Behavior<Command> create(
            String presentity, Settings settings, ActorRef<ClusterSharding.ShardCommand> shard) {
        return ShardedEntities.behavior(presentity, shard, factory(settings), gate(settings));
    }

    /**
     * A change of registered endpoints reaches nobody if nobody watches: an unwatched presentity
     * started by one looks for a watcher row (one read) and passivates without claiming an epoch
     * or loading. Its aggregate is recomputed from the registrar whenever it does start
     * (PresentityBehavior.load), so nothing is lost. A user's first REGISTER started this entity
     * for nothing before (issue 17, item 4).
     */
    static StartGate<Command> gate(Settings settings) {
        return new StartGate<>() {
            @Override
            public boolean droppable(Command command) {
                return command instanceof EndpointsChanged;
            }

            @Override
            public java.util.concurrent.CompletionStage<Boolean> needed(String presentity) {
                return settings.store().watched(presentity);
            }
        };
    }

    /** One per type and node: every entity of the node shares the settings and one lifecycle. */
    private static ShardedEntities.Factory<Command> factory(Settings settings) {
        EntitySettings lifecycle = settings.lifecycle();
        return (key, shard, ctx) -> new PresentityBehavior(key, settings, lifecycle, shard, ctx);
    }
}

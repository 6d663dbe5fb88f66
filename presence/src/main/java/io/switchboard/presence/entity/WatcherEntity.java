package io.switchboard.presence.entity;

import io.switchboard.entity.EntityCommand;
import io.switchboard.entity.EntitySettings;
import io.switchboard.entity.ShardedEntities;
import io.switchboard.entity.TimeLeft;
import io.switchboard.entity.WriteThroughEntity;
import io.switchboard.entity.due.DueIndex;
import io.switchboard.entity.fence.OwnerEpochs;
import io.switchboard.presence.domain.Contact;
import io.switchboard.presence.domain.ContactList;
import io.switchboard.presence.domain.DialogPlan;
import io.switchboard.presence.domain.NotifyComposer;
import io.switchboard.presence.domain.NotifyOutcome;
import io.switchboard.presence.domain.PresenceView;
import io.switchboard.presence.domain.Subscription;
import io.switchboard.presence.store.ContactListStore;
import io.switchboard.presence.store.SubscriptionStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The one owner, cluster-wide, of a watcher's subscriptions (the notifier's side of each
 * SUBSCRIBE dialog, RFC 6665) and of the watcher's contact list. Presentities send it views;
 * it sends the NOTIFYs. A user of {@link WriteThroughEntity}; the rules live in the domain:
 *
 * <ul>
 *   <li><b>Dialogs survive node loss</b> (docs/architecture.md, rule 5): each is stored with its
 *       Call-ID, tags, route set, target and flow, and a CSeq ceiling ({@link DialogPlan}): an
 *       entity that loads the dialog on another node goes on above the stored ceiling, so CSeq
 *       keeps rising and the watcher never has to subscribe again. It then watches each resource
 *       again and sends the current state in full.</li>
 *   <li><b>Storms</b>: per dialog at most one NOTIFY in flight and at most one per
 *       {@link Settings#coalesce} interval; changes that arrive meanwhile are merged
 *       ({@link DialogPlan}) and the next NOTIFY carries the latest state of each resource that
 *       changed ({@link NotifyComposer}).</li>
 *   <li><b>Lists</b> (RFC 4662): a list dialog's first NOTIFY (and the one after a refresh,
 *       a list edit or a takeover) carries every resource; later ones only those that changed.</li>
 *   <li>A NOTIFY's outcome ends the subscription only as RFC 6665 section 4.2.2 says ({@link NotifyOutcome}).</li>
 *   <li><b>Bounded</b>: at most {@link Settings#maxDialogs} live dialogs per watcher; a resource
 *       a presentity will not serve ({@link PresentityEntity.NotWatched}) ends a plain dialog, or
 *       its instance in a list, with that reason.</li>
 * </ul>
 *
 * Every stored change (new dialog, refresh, ceiling, contact edit, removal) is written before it
 * takes effect (rule 2); commands wait meanwhile.
 */
public final class WatcherEntity {

    public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "watcher");

    public sealed interface Command extends EntityCommand
            permits Subscribe,
                    Refresh,
                    SubscribeBefore,
                    RefreshBefore,
                    SubscribeWithin,
                    RefreshWithin,
                    PresenceChanged,
                    Revoked,
                    GetContacts,
                    PutContact,
                    RemoveContact,
                    Internal {}

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
     * A new subscription. {@code draft} carries the dialog as the SIP edge built it; for a
     * contact-list subscription its resources are filled in here. {@code expires} 0 is a fetch.
     */
    public record Subscribe(Subscription draft, long expires, ActorRef<SubscribeReply> replyTo)
            implements Command, Asking {}

    /** An in-dialog SUBSCRIBE: refresh, or with {@code expires} 0 unsubscribe. */
    public record Refresh(
            String localTag,
            long expires,
            String remoteTarget,
            io.switchboard.sip.flow.Flow flow,
            ActorRef<SubscribeReply> replyTo)
            implements Command, Asking {}

    /**
     * {@link Subscribe} from an asker that stops waiting at {@code answerBy} (its AskBudget): refused
     * unwritten by the entity kit if its turn comes later, so the edge's 503 never hides a stored
     * dialog (issue 17, item 4). A message of its own: a registered message's encoding does not
     * change (docs/architecture.md, "Cluster message formats"). An instant of the asker's clock,
     * compared with the entity's: kept readable for rolling upgrades, sent no more since
     * {@link SubscribeWithin}.
     */
    public record SubscribeBefore(Subscribe subscribe, Instant answerBy) implements Command, Asking {
        @Override
        public ActorRef<? super Unavailable> replyTo() {
            return subscribe.replyTo();
        }
    }

    /** {@link Refresh} with the asker's deadline, like {@link SubscribeBefore}. */
    public record RefreshBefore(Refresh refresh, Instant answerBy) implements Command, Asking {
        @Override
        public ActorRef<? super Unavailable> replyTo() {
            return refresh.replyTo();
        }
    }

    /**
     * {@link Subscribe} from an asker that waits {@code timeLeft} more (its AskBudget), counted on
     * the monotonic clock of the node that holds the message: refused unwritten by the entity kit
     * if its turn comes later, like {@link SubscribeBefore}, but without comparing the asker's
     * clock with the entity's (docs/architecture.md, rule 10). A node of an earlier release cannot
     * read it: sent only with {@code availability.send-deadlines}.
     */
    public record SubscribeWithin(Subscribe subscribe, TimeLeft timeLeft) implements Command, Asking {
        @Override
        public ActorRef<? super Unavailable> replyTo() {
            return subscribe.replyTo();
        }
    }

    /** {@link Refresh} with the time its asker still waits, like {@link SubscribeWithin}. */
    public record RefreshWithin(Refresh refresh, TimeLeft timeLeft) implements Command, Asking {
        @Override
        public ActorRef<? super Unavailable> replyTo() {
            return refresh.replyTo();
        }
    }

    /** A presentity's current view for this watcher. */
    public record PresenceChanged(String presentity, long version, PresenceView view, String pidf) implements Command {}

    /** The presentity withdrew this watcher's authorization: its subscriptions to it end (reason "rejected"). */
    public record Revoked(String presentity) implements Command {}

    public record GetContacts(ActorRef<ContactsReply> replyTo) implements Command, Asking {}

    public record PutContact(Contact contact, ActorRef<ContactsReply> replyTo) implements Command, Asking {}

    public record RemoveContact(String uri, ActorRef<ContactsReply> replyTo) implements Command, Asking {}

    public sealed interface SubscribeReply permits Subscribed, SubscribeRefused, Unavailable {}

    public record Subscribed(String localTag, long expires) implements SubscribeReply {}

    public record SubscribeRefused(int status, String reason) implements SubscribeReply {}

    public record Unavailable(String reason) implements SubscribeReply, ContactsReply {}

    public sealed interface ContactsReply permits Contacts, ContactsRefused, Unavailable {}

    /** The edit breaks a rule of the whole list (e.g. 1,000 contacts at most); nothing changed. */
    public record ContactsRefused(List<String> reasons) implements ContactsReply {}

    public record Contacts(ContactList list) implements ContactsReply {}

    /** Messages the entity sends itself; never cross the network. */
    sealed interface Internal extends Command permits WatchResult, NotifyDone {}

    /** A watch's answer: {@code watching}, or {@code notWatched} (its reason), or neither (no answer). */
    record WatchResult(String presentity, PresentityEntity.Watching watching, String notWatched) implements Internal {

        static WatchResult of(String presentity, PresentityEntity.WatchReply reply) {
            return new WatchResult(
                    presentity,
                    reply instanceof PresentityEntity.Watching w ? w : null,
                    reply instanceof PresentityEntity.NotWatched n ? n.reason() : null);
        }
    }

    record NotifyDone(String localTag, long cseq, NotifyOutcome outcome) implements Internal {}

    /** What a watcher loads when it starts. */
    record Loaded(List<Subscription> subscriptions, ContactList contacts) {}

    /**
     * @param dueIndex where each subscription's expiry is recorded so that, if this entity's node
     *                 dies, the due sweeper starts it on a survivor in time to send the final NOTIFY
     *                 ({@code WriteThroughEntity.wakingAt}); null: not recorded (unit tests)
     * @param owners   where each watcher claims its owner epoch, fencing its writes; null: unfenced (unit tests)
     */
    public record Settings(
            SubscriptionStore store,
            ContactListStore contacts,
            PresentityClient presentities,
            NotifySender notifier,
            Duration coalesce,
            Duration initialWait,
            Duration rewatch,
            long cseqBlock,
            Duration passivateAfter,
            int stashCapacity,
            Clock clock,
            DueIndex dueIndex,
            int maxDialogs,
            java.util.function.Consumer<String> refusals,
            OwnerEpochs owners,
            Duration writeTimeout) {

        /** Settings whose writes are bounded only by the store's own timeouts. */
        public Settings(
                SubscriptionStore store,
                ContactListStore contacts,
                PresentityClient presentities,
                NotifySender notifier,
                Duration coalesce,
                Duration initialWait,
                Duration rewatch,
                long cseqBlock,
                Duration passivateAfter,
                int stashCapacity,
                Clock clock,
                DueIndex dueIndex,
                int maxDialogs,
                java.util.function.Consumer<String> refusals,
                OwnerEpochs owners) {
            this(
                    store,
                    contacts,
                    presentities,
                    notifier,
                    coalesce,
                    initialWait,
                    rewatch,
                    cseqBlock,
                    passivateAfter,
                    stashCapacity,
                    clock,
                    dueIndex,
                    maxDialogs,
                    refusals,
                    owners,
                    null);
        }

        /** {@code writeTimeout}: the bound on one store write (null: none), see AskBudget. */
        EntitySettings lifecycle() {
            EntitySettings plain = new EntitySettings(clock, passivateAfter, stashCapacity, STORE_UNAVAILABLE)
                    .withOwnerEpochs(ENTITY_KEY.name(), owners)
                    .withWriteTimeout(writeTimeout);
            return dueIndex == null ? plain : plain.withDueIndex(ENTITY_KEY.name(), dueIndex);
        }
    }

    static final String STORE_UNAVAILABLE = "Presence store unavailable";

    private WatcherEntity() {}

    public static void init(ActorSystem<?> system, Settings settings) {
        ShardedEntities.init(system, ENTITY_KEY, factory(settings));
    }

    public static Behavior<Command> create(
            String watcher, Settings settings, ActorRef<ClusterSharding.ShardCommand> shard) {
        return ShardedEntities.behavior(watcher, shard, factory(settings));
    }

    /** One per type and node: every entity of the node shares the settings and one lifecycle. */
    private static ShardedEntities.Factory<Command> factory(Settings settings) {
        EntitySettings lifecycle = settings.lifecycle();
        return (key, shard, ctx) -> new WatcherBehavior(key, settings, lifecycle, shard, ctx);
    }
}

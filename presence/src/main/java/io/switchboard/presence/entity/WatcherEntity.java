package io.switchboard.presence.entity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

import io.switchboard.entity.EntityCommand;
import io.switchboard.entity.EntitySettings;
import io.switchboard.entity.ShardedEntities;
import io.switchboard.entity.WriteThroughEntity;
import io.switchboard.presence.domain.Checked;
import io.switchboard.presence.domain.Contact;
import io.switchboard.presence.domain.ContactList;
import io.switchboard.presence.domain.ContactListRules;
import io.switchboard.presence.domain.DialogPlan;
import io.switchboard.presence.domain.NotifyComposer;
import io.switchboard.presence.domain.NotifyComposer.KnownView;
import io.switchboard.presence.domain.NotifyOutcome;
import io.switchboard.presence.domain.PresenceView;
import io.switchboard.presence.domain.Rlmi;
import io.switchboard.presence.domain.Subscription;
import io.switchboard.presence.store.ContactListStore;
import io.switchboard.presence.store.SubscriptionStore;

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
 * </ul>
 *
 * Every stored change (new dialog, refresh, ceiling, contact edit, removal) is written before it
 * takes effect (rule 2); commands wait meanwhile.
 */
public final class WatcherEntity {

    public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "watcher");

    public sealed interface Command extends EntityCommand permits Subscribe, Refresh, PresenceChanged, Revoked, GetContacts,
            PutContact, RemoveContact, Internal {
    }

    /**
     * A new subscription. {@code draft} carries the dialog as the SIP edge built it; for a
     * contact-list subscription its resources are filled in here. {@code expires} 0 is a fetch.
     */
    public record Subscribe(Subscription draft, long expires, ActorRef<SubscribeReply> replyTo) implements Command {
        @Override
        public boolean refuse(String reason) {
            replyTo.tell(new Unavailable(reason));
            return true;
        }

    }

    /** An in-dialog SUBSCRIBE: refresh, or with {@code expires} 0 unsubscribe. */
    public record Refresh(String localTag, long expires, String remoteTarget,
                          io.switchboard.presence.domain.NotifyFlow flow, ActorRef<SubscribeReply> replyTo) implements Command {
        @Override
        public boolean refuse(String reason) {
            replyTo.tell(new Unavailable(reason));
            return true;
        }

    }

    /** A presentity's current view for this watcher. */
    public record PresenceChanged(String presentity, long version, PresenceView view, String pidf) implements Command {
    }

    /** The presentity withdrew this watcher's authorization: its subscriptions to it end (reason "rejected"). */
    public record Revoked(String presentity) implements Command {
    }

    public record GetContacts(ActorRef<ContactsReply> replyTo) implements Command {
        @Override
        public boolean refuse(String reason) {
            replyTo.tell(new Unavailable(reason));
            return true;
        }

    }

    public record PutContact(Contact contact, ActorRef<ContactsReply> replyTo) implements Command {
        @Override
        public boolean refuse(String reason) {
            replyTo.tell(new Unavailable(reason));
            return true;
        }

    }

    public record RemoveContact(String uri, ActorRef<ContactsReply> replyTo) implements Command {
        @Override
        public boolean refuse(String reason) {
            replyTo.tell(new Unavailable(reason));
            return true;
        }

    }

    public sealed interface SubscribeReply permits Subscribed, SubscribeRefused, Unavailable {
    }

    public record Subscribed(String localTag, long expires) implements SubscribeReply {
    }

    public record SubscribeRefused(int status, String reason) implements SubscribeReply {
    }

    public record Unavailable(String reason) implements SubscribeReply, ContactsReply {
    }

    public sealed interface ContactsReply permits Contacts, ContactsRefused, Unavailable {
    }

    /** The edit breaks a rule of the whole list (e.g. 1,000 contacts at most); nothing changed. */
    public record ContactsRefused(List<String> reasons) implements ContactsReply {
    }

    public record Contacts(ContactList list) implements ContactsReply {
    }

    /** Messages the entity sends itself; never cross the network. */
    sealed interface Internal extends Command permits WatchResult, NotifyDone {
    }

    record WatchResult(String presentity, PresentityEntity.Watching watching) implements Internal {
    }

    record NotifyDone(String localTag, long cseq, NotifyOutcome outcome) implements Internal {
    }

    /** What a watcher loads when it starts. */
    record Loaded(List<Subscription> subscriptions, ContactList contacts) {
    }

    public record Settings(SubscriptionStore store, ContactListStore contacts, PresentityClient presentities,
                           NotifySender notifier, Duration coalesce, Duration initialWait, Duration rewatch,
                           long cseqBlock, Duration passivateAfter, int stashCapacity, Clock clock) {
        EntitySettings lifecycle() {
            return new EntitySettings(clock, passivateAfter, stashCapacity, STORE_UNAVAILABLE);
        }
    }

    private static final String STORE_UNAVAILABLE = "Presence store unavailable";

    private WatcherEntity() {
    }

    public static void init(ActorSystem<?> system, Settings settings) {
        EntitySettings lifecycle = settings.lifecycle();
        ShardedEntities.init(system, ENTITY_KEY, (watcher, shard) -> create(watcher, settings, lifecycle, shard));
    }

    public static Behavior<Command> create(String watcher, Settings settings, ActorRef<ClusterSharding.ShardCommand> shard) {
        return create(watcher, settings, settings.lifecycle(), shard);
    }

    private static Behavior<Command> create(String watcher, Settings settings, EntitySettings lifecycle,
                                            ActorRef<ClusterSharding.ShardCommand> shard) {
        return Behaviors.setup(ctx -> new Instance(watcher, settings, lifecycle, shard, ctx).start());
    }

    /** One live dialog and what has been sent in it. */
    private static final class Dialog {
        Subscription s;
        long cseq;
        boolean inFlight;
        boolean fullStateNext = true;
        Instant lastSentAt = Instant.EPOCH;
        final Set<String> dirty = new LinkedHashSet<>();
        final Map<String, PresenceView> sent = new HashMap<>();
        /** Resources whose first view this dialog still waits for before its full-state NOTIFY. */
        final Set<String> awaiting = new HashSet<>();
        /** When to look at this dialog again (end of the coalescing interval or of the initial wait), or null. */
        Instant flushAt;

        Dialog(Subscription s, long cseq) {
            this.s = s;
            this.cseq = cseq;
        }

        boolean pending() {
            return !dirty.isEmpty() || fullStateNext;
        }
    }

    private static final class Instance extends WriteThroughEntity<Command, Loaded> {
        private final Settings settings;
        private final Map<String, Dialog> dialogs = new LinkedHashMap<>();
        private final Map<String, KnownView> known = new HashMap<>();
        private ContactList contacts;
        /** When presentities that did not answer a watch are asked again, or null. */
        private Instant rewatchAt;

        Instance(String watcher, Settings settings, EntitySettings lifecycle, ActorRef<ClusterSharding.ShardCommand> shard,
                 ActorContext<Command> ctx) {
            super(watcher, lifecycle, shard, ctx);
            this.settings = settings;
            this.contacts = new ContactList(watcher, List.of());
        }

        @Override
        protected CompletionStage<Loaded> load() {
            return settings.store().loadSubscriptions(key).thenCombine(settings.contacts().load(key), Loaded::new);
        }

        @Override
        protected void onLoaded(Loaded loaded) {
            contacts = loaded.contacts();
            Instant now = now();
            for (Subscription stored : loaded.subscriptions()) {
                if (!stored.isLive(now)) {
                    continue;
                }
                // A contact-list dialog's resources are the contact list: an edit stores the list first,
                // so the list is what counts if the dialog's own row was not brought up to date.
                Subscription s = stored.followsContacts() ? stored.withResources(contacts.uris()) : stored;
                // Taken over (first load here): NOTIFYs go on above the stored ceiling, in full state.
                Dialog d = new Dialog(s, DialogPlan.resumeCseq(s));
                dialogs.put(s.localTag(), d);
                watchAll(d, s.resources());
            }
        }

        @Override
        protected void handle(Command command) {
            if (command instanceof Subscribe sub) {
                onSubscribe(sub);
            } else if (command instanceof Refresh r) {
                onRefresh(r);
            } else if (command instanceof PresenceChanged pc) {
                settings.presentities().ack(pc.presentity(), key, pc.version());
                learn(pc.presentity(), new KnownView(pc.version(), pc.view(), pc.pidf()), true);
            } else if (command instanceof WatchResult wr) {
                onWatchResult(wr);
            } else if (command instanceof NotifyDone done) {
                onNotifyDone(done);
            } else if (command instanceof Revoked r) {
                onRevoked(r);
            } else if (command instanceof GetContacts g) {
                g.replyTo().tell(new Contacts(contacts));
            } else if (command instanceof PutContact p) {
                Checked<ContactList> next = ContactListRules.add(contacts, p.contact());
                editContacts(next, () -> settings.contacts().put(key, p.contact()), p.replyTo());
            } else if (command instanceof RemoveContact r) {
                Checked<ContactList> next = ContactListRules.remove(contacts, r.uri());
                editContacts(next, () -> settings.contacts().remove(key, r.uri()), r.replyTo());
            }
        }

        private void onSubscribe(Subscribe sub) {
            Subscription draft = sub.draft();
            List<String> resources = draft.followsContacts() ? contacts.uris() : draft.resources();
            if (sub.expires() == 0) {
                fetch(draft.withResources(resources), sub.replyTo());
                return;
            }
            Instant now = now();
            Subscription s = draft.withResources(resources).withExpiresAt(now.plusSeconds(sub.expires()))
                    .withCseqCeiling(DialogPlan.firstCeiling(settings.cseqBlock()));
            write(() -> settings.store().put(s, now), () -> {
                Dialog d = new Dialog(s, 0);
                dialogs.put(s.localTag(), d);
                sub.replyTo().tell(new Subscribed(s.localTag(), sub.expires()));
                watchAll(d, resources);
            }, failure -> sub.replyTo().tell(new Unavailable(STORE_UNAVAILABLE)));
        }

        /** RFC 6665 section 4.4.3: Expires 0 on a new SUBSCRIBE fetches the state once; nothing is kept. */
        private void fetch(Subscription s, ActorRef<SubscribeReply> replyTo) {
            replyTo.tell(new Subscribed(s.localTag(), 0));
            Map<String, CompletableFuture<PresentityEntity.ViewReply>> views = new LinkedHashMap<>();
            for (String p : s.resources()) {
                views.put(p, settings.presentities().view(p, key).toCompletableFuture());
            }
            NotifySender sender = settings.notifier();
            CompletableFuture.allOf(views.values().toArray(CompletableFuture[]::new)).whenComplete((ok, failure) -> {
                NotifyComposer.Composed c = NotifyComposer.compose(s, 0, "terminated;reason=timeout", true, List.of(), p -> {
                    // a failed ask (presentity unreachable) leaves that resource pending; getNow would throw
                    CompletableFuture<PresentityEntity.ViewReply> view = views.get(p);
                    PresentityEntity.ViewReply r = view == null || view.isCompletedExceptionally() ? null : view.getNow(null);
                    return r instanceof PresentityEntity.CurrentView cv
                            ? new KnownView(0, cv.view(), io.switchboard.presence.domain.PidfWriter.write(cv.view())) : null;
                }, Rlmi.newBoundary());
                sender.send(new NotifySender.Notify(s, 1, c.subscriptionState(), c.contentType(), c.body(), c.eventlist()));
            });
        }

        private void onRefresh(Refresh r) {
            Dialog d = dialogs.get(r.localTag());
            if (d == null) {
                // RFC 6665 section 4.1.2.2 / 4.2.1.2: unknown dialog, the subscriber starts over
                r.replyTo().tell(new SubscribeRefused(481, "Subscription does not exist"));
                return;
            }
            if (r.expires() == 0) {
                // the 200 and the final NOTIFY follow the removal from the store
                terminate(d, "timeout", () -> r.replyTo().tell(new Subscribed(r.localTag(), 0)),
                        () -> r.replyTo().tell(new Unavailable(STORE_UNAVAILABLE)));
                return;
            }
            Instant now = now();
            Subscription next = d.s.withExpiresAt(now.plusSeconds(r.expires()))
                    .withTarget(r.remoteTarget() == null ? d.s.remoteTarget() : r.remoteTarget(),
                            r.flow() == null ? d.s.flow() : r.flow());
            write(() -> settings.store().put(next, now), () -> {
                d.s = next;
                r.replyTo().tell(new Subscribed(r.localTag(), r.expires()));
                // RFC 6665 section 4.2.1.2: a refresh is answered with a NOTIFY of the current state
                d.fullStateNext = true;
                for (String p : next.resources()) {
                    settings.presentities().watch(p, key, next.expiresAt());
                }
                flush(d);
            }, failure -> r.replyTo().tell(new Unavailable(STORE_UNAVAILABLE)));
        }

        /** Asks each resource's presentity for its view (and to keep this watcher informed). */
        private void watchAll(Dialog d, List<String> resources) {
            for (String p : resources) {
                if (!known.containsKey(p)) {
                    d.awaiting.add(p);
                }
                ctx.pipeToSelf(settings.presentities().watch(p, key, d.s.expiresAt()),
                        (reply, failure) -> new WatchResult(p, reply instanceof PresentityEntity.Watching w ? w : null));
            }
            if (d.awaiting.isEmpty()) {
                flush(d);
            } else {
                d.flushAt = earliest(d.flushAt, now().plus(settings.initialWait()));
            }
        }

        private void onWatchResult(WatchResult wr) {
            if (wr.watching() != null) {
                learn(wr.presentity(), new KnownView(wr.watching().version(), wr.watching().view(), wr.watching().pidf()), false);
            } else if (rewatchAt == null) {
                rewatchAt = now().plus(settings.rewatch());
            }
            for (Dialog d : dialogs.values()) {
                if (d.awaiting.remove(wr.presentity()) && d.awaiting.isEmpty()) {
                    d.flushAt = null;
                    flush(d);
                }
            }
        }

        /** A view of {@code presentity}: kept if newer, and marked for every dialog that has not sent it. */
        private void learn(String presentity, KnownView k, boolean fromFanout) {
            KnownView old = known.get(presentity);
            if (old != null && old.version() > k.version()) {
                return;
            }
            known.put(presentity, k);
            boolean watched = false;
            for (Dialog d : dialogs.values()) {
                if (!d.s.resources().contains(presentity)) {
                    continue;
                }
                watched = true;
                if (!NotifyComposer.sameState(k.view(), d.sent.get(presentity))) {
                    d.dirty.add(presentity);
                    flush(d);
                }
            }
            if (!watched && fromFanout) {
                settings.presentities().unwatch(presentity, key); // a stale watcher row: stop the fan-out
            }
        }

        /** Sends the next NOTIFY of {@code d} if one is due and allowed now ({@link DialogPlan}). */
        private void flush(Dialog d) {
            if (writing() || !dialogs.containsKey(d.s.localTag())) {
                return; // looked at again when the write ends (onIdle)
            }
            Instant now = now();
            DialogPlan.Step step = DialogPlan.next(d.inFlight, !d.awaiting.isEmpty(), d.pending(), d.lastSentAt, d.cseq,
                    d.s.cseqCeiling(), now, settings.coalesce(), settings.cseqBlock());
            if (step instanceof DialogPlan.WaitUntil wait) {
                d.flushAt = earliest(d.flushAt, wait.at());
            } else if (step instanceof DialogPlan.ReserveCseqs reserve) {
                // Reserve the next block of CSeqs in Cassandra before using it.
                Subscription next = d.s.withCseqCeiling(reserve.ceiling());
                write(() -> settings.store().put(next, now), () -> {
                    d.s = next;
                    flush(d);
                }, failure -> d.flushAt = now().plusSeconds(1));
            } else if (step instanceof DialogPlan.Send) {
                send(d, NotifyComposer.active(d.s, now), now);
            }
        }

        private void send(Dialog d, String subscriptionState, Instant now) {
            d.cseq++;
            d.lastSentAt = now;
            NotifySender.Notify notify = compose(d, subscriptionState);
            d.inFlight = true;
            ctx.getLog().debug("NOTIFY {} CSeq {} to {} ({})", d.s.localTag(), d.cseq, key, subscriptionState);
            long cseq = d.cseq;
            String tag = d.s.localTag();
            ctx.pipeToSelf(settings.notifier().send(notify),
                    (outcome, failure) -> new NotifyDone(tag, cseq, failure != null ? NotifyOutcome.NOT_SENT : outcome));
        }

        /** The NOTIFY of {@code d} with its current CSeq; what it sends counts as sent. */
        private NotifySender.Notify compose(Dialog d, String subscriptionState) {
            NotifyComposer.Composed c = NotifyComposer.compose(d.s, d.cseq, subscriptionState, d.fullStateNext,
                    new ArrayList<>(d.dirty), known::get, Rlmi.newBoundary());
            d.sent.putAll(c.sent());
            d.dirty.clear();
            d.fullStateNext = false;
            return new NotifySender.Notify(d.s, d.cseq, c.subscriptionState(), c.contentType(), c.body(), c.eventlist());
        }

        private void onNotifyDone(NotifyDone done) {
            Dialog d = dialogs.get(done.localTag());
            if (d == null || d.cseq != done.cseq()) {
                return;
            }
            d.inFlight = false;
            ctx.getLog().debug("NOTIFY {} CSeq {}: {}", done.localTag(), done.cseq(), done.outcome());
            if (done.outcome() == NotifyOutcome.ENDS_SUBSCRIPTION) {
                ctx.getLog().debug("Subscription {} of {} ended by its NOTIFY's outcome", done.localTag(), key);
                remove(d, () -> { }, () -> { });
                return;
            }
            flush(d);
        }

        /**
         * Ends a dialog with a final NOTIFY (RFC 6665 section 4.2.2) and forgets it. The final NOTIFY
         * goes out only once the dialog's row is deleted: its CSeq may lie above the stored ceiling,
         * and a dialog still stored could be resumed by another node with that CSeq. If the delete
         * fails nothing is sent (the subscription stays stored and expires by TTL).
         */
        private void terminate(Dialog d, String reason, Runnable afterRemoval, Runnable onFailure) {
            if (!dialogs.containsKey(d.s.localTag())) {
                return;
            }
            d.fullStateNext = true;
            d.awaiting.clear();
            d.cseq++;
            NotifySender.Notify last = compose(d, "terminated;reason=" + reason);
            remove(d, () -> {
                settings.notifier().send(last);
                afterRemoval.run();
            }, onFailure);
        }

        private void remove(Dialog d, Runnable then, Runnable onFailure) {
            dialogs.remove(d.s.localTag());
            Set<String> stillWatched = new HashSet<>();
            dialogs.values().forEach(o -> stillWatched.addAll(o.s.resources()));
            for (String p : d.s.resources()) {
                if (!stillWatched.contains(p)) {
                    settings.presentities().unwatch(p, key);
                    known.remove(p);
                }
            }
            write(() -> settings.store().remove(key, d.s.localTag()), then, failure -> onFailure.run());
        }

        /**
         * RFC 6665 section 4.2.2 "rejected": a plain subscription to the presentity ends; a list
         * loses the resource (the next full-state NOTIFY no longer has it).
         */
        private void onRevoked(Revoked r) {
            known.remove(r.presentity());
            Instant now = now();
            for (Dialog d : new ArrayList<>(dialogs.values())) {
                if (!d.s.resources().contains(r.presentity())) {
                    continue;
                }
                if (!d.s.isList()) {
                    terminate(d, "rejected", () -> { }, () -> { });
                    continue;
                }
                Subscription next = d.s.withResources(d.s.resources().stream().filter(p -> !p.equals(r.presentity())).toList());
                write(() -> settings.store().put(next, now), () -> {
                    d.s = next;
                    d.sent.remove(r.presentity());
                    d.fullStateNext = true;
                    flush(d);
                }, failure -> { });
            }
        }

        /**
         * Stores the contact-list edit, then brings every contact-list subscription up to date
         * (full state), and answers once all of it is stored. The list (one partition) is written
         * first and is what counts: a contact-list dialog takes its resources from the list when it
         * is loaded, so if rewriting a dialog's row fails afterwards nothing is half-applied; the
         * editor is told to retry, which is harmless.
         */
        private void editContacts(Checked<ContactList> checked, java.util.function.Supplier<CompletionStage<Void>> io,
                                  ActorRef<ContactsReply> replyTo) {
            if (checked instanceof Checked.Invalid<ContactList> invalid) {
                replyTo.tell(new ContactsRefused(invalid.reasons()));
                return;
            }
            ContactList next = ((Checked.Ok<ContactList>) checked).value();
            write(io, () -> {
                List<String> before = contacts.uris();
                contacts = next;
                Instant now = now();
                List<String> added = next.uris().stream().filter(u -> !before.contains(u)).toList();
                List<Dialog> following = dialogs.values().stream().filter(d -> d.s.followsContacts()).toList();
                int[] left = {following.size()};
                boolean[] failed = {false};
                Runnable answer = () -> replyTo.tell(failed[0] ? new Unavailable(STORE_UNAVAILABLE) : new Contacts(next));
                for (Dialog d : following) {
                    d.s = d.s.withResources(next.uris());
                    d.fullStateNext = true;
                    Subscription updated = d.s;
                    write(() -> settings.store().put(updated, now), () -> {
                        if (--left[0] == 0) {
                            answer.run();
                        }
                    }, failure -> {
                        failed[0] = true;
                        if (--left[0] == 0) {
                            answer.run();
                        }
                    });
                    watchAll(d, added);
                }
                if (following.isEmpty()) {
                    answer.run();
                }
                before.stream().filter(u -> !next.uris().contains(u)).forEach(u -> {
                    boolean used = dialogs.values().stream().anyMatch(d -> d.s.resources().contains(u));
                    if (!used) {
                        settings.presentities().unwatch(u, key);
                        known.remove(u);
                    }
                });
            }, failure -> replyTo.tell(new Unavailable(STORE_UNAVAILABLE)));
        }

        /** Dialogs that wanted to send while a write was in flight. */
        @Override
        protected void onIdle() {
            for (Dialog d : new ArrayList<>(dialogs.values())) {
                if (writing()) {
                    break;
                }
                if (d.pending() && d.flushAt == null) {
                    flush(d);
                }
            }
        }

        @Override
        protected Instant nextDeadline() {
            Instant next = rewatchAt;
            for (Dialog d : dialogs.values()) {
                next = earliest(earliest(next, d.s.expiresAt()), d.flushAt);
            }
            return next;
        }

        @Override
        protected void onDeadline(Instant now) {
            for (Dialog d : new ArrayList<>(dialogs.values())) {
                if (!d.s.isLive(now)) {
                    terminate(d, "timeout", () -> { }, () -> { });
                } else if (d.flushAt != null && !d.flushAt.isAfter(now)) {
                    d.flushAt = null;
                    d.awaiting.clear(); // the wait for first views is over: send what we have
                    flush(d);
                }
            }
            if (rewatchAt != null && !rewatchAt.isAfter(now)) {
                rewatchAt = null;
                rewatchMissing(now);
            }
        }

        /** Asks again the presentities that have not answered a watch yet. */
        private void rewatchMissing(Instant now) {
            Set<String> missing = new LinkedHashSet<>();
            dialogs.values().forEach(d -> d.s.resources().stream().filter(p -> !known.containsKey(p)).forEach(missing::add));
            for (String p : missing) {
                Instant until = dialogs.values().stream().filter(d -> d.s.resources().contains(p))
                        .map(d -> d.s.expiresAt()).max(Instant::compareTo).orElse(now);
                ctx.pipeToSelf(settings.presentities().watch(p, key, until),
                        (reply, failure) -> new WatchResult(p, reply instanceof PresentityEntity.Watching w ? w : null));
            }
        }

        @Override
        protected boolean holdsNothing() {
            return dialogs.isEmpty();
        }

        private static Instant earliest(Instant a, Instant b) {
            return a == null ? b : b == null || a.isBefore(b) ? a : b;
        }
    }
}

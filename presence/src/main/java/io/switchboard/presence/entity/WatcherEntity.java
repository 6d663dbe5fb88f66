package io.switchboard.presence.entity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

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

import io.switchboard.presence.domain.Contact;
import io.switchboard.presence.domain.ContactList;
import io.switchboard.presence.domain.NotifyOutcome;
import io.switchboard.presence.domain.PresenceView;
import io.switchboard.presence.domain.Rlmi;
import io.switchboard.presence.domain.Subscription;
import io.switchboard.presence.store.ContactListStore;
import io.switchboard.presence.store.SubscriptionStore;

/**
 * The one owner, cluster-wide, of a watcher's subscriptions (the notifier's side of each
 * SUBSCRIBE dialog, RFC 6665) and of the watcher's contact list. Presentities send it views;
 * it sends the NOTIFYs.
 *
 * <ul>
 *   <li><b>Dialogs survive node loss</b> (DESIGN rule 5): each is stored with its Call-ID, tags,
 *       route set, target and flow, and a CSeq <em>ceiling</em>: NOTIFYs use CSeqs up to the
 *       stored ceiling, and a new ceiling is written before one would pass it. An entity that
 *       loads the dialog on another node starts above the stored ceiling, so CSeq keeps rising
 *       (RFC 3261 section 12.2.1.1) and the watcher never has to subscribe again. It then
 *       watches each resource again and sends the current state in full.</li>
 *   <li><b>Storms</b>: per dialog at most one NOTIFY in flight and at most one per
 *       {@link Settings#coalesce} interval; changes that arrive meanwhile are merged and the
 *       next NOTIFY carries the latest state of each resource that changed.</li>
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

    public sealed interface Command permits Subscribe, Refresh, PresenceChanged, Revoked, GetContacts, PutContact,
            RemoveContact, Internal {
    }

    /**
     * A new subscription. {@code draft} carries the dialog as the SIP edge built it; for a
     * contact-list subscription its resources are filled in here. {@code expires} 0 is a fetch.
     */
    public record Subscribe(Subscription draft, long expires, ActorRef<SubscribeReply> replyTo) implements Command {
    }

    /** An in-dialog SUBSCRIBE: refresh, or with {@code expires} 0 unsubscribe. */
    public record Refresh(String localTag, long expires, String remoteTarget,
                          io.switchboard.presence.domain.NotifyFlow flow, ActorRef<SubscribeReply> replyTo) implements Command {
    }

    /** A presentity's current view for this watcher. */
    public record PresenceChanged(String presentity, long version, PresenceView view, String pidf) implements Command {
    }

    /** The presentity withdrew this watcher's authorization: its subscriptions to it end (reason "rejected"). */
    public record Revoked(String presentity) implements Command {
    }

    public record GetContacts(ActorRef<ContactsReply> replyTo) implements Command {
    }

    public record PutContact(Contact contact, ActorRef<ContactsReply> replyTo) implements Command {
    }

    public record RemoveContact(String uri, ActorRef<ContactsReply> replyTo) implements Command {
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

    sealed interface Internal extends Command permits Loaded, LoadFailed, Written, WriteFailed, WatchResult, NotifyDone,
            FlushDue, Tick {
    }

    record Loaded(List<Subscription> subscriptions, ContactList contacts) implements Internal {
    }

    record LoadFailed(Throwable cause) implements Internal {
    }

    record Written(Runnable then) implements Internal {
    }

    record WriteFailed(Throwable cause, Runnable onFailure) implements Internal {
    }

    record WatchResult(String presentity, PresentityEntity.Watching watching) implements Internal {
    }

    record NotifyDone(String localTag, long cseq, NotifyOutcome outcome) implements Internal {
    }

    record FlushDue(String localTag) implements Internal {
    }

    enum Tick implements Internal { EXPIRY, REWATCH, IDLE }

    public record Settings(SubscriptionStore store, ContactListStore contacts, PresentityClient presentities,
                           NotifySender notifier, Duration coalesce, Duration initialWait, Duration rewatch,
                           long cseqBlock, Duration passivateAfter, int stashCapacity, Clock clock) {
    }

    private WatcherEntity() {
    }

    public static void init(ActorSystem<?> system, Settings settings) {
        ClusterSharding.get(system).init(Entity.of(ENTITY_KEY,
                ctx -> create(ctx.getEntityId(), settings, ctx.getShard())));
    }

    public static Behavior<Command> create(String watcher, Settings settings, ActorRef<ClusterSharding.ShardCommand> shard) {
        return Behaviors.setup(ctx -> new Instance(watcher, settings, shard, ctx).start());
    }

    /** The latest view of one presentity this watcher has been sent. */
    private record Known(long version, PresenceView view, String pidf) {
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
        Cancellable flushTimer;
        Cancellable initialDeadline;

        Dialog(Subscription s, long cseq) {
            this.s = s;
            this.cseq = cseq;
        }
    }

    private static final class Instance extends ExtensibleBehavior<Command> {
        private enum State { LOADING, IDLE, WRITING }

        private final String watcher;
        private final Settings settings;
        private final ActorRef<ClusterSharding.ShardCommand> shard;
        private final ActorContext<Command> ctx;
        private State state = State.LOADING;
        private final Map<String, Dialog> dialogs = new LinkedHashMap<>();
        private final Map<String, Known> known = new HashMap<>();
        private ContactList contacts;
        private ArrayDeque<Command> held;
        private Cancellable expiryTimer;
        private Cancellable rewatchTimer;
        private Cancellable idleTimer;

        Instance(String watcher, Settings settings, ActorRef<ClusterSharding.ShardCommand> shard, ActorContext<Command> ctx) {
            this.watcher = watcher;
            this.settings = settings;
            this.shard = shard;
            this.ctx = ctx;
            this.contacts = new ContactList(watcher, List.of());
        }

        Behavior<Command> start() {
            ctx.pipeToSelf(settings.store().loadSubscriptions(watcher).thenCombine(settings.contacts().load(watcher), Loaded::new),
                    (loaded, failure) -> failure != null ? new LoadFailed(failure) : loaded);
            return this;
        }

        @Override
        public Behavior<Command> receive(TypedActorContext<Command> context, Command command) {
            switch (state) {
                case LOADING -> {
                    if (command instanceof Loaded loaded) {
                        onLoaded(loaded);
                        return becomeIdle();
                    }
                    if (command instanceof LoadFailed failed) {
                        ctx.getLog().warn("Loading subscriptions of {} failed: {}", watcher, failed.cause().toString());
                        if (held != null) {
                            held.forEach(c -> refuse(c, "Presence store unavailable"));
                        }
                        return Behaviors.stopped();
                    }
                    return hold(command);
                }
                case WRITING -> {
                    if (command instanceof Written w) {
                        state = State.IDLE;
                        w.then().run();
                        return becomeIdle();
                    }
                    if (command instanceof WriteFailed f) {
                        ctx.getLog().warn("Writing subscriptions of {} failed: {}", watcher, f.cause().toString());
                        state = State.IDLE;
                        f.onFailure().run();
                        return becomeIdle();
                    }
                    return hold(command);
                }
                default -> {
                    onIdle(command);
                    return this;
                }
            }
        }

        @Override
        public Behavior<Command> receiveSignal(TypedActorContext<Command> context, Signal signal) {
            if (signal instanceof org.apache.pekko.actor.typed.internal.PoisonPill) {
                return Behaviors.stopped();
            }
            if (signal instanceof PostStop) {
                cancel(expiryTimer);
                cancel(rewatchTimer);
                cancel(idleTimer);
                dialogs.values().forEach(d -> {
                    cancel(d.flushTimer);
                    cancel(d.initialDeadline);
                });
            }
            return this;
        }

        private void onLoaded(Loaded loaded) {
            contacts = loaded.contacts();
            Instant now = now();
            for (Subscription s : loaded.subscriptions()) {
                if (!s.isLive(now)) {
                    continue;
                }
                // Taken over (first load here): NOTIFYs go on above the stored ceiling, in full state.
                Dialog d = new Dialog(s, s.cseqCeiling());
                dialogs.put(s.localTag(), d);
                watchAll(d, s.resources());
            }
            armExpiry();
        }

        private void onIdle(Command command) {
            if (command instanceof Written w) {
                w.then().run(); // a second write that was in flight with the one that ended the WRITING state
            } else if (command instanceof WriteFailed f) {
                ctx.getLog().warn("Writing subscriptions of {} failed: {}", watcher, f.cause().toString());
                f.onFailure().run();
            } else if (command instanceof Subscribe sub) {
                onSubscribe(sub);
            } else if (command instanceof Refresh r) {
                onRefresh(r);
            } else if (command instanceof PresenceChanged pc) {
                settings.presentities().ack(pc.presentity(), watcher, pc.version());
                learn(pc.presentity(), new Known(pc.version(), pc.view(), pc.pidf()), true);
            } else if (command instanceof WatchResult wr) {
                onWatchResult(wr);
            } else if (command instanceof NotifyDone done) {
                onNotifyDone(done);
            } else if (command instanceof FlushDue due) {
                Dialog d = dialogs.get(due.localTag());
                if (d != null) {
                    d.flushTimer = null;
                    cancel(d.initialDeadline);
                    d.initialDeadline = null;
                    d.awaiting.clear(); // the wait for first views is over: send what we have
                    flush(d);
                }
            } else if (command instanceof Revoked r) {
                onRevoked(r);
            } else if (command instanceof GetContacts g) {
                g.replyTo().tell(new Contacts(contacts));
            } else if (command instanceof PutContact p) {
                onPutContact(p);
            } else if (command instanceof RemoveContact r) {
                onRemoveContact(r);
            } else if (command instanceof Tick tick) {
                onTick(tick);
            }
            armIdle();
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
                    .withCseqCeiling(settings.cseqBlock());
            write(settings.store().put(s, now), () -> {
                Dialog d = new Dialog(s, 0);
                dialogs.put(s.localTag(), d);
                sub.replyTo().tell(new Subscribed(s.localTag(), sub.expires()));
                watchAll(d, resources);
                armExpiry();
            }, () -> sub.replyTo().tell(new Unavailable("Presence store unavailable")));
        }

        /** RFC 6665 section 4.4.3: Expires 0 on a new SUBSCRIBE fetches the state once; nothing is kept. */
        private void fetch(Subscription s, ActorRef<SubscribeReply> replyTo) {
            replyTo.tell(new Subscribed(s.localTag(), 0));
            List<CompletableFuture<PresentityEntity.ViewReply>> views = new ArrayList<>();
            for (String p : s.resources()) {
                views.add(settings.presentities().view(p, watcher).toCompletableFuture());
            }
            NotifySender sender = settings.notifier();
            CompletableFuture.allOf(views.toArray(CompletableFuture[]::new)).whenComplete((ok, failure) -> {
                List<Rlmi.Resource> parts = new ArrayList<>();
                String single = null;
                for (int i = 0; i < views.size(); i++) {
                    // a failed ask (presentity unreachable) leaves that resource pending; getNow would throw
                    CompletableFuture<PresentityEntity.ViewReply> view = views.get(i);
                    PresentityEntity.ViewReply r = view.isCompletedExceptionally() ? null : view.getNow(null);
                    String pidf = r instanceof PresentityEntity.CurrentView cv
                            ? io.switchboard.presence.domain.PidfWriter.write(cv.view()) : null;
                    single = pidf;
                    parts.add(new Rlmi.Resource(s.resources().get(i), instanceId(s.resources().get(i)),
                            pidf == null ? "pending" : "active", null, pidf));
                }
                if (s.isList()) {
                    Rlmi.Body body = Rlmi.build(s.listUri(), 0, true, parts, Rlmi.newBoundary());
                    sender.send(new NotifySender.Notify(s, 1, "terminated;reason=timeout", body.contentType(), body.text(), true));
                } else {
                    sender.send(new NotifySender.Notify(s, 1, "terminated;reason=timeout",
                            single == null ? null : "application/pidf+xml", single, false));
                }
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
                        () -> r.replyTo().tell(new Unavailable("Presence store unavailable")));
                return;
            }
            Instant now = now();
            Subscription next = d.s.withExpiresAt(now.plusSeconds(r.expires()))
                    .withTarget(r.remoteTarget() == null ? d.s.remoteTarget() : r.remoteTarget(),
                            r.flow() == null ? d.s.flow() : r.flow());
            write(settings.store().put(next, now), () -> {
                d.s = next;
                r.replyTo().tell(new Subscribed(r.localTag(), r.expires()));
                // RFC 6665 section 4.2.1.2: a refresh is answered with a NOTIFY of the current state
                d.fullStateNext = true;
                for (String p : next.resources()) {
                    settings.presentities().watch(p, watcher, next.expiresAt());
                }
                armExpiry();
                flush(d);
            }, () -> r.replyTo().tell(new Unavailable("Presence store unavailable")));
        }

        /** Asks each resource's presentity for its view (and to keep this watcher informed). */
        private void watchAll(Dialog d, List<String> resources) {
            for (String p : resources) {
                if (!known.containsKey(p)) {
                    d.awaiting.add(p);
                }
                ctx.pipeToSelf(settings.presentities().watch(p, watcher, d.s.expiresAt()),
                        (reply, failure) -> new WatchResult(p, reply instanceof PresentityEntity.Watching w ? w : null));
            }
            if (d.awaiting.isEmpty()) {
                flush(d);
            } else {
                d.initialDeadline = ctx.scheduleOnce(settings.initialWait(), ctx.getSelf(), new FlushDue(d.s.localTag()));
            }
        }

        private void onWatchResult(WatchResult wr) {
            if (wr.watching() != null) {
                learn(wr.presentity(), new Known(wr.watching().version(), wr.watching().view(), wr.watching().pidf()), false);
            } else {
                armRewatch();
            }
            for (Dialog d : dialogs.values()) {
                if (d.awaiting.remove(wr.presentity()) && d.awaiting.isEmpty()) {
                    cancel(d.initialDeadline);
                    d.initialDeadline = null;
                    flush(d);
                }
            }
        }

        /** A view of {@code presentity}: kept if newer, and marked for every dialog that has not sent it. */
        private void learn(String presentity, Known k, boolean fromFanout) {
            Known old = known.get(presentity);
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
                if (!sameState(k.view(), d.sent.get(presentity))) {
                    d.dirty.add(presentity);
                    if (d.awaiting.isEmpty()) {
                        flush(d);
                    }
                }
            }
            if (!watched && fromFanout && state != State.LOADING) {
                settings.presentities().unwatch(presentity, watcher); // a stale watcher row: stop the fan-out
            }
        }

        /** Sends the next NOTIFY of {@code d} if one is due and allowed now. */
        private void flush(Dialog d) {
            if (state == State.WRITING || d.inFlight || !d.awaiting.isEmpty() || !dialogs.containsKey(d.s.localTag())) {
                return;
            }
            if (d.dirty.isEmpty() && !d.fullStateNext) {
                return;
            }
            Instant now = now();
            Instant allowed = d.lastSentAt.plus(settings.coalesce());
            if (now.isBefore(allowed)) {
                if (d.flushTimer == null) {
                    d.flushTimer = ctx.scheduleOnce(Duration.between(now, allowed), ctx.getSelf(), new FlushDue(d.s.localTag()));
                }
                return;
            }
            if (d.cseq + 1 > d.s.cseqCeiling()) {
                // Reserve the next block of CSeqs in Cassandra before using it (see class comment).
                Subscription next = d.s.withCseqCeiling(d.cseq + settings.cseqBlock());
                write(settings.store().put(next, now), () -> {
                    d.s = next;
                    flush(d);
                }, () -> d.flushTimer = ctx.scheduleOnce(Duration.ofSeconds(1), ctx.getSelf(), new FlushDue(d.s.localTag())));
                return;
            }
            send(d, "active;expires=" + secondsLeft(d.s, now), now);
        }

        private void send(Dialog d, String subscriptionState, Instant now) {
            d.cseq++;
            d.lastSentAt = now;
            NotifySender.Notify notify = buildNotify(d, subscriptionState);
            d.inFlight = true;
            ctx.getLog().debug("NOTIFY {} CSeq {} to {} ({})", d.s.localTag(), d.cseq, watcher, subscriptionState);
            long cseq = d.cseq;
            String tag = d.s.localTag();
            ctx.pipeToSelf(settings.notifier().send(notify),
                    (outcome, failure) -> new NotifyDone(tag, cseq, failure != null ? NotifyOutcome.NOT_SENT : outcome));
        }

        private NotifySender.Notify buildNotify(Dialog d, String subscriptionState) {
            Subscription s = d.s;
            if (!s.isList()) {
                String p = s.resources().isEmpty() ? null : s.resources().get(0);
                Known k = p == null ? null : known.get(p);
                d.dirty.clear();
                d.fullStateNext = false;
                if (k == null) {
                    // no view yet (presentity unreachable): say so rather than invent a state
                    return new NotifySender.Notify(s, d.cseq, subscriptionState.startsWith("active")
                            ? subscriptionState.replace("active", "pending") : subscriptionState, null, null, false);
                }
                d.sent.put(p, k.view());
                return new NotifySender.Notify(s, d.cseq, subscriptionState, "application/pidf+xml", k.pidf(), false);
            }
            boolean full = d.fullStateNext;
            List<Rlmi.Resource> parts = new ArrayList<>();
            for (String p : full ? s.resources() : new ArrayList<>(d.dirty)) {
                if (!s.resources().contains(p)) {
                    continue;
                }
                Known k = known.get(p);
                if (k == null) {
                    parts.add(new Rlmi.Resource(p, instanceId(p), "pending", null, null));
                } else {
                    parts.add(new Rlmi.Resource(p, instanceId(p), "active", null, k.pidf()));
                    d.sent.put(p, k.view());
                }
            }
            d.dirty.clear();
            d.fullStateNext = false;
            // RFC 4662 section 5.3: the version rises with every NOTIFY of the dialog; the CSeq does
            // too, across takeovers, so it serves (a gap only follows a full-state NOTIFY).
            Rlmi.Body body = Rlmi.build(s.listUri(), (int) Math.min(Integer.MAX_VALUE, d.cseq), full, parts, Rlmi.newBoundary());
            return new NotifySender.Notify(s, d.cseq, subscriptionState, body.contentType(), body.text(), true);
        }

        private void onNotifyDone(NotifyDone done) {
            Dialog d = dialogs.get(done.localTag());
            if (d == null || d.cseq != done.cseq()) {
                return;
            }
            d.inFlight = false;
            ctx.getLog().debug("NOTIFY {} CSeq {}: {}", done.localTag(), done.cseq(), done.outcome());
            if (done.outcome() == NotifyOutcome.ENDS_SUBSCRIPTION) {
                ctx.getLog().debug("Subscription {} of {} ended by its NOTIFY's outcome", done.localTag(), watcher);
                remove(d);
                return;
            }
            flush(d);
        }

        /** Ends a dialog with a final NOTIFY (RFC 6665 section 4.2.2) and forgets it. */
        private void terminate(Dialog d, String reason) {
            terminate(d, reason, () -> { }, () -> { });
        }

        /**
         * The final NOTIFY goes out only once the dialog's row is deleted: its CSeq may lie above the
         * stored ceiling, and a dialog still stored could be resumed by another node with that CSeq.
         * If the delete fails nothing is sent (the subscription stays stored and expires by TTL).
         */
        private void terminate(Dialog d, String reason, Runnable afterRemoval, Runnable onFailure) {
            if (!dialogs.containsKey(d.s.localTag())) {
                return;
            }
            d.fullStateNext = true;
            d.awaiting.clear();
            d.cseq++;
            NotifySender.Notify last = buildNotify(d, "terminated;reason=" + reason);
            remove(d, () -> {
                settings.notifier().send(last);
                afterRemoval.run();
            }, onFailure);
        }

        private void remove(Dialog d) {
            remove(d, () -> { }, () -> { });
        }

        private void remove(Dialog d, Runnable then, Runnable onFailure) {
            dialogs.remove(d.s.localTag());
            cancel(d.flushTimer);
            cancel(d.initialDeadline);
            Set<String> stillWatched = new HashSet<>();
            dialogs.values().forEach(o -> stillWatched.addAll(o.s.resources()));
            for (String p : d.s.resources()) {
                if (!stillWatched.contains(p)) {
                    settings.presentities().unwatch(p, watcher);
                    known.remove(p);
                }
            }
            write(settings.store().remove(watcher, d.s.localTag()), () -> {
                armExpiry();
                then.run();
            }, () -> {
                armExpiry();
                onFailure.run();
            });
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
                    terminate(d, "rejected");
                } else if (state == State.IDLE) {
                    Subscription next = d.s.withResources(d.s.resources().stream()
                            .filter(p -> !p.equals(r.presentity())).toList());
                    write(settings.store().put(next, now), () -> {
                        d.s = next;
                        d.sent.remove(r.presentity());
                        d.fullStateNext = true;
                        flush(d);
                    }, () -> { });
                } else {
                    held(r);
                    return;
                }
            }
        }

        private void held(Command c) {
            hold(c);
        }

        private void onPutContact(PutContact p) {
            io.switchboard.presence.domain.Checked<ContactList> next =
                    io.switchboard.presence.domain.ContactListRules.add(contacts, p.contact());
            if (next instanceof io.switchboard.presence.domain.Checked.Invalid<ContactList> invalid) {
                p.replyTo().tell(new ContactsRefused(invalid.reasons()));
                return;
            }
            editContacts(settings.contacts().put(watcher, p.contact()),
                    ((io.switchboard.presence.domain.Checked.Ok<ContactList>) next).value(), p.replyTo());
        }

        private void onRemoveContact(RemoveContact r) {
            io.switchboard.presence.domain.Checked<ContactList> next =
                    io.switchboard.presence.domain.ContactListRules.remove(contacts, r.uri());
            if (next instanceof io.switchboard.presence.domain.Checked.Invalid<ContactList> invalid) {
                r.replyTo().tell(new ContactsRefused(invalid.reasons()));
                return;
            }
            editContacts(settings.contacts().remove(watcher, r.uri()),
                    ((io.switchboard.presence.domain.Checked.Ok<ContactList>) next).value(), r.replyTo());
        }

        /** Stores the edit, then brings every contact-list subscription up to date (full state). */
        private void editContacts(CompletionStage<Void> io, ContactList next, ActorRef<ContactsReply> replyTo) {
            Instant now = now();
            List<Dialog> following = dialogs.values().stream().filter(d -> d.s.followsContacts()).toList();
            CompletionStage<Void> all = io;
            List<Subscription> updated = new ArrayList<>();
            for (Dialog d : following) {
                Subscription s = d.s.withResources(next.uris());
                updated.add(s);
                all = all.thenCompose(v -> settings.store().put(s, now));
            }
            write(all, () -> {
                List<String> before = contacts.uris();
                contacts = next;
                replyTo.tell(new Contacts(next));
                for (int i = 0; i < following.size(); i++) {
                    Dialog d = following.get(i);
                    d.s = updated.get(i);
                    d.fullStateNext = true;
                    List<String> added = next.uris().stream().filter(u -> !before.contains(u)).toList();
                    watchAll(d, added);
                }
                before.stream().filter(u -> !next.uris().contains(u)).forEach(u -> {
                    boolean used = dialogs.values().stream().anyMatch(d -> d.s.resources().contains(u));
                    if (!used) {
                        settings.presentities().unwatch(u, watcher);
                        known.remove(u);
                    }
                });
            }, () -> replyTo.tell(new Unavailable("Presence store unavailable")));
        }

        private void onTick(Tick tick) {
            Instant now = now();
            switch (tick) {
                case EXPIRY -> {
                    expiryTimer = null;
                    for (Dialog d : new ArrayList<>(dialogs.values())) {
                        if (!d.s.isLive(now)) {
                            terminate(d, "timeout");
                        }
                    }
                    armExpiry();
                }
                case REWATCH -> {
                    rewatchTimer = null;
                    Set<String> missing = new LinkedHashSet<>();
                    dialogs.values().forEach(d -> d.s.resources().stream().filter(p -> !known.containsKey(p)).forEach(missing::add));
                    for (String p : missing) {
                        Instant until = dialogs.values().stream().filter(d -> d.s.resources().contains(p))
                                .map(d -> d.s.expiresAt()).max(Instant::compareTo).orElse(now);
                        ctx.pipeToSelf(settings.presentities().watch(p, watcher, until),
                                (reply, failure) -> new WatchResult(p, reply instanceof PresentityEntity.Watching w ? w : null));
                    }
                }
                case IDLE -> {
                    idleTimer = null;
                    if (dialogs.isEmpty() && state == State.IDLE && held == null) {
                        shard.tell(new ClusterSharding.Passivate<>(ctx.getSelf()));
                    }
                }
            }
        }

        private void write(CompletionStage<Void> io, Runnable then, Runnable onFailure) {
            ctx.pipeToSelf(io, (ok, failure) -> failure != null ? new WriteFailed(failure, onFailure) : new Written(then));
            state = State.WRITING;
        }

        private Behavior<Command> becomeIdle() {
            if (state != State.WRITING) {
                state = State.IDLE;
            }
            while (state == State.IDLE && held != null && !held.isEmpty()) {
                onIdle(held.poll());
            }
            if (held != null && held.isEmpty()) {
                held = null;
            }
            if (state == State.IDLE) {
                // dialogs that wanted to send while a write was in flight
                for (Dialog d : new ArrayList<>(dialogs.values())) {
                    if (state != State.IDLE) {
                        break;
                    }
                    if ((!d.dirty.isEmpty() || d.fullStateNext) && d.flushTimer == null) {
                        flush(d);
                    }
                }
            }
            return this;
        }

        private Behavior<Command> hold(Command command) {
            if (held == null) {
                held = new ArrayDeque<>(8);
            } else if (held.size() >= settings.stashCapacity()) {
                refuse(command, "Too many pending requests for " + watcher);
                return this;
            }
            held.add(command);
            return this;
        }

        private static void refuse(Command c, String reason) {
            Unavailable u = new Unavailable(reason);
            if (c instanceof Subscribe s) {
                s.replyTo().tell(u);
            } else if (c instanceof Refresh r) {
                r.replyTo().tell(u);
            } else if (c instanceof GetContacts g) {
                g.replyTo().tell(u);
            } else if (c instanceof PutContact p) {
                p.replyTo().tell(u);
            } else if (c instanceof RemoveContact r) {
                r.replyTo().tell(u);
            }
        }

        private void armExpiry() {
            cancel(expiryTimer);
            expiryTimer = null;
            Instant earliest = null;
            for (Dialog d : dialogs.values()) {
                earliest = earliest == null || d.s.expiresAt().isBefore(earliest) ? d.s.expiresAt() : earliest;
            }
            if (earliest != null) {
                Duration delay = Duration.between(now(), earliest);
                expiryTimer = ctx.scheduleOnce(delay.isNegative() ? Duration.ZERO : delay, ctx.getSelf(), Tick.EXPIRY);
            }
        }

        private void armRewatch() {
            if (rewatchTimer == null) {
                rewatchTimer = ctx.scheduleOnce(settings.rewatch(), ctx.getSelf(), Tick.REWATCH);
            }
        }

        private void armIdle() {
            if (idleTimer == null && dialogs.isEmpty()) {
                idleTimer = ctx.scheduleOnce(settings.passivateAfter(), ctx.getSelf(), Tick.IDLE);
            }
        }

        private static void cancel(Cancellable c) {
            if (c != null) {
                c.cancel();
            }
        }

        private Instant now() {
            return settings.clock().instant();
        }
    }

    /**
     * Whether a watcher would see a difference. The timestamp alone does not count: a presentity
     * entity that starts again (on another node, or after passivation) stamps its unchanged
     * aggregate anew, and that must not NOTIFY every watcher.
     */
    static boolean sameState(PresenceView a, PresenceView b) {
        return b != null && a.availability() == b.availability() && Objects.equals(a.activity(), b.activity())
                && Objects.equals(a.note(), b.note()) && a.phones().equals(b.phones());
    }

    static long secondsLeft(Subscription s, Instant now) {
        long millis = Duration.between(now, s.expiresAt()).toMillis();
        return Math.max(0, (millis + 999) / 1000);
    }

    /** A stable RLMI instance id per resource (RFC 4662 section 5.2: ids identify instances across NOTIFYs). */
    static String instanceId(String uri) {
        return Integer.toHexString(Objects.hashCode(uri)) + Integer.toHexString(uri.length());
    }
}

package io.switchboard.presence.entity;

import io.switchboard.entity.EntitySettings;
import io.switchboard.entity.WriteThroughEntity;
import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.presence.domain.DialogPlan;
import io.switchboard.presence.domain.NotifyComposer;
import io.switchboard.presence.domain.NotifyComposer.KnownView;
import io.switchboard.presence.domain.Subscription;
import io.switchboard.presence.domain.WatchedResources;
import io.switchboard.presence.entity.WatcherEntity.Command;
import io.switchboard.presence.entity.WatcherEntity.Loaded;
import io.switchboard.presence.entity.WatcherEntity.NotifyDone;
import io.switchboard.presence.entity.WatcherEntity.PresenceChanged;
import io.switchboard.presence.entity.WatcherEntity.Refresh;
import io.switchboard.presence.entity.WatcherEntity.Revoked;
import io.switchboard.presence.entity.WatcherEntity.Settings;
import io.switchboard.presence.entity.WatcherEntity.Subscribe;
import io.switchboard.presence.entity.WatcherEntity.SubscribeRefused;
import io.switchboard.presence.entity.WatcherEntity.Subscribed;
import io.switchboard.presence.entity.WatcherEntity.Unavailable;
import io.switchboard.presence.entity.WatcherEntity.WatchResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/** The running {@link WatcherEntity}: its dialogs and contact list on the shared write-through lifecycle. */
final class WatcherBehavior extends WriteThroughEntity<Command, Loaded> {

    /**
     * How long before a dialog's expiry the due sweeper wakes its entity: more than the sweeper's
     * interval and grace together (pool-node's EntityTuning), less than the shortest subscription.
     */
    static final java.time.Duration EXPIRY_WAKE_LEAD = java.time.Duration.ofSeconds(30);

    private final Settings settings;
    private final Map<String, Dialog> dialogs = new LinkedHashMap<>();
    private final WatchedViews views;
    private final ContactListEdits contacts;
    private final DialogNotifier notifier;

    WatcherBehavior(
            String watcher,
            Settings settings,
            EntitySettings lifecycle,
            ActorRef<ClusterSharding.ShardCommand> shard,
            ActorContext<Command> ctx) {
        super(watcher, lifecycle, shard, ctx);
        this.settings = settings;
        Port port = new Port();
        this.views = new WatchedViews(watcher, settings, ctx);
        this.notifier = new DialogNotifier(watcher, settings, ctx, views::get, port);
        this.contacts = new ContactListEdits(watcher, settings, port);
    }

    /** What the collaborators may do with this entity: its write-through lifecycle and its dialogs. */
    private final class Port implements DialogNotifier.Host, ContactListEdits.Host {
        @Override
        public Instant clock() {
            return now();
        }

        @Override
        public boolean busy() {
            return writing();
        }

        @Override
        public void store(Supplier<? extends CompletionStage<?>> io, Runnable onWritten, Consumer<Throwable> onFailed) {
            write(io, onWritten, onFailed);
        }

        @Override
        public WriteStamp stamp() {
            return WatcherBehavior.this.stamp();
        }

        @Override
        public Dialog live(String localTag) {
            return dialogs.get(localTag);
        }

        @Override
        public void remove(Dialog d, Runnable then, Runnable onFailure) {
            WatcherBehavior.this.remove(d, then, onFailure);
        }

        @Override
        public List<Dialog> following() {
            return dialogs.values().stream().filter(d -> d.s.followsContacts()).toList();
        }

        @Override
        public void watchAll(Dialog d, List<String> added) {
            WatcherBehavior.this.watchAll(d, added);
        }

        @Override
        public void unwatchUnused(List<String> candidates) {
            WatcherBehavior.this.unwatchUnused(candidates);
        }
    }

    @Override
    protected CompletionStage<Loaded> load() {
        return settings.store()
                .loadSubscriptions(key, settings.clock())
                .thenCombine(settings.contacts().load(key), Loaded::new);
    }

    @Override
    protected void onLoaded(Loaded loaded) {
        contacts.loaded(loaded.contacts());
        Instant now = now();
        for (Subscription stored : loaded.subscriptions()) {
            if (!stored.isLive(now)) {
                continue;
            }
            // A contact-list dialog's resources are the contact list: an edit stores the list first,
            // so the list is what counts if the dialog's own row was not brought up to date.
            Subscription s = stored.followsContacts()
                    ? stored.withResources(contacts.list().uris())
                    : stored;
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
        } else if (command instanceof WatcherEntity.SubscribeBefore sub) {
            onSubscribe(sub.subscribe()); // in time: the kit refused it otherwise
        } else if (command instanceof WatcherEntity.RefreshBefore r) {
            onRefresh(r.refresh());
        } else if (command instanceof WatcherEntity.SubscribeWithin sub) {
            onSubscribe(sub.subscribe()); // in time: the kit refused it otherwise
        } else if (command instanceof WatcherEntity.RefreshWithin r) {
            onRefresh(r.refresh());
        } else if (command instanceof PresenceChanged pc) {
            settings.presentities().ack(pc.presentity(), key, pc.version());
            learn(pc.presentity(), new KnownView(pc.version(), pc.view(), pc.pidf()), true);
        } else if (command instanceof WatchResult wr) {
            onWatchResult(wr);
        } else if (command instanceof NotifyDone done) {
            notifier.onNotifyDone(done);
        } else if (command instanceof Revoked r) {
            onRevoked(r);
        } else {
            contacts.handle(command); // GetContacts, PutContact, RemoveContact
        }
    }

    private void onSubscribe(Subscribe sub) {
        Subscription draft = sub.draft();
        List<String> resources = draft.followsContacts() ? contacts.list().uris() : draft.resources();
        if (sub.expires() == 0) {
            sub.replyTo().tell(new Subscribed(draft.localTag(), 0));
            OneTimeFetch.send(draft.withResources(resources), key, settings.presentities(), settings.notifier());
            return;
        }
        if (dialogs.size() >= settings.maxDialogs()) {
            // A fixed limit that waiting does not lift (only ending other subscriptions does), so
            // 403 (RFC 3261 section 21.4.4: understood, not served) rather than 503 with
            // Retry-After, which would invite retries that cannot succeed.
            settings.refusals().accept(io.switchboard.presence.domain.PresenceLimits.DIALOGS_PER_WATCHER);
            sub.replyTo().tell(new SubscribeRefused(403, "Too many subscriptions for this watcher"));
            return;
        }
        Instant now = now();
        Subscription s = draft.withResources(resources)
                .withExpiresAt(now.plusSeconds(sub.expires()))
                .withCseqCeiling(DialogPlan.firstCeiling(settings.cseqBlock()));
        write(
                storing(s, now),
                () -> {
                    Dialog d = new Dialog(s, 0);
                    dialogs.put(s.localTag(), d);
                    sub.replyTo().tell(new Subscribed(s.localTag(), sub.expires()));
                    watchAll(d, resources);
                },
                failure -> sub.replyTo().tell(new Unavailable(WatcherEntity.STORE_UNAVAILABLE)));
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
            notifier.terminate(
                    d,
                    "timeout",
                    () -> r.replyTo().tell(new Subscribed(r.localTag(), 0)),
                    () -> r.replyTo().tell(new Unavailable(WatcherEntity.STORE_UNAVAILABLE)));
            return;
        }
        Instant now = now();
        Subscription next = d.s.withExpiresAt(now.plusSeconds(r.expires()))
                .withTarget(
                        r.remoteTarget() == null ? d.s.remoteTarget() : r.remoteTarget(),
                        r.flow() == null ? d.s.flow() : r.flow());
        write(
                storing(next, now),
                () -> {
                    d.s = next;
                    r.replyTo().tell(new Subscribed(r.localTag(), r.expires()));
                    // RFC 6665 section 4.2.1.2: a refresh is answered with a NOTIFY of the current state
                    d.fullStateNext = true;
                    for (String p : next.resources()) {
                        settings.presentities().watch(p, key, next.expiresAt());
                    }
                    notifier.flush(d);
                },
                failure -> r.replyTo().tell(new Unavailable(WatcherEntity.STORE_UNAVAILABLE)));
    }

    /**
     * Stores a new or refreshed dialog. With a due index, its expiry is recorded too, {@link
     * #EXPIRY_WAKE_LEAD} early: should this node die, the sweeper starts the entity on a survivor
     * while the dialog's row still exists (it expires by TTL at the same instant), so that entity's
     * timer sends the final NOTIFY (RFC 6665 section 4.2.2, reason=timeout).
     */
    private java.util.function.Supplier<java.util.concurrent.CompletionStage<?>> storing(Subscription s, Instant now) {
        java.util.function.Supplier<java.util.concurrent.CompletionStage<?>> put =
                () -> settings.store().put(s, now, stamp());
        return settings.dueIndex() == null ? put : wakingAt(put, s.expiresAt().minus(EXPIRY_WAKE_LEAD));
    }

    /** Asks each resource's presentity for its view (and to keep this watcher informed). */
    private void watchAll(Dialog d, List<String> resources) {
        for (String p : resources) {
            if (views.awaitsFirstView(p)) {
                // a resource refused before (e.g. its presentity was full) is asked again: wait for
                // that answer rather than send an empty NOTIFY first
                d.awaiting.add(p);
            }
            views.watch(p, d.s.expiresAt());
        }
        if (d.awaiting.isEmpty()) {
            notifier.flush(d);
        } else {
            d.flushAt = earliest(d.flushAt, now().plus(settings.initialWait()));
        }
    }

    private void onWatchResult(WatchResult wr) {
        if (wr.notWatched() != null) {
            notWatched(wr.presentity(), wr.notWatched());
        } else if (wr.watching() != null) {
            learn(
                    wr.presentity(),
                    new KnownView(
                            wr.watching().version(),
                            wr.watching().view(),
                            wr.watching().pidf()),
                    false);
        } else {
            views.noAnswer(now());
        }
        for (Dialog d : dialogs.values()) {
            if (d.awaiting.remove(wr.presentity()) && d.awaiting.isEmpty()) {
                d.flushAt = null;
                notifier.flush(d);
            }
        }
    }

    /**
     * {@code presentity} will not be served to this watcher: a plain dialog of it ends with a
     * final NOTIFY carrying {@code reason} (RFC 6665 section 4.2.2), a list reports the resource's
     * instance as terminated with that reason (RFC 4662 section 5.2) and keeps the others.
     */
    private void notWatched(String presentity, String reason) {
        views.refused(presentity, reason);
        for (Dialog d : new ArrayList<>(dialogs.values())) {
            if (!d.s.resources().contains(presentity)) {
                continue;
            }
            if (d.s.isList()) {
                d.dirty.add(presentity); // sent once the dialog waits for no other first view
                notifier.flush(d);
            } else {
                notifier.terminate(d, reason, () -> {}, () -> {});
            }
        }
    }

    /** A view of {@code presentity}: kept if newer, and marked for every dialog that has not sent it. */
    private void learn(String presentity, KnownView k, boolean fromFanout) {
        if (!views.learn(presentity, k)) {
            return;
        }
        boolean watched = false;
        for (Dialog d : dialogs.values()) {
            if (!d.s.resources().contains(presentity)) {
                continue;
            }
            watched = true;
            if (!NotifyComposer.sameState(k.view(), d.sent.get(presentity))) {
                d.dirty.add(presentity);
                notifier.flush(d);
            }
        }
        if (!watched && fromFanout) {
            views.stopFanout(presentity); // a stale watcher row: stop the fan-out
        }
    }

    private void remove(Dialog d, Runnable then, Runnable onFailure) {
        dialogs.remove(d.s.localTag());
        unwatchUnused(d.s.resources());
        write(() -> settings.store().remove(key, d.s.localTag(), stamp()), then, failure -> onFailure.run());
    }

    /**
     * RFC 6665 section 4.2.2 "rejected": a plain subscription to the presentity ends; a list
     * loses the resource (the next full-state NOTIFY no longer has it).
     */
    private void onRevoked(Revoked r) {
        views.forget(r.presentity());
        Instant now = now();
        for (Dialog d : new ArrayList<>(dialogs.values())) {
            if (!d.s.resources().contains(r.presentity())) {
                continue;
            }
            if (!d.s.isList()) {
                notifier.terminate(d, "rejected", () -> {}, () -> {});
                continue;
            }
            Subscription next = d.s.withResources(d.s.resources().stream()
                    .filter(p -> !p.equals(r.presentity()))
                    .toList());
            write(
                    () -> settings.store().put(next, now, stamp()),
                    () -> {
                        d.s = next;
                        d.sent.remove(r.presentity());
                        d.fullStateNext = true;
                        notifier.flush(d);
                    },
                    failure -> {});
        }
    }

    /** Dialogs that wanted to send while a write was in flight. */
    @Override
    protected void onIdle() {
        notifier.onIdle(dialogs.values());
    }

    @Override
    protected Instant nextDeadline() {
        Instant next = views.rewatchAt();
        for (Dialog d : dialogs.values()) {
            next = earliest(earliest(next, d.s.expiresAt()), d.flushAt);
        }
        return next;
    }

    @Override
    protected void onDeadline(Instant now) {
        for (Dialog d : new ArrayList<>(dialogs.values())) {
            if (!d.s.isLive(now)) {
                notifier.terminate(d, "timeout", () -> {}, () -> {});
            } else if (d.flushAt != null && !d.flushAt.isAfter(now)) {
                d.flushAt = null;
                d.awaiting.clear(); // the wait for first views is over: send what we have
                notifier.flush(d);
            }
        }
        views.onDeadline(now, subscriptions());
    }

    /** Of {@code candidates}, the presentities no dialog watches any more are told to stop, and forgotten. */
    private void unwatchUnused(List<String> candidates) {
        for (String p : WatchedResources.unused(candidates, subscriptions())) {
            views.unwatch(p);
        }
    }

    private List<Subscription> subscriptions() {
        return dialogs.values().stream().map(d -> d.s).toList();
    }

    @Override
    protected boolean holdsNothing() {
        return dialogs.isEmpty();
    }

    private static Instant earliest(Instant a, Instant b) {
        return a == null ? b : b == null || a.isBefore(b) ? a : b;
    }
}

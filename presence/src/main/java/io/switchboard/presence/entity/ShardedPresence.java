package io.switchboard.presence.entity;

import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.Contact;
import io.switchboard.presence.domain.PresenceView;
import io.switchboard.presence.domain.PublishRequest;
import io.switchboard.presence.domain.Subscription;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Presence entities reached over cluster sharding, wherever they live: the node's
 * {@link PresentityClient}, the presentities' {@link PresentityEntity.WatcherNotifier}, the SIP
 * edge's way to watchers' entities, and what {@link EntityPresenceAdmin} uses. Asks never
 * block; answers complete on the replying thread (see {@code RegistrarClient.onCompletingThread}
 * for why not Pekko's own stage).
 */
public final class ShardedPresence implements PresentityClient, PresentityEntity.WatcherNotifier {

    private final ClusterSharding sharding;
    private final Duration askTimeout;

    /**
     * The time PUBLISHes, SUBSCRIBEs and refreshes may wait, sent as {@link io.switchboard.entity.TimeLeft}
     * in messages a node of an earlier release cannot read. Null (a rolling upgrade from one): the
     * older messages; a PUBLISH then carries an instant of this node's wall clock a fifth of the ask
     * timeout before it ends.
     */
    private final io.switchboard.entity.AskBudget budget;

    private final java.time.Clock clock;

    public ShardedPresence(ActorSystem<?> system, Duration askTimeout) {
        this.sharding = ClusterSharding.get(system);
        this.askTimeout = askTimeout;
        this.budget = null;
        this.clock = java.time.Clock.systemUTC();
    }

    /**
     * Asks with {@code budget}'s timeout; a PUBLISH, SUBSCRIBE or refresh carries the time its
     * entity has to start on it ({@code budget.timeLeft()}), so the entity, whose writes are
     * bounded by the budget's write timeout, answers before the ask times out and the answer
     * matches what was stored (issue 17, item 4); a watch carries its lifetime, counted by the
     * presentity from {@code clock}'s now.
     */
    public ShardedPresence(ActorSystem<?> system, io.switchboard.entity.AskBudget budget, java.time.Clock clock) {
        this.sharding = ClusterSharding.get(system);
        this.askTimeout = budget.askTimeout();
        this.budget = budget;
        this.clock = clock;
    }

    private org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef<PresentityEntity.Command> presentity(String aor) {
        return sharding.entityRefFor(PresentityEntity.ENTITY_KEY, aor);
    }

    private org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef<WatcherEntity.Command> watcher(String aor) {
        return sharding.entityRefFor(WatcherEntity.ENTITY_KEY, aor);
    }

    // --- PresentityClient

    @Override
    public CompletionStage<PresentityEntity.WatchReply> watch(String p, String w, Instant expiresAt) {
        if (budget != null) {
            // the lifetime, counted by the presentity on its own clock (rule 10); expiresAt is ours
            Duration lifetime = Duration.between(clock.instant(), expiresAt);
            return inline(
                    presentity(p).ask(replyTo -> new PresentityEntity.WatchFor(w, lifetime, replyTo), askTimeout));
        }
        return inline(presentity(p).ask(replyTo -> new PresentityEntity.Watch(w, expiresAt, replyTo), askTimeout));
    }

    @Override
    public void unwatch(String p, String w) {
        presentity(p).tell(new PresentityEntity.Unwatch(w));
    }

    @Override
    public void ack(String p, String w, long version) {
        presentity(p).tell(new PresentityEntity.Ack(w, version));
    }

    @Override
    public CompletionStage<PresentityEntity.ViewReply> view(String p, String w) {
        return inline(presentity(p).ask(replyTo -> new PresentityEntity.GetView(w, replyTo), askTimeout));
    }

    @Override
    public CompletionStage<PresentityEntity.PublishReply> publish(String p, PublishRequest request) {
        if (budget != null) {
            // the time left, counted on whichever node holds the message, never an instant (rule 10)
            io.switchboard.entity.TimeLeft left = budget.timeLeft();
            return inline(presentity(p)
                    .ask(replyTo -> new PresentityEntity.PublishWithin(request, left, replyTo), askTimeout));
        }
        // a rolling upgrade: the message an earlier release reads, with an instant of our clock a
        // margin before the ask's own timeout, so an answer sent just in time still reaches the edge
        Instant deadline = Instant.now().plus(askTimeout.minus(askTimeout.dividedBy(5)));
        return inline(
                presentity(p).ask(replyTo -> new PresentityEntity.Publish(request, deadline, replyTo), askTimeout));
    }

    @Override
    public CompletionStage<PresentityEntity.AccessReply> access(String p) {
        return inline(presentity(p).ask(PresentityEntity.GetAccess::new, askTimeout));
    }

    @Override
    public CompletionStage<PresentityEntity.AccessReply> setAccess(String p, String key, AccessLevel level) {
        return inline(presentity(p).ask(replyTo -> new PresentityEntity.SetAccess(key, level, replyTo), askTimeout));
    }

    @Override
    public void endpointsChanged(String p, List<Endpoint> endpoints) {
        presentity(p).tell(new PresentityEntity.EndpointsChanged(endpoints));
    }

    // --- WatcherNotifier

    @Override
    public void changed(String w, String p, long version, PresenceView view, String pidf) {
        watcher(w).tell(new WatcherEntity.PresenceChanged(p, version, view, pidf));
    }

    @Override
    public void revoked(String w, String p) {
        watcher(w).tell(new WatcherEntity.Revoked(p));
    }

    public CompletionStage<PresentityEntity.AccessReply> revoke(String p, String w) {
        return inline(presentity(p).ask(replyTo -> new PresentityEntity.Revoke(w, replyTo), askTimeout));
    }

    // --- the SIP edge

    public CompletionStage<WatcherEntity.SubscribeReply> subscribe(Subscription draft, long expires) {
        if (budget != null) {
            io.switchboard.entity.TimeLeft left = budget.timeLeft();
            return inline(watcher(draft.watcher())
                    .ask(
                            replyTo -> new WatcherEntity.SubscribeWithin(
                                    new WatcherEntity.Subscribe(draft, expires, replyTo), left),
                            askTimeout));
        }
        return inline(watcher(draft.watcher())
                .ask(replyTo -> new WatcherEntity.Subscribe(draft, expires, replyTo), askTimeout));
    }

    public CompletionStage<WatcherEntity.SubscribeReply> refresh(
            String w, String localTag, long expires, String target, io.switchboard.sip.flow.Flow flow) {
        if (budget != null) {
            io.switchboard.entity.TimeLeft left = budget.timeLeft();
            return inline(watcher(w)
                    .ask(
                            replyTo -> new WatcherEntity.RefreshWithin(
                                    new WatcherEntity.Refresh(localTag, expires, target, flow, replyTo), left),
                            askTimeout));
        }
        return inline(watcher(w)
                .ask(replyTo -> new WatcherEntity.Refresh(localTag, expires, target, flow, replyTo), askTimeout));
    }

    // --- contact lists (the watcher's entity is their single writer)

    public CompletionStage<WatcherEntity.ContactsReply> contacts(String owner) {
        return inline(watcher(owner).ask(WatcherEntity.GetContacts::new, askTimeout));
    }

    public CompletionStage<WatcherEntity.ContactsReply> putContact(String owner, Contact contact) {
        return inline(watcher(owner).ask(replyTo -> new WatcherEntity.PutContact(contact, replyTo), askTimeout));
    }

    public CompletionStage<WatcherEntity.ContactsReply> removeContact(String owner, String uri) {
        return inline(watcher(owner).ask(replyTo -> new WatcherEntity.RemoveContact(uri, replyTo), askTimeout));
    }

    private static <T> CompletionStage<T> inline(CompletionStage<T> stage) {
        CompletableFuture<T> mirror = new CompletableFuture<>();
        stage.whenCompleteAsync(
                (v, f) -> {
                    if (f != null) {
                        mirror.completeExceptionally(f);
                    } else {
                        mirror.complete(v);
                    }
                },
                Runnable::run);
        return mirror;
    }
}

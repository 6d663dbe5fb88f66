package io.switchboard.presence.entity;

import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.CustomStates;
import io.switchboard.presence.domain.PresenceView;
import io.switchboard.presence.domain.PublishRequest;
import io.switchboard.presence.domain.PublishRules;
import io.switchboard.presence.store.InMemoryAccessStore;
import io.switchboard.presence.store.InMemoryContactListStore;
import io.switchboard.presence.store.InMemoryPresentityStore;
import io.switchboard.presence.store.InMemorySubscriptionStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Presentity and watcher entities created with {@code create(...)} in one test actor system, wired
 * to each other directly (no cluster): the {@link PresentityClient} the watchers use and the
 * {@link PresentityEntity.WatcherNotifier} the presentities use. Every fan-out is recorded.
 * Entities are spawned by the test ({@link #presentity}, {@link #watcher}); a watcher spawned again
 * under the same AOR replaces the old one, as a takeover by another node would.
 */
final class LocalPresence implements PresentityClient, PresentityEntity.WatcherNotifier {

    static final Duration ASK = Duration.ofSeconds(3);
    static final Set<String> DOMAINS = Set.of("example.test");

    /** One view a presentity sent to a watcher. */
    record Fanout(String watcher, String presentity, long version, PresenceView view, String pidf) {}

    final ActorTestKit kit;
    final InMemoryPresentityStore presentityStore = new InMemoryPresentityStore();
    final InMemoryAccessStore accessStore = new InMemoryAccessStore();
    final InMemorySubscriptionStore subscriptionStore = new InMemorySubscriptionStore();
    final InMemoryContactListStore contactStore = new InMemoryContactListStore();
    final RecordingNotifySender sender = new RecordingNotifySender();
    final Map<String, List<Endpoint>> registered = new ConcurrentHashMap<>();
    final List<Fanout> fanouts = new CopyOnWriteArrayList<>();
    final List<String> unwatched = new CopyOnWriteArrayList<>();
    private final Map<String, ActorRef<PresentityEntity.Command>> presentities = new ConcurrentHashMap<>();
    private final Map<String, ActorRef<WatcherEntity.Command>> watchers = new ConcurrentHashMap<>();

    LocalPresence(ActorTestKit kit) {
        this.kit = kit;
    }

    PresentityEntity.Settings presentitySettings(Duration coalesce) {
        return presentitySettings(coalesce, new PublishRules(PublishRules.Limits.DEFAULTS), Duration.ofSeconds(30));
    }

    PresentityEntity.Settings presentitySettings(Duration coalesce, PublishRules rules, Duration retry) {
        return new PresentityEntity.Settings(
                presentityStore,
                accessStore,
                p -> CompletableFuture.completedFuture(registered.getOrDefault(p, List.of())),
                this,
                rules,
                CustomStates.NONE,
                DOMAINS,
                coalesce,
                retry,
                Duration.ofMinutes(5),
                100,
                Clock.systemUTC(),
                Integer.MAX_VALUE, // no watcher cap: PresenceLimitsEntityTest sets its own
                cap -> {},
                null);
    }

    WatcherEntity.Settings watcherSettings(Duration coalesce, long cseqBlock) {
        return new WatcherEntity.Settings(
                subscriptionStore,
                contactStore,
                this,
                sender,
                coalesce,
                Duration.ofSeconds(2),
                Duration.ofSeconds(1),
                cseqBlock,
                Duration.ofMinutes(5),
                100,
                Clock.systemUTC(),
                null,
                Integer.MAX_VALUE, // no dialog cap: PresenceLimitsEntityTest sets its own
                cap -> {},
                null);
    }

    ActorRef<PresentityEntity.Command> presentity(String aor, PresentityEntity.Settings settings) {
        ActorRef<PresentityEntity.Command> ref = kit.spawn(PresentityEntity.create(
                aor,
                settings,
                kit.<org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.ShardCommand>createTestProbe()
                        .getRef()));
        presentities.put(aor, ref);
        return ref;
    }

    /**
     * Starts a spawned presentity the way sharding does, with a message (the due sweeper's wake):
     * a presentity looks at its first message before it loads (PresentityEntity's start gate).
     */
    @SuppressWarnings("unchecked")
    static ActorRef<PresentityEntity.Command> started(ActorRef<PresentityEntity.Command> presentity) {
        ((ActorRef<io.switchboard.entity.EntityCommand>) (ActorRef<?>) presentity)
                .tell(io.switchboard.entity.ShardedEntities.WAKE);
        return presentity;
    }

    ActorRef<WatcherEntity.Command> watcher(String aor, WatcherEntity.Settings settings) {
        ActorRef<WatcherEntity.Command> ref = kit.spawn(WatcherEntity.create(
                aor,
                settings,
                kit.<org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.ShardCommand>createTestProbe()
                        .getRef()));
        watchers.put(aor, ref);
        return ref;
    }

    List<Fanout> fanoutsTo(String watcher) {
        return fanouts.stream().filter(f -> f.watcher().equals(watcher)).toList();
    }

    /** Null for a presentity the test did not spawn: it behaves as unreachable (asks time out). */
    private ActorRef<PresentityEntity.Command> ref(String presentity) {
        return presentities.get(presentity);
    }

    private static <T> CompletionStage<T> unreachable(String presentity) {
        return CompletableFuture.failedFuture(new java.util.concurrent.TimeoutException("no entity for " + presentity));
    }

    @Override
    public void changed(String watcher, String presentity, long version, PresenceView view, String pidf) {
        fanouts.add(new Fanout(watcher, presentity, version, view, pidf));
        ActorRef<WatcherEntity.Command> w = watchers.get(watcher);
        if (w != null) {
            w.tell(new WatcherEntity.PresenceChanged(presentity, version, view, pidf));
        }
    }

    @Override
    public void revoked(String watcher, String presentity) {
        ActorRef<WatcherEntity.Command> w = watchers.get(watcher);
        if (w != null) {
            w.tell(new WatcherEntity.Revoked(presentity));
        }
    }

    @Override
    public CompletionStage<PresentityEntity.WatchReply> watch(String presentity, String watcher, Instant expiresAt) {
        if (ref(presentity) == null) {
            return unreachable(presentity);
        }
        return AskPattern.ask(
                ref(presentity), r -> new PresentityEntity.Watch(watcher, expiresAt, r), ASK, kit.scheduler());
    }

    @Override
    public void unwatch(String presentity, String watcher) {
        unwatched.add(presentity + " " + watcher);
        if (ref(presentity) != null) {
            ref(presentity).tell(new PresentityEntity.Unwatch(watcher));
        }
    }

    @Override
    public void ack(String presentity, String watcher, long version) {
        if (ref(presentity) != null) {
            ref(presentity).tell(new PresentityEntity.Ack(watcher, version));
        }
    }

    @Override
    public CompletionStage<PresentityEntity.ViewReply> view(String presentity, String watcher) {
        if (ref(presentity) == null) {
            return unreachable(presentity);
        }
        return AskPattern.ask(ref(presentity), r -> new PresentityEntity.GetView(watcher, r), ASK, kit.scheduler());
    }

    @Override
    public CompletionStage<PresentityEntity.PublishReply> publish(String presentity, PublishRequest request) {
        if (ref(presentity) == null) {
            return unreachable(presentity);
        }
        return AskPattern.ask(ref(presentity), r -> new PresentityEntity.Publish(request, r), ASK, kit.scheduler());
    }

    @Override
    public CompletionStage<PresentityEntity.AccessReply> access(String presentity) {
        if (ref(presentity) == null) {
            return unreachable(presentity);
        }
        return AskPattern.ask(ref(presentity), PresentityEntity.GetAccess::new, ASK, kit.scheduler());
    }

    @Override
    public CompletionStage<PresentityEntity.AccessReply> setAccess(String presentity, String key, AccessLevel level) {
        if (ref(presentity) == null) {
            return unreachable(presentity);
        }
        return AskPattern.ask(
                ref(presentity), r -> new PresentityEntity.SetAccess(key, level, r), ASK, kit.scheduler());
    }

    @Override
    public void endpointsChanged(String presentity, List<Endpoint> endpoints) {
        if (ref(presentity) != null) {
            ref(presentity).tell(new PresentityEntity.EndpointsChanged(endpoints));
        }
    }
}

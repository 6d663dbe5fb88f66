package io.switchboard.presence.entity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

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
import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.AccessPolicy;
import io.switchboard.presence.domain.Aggregate;
import io.switchboard.presence.domain.Aggregation;
import io.switchboard.presence.domain.CustomStates;
import io.switchboard.presence.domain.PidfParser;
import io.switchboard.presence.domain.PidfWriter;
import io.switchboard.presence.domain.PresenceView;
import io.switchboard.presence.domain.Publication;
import io.switchboard.presence.domain.Publications;
import io.switchboard.presence.domain.PublishDecision;
import io.switchboard.presence.domain.PublishRequest;
import io.switchboard.presence.domain.PublishRules;
import io.switchboard.presence.domain.PublishedState;
import io.switchboard.presence.domain.Source;
import io.switchboard.presence.domain.WatcherView;
import io.switchboard.presence.store.AccessStore;
import io.switchboard.presence.store.PresentityStore;

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
 */
public final class PresentityEntity {

    public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "presentity");

    public sealed interface Command extends EntityCommand permits Publish, EndpointsChanged, Watch, Unwatch, Ack, GetView,
            GetAccess, SetAccess, Revoke {
    }

    /**
     * A PUBLISH from the SIP edge, already parsed and interpreted.
     *
     * @param deadline when the asking edge stops waiting and answers 503; a PUBLISH that reaches
     *                 the entity later (held by sharding while the entity moved off a dead node) is
     *                 not applied, since its client was told it failed and will retry it. Null: none.
     */
    public record Publish(PublishRequest request, Instant deadline, ActorRef<PublishReply> replyTo) implements Command {
        @Override
        public boolean refuse(String reason) {
            replyTo.tell(new Unavailable(reason));
            return true;
        }

        public Publish(PublishRequest request, ActorRef<PublishReply> replyTo) {
            this(request, null, replyTo);
        }
    }

    /** The registrar's view of the presentity's endpoints changed (registration drives presence). */
    public record EndpointsChanged(List<Endpoint> endpoints) implements Command {
        @Override
        public boolean waitsForWrite() {
            return false; // changes no stored row
        }

    }

    /** A watcher's entity starts or extends watching; the answer carries what it may see now. */
    public record Watch(String watcher, Instant expiresAt, ActorRef<WatchReply> replyTo) implements Command {
        @Override
        public boolean refuse(String reason) {
            replyTo.tell(new Unavailable(reason));
            return true;
        }

    }

    /** The watcher no longer has any subscription to this presentity. */
    public record Unwatch(String watcher) implements Command {
    }

    /** The watcher's entity has the view of {@code version}. */
    public record Ack(String watcher, long version) implements Command {
        @Override
        public boolean waitsForWrite() {
            return false; // changes no stored row
        }

    }

    /** What {@code watcher} sees now; null watcher = the full view. */
    public record GetView(String watcher, ActorRef<ViewReply> replyTo) implements Command {
        @Override
        public boolean refuse(String reason) {
            replyTo.tell(new Unavailable(reason));
            return true;
        }

    }

    public record GetAccess(ActorRef<AccessReply> replyTo) implements Command {
        @Override
        public boolean refuse(String reason) {
            replyTo.tell(new Unavailable(reason));
            return true;
        }

    }

    /** Sets (or, level null, removes) the level of a watcher AOR or domain; affected watchers are re-notified at once. */
    public record SetAccess(String key, AccessLevel level, ActorRef<AccessReply> replyTo) implements Command {
        @Override
        public boolean refuse(String reason) {
            replyTo.tell(new Unavailable(reason));
            return true;
        }

    }

    /**
     * Loss of authorization, an operator's decision: the watcher is blocked and its subscriptions to
     * this presentity end with {@code Subscription-State: terminated;reason=rejected} (RFC 6665
     * section 4.2.2: "SHOULD NOT attempt to re-subscribe"). Unlike setting Blocked, which hides the
     * state behind Offline, this tells the watcher that it lost access.
     */
    public record Revoke(String watcher, ActorRef<AccessReply> replyTo) implements Command {
        @Override
        public boolean refuse(String reason) {
            replyTo.tell(new Unavailable(reason));
            return true;
        }

    }

    public sealed interface PublishReply permits Published, PublishRefused, Unavailable {
    }

    public record Published(String etag, long expires) implements PublishReply {
    }

    public record PublishRefused(int status, String reason, long minExpires) implements PublishReply {
    }

    public record Unavailable(String reason) implements PublishReply, WatchReply, ViewReply, AccessReply {
    }

    public sealed interface WatchReply permits Watching, Unavailable {
    }

    public record Watching(String presentity, long version, PresenceView view, String pidf) implements WatchReply {
    }

    public sealed interface ViewReply permits CurrentView, Unavailable {
    }

    public record CurrentView(PresenceView view) implements ViewReply {
    }

    public sealed interface AccessReply permits CurrentAccess, Unavailable {
    }

    public record CurrentAccess(AccessPolicy policy) implements AccessReply {
    }

    /** What a presentity loads when it starts. */
    record Loaded(PresentityStore.Loaded stored, AccessPolicy policy, List<Endpoint> endpoints) {
    }

    /** Where a presentity's state goes and comes from; one per node. */
    public record Settings(PresentityStore store, AccessStore access, Function<String, CompletionStage<List<Endpoint>>> endpoints,
                           WatcherNotifier watchers, PublishRules rules, CustomStates customStates, Set<String> domains,
                           Duration coalesce, Duration retry, Duration passivateAfter, int stashCapacity, Clock clock) {
        EntitySettings lifecycle() {
            return new EntitySettings(clock, passivateAfter, stashCapacity, STORE_UNAVAILABLE);
        }
    }

    /** How views reach watchers' entities (cluster sharding in the node, a probe in tests). */
    public interface WatcherNotifier {
        void changed(String watcher, String presentity, long version, PresenceView view, String pidf);

        /** The watcher lost its authorization to watch {@code presentity}. */
        void revoked(String watcher, String presentity);
    }

    private static final String STORE_UNAVAILABLE = "Presence store unavailable";

    private PresentityEntity() {
    }

    public static void init(ActorSystem<?> system, Settings settings) {
        EntitySettings lifecycle = settings.lifecycle();
        ShardedEntities.init(system, ENTITY_KEY, (presentity, shard) -> create(presentity, settings, lifecycle, shard));
    }

    public static Behavior<Command> create(String presentity, Settings settings,
                                           ActorRef<ClusterSharding.ShardCommand> shard) {
        return create(presentity, settings, settings.lifecycle(), shard);
    }

    private static Behavior<Command> create(String presentity, Settings settings, EntitySettings lifecycle,
                                            ActorRef<ClusterSharding.ShardCommand> shard) {
        return Behaviors.setup(ctx -> new Instance(presentity, settings, lifecycle, shard, ctx).start());
    }

    /** Per watcher: until when it watches, and which version it has acknowledged. */
    private static final class WatcherState {
        Instant expiresAt;
        long acked;
        Instant sentAt = Instant.EPOCH;

        WatcherState(Instant expiresAt) {
            this.expiresAt = expiresAt;
        }
    }

    private static final class Instance extends WriteThroughEntity<Command, Loaded> {
        private final Settings settings;
        private List<Publication> publications = List.of();
        private List<Endpoint> endpoints = List.of();
        private AccessPolicy policy = AccessPolicy.DEFAULT;
        private final Map<String, WatcherState> watchers = new HashMap<>();
        private Aggregate aggregate;
        /** Views rendered for the current version, per access level; cleared when the aggregate changes. */
        private final Map<AccessLevel, Rendered> rendered = new EnumMap<>(AccessLevel.class);
        private long version;
        private Instant lastFanout = Instant.EPOCH;
        /** The earliest expiry of a publication or a watcher, or null. */
        private Instant expiryDue;
        /** When the coalesced fan-out of a pending change is due, or null. */
        private Instant fanoutDue;
        /** When views not yet acknowledged are sent again, or null. */
        private Instant retryDue;

        private record Rendered(PresenceView view, String pidf) {
        }

        Instance(String presentity, Settings settings, EntitySettings lifecycle, ActorRef<ClusterSharding.ShardCommand> shard,
                 ActorContext<Command> ctx) {
            super(presentity, lifecycle, shard, ctx);
            this.settings = settings;
        }

        @Override
        protected CompletionStage<Loaded> load() {
            // a clock-based start keeps versions rising across reloads on other nodes
            version = settings.clock().millis();
            CompletionStage<PresentityStore.Loaded> stored = settings.store().loadPresentity(key);
            CompletionStage<AccessPolicy> access = settings.access().load(key);
            CompletionStage<List<Endpoint>> registered = settings.endpoints().apply(key);
            return stored.thenCombine(access, (s, a) -> new Loaded(s, a, List.of()))
                    .thenCombine(registered, (sa, e) -> new Loaded(sa.stored(), sa.policy(), e));
        }

        @Override
        protected void onLoaded(Loaded loaded) {
            Instant now = now();
            List<Publication> pubs = new ArrayList<>();
            for (PresentityStore.StoredPublication sp : loaded.stored().publications()) {
                if (!sp.expiresAt().isAfter(now)) {
                    continue;
                }
                PublishedState interpreted = interpret(sp.body());
                if (interpreted != null) {
                    pubs.add(new Publication(sp.etag(), sp.endpoint(), sp.body(), interpreted, sp.publishedAt(), sp.expiresAt()));
                }
            }
            publications = List.copyOf(pubs);
            endpoints = List.copyOf(loaded.endpoints());
            policy = loaded.policy();
            loaded.stored().watchers().forEach((w, at) -> {
                if (at.isAfter(now)) {
                    watchers.put(w, new WatcherState(at));
                }
            });
            aggregate = Aggregation.aggregate(sources(), !endpoints.isEmpty(), null, now);
            // Nobody knows what the watchers last saw (this entity may have moved from a lost node):
            // send everyone the current view; watchers' entities drop what they already have.
            if (!watchers.isEmpty()) {
                changed();
            }
            recomputeExpiry();
        }

        private PublishedState interpret(String body) {
            PidfParser.Result parsed = PidfParser.parse(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (parsed instanceof PidfParser.Ok ok) {
                Publications.Interpretation i = Publications.interpret(ok.document(), settings.customStates());
                return i instanceof Publications.Interpretation.Ok interpreted ? interpreted.state() : null;
            }
            return null;
        }

        @Override
        protected void handle(Command command) {
            if (command instanceof Publish publish) {
                onPublish(publish);
            } else if (command instanceof EndpointsChanged e) {
                endpoints = List.copyOf(e.endpoints());
                recompute();
            } else if (command instanceof Watch watch) {
                onWatch(watch);
            } else if (command instanceof Unwatch unwatch) {
                if (watchers.remove(unwatch.watcher()) != null) {
                    recomputeExpiry();
                    write(() -> settings.store().removeWatcher(key, unwatch.watcher()), () -> { }, failure -> { });
                }
            } else if (command instanceof Ack ack) {
                WatcherState w = watchers.get(ack.watcher());
                if (w != null && ack.version() > w.acked) {
                    w.acked = ack.version();
                }
            } else if (command instanceof GetView get) {
                get.replyTo().tell(new CurrentView(get.watcher() == null
                        ? WatcherView.view(key, aggregate, AccessLevel.FRIENDS_AND_FAMILY)
                        : render(levelOf(get.watcher())).view()));
            } else if (command instanceof GetAccess get) {
                get.replyTo().tell(new CurrentAccess(policy));
            } else if (command instanceof SetAccess set) {
                onSetAccess(set);
            } else if (command instanceof Revoke revoke) {
                onRevoke(revoke);
            }
        }

        private void onPublish(Publish publish) {
            Instant now = now();
            if (publish.deadline() != null && now.isAfter(publish.deadline())) {
                // RFC 3903 entity-tags are single-use: applying a request its client already saw fail
                // would make the client's retry (same SIP-If-Match) get 412.
                publish.replyTo().tell(new Unavailable("PUBLISH arrived after its deadline"));
                return;
            }
            PublishDecision decision = settings.rules().decide(publications, publish.request(), newEtag(), now);
            if (decision instanceof PublishDecision.Rejected r) {
                publish.replyTo().tell(new PublishRefused(r.status(), r.reason(), r.minExpires()));
                return;
            }
            PublishDecision.Accepted a = (PublishDecision.Accepted) decision;
            write(() -> a.written() == null
                            ? settings.store().removePublication(key, a.removedEtag())
                            : settings.store().putPublication(key, new PresentityStore.StoredPublication(a.written().etag(),
                                    a.written().endpoint(), a.written().body(), a.written().publishedAt(), a.written().expiresAt()),
                                    a.removedEtag(), now),
                    () -> {
                        publications = a.publications();
                        publish.replyTo().tell(new Published(a.etag(), a.expires()));
                        recompute();
                        recomputeExpiry();
                    },
                    failure -> publish.replyTo().tell(new Unavailable(STORE_UNAVAILABLE)));
        }

        private void onWatch(Watch watch) {
            Instant now = now();
            WatcherState existing = watchers.get(watch.watcher());
            if (existing != null && !watch.expiresAt().isAfter(existing.expiresAt)) {
                replyWatching(watch); // already stored for at least that long
                return;
            }
            write(() -> settings.store().putWatcher(key, watch.watcher(), watch.expiresAt(), now), () -> {
                WatcherState w = watchers.computeIfAbsent(watch.watcher(), k -> new WatcherState(watch.expiresAt()));
                w.expiresAt = watch.expiresAt();
                recomputeExpiry();
                replyWatching(watch);
            }, failure -> watch.replyTo().tell(new Unavailable(STORE_UNAVAILABLE)));
        }

        private void replyWatching(Watch watch) {
            Rendered r = render(levelOf(watch.watcher()));
            WatcherState w = watchers.get(watch.watcher());
            if (w != null) {
                w.acked = Math.max(w.acked, version);
            }
            watch.replyTo().tell(new Watching(key, version, r.view(), r.pidf()));
        }

        private void onSetAccess(SetAccess set) {
            AccessPolicy next = policy.with(set.key(), set.level());
            write(() -> set.level() == null
                            ? settings.access().remove(key, set.key())
                            : settings.access().set(key, set.key(), set.level()),
                    () -> {
                        policy = next;
                        set.replyTo().tell(new CurrentAccess(next));
                        // a changed level re-notifies the affected watchers at once (their view may differ)
                        version++;
                        rendered.clear();
                        fanout(true);
                    },
                    failure -> set.replyTo().tell(new Unavailable(STORE_UNAVAILABLE)));
        }

        /**
         * Two rows in two tables, written in an order that leaves nothing half-applied: first the
         * block (from then on the watcher sees Offline, in memory as in the store), then the watcher's
         * row goes and its subscriptions end. If the second write fails the operator is told so, the
         * watcher stays blocked, and repeating the revoke completes it.
         */
        private void onRevoke(Revoke revoke) {
            String blocked = revoke.watcher().toLowerCase(java.util.Locale.ROOT);
            write(() -> settings.access().set(key, blocked, AccessLevel.BLOCKED), () -> {
                policy = policy.with(blocked, AccessLevel.BLOCKED);
                rendered.clear();
                write(() -> settings.store().removeWatcher(key, revoke.watcher()), () -> {
                    watchers.remove(revoke.watcher());
                    recomputeExpiry();
                    settings.watchers().revoked(revoke.watcher(), key);
                    revoke.replyTo().tell(new CurrentAccess(policy));
                }, failure -> revoke.replyTo().tell(new Unavailable(STORE_UNAVAILABLE)));
            }, failure -> revoke.replyTo().tell(new Unavailable(STORE_UNAVAILABLE)));
        }

        @Override
        protected Instant nextDeadline() {
            return earliest(earliest(expiryDue, fanoutDue), retryDue);
        }

        @Override
        protected void onDeadline(Instant now) {
            if (expiryDue != null && !expiryDue.isAfter(now)) {
                List<Publication> live = PublishRules.active(publications, now);
                if (live.size() != publications.size()) {
                    publications = live;
                    recompute();
                }
                watchers.values().removeIf(w -> !w.expiresAt.isAfter(now));
                recomputeExpiry();
            }
            if (fanoutDue != null && !fanoutDue.isAfter(now)) {
                fanout(false);
            }
            if (retryDue != null && !retryDue.isAfter(now)) {
                retryDue = null;
                resendUnacknowledged(now);
            }
        }

        /** Everything is in Cassandra once no publication is live and every watcher has the current view. */
        @Override
        protected boolean holdsNothing() {
            if (!publications.isEmpty()) {
                return false;
            }
            for (WatcherState w : watchers.values()) {
                if (w.acked < version) {
                    return false;
                }
            }
            return true;
        }

        /** Recomputes the aggregate; a change goes out to the watchers, coalesced. */
        private void recompute() {
            Aggregate next = Aggregation.aggregate(sources(), !endpoints.isEmpty(), aggregate, now());
            if (next.equals(aggregate)) {
                return;
            }
            aggregate = next;
            changed();
        }

        private void changed() {
            version++;
            rendered.clear();
            Instant now = now();
            if (Duration.between(lastFanout, now).compareTo(settings.coalesce()) >= 0) {
                fanout(false);
            } else if (fanoutDue == null) {
                fanoutDue = lastFanout.plus(settings.coalesce());
            }
        }

        /** Sends the current view to every watcher that has not acknowledged it (all: to every watcher). */
        private void fanout(boolean all) {
            ctx.getLog().debug("{} version {} ({}) to {} watchers", key, version, aggregate.availability(), watchers.size());
            fanoutDue = null;
            Instant now = now();
            lastFanout = now;
            for (Map.Entry<String, WatcherState> e : watchers.entrySet()) {
                WatcherState w = e.getValue();
                if (all || w.acked < version) {
                    send(e.getKey(), w, now);
                }
            }
            armRetry(now);
        }

        private void send(String watcher, WatcherState w, Instant now) {
            Rendered r = render(levelOf(watcher));
            w.sentAt = now;
            settings.watchers().changed(watcher, key, version, r.view(), r.pidf());
        }

        private void resendUnacknowledged(Instant now) {
            for (Map.Entry<String, WatcherState> e : watchers.entrySet()) {
                WatcherState w = e.getValue();
                if (w.acked < version && Duration.between(w.sentAt, now).compareTo(settings.retry()) >= 0) {
                    send(e.getKey(), w, now);
                }
            }
            armRetry(now);
        }

        private void armRetry(Instant now) {
            if (retryDue != null) {
                return;
            }
            for (WatcherState w : watchers.values()) {
                if (w.acked < version) {
                    retryDue = now.plus(settings.retry());
                    return;
                }
            }
        }

        private void recomputeExpiry() {
            Instant earliest = null;
            for (Publication p : publications) {
                earliest = earliest(earliest, p.expiresAt());
            }
            for (WatcherState w : watchers.values()) {
                earliest = earliest(earliest, w.expiresAt);
            }
            expiryDue = earliest;
        }

        private AccessLevel levelOf(String watcher) {
            return policy.levelFor(key, watcher, settings.domains());
        }

        private Rendered render(AccessLevel level) {
            Rendered r = rendered.get(level);
            if (r == null) {
                PresenceView view = WatcherView.view(key, aggregate, level);
                r = new Rendered(view, PidfWriter.write(view));
                rendered.put(level, r);
            }
            return r;
        }

        private List<Source> sources() {
            List<Source> sources = new ArrayList<>(publications.size() + endpoints.size());
            Set<String> published = new java.util.HashSet<>();
            for (Publication p : publications) {
                sources.add(p.asSource());
                published.add(p.endpoint());
            }
            // a registered endpoint that did not publish counts as "registered, state unknown"
            for (Endpoint e : endpoints) {
                if (!published.contains(e.key())) {
                    sources.add(new Source(e.key(), PublishedState.REGISTERED, e.registeredAt()));
                }
            }
            return sources;
        }

        private static Instant earliest(Instant a, Instant b) {
            return a == null ? b : b == null || a.isBefore(b) ? a : b;
        }

        /** Entity-tags need only be unique per presentity: only the authenticated presentity can PUBLISH. */
        private static String newEtag() {
            byte[] b = new byte[12];
            java.util.concurrent.ThreadLocalRandom.current().nextBytes(b);
            return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        }
    }
}

package io.switchboard.presence.entity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

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

import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.AccessPolicy;
import io.switchboard.presence.domain.Aggregate;
import io.switchboard.presence.domain.Aggregation;
import io.switchboard.presence.domain.CustomStates;
import io.switchboard.presence.domain.PidfDocument;
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
 * The one owner, cluster-wide, of a presentity's presence (DESIGN rule 1): its publications
 * (RFC 3903), its registered endpoints (told by the registrar), its access levels, the set of
 * watchers, and the aggregate (DOMAIN.md availability model) computed from them.
 *
 * <p>It does not hold SIP dialogs: each watcher's own {@link WatcherEntity} does. On every change
 * of the aggregate it sends each watcher the view that watcher's access level allows, rendered
 * once per level, and keeps sending it until the watcher's entity acknowledges (so a change is
 * not lost while a watcher's entity moves to another node). Fan-out happens at most once per
 * {@link Settings#coalesce} interval, carrying the latest state: the work a presentity with many
 * watchers can cause is bounded by (watchers / interval), whatever the rate of publications.
 *
 * <p>Writes follow rule 2: a PUBLISH is answered, and its state sent to watchers, only after
 * Cassandra has the publication. Commands arriving while a load or write is in flight wait.
 */
public final class PresentityEntity {

    public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "presentity");

    public sealed interface Command permits Publish, EndpointsChanged, Watch, Unwatch, Ack, GetView, GetAccess,
            SetAccess, Revoke, Internal {
    }

    /** A PUBLISH from the SIP edge, already parsed and interpreted. */
    /**
     * @param deadline when the asking edge stops waiting and answers 503; a PUBLISH that reaches
     *                 the entity later (held by sharding while the entity moved off a dead node) is
     *                 not applied, since its client was told it failed and will retry it. Null: none.
     */
    public record Publish(PublishRequest request, Instant deadline, ActorRef<PublishReply> replyTo) implements Command {
        public Publish(PublishRequest request, ActorRef<PublishReply> replyTo) {
            this(request, null, replyTo);
        }
    }

    /** The registrar's view of the presentity's endpoints changed (registration drives presence). */
    public record EndpointsChanged(List<Endpoint> endpoints) implements Command {
    }

    /** A watcher's entity starts or extends watching; the answer carries what it may see now. */
    public record Watch(String watcher, Instant expiresAt, ActorRef<WatchReply> replyTo) implements Command {
    }

    /** The watcher no longer has any subscription to this presentity. */
    public record Unwatch(String watcher) implements Command {
    }

    /** The watcher's entity has the view of {@code version}. */
    public record Ack(String watcher, long version) implements Command {
    }

    /** What {@code watcher} sees now; null watcher = the full view. */
    public record GetView(String watcher, ActorRef<ViewReply> replyTo) implements Command {
    }

    public record GetAccess(ActorRef<AccessReply> replyTo) implements Command {
    }

    /** Sets (or, level null, removes) the level of a watcher AOR or domain; affected watchers are re-notified at once. */
    public record SetAccess(String key, AccessLevel level, ActorRef<AccessReply> replyTo) implements Command {
    }

    /**
     * Loss of authorization, an operator's decision: the watcher is blocked and its subscriptions to
     * this presentity end with {@code Subscription-State: terminated;reason=rejected} (RFC 6665
     * section 4.2.2: "SHOULD NOT attempt to re-subscribe"). Unlike setting Blocked, which hides the
     * state behind Offline, this tells the watcher that it lost access.
     */
    public record Revoke(String watcher, ActorRef<AccessReply> replyTo) implements Command {
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

    sealed interface Internal extends Command permits Loaded, LoadFailed, Written, WriteFailed, Tick {
    }

    record Loaded(PresentityStore.Loaded stored, AccessPolicy policy, List<Endpoint> endpoints) implements Internal {
    }

    record LoadFailed(Throwable cause) implements Internal {
    }

    /** A write finished; {@code then} applies its effect on the entity's thread. */
    record Written(Runnable then) implements Internal {
    }

    record WriteFailed(Throwable cause, Runnable onFailure) implements Internal {
    }

    enum Tick implements Internal { EXPIRY, FANOUT, RETRY, IDLE }

    /** Where a presentity's state goes and comes from; one per node. */
    public record Settings(PresentityStore store, AccessStore access, Function<String, CompletionStage<List<Endpoint>>> endpoints,
                           WatcherNotifier watchers, PublishRules rules, CustomStates customStates, Set<String> domains,
                           Duration coalesce, Duration retry, Duration passivateAfter, int stashCapacity, Clock clock) {
    }

    /** How views reach watchers' entities (cluster sharding in the node, a probe in tests). */
    public interface WatcherNotifier {
        void changed(String watcher, String presentity, long version, PresenceView view, String pidf);

        /** The watcher lost its authorization to watch {@code presentity}. */
        void revoked(String watcher, String presentity);
    }

    private PresentityEntity() {
    }

    public static void init(ActorSystem<?> system, Settings settings) {
        ClusterSharding.get(system).init(Entity.of(ENTITY_KEY,
                ctx -> create(ctx.getEntityId(), settings, ctx.getShard())));
    }

    public static Behavior<Command> create(String presentity, Settings settings,
                                           ActorRef<ClusterSharding.ShardCommand> shard) {
        return Behaviors.setup(ctx -> new Instance(presentity, settings, shard, ctx).start());
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

    private static final class Instance extends ExtensibleBehavior<Command> {
        private enum State { LOADING, IDLE, WRITING }

        private final String presentity;
        private final Settings settings;
        private final ActorRef<ClusterSharding.ShardCommand> shard;
        private final ActorContext<Command> ctx;
        private State state = State.LOADING;
        private List<Publication> publications = List.of();
        private List<Endpoint> endpoints = List.of();
        private AccessPolicy policy = AccessPolicy.DEFAULT;
        private final Map<String, WatcherState> watchers = new HashMap<>();
        private Aggregate aggregate;
        /** Views rendered for the current version, per access level; cleared when the aggregate changes. */
        private final Map<AccessLevel, Rendered> rendered = new EnumMap<>(AccessLevel.class);
        private long version;
        private Instant lastFanout = Instant.EPOCH;
        private boolean fanoutPending;
        private ArrayDeque<Command> held;
        private Cancellable expiryTimer;
        private Cancellable fanoutTimer;
        private Cancellable retryTimer;
        private Cancellable idleTimer;
        private Instant lastActivity = Instant.EPOCH;

        private record Rendered(PresenceView view, String pidf) {
        }

        Instance(String presentity, Settings settings, ActorRef<ClusterSharding.ShardCommand> shard,
                 ActorContext<Command> ctx) {
            this.presentity = presentity;
            this.settings = settings;
            this.shard = shard;
            this.ctx = ctx;
        }

        Behavior<Command> start() {
            CompletionStage<PresentityStore.Loaded> stored = settings.store().loadPresentity(presentity);
            CompletionStage<AccessPolicy> access = settings.access().load(presentity);
            CompletionStage<List<Endpoint>> registered = settings.endpoints().apply(presentity);
            ctx.pipeToSelf(stored.thenCombine(access, (s, a) -> new Object[] {s, a})
                            .thenCombine(registered, (sa, e) -> new Loaded((PresentityStore.Loaded) sa[0], (AccessPolicy) sa[1], e)),
                    (loaded, failure) -> failure != null ? new LoadFailed(failure) : loaded);
            // a clock-based start keeps versions rising across reloads on other nodes
            version = settings.clock().millis();
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
                        ctx.getLog().warn("Loading presence of {} failed: {}", presentity, failed.cause().toString());
                        refuseHeld("Presence store unavailable");
                        return Behaviors.stopped();
                    }
                    return hold(command);
                }
                case WRITING -> {
                    if (command instanceof Written written) {
                        written.then().run();
                        return becomeIdle();
                    }
                    if (command instanceof WriteFailed failed) {
                        ctx.getLog().warn("Writing presence of {} failed: {}", presentity, failed.cause().toString());
                        failed.onFailure().run();
                        return becomeIdle();
                    }
                    if (command instanceof Tick || command instanceof Ack || command instanceof EndpointsChanged) {
                        return onIdle(command); // touch no stored row: safe during a write
                    }
                    return hold(command);
                }
                default -> {
                    return onIdle(command);
                }
            }
        }

        @Override
        public Behavior<Command> receiveSignal(TypedActorContext<Command> context, Signal signal) {
            if (signal instanceof org.apache.pekko.actor.typed.internal.PoisonPill) {
                return Behaviors.stopped(); // sharding hand-off: the next owner loads the stored state
            }
            if (signal instanceof PostStop) {
                cancel(expiryTimer);
                cancel(fanoutTimer);
                cancel(retryTimer);
                cancel(idleTimer);
            }
            return this;
        }

        private void onLoaded(Loaded loaded) {
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
            armExpiry();
        }

        private PublishedState interpret(String body) {
            PidfParser.Result parsed = PidfParser.parse(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (parsed instanceof PidfParser.Ok ok) {
                return interpretDocument(ok.document());
            }
            return null;
        }

        private PublishedState interpretDocument(PidfDocument doc) {
            Publications.Interpretation i = Publications.interpret(doc, settings.customStates());
            return i instanceof Publications.Interpretation.Ok ok ? ok.state() : null;
        }

        private Behavior<Command> onIdle(Command command) {
            if (command instanceof Publish publish) {
                onPublish(publish);
            } else if (command instanceof EndpointsChanged e) {
                endpoints = List.copyOf(e.endpoints());
                recompute();
            } else if (command instanceof Watch watch) {
                onWatch(watch);
            } else if (command instanceof Unwatch unwatch) {
                if (watchers.remove(unwatch.watcher()) != null) {
                    write(settings.store().removeWatcher(presentity, unwatch.watcher()), () -> { }, () -> { });
                }
            } else if (command instanceof Ack ack) {
                WatcherState w = watchers.get(ack.watcher());
                if (w != null && ack.version() > w.acked) {
                    w.acked = ack.version();
                }
            } else if (command instanceof GetView get) {
                get.replyTo().tell(new CurrentView(get.watcher() == null
                        ? WatcherView.view(presentity, aggregate, AccessLevel.FRIENDS_AND_FAMILY)
                        : render(levelOf(get.watcher())).view()));
            } else if (command instanceof GetAccess get) {
                get.replyTo().tell(new CurrentAccess(policy));
            } else if (command instanceof SetAccess set) {
                onSetAccess(set);
            } else if (command instanceof Revoke revoke) {
                onRevoke(revoke);
            } else if (command instanceof Tick tick) {
                onTick(tick);
            }
            if (!(command instanceof Tick)) {
                lastActivity = now();
            }
            armIdle();
            return this;
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
            CompletionStage<Void> io = a.written() == null
                    ? settings.store().removePublication(presentity, a.removedEtag())
                    : settings.store().putPublication(presentity, new PresentityStore.StoredPublication(a.written().etag(),
                            a.written().endpoint(), a.written().body(), a.written().publishedAt(), a.written().expiresAt()),
                            a.removedEtag(), now);
            write(io, () -> {
                publications = a.publications();
                publish.replyTo().tell(new Published(a.etag(), a.expires()));
                recompute();
                armExpiry();
            }, () -> publish.replyTo().tell(new Unavailable("Presence store unavailable")));
        }

        private void onWatch(Watch watch) {
            Instant now = now();
            WatcherState existing = watchers.get(watch.watcher());
            if (existing != null && !watch.expiresAt().isAfter(existing.expiresAt)) {
                replyWatching(watch); // already stored for at least that long
                return;
            }
            write(settings.store().putWatcher(presentity, watch.watcher(), watch.expiresAt(), now), () -> {
                WatcherState w = watchers.computeIfAbsent(watch.watcher(), k -> new WatcherState(watch.expiresAt()));
                w.expiresAt = watch.expiresAt();
                replyWatching(watch);
            }, () -> watch.replyTo().tell(new Unavailable("Presence store unavailable")));
        }

        private void replyWatching(Watch watch) {
            Rendered r = render(levelOf(watch.watcher()));
            WatcherState w = watchers.get(watch.watcher());
            if (w != null) {
                w.acked = Math.max(w.acked, version);
            }
            watch.replyTo().tell(new Watching(presentity, version, r.view(), r.pidf()));
        }

        private void onSetAccess(SetAccess set) {
            AccessPolicy next = policy.with(set.key(), set.level());
            CompletionStage<Void> io = set.level() == null
                    ? settings.access().remove(presentity, set.key())
                    : settings.access().set(presentity, set.key(), set.level());
            write(io, () -> {
                policy = next;
                set.replyTo().tell(new CurrentAccess(next));
                // a changed level re-notifies the affected watchers at once (their view may differ)
                version++;
                rendered.clear();
                fanout(true);
            }, () -> set.replyTo().tell(new Unavailable("Presence store unavailable")));
        }

        private void onRevoke(Revoke revoke) {
            String key = revoke.watcher().toLowerCase(java.util.Locale.ROOT);
            AccessPolicy next = policy.with(key, AccessLevel.BLOCKED);
            CompletionStage<Void> io = settings.access().set(presentity, key, AccessLevel.BLOCKED)
                    .thenCompose(v -> settings.store().removeWatcher(presentity, revoke.watcher()));
            write(io, () -> {
                policy = next;
                rendered.clear();
                watchers.remove(revoke.watcher());
                settings.watchers().revoked(revoke.watcher(), presentity);
                revoke.replyTo().tell(new CurrentAccess(next));
            }, () -> revoke.replyTo().tell(new Unavailable("Presence store unavailable")));
        }

        private void onTick(Tick tick) {
            Instant now = now();
            switch (tick) {
                case EXPIRY -> {
                    expiryTimer = null;
                    List<Publication> live = PublishRules.active(publications, now);
                    if (live.size() != publications.size()) {
                        publications = live;
                        recompute();
                    }
                    watchers.values().removeIf(w -> !w.expiresAt.isAfter(now));
                    armExpiry();
                }
                case FANOUT -> {
                    fanoutTimer = null;
                    if (fanoutPending) {
                        fanout(false);
                    }
                }
                case RETRY -> {
                    retryTimer = null;
                    resendUnacknowledged(now);
                }
                case IDLE -> {
                    idleTimer = null;
                    boolean quiet = Duration.between(lastActivity, now).compareTo(settings.passivateAfter()) >= 0;
                    boolean allAcked = watchers.values().stream().allMatch(w -> w.acked >= version);
                    if (quiet && allAcked && publications.isEmpty() && state == State.IDLE && held == null) {
                        // everything is in Cassandra; the next message loads it again
                        shard.tell(new ClusterSharding.Passivate<>(ctx.getSelf()));
                    }
                }
            }
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
            } else {
                fanoutPending = true;
                if (fanoutTimer == null) {
                    fanoutTimer = ctx.scheduleOnce(Duration.between(now, lastFanout.plus(settings.coalesce())),
                            ctx.getSelf(), Tick.FANOUT);
                }
            }
        }

        /** Sends the current view to every watcher that has not acknowledged it. */
        private void fanout(boolean all) {
            ctx.getLog().debug("{} version {} ({}) to {} watchers", presentity, version, aggregate.availability(), watchers.size());
            fanoutPending = false;
            Instant now = now();
            lastFanout = now;
            for (Map.Entry<String, WatcherState> e : watchers.entrySet()) {
                WatcherState w = e.getValue();
                if (all || w.acked < version) {
                    send(e.getKey(), w, now);
                }
            }
            armRetry();
        }

        private void send(String watcher, WatcherState w, Instant now) {
            Rendered r = render(levelOf(watcher));
            w.sentAt = now;
            settings.watchers().changed(watcher, presentity, version, r.view(), r.pidf());
        }

        private void resendUnacknowledged(Instant now) {
            for (Map.Entry<String, WatcherState> e : watchers.entrySet()) {
                WatcherState w = e.getValue();
                if (w.acked < version && Duration.between(w.sentAt, now).compareTo(settings.retry()) >= 0) {
                    send(e.getKey(), w, now);
                }
            }
            armRetry();
        }

        private void armRetry() {
            boolean unacked = false;
            for (WatcherState w : watchers.values()) {
                if (w.acked < version) {
                    unacked = true;
                    break;
                }
            }
            if (unacked && retryTimer == null) {
                retryTimer = ctx.scheduleOnce(settings.retry(), ctx.getSelf(), Tick.RETRY);
            }
        }

        private AccessLevel levelOf(String watcher) {
            return policy.levelFor(presentity, watcher, settings.domains());
        }

        private Rendered render(AccessLevel level) {
            Rendered r = rendered.get(level);
            if (r == null) {
                PresenceView view = WatcherView.view(presentity, aggregate, level);
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

        private void write(CompletionStage<Void> io, Runnable then, Runnable onFailure) {
            ctx.pipeToSelf(io, (ok, failure) -> failure != null ? new WriteFailed(failure, onFailure) : new Written(then));
            state = State.WRITING;
        }

        private Behavior<Command> becomeIdle() {
            state = State.IDLE;
            while (state == State.IDLE && held != null && !held.isEmpty()) {
                onIdle(held.poll());
            }
            if (held != null && held.isEmpty()) {
                held = null;
            }
            return this;
        }

        private Behavior<Command> hold(Command command) {
            if (command instanceof Tick) {
                return this; // re-armed after the load
            }
            if (held == null) {
                held = new ArrayDeque<>(4);
            } else if (held.size() >= settings.stashCapacity()) {
                refuse(command, "Too many pending requests for " + presentity);
                return this;
            }
            held.add(command);
            return this;
        }

        private void refuseHeld(String reason) {
            if (held != null) {
                held.forEach(c -> refuse(c, reason));
                held = null;
            }
        }

        private static void refuse(Command c, String reason) {
            Unavailable u = new Unavailable(reason);
            if (c instanceof Publish p) {
                p.replyTo().tell(u);
            } else if (c instanceof Watch w) {
                w.replyTo().tell(u);
            } else if (c instanceof GetView g) {
                g.replyTo().tell(u);
            } else if (c instanceof GetAccess g) {
                g.replyTo().tell(u);
            } else if (c instanceof SetAccess s) {
                s.replyTo().tell(u);
            } else if (c instanceof Revoke r) {
                r.replyTo().tell(u);
            }
        }

        private void armExpiry() {
            cancel(expiryTimer);
            expiryTimer = null;
            Instant earliest = null;
            for (Publication p : publications) {
                earliest = earliest == null || p.expiresAt().isBefore(earliest) ? p.expiresAt() : earliest;
            }
            for (WatcherState w : watchers.values()) {
                earliest = earliest == null || w.expiresAt.isBefore(earliest) ? w.expiresAt : earliest;
            }
            if (earliest != null) {
                Duration d = Duration.between(now(), earliest);
                expiryTimer = ctx.scheduleOnce(d.isNegative() ? Duration.ZERO : d, ctx.getSelf(), Tick.EXPIRY);
            }
        }

        private void armIdle() {
            if (idleTimer == null && publications.isEmpty()) {
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

        /** Entity-tags need only be unique per presentity: only the authenticated presentity can PUBLISH. */
        private static String newEtag() {
            byte[] b = new byte[12];
            java.util.concurrent.ThreadLocalRandom.current().nextBytes(b);
            return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        }
    }
}

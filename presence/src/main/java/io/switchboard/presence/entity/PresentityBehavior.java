package io.switchboard.presence.entity;

import io.switchboard.entity.EntitySettings;
import io.switchboard.entity.WriteThroughEntity;
import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.AccessPolicy;
import io.switchboard.presence.domain.Aggregate;
import io.switchboard.presence.domain.Aggregation;
import io.switchboard.presence.domain.EndpointPairing;
import io.switchboard.presence.domain.PidfParser;
import io.switchboard.presence.domain.PidfWriter;
import io.switchboard.presence.domain.PresenceView;
import io.switchboard.presence.domain.Publication;
import io.switchboard.presence.domain.Publications;
import io.switchboard.presence.domain.PublishDecision;
import io.switchboard.presence.domain.PublishRules;
import io.switchboard.presence.domain.PublishedState;
import io.switchboard.presence.domain.Source;
import io.switchboard.presence.domain.WatcherView;
import io.switchboard.presence.entity.PresentityEntity.Ack;
import io.switchboard.presence.entity.PresentityEntity.Command;
import io.switchboard.presence.entity.PresentityEntity.CurrentAccess;
import io.switchboard.presence.entity.PresentityEntity.CurrentView;
import io.switchboard.presence.entity.PresentityEntity.EndpointsChanged;
import io.switchboard.presence.entity.PresentityEntity.GetAccess;
import io.switchboard.presence.entity.PresentityEntity.GetView;
import io.switchboard.presence.entity.PresentityEntity.Loaded;
import io.switchboard.presence.entity.PresentityEntity.Publish;
import io.switchboard.presence.entity.PresentityEntity.PublishRefused;
import io.switchboard.presence.entity.PresentityEntity.Published;
import io.switchboard.presence.entity.PresentityEntity.Revoke;
import io.switchboard.presence.entity.PresentityEntity.SetAccess;
import io.switchboard.presence.entity.PresentityEntity.Settings;
import io.switchboard.presence.entity.PresentityEntity.Unavailable;
import io.switchboard.presence.entity.PresentityEntity.Unwatch;
import io.switchboard.presence.entity.PresentityEntity.Watch;
import io.switchboard.presence.entity.PresentityEntity.Watching;
import io.switchboard.presence.store.PresentityStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/** The running {@link PresentityEntity}: its state and rules on the shared write-through lifecycle. */
final class PresentityBehavior extends WriteThroughEntity<Command, Loaded> {
    private final Settings settings;
    private List<Publication> publications = List.of();
    private List<Endpoint> endpoints = List.of();
    private AccessPolicy policy = AccessPolicy.DEFAULT;
    private final WatcherFanout watchers;
    private Aggregate aggregate;
    /** Views rendered for the current version, per access level; cleared when the aggregate changes. */
    private final Map<AccessLevel, Rendered> rendered = new EnumMap<>(AccessLevel.class);

    private long version;
    /** The earliest expiry of a publication or a watcher, or null. */
    private Instant expiryDue;

    private record Rendered(PresenceView view, String pidf) {}

    PresentityBehavior(
            String presentity,
            Settings settings,
            EntitySettings lifecycle,
            ActorRef<ClusterSharding.ShardCommand> shard,
            ActorContext<Command> ctx) {
        super(presentity, lifecycle, shard, ctx);
        this.settings = settings;
        this.watchers = new WatcherFanout(settings.coalesce(), settings.retry());
    }

    /**
     * The first view version of an owner that claimed owner epoch {@code epoch}: watchers keep the
     * view with the higher version (WatchedViews), so every version of a later owner must be above
     * every version of an earlier one, whatever the two nodes' clocks say (docs/architecture.md,
     * rule 10). {@code 2^52 + epoch * 2^32}: 2^32 changes per owner before the next owner's range,
     * and above any millisecond clock reading, so an owner of this release also outranks views
     * numbered by the wall clock as earlier releases did (a rolling upgrade; never roll back across it).
     */
    static long firstVersion(long epoch) {
        return (1L << 52) + (epoch << 32);
    }

    @Override
    protected CompletionStage<Loaded> load() {
        CompletionStage<PresentityStore.Loaded> stored = settings.store().loadPresentity(key, settings.clock());
        CompletionStage<AccessPolicy> access = settings.access().load(key);
        CompletionStage<List<Endpoint>> registered = settings.endpoints().apply(key);
        return stored.thenCombine(access, (s, a) -> new Loaded(s, a, List.of()))
                .thenCombine(registered, (sa, e) -> new Loaded(sa.stored(), sa.policy(), e));
    }

    @Override
    protected void onLoaded(Loaded loaded) {
        // from the owner epoch (claimed beside the load), so a new owner's views outrank the old
        // owner's; without fencing (tests and tools) the clock, which only a single node may rely on
        version =
                ownerEpoch() > 0 ? firstVersion(ownerEpoch()) : settings.clock().millis();
        Instant now = now();
        Duration ahead = aheadOf(now, loaded.stored().publications());
        List<Publication> pubs = new ArrayList<>();
        for (PresentityStore.StoredPublication sp : loaded.stored().publications()) {
            if (!sp.expiresAt().isAfter(now)) {
                continue;
            }
            PublishedState interpreted = interpret(sp.body());
            if (interpreted != null) {
                pubs.add(new Publication(
                        sp.etag(),
                        sp.endpoint(),
                        sp.body(),
                        interpreted,
                        sp.publishedAt().minus(ahead),
                        sp.expiresAt()));
            }
        }
        publications = List.copyOf(pubs);
        endpoints = List.copyOf(loaded.endpoints());
        policy = loaded.policy();
        loaded.stored().watchers().forEach((w, at) -> {
            if (at.isAfter(now)) {
                watchers.watch(w, at);
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

    /**
     * How far the newest stored publication's time of publication lies ahead of {@code now}: the
     * previous owner's clock was ahead of ours. Explicit states are ordered by time of publication
     * (Aggregation), and everything loaded was published before this owner started, so the loaded
     * times are moved back by this much (their order kept): a PUBLISH this owner takes later then
     * comes after them whatever the two clocks say (docs/architecture.md, rule 10).
     */
    static Duration aheadOf(Instant now, List<PresentityStore.StoredPublication> stored) {
        Instant newest = null;
        for (PresentityStore.StoredPublication sp : stored) {
            if (newest == null || sp.publishedAt().isAfter(newest)) {
                newest = sp.publishedAt();
            }
        }
        return newest == null || !newest.isAfter(now) ? Duration.ZERO : Duration.between(now, newest);
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
        } else if (command instanceof PresentityEntity.PublishWithin publish) {
            onPublish(new Publish(publish.request(), null, publish.replyTo())); // in time: the kit refused it otherwise
        } else if (command instanceof EndpointsChanged e) {
            endpoints = List.copyOf(e.endpoints());
            recompute();
        } else if (command instanceof Watch watch) {
            onWatch(watch);
        } else if (command instanceof PresentityEntity.WatchFor w) {
            onWatch(new Watch(w.watcher(), now().plus(w.lifetime()), w.replyTo()));
        } else if (command instanceof Unwatch unwatch) {
            if (watchers.remove(unwatch.watcher())) {
                recomputeExpiry();
                write(() -> settings.store().removeWatcher(key, unwatch.watcher(), stamp()), () -> {}, failure -> {});
            }
        } else if (command instanceof Ack ack) {
            watchers.acked(ack.watcher(), ack.version());
        } else if (command instanceof GetView get) {
            get.replyTo()
                    .tell(new CurrentView(
                            get.watcher() == null
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
        // A PUBLISH past its deadline never gets here: the kit refuses it (PublishWithin.timeLeft,
        // Publish.answerBy). That matters beyond the client's view: RFC 3903 entity-tags are
        // single-use, so applying a request its client already saw fail would make the client's
        // retry (same SIP-If-Match) get 412.
        Instant now = now();
        PublishDecision decision = settings.rules().decide(publications, publish.request(), newEtag(), now);
        if (decision instanceof PublishDecision.Rejected r) {
            publish.replyTo().tell(new PublishRefused(r.status(), r.reason(), r.minExpires()));
            return;
        }
        PublishDecision.Accepted a = (PublishDecision.Accepted) decision;
        write(
                () -> a.written() == null
                        ? settings.store().removePublication(key, a.removedEtag(), stamp())
                        : settings.store()
                                .putPublication(
                                        key,
                                        new PresentityStore.StoredPublication(
                                                a.written().etag(),
                                                a.written().endpoint(),
                                                a.written().body(),
                                                a.written().publishedAt(),
                                                a.written().expiresAt()),
                                        a.deleted(),
                                        now,
                                        stamp()),
                () -> {
                    publications = a.publications();
                    publish.replyTo().tell(new Published(a.etag(), a.expires()));
                    recompute();
                    recomputeExpiry();
                },
                failure -> publish.replyTo().tell(new Unavailable(PresentityEntity.STORE_UNAVAILABLE)));
    }

    private void onWatch(Watch watch) {
        Instant now = now();
        if (!watchers.contains(watch.watcher()) && watchers.size() >= settings.maxWatchers()) {
            // RFC 6665 section 4.2.2 "probation": ended for now, the watcher may try again later
            // (when others have left); nothing is stored for it.
            settings.refusals().accept(io.switchboard.presence.domain.PresenceLimits.WATCHERS_PER_PRESENTITY);
            watch.replyTo().tell(new PresentityEntity.NotWatched(key, "probation"));
            return;
        }
        if (watchers.watchesUntil(watch.watcher(), watch.expiresAt())) {
            replyWatching(watch); // already stored for at least that long
            return;
        }
        write(
                () -> settings.store().putWatcher(key, watch.watcher(), watch.expiresAt(), now, stamp()),
                () -> {
                    watchers.watch(watch.watcher(), watch.expiresAt());
                    recomputeExpiry();
                    replyWatching(watch);
                },
                failure -> watch.replyTo().tell(new Unavailable(PresentityEntity.STORE_UNAVAILABLE)));
    }

    private void replyWatching(Watch watch) {
        Rendered r = render(levelOf(watch.watcher()));
        watchers.acked(watch.watcher(), version);
        watch.replyTo().tell(new Watching(key, version, r.view(), r.pidf()));
    }

    private void onSetAccess(SetAccess set) {
        AccessPolicy next = policy.with(set.key(), set.level());
        write(
                () -> set.level() == null
                        ? settings.access().remove(key, set.key(), stamp())
                        : settings.access().set(key, set.key(), set.level(), stamp()),
                () -> {
                    policy = next;
                    set.replyTo().tell(new CurrentAccess(next));
                    // a changed level re-notifies the affected watchers at once (their view may differ)
                    version++;
                    rendered.clear();
                    fanout(true);
                },
                failure -> set.replyTo().tell(new Unavailable(PresentityEntity.STORE_UNAVAILABLE)));
    }

    /**
     * Two rows in two tables, written in an order that leaves nothing half-applied: first the
     * block (from then on the watcher sees Offline, in memory as in the store), then the watcher's
     * row goes and its subscriptions end. If the second write fails the operator is told so, the
     * watcher stays blocked, and repeating the revoke completes it.
     */
    private void onRevoke(Revoke revoke) {
        String blocked = revoke.watcher().toLowerCase(java.util.Locale.ROOT);
        write(
                () -> settings.access().set(key, blocked, AccessLevel.BLOCKED, stamp()),
                () -> {
                    policy = policy.with(blocked, AccessLevel.BLOCKED);
                    rendered.clear();
                    write(
                            () -> settings.store().removeWatcher(key, revoke.watcher(), stamp()),
                            () -> {
                                watchers.remove(revoke.watcher());
                                recomputeExpiry();
                                settings.watchers().revoked(revoke.watcher(), key);
                                revoke.replyTo().tell(new CurrentAccess(policy));
                            },
                            failure -> revoke.replyTo().tell(new Unavailable(PresentityEntity.STORE_UNAVAILABLE)));
                },
                failure -> revoke.replyTo().tell(new Unavailable(PresentityEntity.STORE_UNAVAILABLE)));
    }

    @Override
    protected Instant nextDeadline() {
        return WatcherFanout.earliest(expiryDue, watchers.nextDeadline());
    }

    @Override
    protected void onDeadline(Instant now) {
        if (expiryDue != null && !expiryDue.isAfter(now)) {
            List<Publication> live = PublishRules.active(publications, now);
            if (live.size() != publications.size()) {
                publications = live;
                recompute();
            }
            watchers.removeExpired(now);
            recomputeExpiry();
        }
        if (watchers.fanoutDue(now)) {
            fanout(false);
        }
        watchers.onRetryDeadline(version, now, this::send);
    }

    /** Everything is in Cassandra once no publication is live and every watcher has the current view. */
    @Override
    protected boolean holdsNothing() {
        return publications.isEmpty() && watchers.allAcked(version);
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
        if (watchers.fanoutNow(now())) {
            fanout(false);
        }
    }

    /** Sends the current view to every watcher that has not acknowledged it (all: to every watcher). */
    private void fanout(boolean all) {
        ctx.getLog()
                .debug("{} version {} ({}) to {} watchers", key, version, aggregate.availability(), watchers.size());
        watchers.fanout(all, version, now(), this::send);
    }

    /** Sends the current version, as {@code watcher} may see it, to its watcher entity. */
    private void send(String watcher) {
        Rendered r = render(levelOf(watcher));
        settings.watchers().changed(watcher, key, version, r.view(), r.pidf());
    }

    private void recomputeExpiry() {
        Instant earliest = null;
        for (Publication p : publications) {
            earliest = earliest(earliest, p.expiresAt());
        }
        expiryDue = earliest(earliest, watchers.earliestExpiry());
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
        // a registered endpoint that did not publish counts as "registered, state unknown"; which
        // publications are its own is EndpointPairing's rule (a phone's REGISTER and PUBLISH do not
        // carry the same identity, e.g. +sip.instance only in the REGISTER of an outbound phone)
        for (Endpoint e : endpoints) {
            if (!publishedBy(e, published)) {
                sources.add(new Source(e.key(), PublishedState.REGISTERED, e.registeredAt()));
            }
        }
        return sources;
    }

    private static boolean publishedBy(Endpoint endpoint, Set<String> publishers) {
        for (String publisher : publishers) {
            if (EndpointPairing.paired(endpoint.key(), publisher)) {
                return true;
            }
        }
        return false;
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

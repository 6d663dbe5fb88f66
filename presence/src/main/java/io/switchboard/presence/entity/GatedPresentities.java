package io.switchboard.presence.entity;

import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.AccessPolicy;
import io.switchboard.presence.domain.Aggregation;
import io.switchboard.presence.domain.PidfWriter;
import io.switchboard.presence.domain.PresenceResources;
import io.switchboard.presence.domain.PresenceView;
import io.switchboard.presence.domain.PublishRequest;
import io.switchboard.presence.domain.WatcherView;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * How watchers' entities reach presentities: only our users' presentities are asked, so nobody
 * can make the pool start an entity or write a row for a URI that is not a user of ours.
 *
 * <ul>
 *   <li>A URI outside our domains (or not a plain {@code sip:user@domain}) is answered
 *       {@link PresentityEntity.NotWatched} "rejected" at once (RFC 4662 section 5.2: the list's
 *       instance for it is terminated).</li>
 *   <li>A URI in our domains whose account does not exist gets, without any presentity entity or
 *       {@code presence_watchers} row, exactly what a user who exists and is offline shows this
 *       watcher with the default access levels: Offline, stamped now (the time a presentity entity
 *       that starts now would stamp its aggregate). So a watcher cannot tell a colleague who never
 *       existed from one who is signed out (issue 10: no enumeration). The watcher's own dialog is
 *       kept as for any other subscription (it is the watcher's state, bounded by
 *       {@code limits.dialogs-per-watcher}, and expires with the subscription): a refresh gets 200
 *       and a NOTIFY, the expiry a final NOTIFY, as for an offline user, so nothing a watcher sees
 *       later tells them apart either. A user created meanwhile is seen from the watcher's next
 *       refresh or re-subscription on.</li>
 * </ul>
 *
 * The existence check goes through the node's account cache (negative answers are cached too),
 * so a list of 1,000 made-up names costs lookups, not entities.
 */
public final class GatedPresentities implements PresentityClient {

    private final PresentityClient presentities;
    private final Set<String> domains;
    private final Function<String, CompletionStage<Boolean>> exists;
    private final Clock clock;

    /**
     * @param exists whether an AOR of our domains ({@code sip:user@domain}) has an account; fails
     *               when accounts cannot be read (the watch is then retried like an unanswered one)
     */
    public GatedPresentities(
            PresentityClient presentities,
            Set<String> domains,
            Function<String, CompletionStage<Boolean>> exists,
            Clock clock) {
        this.presentities = presentities;
        this.domains = Set.copyOf(domains);
        this.exists = exists;
        this.clock = clock;
    }

    @Override
    public CompletionStage<PresentityEntity.WatchReply> watch(String presentity, String watcher, Instant expiresAt) {
        if (!PresenceResources.isOurs(presentity, domains)) {
            return CompletableFuture.completedFuture(
                    new PresentityEntity.NotWatched(presentity, PresenceResources.NOT_OURS));
        }
        return exists.apply(presentity).thenCompose(known -> {
            if (known) {
                return presentities.watch(presentity, watcher, expiresAt);
            }
            PresenceView view = offline(presentity, watcher);
            return CompletableFuture.completedFuture(
                    new PresentityEntity.Watching(presentity, clock.millis(), view, PidfWriter.write(view)));
        });
    }

    @Override
    public CompletionStage<PresentityEntity.ViewReply> view(String presentity, String watcher) {
        if (!PresenceResources.isOurs(presentity, domains)) {
            return CompletableFuture.completedFuture(
                    new PresentityEntity.NotWatched(presentity, PresenceResources.NOT_OURS));
        }
        return exists.apply(presentity)
                .thenCompose(known -> known
                        ? presentities.view(presentity, watcher)
                        : CompletableFuture.completedFuture(
                                new PresentityEntity.CurrentView(offline(presentity, watcher))));
    }

    /** What an existing user with no registration, no publication and the default access levels shows {@code watcher}. */
    private PresenceView offline(String presentity, String watcher) {
        AccessLevel level = AccessPolicy.DEFAULT.levelFor(presentity, watcher, domains);
        return WatcherView.view(presentity, Aggregation.aggregate(List.of(), false, null, clock.instant()), level);
    }

    @Override
    public void unwatch(String presentity, String watcher) {
        if (PresenceResources.isOurs(presentity, domains)) {
            // only real presentities hold watchers; a failed lookup sends it anyway (harmless)
            exists.apply(presentity).whenComplete((known, failure) -> {
                if (failure != null || Boolean.TRUE.equals(known)) {
                    presentities.unwatch(presentity, watcher);
                }
            });
        }
    }

    @Override
    public void ack(String presentity, String watcher, long version) {
        presentities.ack(presentity, watcher, version);
    }

    @Override
    public CompletionStage<PresentityEntity.PublishReply> publish(String presentity, PublishRequest request) {
        return presentities.publish(presentity, request);
    }

    @Override
    public CompletionStage<PresentityEntity.AccessReply> access(String presentity) {
        return presentities.access(presentity);
    }

    @Override
    public CompletionStage<PresentityEntity.AccessReply> setAccess(String presentity, String key, AccessLevel level) {
        return presentities.setAccess(presentity, key, level);
    }

    @Override
    public void endpointsChanged(String presentity, List<Endpoint> endpoints) {
        presentities.endpointsChanged(presentity, endpoints);
    }
}

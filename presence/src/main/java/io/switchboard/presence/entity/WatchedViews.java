package io.switchboard.presence.entity;

import io.switchboard.presence.domain.NotifyComposer.KnownView;
import io.switchboard.presence.domain.Subscription;
import io.switchboard.presence.domain.WatchedResources;
import io.switchboard.presence.entity.WatcherEntity.Command;
import io.switchboard.presence.entity.WatcherEntity.Settings;
import io.switchboard.presence.entity.WatcherEntity.WatchResult;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * A watcher's side of the watch protocol with its presentities: the latest view it holds of each
 * watched presentity (or why that presentity will not serve it), asking a presentity to watch or
 * to stop, and asking again, after the rewatch interval, those that did not answer. Kept apart
 * from {@link WatcherBehavior}, which keeps the dialogs: this class never looks at what a dialog
 * has sent, so what the watcher knows and what each dialog told its subscriber stay distinct.
 */
final class WatchedViews {

    private final String watcher;
    private final Settings settings;
    private final ActorContext<Command> ctx;
    private final Map<String, KnownView> known = new HashMap<>();
    /** When presentities that did not answer a watch are asked again, or null. */
    private Instant rewatchAt;

    WatchedViews(String watcher, Settings settings, ActorContext<Command> ctx) {
        this.watcher = watcher;
        this.settings = settings;
        this.ctx = ctx;
    }

    /** The view held of {@code presentity}, or null. */
    KnownView get(String presentity) {
        return known.get(presentity);
    }

    /**
     * Whether a dialog must wait for {@code presentity}'s answer before its first NOTIFY: no view
     * yet, or it refused before (e.g. its presentity was full) and is asked again.
     */
    boolean awaitsFirstView(String presentity) {
        KnownView k = known.get(presentity);
        return k == null || k.isTerminated();
    }

    /** Asks {@code presentity} for its view and to keep this watcher informed until {@code until}; the answer is a {@link WatchResult}. */
    void watch(String presentity, Instant until) {
        ctx.pipeToSelf(
                settings.presentities().watch(presentity, watcher, until),
                (reply, failure) -> WatchResult.of(presentity, reply));
    }

    /** Keeps {@code k} unless a newer view of {@code presentity} is held; true when kept. */
    boolean learn(String presentity, KnownView k) {
        KnownView old = known.get(presentity);
        if (old != null && old.version() > k.version()) {
            return false;
        }
        known.put(presentity, k);
        return true;
    }

    /** {@code presentity} will not serve this watcher, for {@code reason}. */
    void refused(String presentity, String reason) {
        known.put(presentity, KnownView.terminated(reason));
    }

    /** A watch got no answer: the presentities not yet answered are asked again after the rewatch interval. */
    void noAnswer(Instant now) {
        if (rewatchAt == null) {
            rewatchAt = now.plus(settings.rewatch());
        }
    }

    /** Forgets the view of {@code presentity} (its presentity already stopped serving it). */
    void forget(String presentity) {
        known.remove(presentity);
    }

    /** Tells {@code presentity} to stop its fan-out to this watcher, keeping the view held. */
    void stopFanout(String presentity) {
        settings.presentities().unwatch(presentity, watcher);
    }

    /** No dialog watches {@code presentity} any more: it stops its fan-out, and its view is forgotten. */
    void unwatch(String presentity) {
        stopFanout(presentity);
        known.remove(presentity);
    }

    Instant rewatchAt() {
        return rewatchAt;
    }

    /** At the rewatch deadline, asks again the presentities of {@code subscriptions} that have not answered. */
    void onDeadline(Instant now, Collection<Subscription> subscriptions) {
        if (rewatchAt != null && !rewatchAt.isAfter(now)) {
            rewatchAt = null;
            WatchedResources.unanswered(subscriptions, known::containsKey).forEach(this::watch);
        }
    }
}

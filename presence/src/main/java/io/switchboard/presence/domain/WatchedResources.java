package io.switchboard.presence.domain;

import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Which presentities a watcher's subscriptions still need, read off its dialogs: the ones nobody
 * subscribes to any more (their presentity is told to stop fanning out to this watcher), and the
 * ones that never answered a watch (asked again, for as long as the longest subscription that
 * has them). Pure, so the watcher entity's bookkeeping of many dialogs over shared resources is
 * one tested rule rather than loops spread over its handlers.
 */
public final class WatchedResources {

    private WatchedResources() {}

    /** Of {@code candidates}, in their order, those that none of {@code subscriptions} has. */
    public static List<String> unused(Collection<String> candidates, Collection<Subscription> subscriptions) {
        return candidates.stream()
                .filter(p -> subscriptions.stream().noneMatch(s -> s.resources().contains(p)))
                .toList();
    }

    /**
     * The resources of {@code subscriptions} not yet {@code answered}, in the order first met,
     * each with the latest expiry among the subscriptions that have it.
     */
    public static Map<String, Instant> unanswered(Collection<Subscription> subscriptions, Predicate<String> answered) {
        Map<String, Instant> until = new LinkedHashMap<>();
        for (Subscription s : subscriptions) {
            for (String p : s.resources()) {
                if (!answered.test(p)) {
                    until.merge(p, s.expiresAt(), (a, b) -> a.isAfter(b) ? a : b);
                }
            }
        }
        return until;
    }
}

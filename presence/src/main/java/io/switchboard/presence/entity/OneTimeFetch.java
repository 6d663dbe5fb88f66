package io.switchboard.presence.entity;

import io.switchboard.presence.domain.NotifyComposer;
import io.switchboard.presence.domain.NotifyComposer.KnownView;
import io.switchboard.presence.domain.PidfWriter;
import io.switchboard.presence.domain.Rlmi;
import io.switchboard.presence.domain.Subscription;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * RFC 6665 section 4.4.3: a SUBSCRIBE with Expires 0 fetches the current state once. Nothing is
 * stored and no dialog lives on, so this needs no entity state: it asks each resource's
 * presentity for its view and sends one terminating NOTIFY.
 */
final class OneTimeFetch {

    private OneTimeFetch() {}

    static void send(Subscription s, String watcher, PresentityClient presentities, NotifySender sender) {
        Map<String, CompletableFuture<PresentityEntity.ViewReply>> views = new LinkedHashMap<>();
        for (String p : s.resources()) {
            views.put(p, presentities.view(p, watcher).toCompletableFuture());
        }
        CompletableFuture.allOf(views.values().toArray(CompletableFuture[]::new))
                .whenComplete((ok, failure) -> {
                    NotifyComposer.Composed c = NotifyComposer.compose(
                            s,
                            0,
                            "terminated;reason=timeout",
                            true,
                            List.of(),
                            p -> {
                                // a failed ask (presentity unreachable) leaves that resource pending; getNow would
                                // throw
                                CompletableFuture<PresentityEntity.ViewReply> view = views.get(p);
                                PresentityEntity.ViewReply r =
                                        view == null || view.isCompletedExceptionally() ? null : view.getNow(null);
                                if (r instanceof PresentityEntity.NotWatched n) {
                                    return KnownView.terminated(n.reason());
                                }
                                return r instanceof PresentityEntity.CurrentView cv
                                        ? new KnownView(0, cv.view(), PidfWriter.write(cv.view()))
                                        : null;
                            },
                            Rlmi.newBoundary());
                    sender.send(new NotifySender.Notify(
                            s, 1, c.subscriptionState(), c.contentType(), c.body(), c.eventlist()));
                });
    }
}

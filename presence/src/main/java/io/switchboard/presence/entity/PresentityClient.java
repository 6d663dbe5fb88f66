package io.switchboard.presence.entity;

import java.time.Instant;
import java.util.concurrent.CompletionStage;

/** How watchers' entities, the SIP edge and the admin API reach presentity entities anywhere in the pool. */
public interface PresentityClient {

    CompletionStage<PresentityEntity.WatchReply> watch(String presentity, String watcher, Instant expiresAt);

    void unwatch(String presentity, String watcher);

    void ack(String presentity, String watcher, long version);

    CompletionStage<PresentityEntity.ViewReply> view(String presentity, String watcher);

    CompletionStage<PresentityEntity.PublishReply> publish(
            String presentity, io.switchboard.presence.domain.PublishRequest request);

    CompletionStage<PresentityEntity.AccessReply> access(String presentity);

    CompletionStage<PresentityEntity.AccessReply> setAccess(
            String presentity, String key, io.switchboard.presence.domain.AccessLevel level);

    void endpointsChanged(String presentity, java.util.List<Endpoint> endpoints);
}

package io.switchboard.presence.domain;

/** TEMPORARY: replaced by the rules helper's version at merge. */
public final class WatcherView {
    public static PresenceView view(String entity, Aggregate aggregate, AccessLevel level) {
        if (level == AccessLevel.BLOCKED) {
            return PresenceView.offline(entity, java.time.Instant.EPOCH);
        }
        return new PresenceView(entity, aggregate.availability(), aggregate.activity(),
                level.atLeast(AccessLevel.WORKGROUP) ? aggregate.note() : null, aggregate.phones(), aggregate.since());
    }
}

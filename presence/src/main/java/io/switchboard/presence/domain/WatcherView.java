package io.switchboard.presence.domain;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a watcher is shown of a presentity's {@link Aggregate}, by the watcher's
 * {@link AccessLevel} (issue 4 item 5: what each level sees is documented here):
 *
 * <table>
 *   <caption>What each access level sees</caption>
 *   <tr><th>Level</th><th>availability</th><th>activity</th><th>note</th><th>phones</th><th>since</th></tr>
 *   <tr><td>{@link AccessLevel#BLOCKED}</td><td>always Offline</td><td>-</td><td>-</td><td>-</td>
 *       <td>always 1970-01-01T00:00:00Z</td></tr>
 *   <tr><td>{@link AccessLevel#EXTERNAL}</td><td>yes</td><td>-</td><td>-</td><td>-</td><td>yes</td></tr>
 *   <tr><td>{@link AccessLevel#COLLEAGUES}</td><td>yes</td><td>yes</td><td>-</td><td>-</td><td>yes</td></tr>
 *   <tr><td>{@link AccessLevel#WORKGROUP}</td><td>yes</td><td>yes</td><td>yes</td><td>yes</td><td>yes</td></tr>
 *   <tr><td>{@link AccessLevel#FRIENDS_AND_FAMILY}</td><td>yes</td><td>yes</td><td>yes</td><td>yes</td><td>yes</td></tr>
 * </table>
 *
 * <p>A blocked watcher's view is a constant: it does not change when the user's presence changes
 * (not even {@code since}), so a blocked watcher can learn nothing, not even that something
 * changed. "activity" is in a call / in a meeting / a custom state's text.
 */
public final class WatcherView {

    private WatcherView() {}

    public static PresenceView view(String entity, Aggregate aggregate, AccessLevel level) {
        Objects.requireNonNull(level, "level");
        if (level == AccessLevel.BLOCKED) {
            return PresenceView.offline(entity, Instant.EPOCH);
        }
        String activity = level.atLeast(AccessLevel.COLLEAGUES) ? aggregate.activity() : null;
        boolean personal = level.atLeast(AccessLevel.WORKGROUP);
        return new PresenceView(
                entity,
                aggregate.availability(),
                activity,
                personal ? aggregate.note() : null,
                personal ? aggregate.phones() : List.of(),
                aggregate.since());
    }
}

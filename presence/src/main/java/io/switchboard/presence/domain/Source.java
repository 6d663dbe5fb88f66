package io.switchboard.presence.domain;

import java.time.Instant;
import java.util.Objects;

/**
 * One contribution to a user's presence: a live publication, or a registered endpoint that has not
 * published ({@link PublishedState#REGISTERED}).
 *
 * @param endpoint    identifies the publication or binding (e.g. its ETag or instance id); also
 *                    breaks ties between equal {@code publishedAt} (see {@link Aggregation})
 * @param state       what it says
 * @param publishedAt the server's time stamp of the publication (or registration), never a time
 *                    the client sent: clients' clocks disagree, so the server stamps
 *                    publication times itself
 */
public record Source(String endpoint, PublishedState state, Instant publishedAt) {

    public Source {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(publishedAt, "publishedAt");
    }
}

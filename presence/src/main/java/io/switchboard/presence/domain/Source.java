package io.switchboard.presence.domain;

import java.time.Instant;

/** TEMPORARY: replaced by the rules helper's version at merge. */
public record Source(String endpoint, PublishedState state, Instant publishedAt) {
}

package io.switchboard.presence.domain;

import java.time.Instant;
import java.util.List;

/** TEMPORARY: replaced by the rules helper's version at merge. */
public record Aggregate(Availability availability, String activity, String note, List<String> phones, Instant since) {
}

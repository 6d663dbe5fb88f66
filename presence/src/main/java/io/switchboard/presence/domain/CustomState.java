package io.switchboard.presence.domain;

/** TEMPORARY: replaced by the rules helper's version at merge. */
public record CustomState(int id, String text, Availability availability) {
}

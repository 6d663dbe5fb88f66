package io.switchboard.presence.domain;

/** TEMPORARY: replaced by the rules helper's version at merge. */
public record UserChoice(Availability availability, String text) {
}

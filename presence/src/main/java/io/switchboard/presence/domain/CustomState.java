package io.switchboard.presence.domain;

/**
 * One of a policy's custom states (as in Skype for Business: up to 4, text up to 64 characters, each mapped onto
 * Available, Busy or Do Not Disturb). Only {@link CustomStates#of} checks these limits, so a
 * {@code CustomState} on its own may be invalid; one held by a {@link CustomStates} never is.
 *
 * @param id           1 to 4; what a client publishes in {@code <sb:custom-state>}
 * @param text         what watchers see as the activity, e.g. "Working from home"
 * @param availability {@link Availability#AVAILABLE}, {@link Availability#BUSY} or
 *                     {@link Availability#DO_NOT_DISTURB}
 */
public record CustomState(int id, String text, Availability availability) {}

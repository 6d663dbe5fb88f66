package io.switchboard.park.domain;

/** The answer to a new orbit range: the range to store, or the rule it broke. */
public sealed interface OrbitDecision {

    record Accepted(OrbitRange range) implements OrbitDecision {}

    /** {@code message} names the rule and the offending values; {@link OrbitRule#httpStatus} says 400 or 409. */
    record Rejected(OrbitRule rule, String message) implements OrbitDecision {}
}

package io.switchboard.conference.domain;

/** Who asks for a roster change: an operator (admin API / CLI) or an authenticated user. */
public sealed interface Actor {

    /** Operators may do anything to any conference. */
    record Operator(String name) implements Actor {}

    /** A user authenticated by the edge (our user over HTTP Digest or SIP, or a federated user). */
    record User(String uri) implements Actor {}
}

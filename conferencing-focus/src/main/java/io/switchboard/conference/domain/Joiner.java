package io.switchboard.conference.domain;

import java.util.Objects;

/**
 * Someone asking to join: their address (for an anonymous caller whatever they claimed, never
 * trusted for a role) and how it was established.
 */
public record Joiner(String uri, JoinerKind kind) {
    public Joiner {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(kind, "kind");
    }

    public static Joiner ourUser(String uri) {
        return new Joiner(uri, JoinerKind.OUR_USER);
    }

    public static Joiner federated(String uri) {
        return new Joiner(uri, JoinerKind.FEDERATED);
    }

    public static Joiner anonymous(String uri) {
        return new Joiner(uri, JoinerKind.ANONYMOUS);
    }
}

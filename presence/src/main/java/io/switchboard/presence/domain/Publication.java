package io.switchboard.presence.domain;

import java.time.Instant;
import java.util.Objects;

/**
 * One live publication of a presentity (RFC 3903): an event state with its entity-tag.
 *
 * @param etag        the entity-tag the client must quote in SIP-If-Match to refresh, modify or remove it
 * @param endpoint    which endpoint published ({@link EndpointId#key()}: its flow, and its
 *                    {@code +sip.instance} and Contact when the PUBLISH had them), paired with that
 *                    endpoint's registration by {@link EndpointPairing}
 * @param body        the PIDF document as published (stored as text, so it can be re-read by a
 *                    newer version of the rules)
 * @param state       what the body says, interpreted
 * @param publishedAt server time of the last PUBLISH that set the body (not the client's clock)
 * @param expiresAt   when it expires unless refreshed
 */
public record Publication(
        String etag, String endpoint, String body, PublishedState state, Instant publishedAt, Instant expiresAt) {

    public Publication {
        Objects.requireNonNull(etag, "etag");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(publishedAt, "publishedAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    public boolean isLive(Instant now) {
        return expiresAt.isAfter(now);
    }

    public Source asSource() {
        return new Source(endpoint, state, publishedAt);
    }
}

package io.switchboard.presence.entity;

import java.time.Instant;

/**
 * A registered endpoint of a presentity, as presence sees it: its identity
 * ({@link io.switchboard.presence.domain.EndpointId#key()}: {@code +sip.instance}, flow and
 * Contact), which {@link io.switchboard.presence.domain.EndpointPairing} pairs with its
 * publications, and when it registered.
 */
public record Endpoint(String key, Instant registeredAt) {}

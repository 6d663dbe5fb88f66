package io.switchboard.presence.entity;

import java.time.Instant;

/**
 * A registered endpoint of a presentity, as presence sees it: the key that pairs it with its
 * publications ({@code +sip.instance}, else transport and source address) and when it registered.
 */
public record Endpoint(String key, Instant registeredAt) {}

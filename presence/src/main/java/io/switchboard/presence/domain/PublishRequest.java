package io.switchboard.presence.domain;

/**
 * A PUBLISH for the presence event, parsed at the SIP edge.
 *
 * @param ifMatch  the SIP-If-Match entity-tag, or null for an initial publication
 * @param expires  the Expires value in seconds, or -1 when absent
 * @param body     the PIDF body, or null when the request had none
 * @param state    the interpreted body, or null when there is no body
 * @param endpoint the publishing endpoint (see {@link Publication#endpoint()})
 */
public record PublishRequest(String ifMatch, long expires, String body, PublishedState state, String endpoint) {}

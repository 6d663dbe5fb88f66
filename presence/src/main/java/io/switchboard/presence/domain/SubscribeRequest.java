package io.switchboard.presence.domain;

import java.util.List;

/**
 * A new presence SUBSCRIBE as {@link SubscribeClassifier} sees it, read off the message by the SIP edge.
 *
 * @param resource          the Request-URI as an AOR, {@code sip:user@host}
 * @param watcher           the subscriber's AOR (the authenticated user, or the From of another domain)
 * @param expires           the Expires value, or -1 when absent
 * @param hasContact        true when the request has a Contact with a URI
 * @param hasFromTag        true when the From has a tag
 * @param accept            the Accept header's media types, lower-case {@code type/subtype}, in order
 * @param supportsEventlist true when Supported lists {@code eventlist} (RFC 4662 section 5)
 * @param bodyType          the Content-Type, lower-case {@code type/subtype}, or null without one
 * @param body              the body, empty when there is none
 */
public record SubscribeRequest(
        String resource,
        String watcher,
        long expires,
        boolean hasContact,
        boolean hasFromTag,
        List<String> accept,
        boolean supportsEventlist,
        String bodyType,
        byte[] body) {

    public SubscribeRequest {
        accept = List.copyOf(accept);
        body = body == null ? new byte[0] : body;
    }
}

package io.switchboard.presence.domain;

import java.util.List;

/** What {@link PublishRules} decided about a PUBLISH: a value, never an exception. */
public sealed interface PublishDecision {

    /**
     * @param publications every live publication after the request
     * @param written      the publication to store (new, refreshed or modified), or null when one was removed
     * @param removedEtag  the entity-tag of the publication replaced or removed, or null for an initial one
     * @param expires      seconds granted, for the Expires header of the 200 (0 for a removal)
     */
    record Accepted(List<Publication> publications, Publication written, String removedEtag, long expires)
            implements PublishDecision {
        public Accepted {
            publications = List.copyOf(publications);
        }

        /** The etag for the 200's SIP-ETag: the new one, or on removal the one removed. */
        public String etag() {
            return written != null ? written.etag() : removedEtag;
        }
    }

    /**
     * @param status     SIP status: 400, 403, 412 or 423
     * @param reason     reason phrase
     * @param minExpires for 423 the Min-Expires to send, else 0
     */
    record Rejected(int status, String reason, long minExpires) implements PublishDecision {}
}

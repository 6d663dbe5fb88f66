package io.switchboard.presence.domain;

import java.util.List;

/** What {@link PublishRules} decided about a PUBLISH: a value, never an exception. */
public sealed interface PublishDecision {

    /**
     * @param publications every live publication after the request
     * @param written      the publication to store (new, refreshed or modified), or null when one was removed
     * @param removedEtag  the entity-tag of the publication replaced or removed, or null for an initial one
     * @param expires      seconds granted, for the Expires header of the 200 (0 for a removal)
     * @param superseded   the entity-tags of the same endpoint's publications an initial one replaces
     */
    record Accepted(
            List<Publication> publications,
            Publication written,
            String removedEtag,
            long expires,
            List<String> superseded)
            implements PublishDecision {
        public Accepted {
            publications = List.copyOf(publications);
            superseded = List.copyOf(superseded);
        }

        public Accepted(List<Publication> publications, Publication written, String removedEtag, long expires) {
            this(publications, written, removedEtag, expires, List.of());
        }

        /** Every entity-tag whose publication this request deletes from the store. */
        public List<String> deleted() {
            if (removedEtag == null) {
                return superseded;
            }
            List<String> all = new java.util.ArrayList<>(superseded.size() + 1);
            all.add(removedEtag);
            all.addAll(superseded);
            return all;
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

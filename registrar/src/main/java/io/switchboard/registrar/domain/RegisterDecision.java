package io.switchboard.registrar.domain;

import java.util.List;

/** What the registrar rules decided about one REGISTER: a value, never an exception. */
public sealed interface RegisterDecision {

    /**
     * The REGISTER is accepted.
     *
     * @param bindings the AOR's bindings after the request, best q first: what the 200 OK lists
     * @param upserts  bindings to write (new or refreshed)
     * @param removals keys of bindings to delete
     * @param outbound the request used RFC 5626 outbound: the 200 OK carries {@code Require: outbound}
     */
    record Accepted(List<Binding> bindings, List<Binding> upserts, List<BindingKey> removals, boolean outbound)
            implements RegisterDecision {
        public Accepted {
            bindings = List.copyOf(bindings);
            upserts = List.copyOf(upserts);
            removals = List.copyOf(removals);
        }

        public boolean changesState() {
            return !upserts.isEmpty() || !removals.isEmpty();
        }
    }

    /** The REGISTER is refused; nothing is changed. {@code detail} becomes the reason phrase. */
    record Rejected(Rejection kind, String detail) implements RegisterDecision {}

    /** Why a REGISTER is refused, with the status code the RFCs give for it. */
    enum Rejection {
        /** Malformed or contradictory Contact / Expires (RFC 3261 section 10.3 step 6, RFC 5626 section 6). */
        BAD_REQUEST(400),
        /** Requested expiry below the minimum: 423 with Min-Expires (RFC 3261 section 10.3 step 7). */
        INTERVAL_TOO_BRIEF(423),
        /**
         * Same Call-ID with a CSeq not above the stored one: "the update MUST be aborted and the
         * request fails" (RFC 3261 section 10.3 steps 6 and 7). The RFC names no code; 500 with
         * Retry-After tells a client that its request was not applied and may be retried.
         */
        OUT_OF_ORDER(500),
        /** The AOR already has the maximum number of bindings. */
        TOO_MANY_BINDINGS(403),
        /** reg-id through an edge proxy whose Path lacks {@code ;ob} (RFC 5626 section 6, RFC 5626 section 11.6). */
        FIRST_HOP_LACKS_OUTBOUND(439);

        private final int status;

        Rejection(int status) {
            this.status = status;
        }

        public int status() {
            return status;
        }
    }
}

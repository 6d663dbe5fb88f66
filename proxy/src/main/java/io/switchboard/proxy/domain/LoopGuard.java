package io.switchboard.proxy.domain;

import java.util.List;
import java.util.Objects;

/**
 * Whether a request may be forwarded at all (RFC 3261 section 16.3 steps 3 and 4): Max-Forwards
 * must not be spent (else 483 Too Many Hops), and the very request must not have passed us
 * before (else 482 Loop Detected). A request that passed us but was changed since (retargeted,
 * so its Request-URI differs) is a spiral and goes on (section 16.3 step 4).
 *
 * <p>How a loop is recognised: every branch we send carries a hash of the request as we received
 * it ({@link LoopDetection}). For each Via of ours in the request, the hash is computed again with
 * the Via below ours standing for "the top Via as received"; equal means the same request came
 * back.
 */
public final class LoopGuard {

    private LoopGuard() {}

    /** The fields that identify a request for loop detection (section 16.6 step 8). */
    public record RequestKey(String requestUri, String fromTag, String toTag, String callId, long cseq) {

        public RequestKey {
            Objects.requireNonNull(requestUri, "requestUri");
        }

        String hash(String viaBelow) {
            return LoopDetection.hash(requestUri, fromTag, toTag, callId, cseq, viaBelow);
        }
    }

    /**
     * One Via of the request, top first.
     *
     * @param text   the header as received (what the hash covers)
     * @param ours   its sent-by is this node
     * @param branch its branch parameter, or null
     */
    public record Via(String text, boolean ours, String branch) {

        public Via {
            Objects.requireNonNull(text, "text");
        }
    }

    public sealed interface Verdict permits Forward, Refuse {}

    /**
     * Forward, with this Max-Forwards and this loop hash in our branch parameter (section 16.6
     * steps 3 and 8).
     */
    public record Forward(int maxForwards, String loopHash) implements Verdict {}

    /** Answer with {@code status} (483 or 482) instead of forwarding. */
    public record Refuse(int status) implements Verdict {}

    /**
     * @param maxForwards the received Max-Forwards, or -1 when the header is absent
     * @param vias        the request's Vias, top first
     */
    public static Verdict check(int maxForwards, RequestKey key, List<Via> vias) {
        int next = MaxForwards.next(maxForwards);
        if (next < 0) {
            return new Refuse(483);
        }
        for (int i = 0; i < vias.size(); i++) {
            Via v = vias.get(i);
            if (v.ours() && v.branch() != null && v.branch().startsWith(LoopDetection.PREFIX)) {
                String below = i + 1 < vias.size() ? vias.get(i + 1).text() : "";
                if (LoopDetection.isLoop(v.branch(), key.hash(below))) {
                    return new Refuse(482);
                }
            }
        }
        return new Forward(next, key.hash(vias.isEmpty() ? "" : vias.get(0).text()));
    }
}

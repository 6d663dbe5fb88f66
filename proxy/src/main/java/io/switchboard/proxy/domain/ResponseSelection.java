package io.switchboard.proxy.domain;

import java.util.List;

/**
 * Picks the response a forking proxy sends upstream once every branch has a final response
 * (RFC 3261 section 16.7 step 6).
 *
 * <p>Rules: a 6xx wins outright; otherwise the lowest class wins (3xx before 4xx before 5xx).
 * Within 4xx, the responses a caller can act on are preferred (401, 407, 415, 420, 484, as the
 * RFC suggests), then the lowest code. Branches that never produced an answer from an endpoint
 * (timeouts, dead flows, transport errors) lose to any real answer; when nothing but those is
 * left, the caller gets 480: nobody could be reached right now, which is what RFC 3261 section
 * 21.4.18 says 480 means, and what a caller's UI shows as "unavailable".
 */
public final class ResponseSelection {

    private ResponseSelection() {}

    /**
     * Index of the best of {@code finals} (status codes; each entry tagged whether it came from the
     * network or was made locally), or -1 when the list is empty.
     */
    public static int best(List<Candidate> finals) {
        int best = -1;
        for (int i = 0; i < finals.size(); i++) {
            if (best < 0 || better(finals.get(i), finals.get(best))) {
                best = i;
            }
        }
        return best;
    }

    /** What status to send upstream for the chosen candidate (section 16.7 step 6: 503 becomes 500). */
    public static int upstreamStatus(Candidate chosen) {
        if (!chosen.fromEndpoint()) {
            return 480;
        }
        return chosen.status() == 503 ? 500 : chosen.status();
    }

    static boolean better(Candidate a, Candidate b) {
        if (a.fromEndpoint() != b.fromEndpoint()) {
            return a.fromEndpoint();
        }
        int ca = a.status() / 100;
        int cb = b.status() / 100;
        if (ca == 6 || cb == 6) {
            return ca == 6 && cb != 6;
        }
        if (ca != cb) {
            return ca < cb;
        }
        if (ca == 4) {
            boolean pa = PREFERRED_4XX.contains(a.status());
            boolean pb = PREFERRED_4XX.contains(b.status());
            if (pa != pb) {
                return pa;
            }
        }
        return a.status() < b.status();
    }

    private static final java.util.Set<Integer> PREFERRED_4XX = java.util.Set.of(401, 407, 415, 420, 484);

    /**
     * One branch's final response.
     *
     * @param status       the status code
     * @param fromEndpoint false when no endpoint answered: a transaction timeout (408 made by the
     *                     stack), a transport failure (503 made by the stack), or a flow that is gone
     *                     (430, RFC 5626 section 5.3)
     */
    public record Candidate(int status, boolean fromEndpoint) {}
}

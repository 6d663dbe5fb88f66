package io.switchboard.proxy.domain;

/**
 * Max-Forwards handling for a proxy (RFC 3261 section 16.3 step 3 and section 16.6 step 3).
 */
public final class MaxForwards {

    /** What a proxy puts in a request that arrived without Max-Forwards (section 16.6 step 3). */
    public static final int DEFAULT = 70;

    private MaxForwards() {}

    /**
     * The value to forward with, or -1 when the request must not be forwarded (483 Too Many Hops).
     *
     * @param received the received value, or -1 when the header was absent
     */
    public static int next(int received) {
        if (received < 0) {
            return DEFAULT;
        }
        return received == 0 ? -1 : received - 1;
    }
}

package io.switchboard.proxy.domain;

import java.time.Duration;
import java.util.List;

/**
 * What a {@link Fork} asks its adapter to do. Branches are named by their index in the order the
 * fork started them (0, 1, ...); the adapter keeps each branch's client transaction and the final
 * response it received under that index.
 */
public sealed interface ForkAction {

    /** The two timers of a fork. */
    enum Timer {
        /** RFC 3261 section 16.8: how long an INVITE may ring before the proxy gives up. */
        C,
        /** Call forwarding on no answer: when the forwarding target replaces the ringing branches. */
        NO_ANSWER
    }

    /** Answer an INVITE with 100 at once (RFC 3261 section 16.2), so the caller stops retransmitting. */
    record SendTrying() implements ForkAction {}

    /** Send a copy of the request to {@code target} as branch {@code branch} (section 16.6). */
    record StartBranch(int branch, Target target) implements ForkAction {}

    /** Relay the provisional response this branch just received upstream (section 16.7 step 5). */
    record RelayProvisional(int branch) implements ForkAction {}

    /**
     * Relay the final response this branch received upstream: it is the one the caller gets
     * (a 2xx, or the best of all branches, section 16.7 steps 5-6). For a 401 or 407 the challenges
     * of the {@code challengesFrom} branches' responses are added to it (section 16.7 step 7).
     */
    record RelayFinal(int branch, int status, List<Integer> challengesFrom) implements ForkAction {

        public RelayFinal {
            challengesFrom = List.copyOf(challengesFrom);
        }
    }

    /**
     * Send a final response made here ({@code reason} null: the standard phrase; {@code retryAfter} 0: none;
     * {@code warning} null: none, else a Warning header value, RFC 3261 section 20.43).
     */
    record Answer(int status, String reason, int retryAfter, String warning) implements ForkAction {

        public Answer(int status, String reason, int retryAfter) {
            this(status, reason, retryAfter, null);
        }
    }

    /** CANCEL this branch (section 16.10; sent only once it has had a provisional response, section 9.1). */
    record SendCancel(int branch) implements ForkAction {}

    /**
     * A 2xx to an INVITE after the caller already has a final response: it still goes upstream,
     * statelessly (section 16.7 step 5), so the caller can ACK and hang up the extra dialog.
     */
    record ForwardStateless(int branch) implements ForkAction {}

    record StartTimer(Timer timer, Duration delay) implements ForkAction {}

    record StopTimer(Timer timer) implements ForkAction {}
}

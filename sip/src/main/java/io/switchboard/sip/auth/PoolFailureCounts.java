package io.switchboard.sip.auth;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The pool-wide side of {@link AuthThrottle}'s per-account guess budget: every node publishes how
 * many failed authentications of an account it has seen in the current time bucket and learns the
 * sum over all nodes, so the budget holds for the pool and not once per node.
 *
 * <p>Called only after a failed authentication, never on the success path. Implementations must
 * not block the caller (it is a JAIN-SIP or HTTP thread): do the I/O asynchronously and complete
 * the stage later. A failed stage only means the node goes on with what it counted itself.
 */
public interface PoolFailureCounts {

    /** No sharing: the budget is counted by this node alone (tests, a single node without storage). */
    PoolFailureCounts LOCAL = (accountKey, bucket, nodeFailures) -> CompletableFuture.completedFuture(0);

    /**
     * Records that this node has seen {@code nodeFailures} failures of {@code accountKey} in time
     * bucket {@code bucket} (a count, not an increment, so a retried write changes nothing), and
     * returns the failures the <em>other</em> nodes recorded for that account and bucket. A node's
     * stored count only grows: writes can arrive out of order (several in flight), and a smaller
     * count arriving after a larger one must not replace it.
     *
     * <p>The node's own row is left out of the answer because the node knows its count better than
     * the store does: the read may already see a later write of this node, and adding the failures
     * since {@code nodeFailures} to it would count them twice (the budget of 8 was spent at 7).
     */
    CompletionStage<Integer> record(String accountKey, long bucket, int nodeFailures);
}

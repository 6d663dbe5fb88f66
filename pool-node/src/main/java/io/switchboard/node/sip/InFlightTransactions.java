package io.switchboard.node.sip;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sip.ServerTransaction;
import javax.sip.TransactionState;

/**
 * The server transactions the SIP edge took, for a draining node to let finish: a transaction is
 * in flight until its final response is sent (state Trying or Proceeding, RFC 3261 sections 17.2.1
 * and 17.2.2); a Completed one only absorbs retransmissions, which needs no wait. Entries leave
 * when the stack reports the transaction terminated; {@link #count()} also drops the answered ones,
 * so a stack that does not report termination cannot make the set grow without bound.
 */
final class InFlightTransactions {

    private static final int PRUNE_ABOVE = 4096;
    private final Set<ServerTransaction> taken = ConcurrentHashMap.newKeySet();

    void add(ServerTransaction transaction) {
        taken.add(transaction);
        if (taken.size() > PRUNE_ABOVE) {
            count();
        }
    }

    void remove(ServerTransaction transaction) {
        if (transaction != null) {
            taken.remove(transaction);
        }
    }

    /** Transactions not yet answered finally; forgets the others. */
    int count() {
        taken.removeIf(t -> !unanswered(t.getState()));
        return taken.size();
    }

    static boolean unanswered(TransactionState state) {
        return state == null || state == TransactionState.TRYING || state == TransactionState.PROCEEDING;
    }
}

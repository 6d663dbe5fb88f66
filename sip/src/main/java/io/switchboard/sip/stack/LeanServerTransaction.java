package io.switchboard.sip.stack;

import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.SIPServerTransactionImpl;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import java.util.Locale;

/**
 * The RI's server transaction, safe to hold without its request ({@link
 * AnsweredRequests#dropOnFinalResponse}).
 *
 * <p>A request whose top Via has no RFC 3261 branch (an RFC 2543 client, RFC 3261 section 17.2.3)
 * is matched by the RI against every live server transaction with the older rules, which read the
 * transaction's request: one whose request was dropped threw a NullPointerException there, and the
 * RFC 2543 request went unanswered while any such transaction lived (32 s over UDP). A transaction
 * without its request was created by a request with an RFC 3261 branch (the only kind it drops), and
 * a request without one is never part of it: section 17.2.3 matches such a request by the older
 * rules only against a transaction that began the same way.
 */
final class LeanServerTransaction extends SIPServerTransactionImpl {

    /** RFC 3261 section 8.1.1.7. */
    private static final String MAGIC_COOKIE = "z9hg4bk";

    LeanServerTransaction(SIPTransactionStack stack, MessageChannel channel) {
        super(stack, channel);
    }

    @Override
    public boolean isMessagePartOfTransaction(SIPMessage message) {
        if (getRequest() == null && !hasRfc3261Branch(message)) {
            return false;
        }
        return super.isMessagePartOfTransaction(message);
    }

    /** Whether the top Via's branch starts with the RFC 3261 magic cookie. */
    static boolean hasRfc3261Branch(SIPMessage message) {
        Via top = message.getTopmostVia();
        String branch = top == null ? null : top.getBranch();
        return branch != null && branch.toLowerCase(Locale.ROOT).startsWith(MAGIC_COOKIE);
    }
}

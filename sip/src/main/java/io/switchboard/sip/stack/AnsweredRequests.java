package io.switchboard.sip.stack;

import gov.nist.javax.sip.ReleaseReferencesStrategy;
import gov.nist.javax.sip.TransactionExt;
import gov.nist.javax.sip.message.SIPMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Locale;
import java.util.Set;
import javax.sip.ServerTransaction;
import javax.sip.message.Request;

/**
 * Shrinks a request once its server transaction has sent the final response.
 *
 * <p>Why: over UDP the RI keeps a non-INVITE server transaction for Timer J (64 x T1 = 32 s, RFC
 * 3261 section 17.2.2) after the final response, to answer retransmissions, and the transaction
 * keeps the fully parsed request: about 7 KB for a REGISTER with digest credentials (every header
 * is a tree of JAIN-SIP objects; measured with a class histogram, 31,940 transactions = 228 MB).
 * At 4,000 REGISTER flows/s that is 256,000 live transactions, 1.8 GB, all promoted out of the
 * young generation before they die: more than the node's heap, and GC work on every request.
 *
 * <p>What the RI still reads from such a request (RI 1.3.0-91, by reading the bytecode of
 * {@code SIPServerTransactionImpl.isMessagePartOfTransaction}, {@code cleanUp} and
 * {@code cleanUpOnTimer}): the top Via (branch, sent-by), CSeq, Call-ID, the From and To tags and
 * the Request-URI. Retransmissions are answered from the response bytes it kept. Everything else
 * (Authorization, Contact, User-Agent, Expires, Supported, Path, unparsed headers, any body) is
 * dropped here. Content-Length stays so the request can still be encoded.
 *
 * <p>Call it only after the final response was sent, and do not read the request afterwards.
 * Over TCP and TLS the transaction ends with the final response (Timer J is 0), so this only
 * saves garbage there.
 *
 * <p>Better still, where the caller holds the transaction: {@link #dropOnFinalResponse} before
 * sending the final response makes the RI itself let go of the whole request when the transaction
 * enters Completed (its {@code Aggressive} release strategy: {@code cleanUpOnTimer} nulls the
 * request of a non-INVITE transaction, keeping the branch, sent-by and From tag it matches
 * retransmissions with, and the response bytes it answers them with). A REGISTER transaction then
 * holds no request at all for its 32 s.
 */
public final class AnsweredRequests {

    /** Lower-case names of the headers the RI still needs (compact forms included). */
    private static final Set<String> KEPT =
            Set.of("via", "v", "cseq", "call-id", "i", "from", "f", "to", "t", "content-length", "l");

    private AnsweredRequests() {}

    /**
     * Before a non-INVITE transaction's final response: the RI drops the request as it sends it, so
     * {@code transaction.getRequest()} is {@code null} afterwards. Nothing of ours may read the
     * request after the final response (as with {@link #release}). Only for a request with an RFC
     * 3261 branch: the RI matches retransmissions of an RFC 2543 request (no branch) by reading the
     * request (section 17.2.3), so callers still {@link #release} what {@code getRequest()} returns
     * after the response (nothing, when it was dropped).
     */
    public static void dropOnFinalResponse(ServerTransaction transaction) {
        Request request = transaction.getRequest();
        if (transaction instanceof TransactionExt ext
                && request instanceof SIPMessage m
                && !Request.INVITE.equals(request.getMethod())
                && LeanServerTransaction.hasRfc3261Branch(m)) {
            ext.setReleaseReferencesStrategy(ReleaseReferencesStrategy.Aggressive);
        }
    }

    public static void release(Request request) {
        if (!(request instanceof SIPMessage m)) {
            return;
        }
        List<String> drop = new ArrayList<>(12);
        for (ListIterator<String> it = m.getHeaderNames(); it.hasNext(); ) {
            String name = it.next();
            if (!KEPT.contains(name.toLowerCase(Locale.ROOT))) {
                drop.add(name);
            }
        }
        for (String name : drop) {
            m.removeHeader(name);
        }
        ListIterator<String> unparsed = m.getUnrecognizedHeaders();
        while (unparsed != null && unparsed.hasNext()) {
            unparsed.next();
            unparsed.remove();
        }
        if (m.getRawContent() != null) {
            m.removeContent();
        }
    }
}

package io.switchboard.proxy.sip;

import gov.nist.javax.sip.SipProviderImpl;
import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPResponse;
import gov.nist.javax.sip.stack.CongestionControlMessageValve;
import gov.nist.javax.sip.stack.MessageChannel;
import java.util.Iterator;
import java.util.Locale;
import javax.sip.ListeningPoint;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards a 2xx to an INVITE that no client transaction owns any more (the callee retransmits
 * its 200 until the caller's ACK arrives; RFC 3261 section 13.3.1.4) statelessly upstream, as a
 * proxy must (section 16.7 step 5), before the RI looks for its transaction.
 *
 * <p>Why here: when the RI finds no transaction for a response by its branch, it walks every live
 * client transaction ({@code SIPTransactionStack.newSIPServerResponse}, RI 1.3.0-91). Under call
 * load every retransmitted 200 paid that walk: 38-65% of the node's CPU samples in the call bench
 * (bench/RESULTS.md), and calls collapsed once ACKs lagged. A 2xx with an RFC 3261 branch whose
 * transaction is not in the table cannot match another one, so the walk finds nothing anyway.
 * Everything else goes on to the RI (and the congestion valve this extends).
 */
public final class StrayResponseValve extends CongestionControlMessageValve {

    private static final Logger LOG = LoggerFactory.getLogger(StrayResponseValve.class);

    /** Installed by {@link ProxyRouter#STACK_PROPERTIES}; as a subclass it keeps the RI's congestion control. */
    public StrayResponseValve() {
        super();
    }

    @Override
    public boolean processResponse(Response response, MessageChannel channel) {
        if (!super.processResponse(response, channel) || !(response instanceof SIPResponse r)) {
            return false;
        }
        if (r.getStatusCode() / 100 != 2
                || r.getCSeq() == null
                || !Request.INVITE.equals(r.getCSeq().getMethod())) {
            return true;
        }
        Via top = r.getTopmostVia();
        String branch = top == null ? null : top.getBranch();
        if (branch == null
                || !branch.toLowerCase(Locale.ROOT).startsWith("z9hg4bk")
                || sipStack.findTransaction(r.getTransactionId(), false) != null
                || !isOurs(top)) {
            return true;
        }
        SIPResponse out = (SIPResponse) r.clone();
        out.removeFirst(Via.NAME);
        if (out.getTopmostVia() == null) {
            return false; // it was for us alone: nobody upstream to give it to
        }
        try {
            Iterator<SipProviderImpl> providers = sipStack.getSipProviders();
            if (providers.hasNext()) {
                providers.next().sendResponse(out);
            }
        } catch (Exception e) {
            LOG.debug("Could not forward a stray 2xx: {}", e.toString());
        }
        return false;
    }

    private boolean isOurs(Via via) {
        String host = via.getHost();
        int port = via.getPort() > 0 ? via.getPort() : 5060;
        for (Iterator<?> it = sipStack.getListeningPoints(); it.hasNext(); ) {
            ListeningPoint lp = (ListeningPoint) it.next();
            if (lp.getIPAddress().equalsIgnoreCase(host) && lp.getPort() == port) {
                return true;
            }
        }
        return false;
    }
}

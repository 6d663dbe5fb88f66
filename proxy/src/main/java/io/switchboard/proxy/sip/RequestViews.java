package io.switchboard.proxy.sip;

import io.switchboard.proxy.domain.LoopGuard;
import io.switchboard.sip.routing.ProxyIdentity;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.MaxForwardsHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;

/** A received JAIN-SIP request as the small values the proxy's rules ({@code proxy.domain}) take. */
final class RequestViews {

    private RequestViews() {}

    /** The received Max-Forwards, or -1 when absent. */
    static int maxForwards(Request request) {
        MaxForwardsHeader mf = (MaxForwardsHeader) request.getHeader(MaxForwardsHeader.NAME);
        return mf == null ? -1 : mf.getMaxForwards();
    }

    /** An initial request: no To tag, so it is outside any dialog (RFC 3261 section 12). */
    static boolean isInitial(Request request) {
        ToHeader to = (ToHeader) request.getHeader(ToHeader.NAME);
        return to == null || to.getTag() == null;
    }

    static LoopGuard.RequestKey loopKey(Request request) {
        FromHeader from = (FromHeader) request.getHeader(FromHeader.NAME);
        ToHeader to = (ToHeader) request.getHeader(ToHeader.NAME);
        CallIdHeader callId = (CallIdHeader) request.getHeader(CallIdHeader.NAME);
        CSeqHeader cseq = (CSeqHeader) request.getHeader(CSeqHeader.NAME);
        return new LoopGuard.RequestKey(
                request.getRequestURI().toString(),
                from == null ? null : from.getTag(),
                to == null ? null : to.getTag(),
                callId == null ? null : callId.getCallId(),
                cseq == null ? 0 : cseq.getSeqNumber());
    }

    /** The Vias, top first, each marked whether its sent-by is this node. */
    static List<LoopGuard.Via> vias(Request request, ProxyIdentity self) {
        List<LoopGuard.Via> vias = new ArrayList<>(4);
        for (ListIterator<?> it = request.getHeaders(ViaHeader.NAME); it.hasNext(); ) {
            ViaHeader v = (ViaHeader) it.next();
            vias.add(new LoopGuard.Via(
                    v.toString().trim(), self.isOwnSentBy(v.getHost(), v.getPort(), v.getTransport()), v.getBranch()));
        }
        return vias;
    }
}

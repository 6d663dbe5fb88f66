package io.switchboard.park.sip;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.RecordRouteHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.Message;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * Our side of one dialog (RFC 3261 section 12): what a request of ours inside it needs (section
 * 12.2.1.1). When two legs are bridged they are each other's {@code peer}: a BYE on one is passed
 * to the other. The stack's dialog support is off (docs/architecture.md rule 5), so this is the
 * whole dialog state the park B2BUA keeps.
 */
final class Leg {
    final String callId;
    final String localTag;
    final String remoteTag;
    final String localUri;
    final String remoteUri;
    final String remoteTarget;
    final List<String> routeSet;
    final AtomicLong cseq;
    volatile Leg peer;
    /** When the peer leg is on another node: asks that node to end it (instead of {@code peer}). */
    volatile Runnable remoteHangUp;

    private Leg(
            String callId,
            String localTag,
            String remoteTag,
            String localUri,
            String remoteUri,
            String remoteTarget,
            List<String> routeSet,
            long firstCseq) {
        this.callId = callId;
        this.localTag = localTag;
        this.remoteTag = remoteTag;
        this.localUri = localUri;
        this.remoteUri = remoteUri;
        this.remoteTarget = remoteTarget;
        this.routeSet = List.copyOf(routeSet);
        this.cseq = new AtomicLong(firstCseq);
    }

    /** The dialog an initial INVITE to us creates, with {@code localTag} as our To tag (section 12.1.1). */
    static Leg asCallee(Request invite, String localTag) {
        FromHeader from = (FromHeader) invite.getHeader(FromHeader.NAME);
        String remoteUri = from.getAddress().getURI().toString();
        return new Leg(
                callIdOf(invite),
                localTag,
                from.getTag(),
                ((ToHeader) invite.getHeader(ToHeader.NAME))
                        .getAddress()
                        .getURI()
                        .toString(),
                remoteUri,
                contactOf(invite, remoteUri),
                recordRoutes(invite), // the UAS keeps the order (section 12.1.1)
                1);
    }

    /** The dialog our INVITE created with the 2xx {@code ok} (section 12.1.2). */
    static Leg asCaller(Request invite, Response ok) {
        ToHeader to = (ToHeader) ok.getHeader(ToHeader.NAME);
        FromHeader from = (FromHeader) invite.getHeader(FromHeader.NAME);
        String remoteUri = to.getAddress().getURI().toString();
        List<String> routes = new ArrayList<>(recordRoutes(ok));
        Collections.reverse(routes); // the UAC reverses the order (section 12.1.2)
        long seq = ((javax.sip.header.CSeqHeader) invite.getHeader("CSeq")).getSeqNumber();
        return new Leg(
                callIdOf(invite),
                from.getTag(),
                to.getTag(),
                from.getAddress().getURI().toString(),
                remoteUri,
                contactOf(ok, remoteUri),
                routes,
                seq + 1);
    }

    /**
     * The dialog as {@code hold} stored it, for a node taking the leg over: its requests start at
     * the first CSeq of the hold's block, above anything an earlier holder sent (RFC 3261 section
     * 12.2.1.1).
     */
    static Leg restored(io.switchboard.park.domain.CallerHold hold) {
        return new Leg(
                hold.callId(),
                hold.localTag(),
                hold.remoteTag(),
                hold.localUri(),
                hold.remoteUri(),
                hold.remoteTarget(),
                hold.routeSet(),
                hold.firstCseq());
    }

    static String callIdOf(Message m) {
        return ((CallIdHeader) m.getHeader(CallIdHeader.NAME)).getCallId();
    }

    /**
     * True when {@code request} carries this dialog's tags: our tag in To and the peer's in From
     * (section 12.2.2). A request with the right Call-ID but another tag is not this dialog's.
     */
    boolean matches(Request request) {
        ToHeader to = (ToHeader) request.getHeader(ToHeader.NAME);
        FromHeader from = (FromHeader) request.getHeader(FromHeader.NAME);
        return to != null
                && from != null
                && localTag.equals(to.getTag())
                && remoteTag != null
                && remoteTag.equals(from.getTag());
    }

    private static String contactOf(Message m, String fallback) {
        ContactHeader contact = (ContactHeader) m.getHeader(ContactHeader.NAME);
        return contact != null ? contact.getAddress().getURI().toString() : fallback;
    }

    private static List<String> recordRoutes(Message m) {
        List<String> routes = new ArrayList<>();
        var rr = m.getHeaders(RecordRouteHeader.NAME);
        while (rr.hasNext()) {
            routes.add(((RecordRouteHeader) rr.next()).getAddress().toString());
        }
        return routes;
    }
}

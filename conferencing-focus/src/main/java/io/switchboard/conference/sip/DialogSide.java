package io.switchboard.conference.sip;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.RecordRouteHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * Our side of one dialog (RFC 3261 section 12): what a request of ours inside it needs (section
 * 12.2.1.1). The stack's automatic dialog support is off on the node (docs/architecture.md rule 5),
 * so the focus keeps this itself: towards the participant it is the UAS (section 12.1.1), towards
 * the mixer the UAC (section 12.1.2).
 */
final class DialogSide {
    final String callId;
    final String localTag;
    final String localUri;
    final String remoteUri;
    final AtomicLong cseq;
    volatile String remoteTag;
    volatile String remoteTarget;
    volatile List<String> routeSet;

    /**
     * Every CSeq of ours up to this one is covered by the stored row (conferencing-focus/README.md,
     * "Surviving a node"): a node resuming the dialog starts above it. {@link Long#MAX_VALUE} while
     * the dialog is not stored.
     */
    volatile long ceiling = Long.MAX_VALUE;
    /** Run when our next CSeq comes within half a block of {@link #ceiling}: stores the next block. */
    volatile Runnable nearCeiling;

    private DialogSide(
            String callId,
            String localTag,
            String localUri,
            String remoteUri,
            String remoteTag,
            String remoteTarget,
            List<String> routeSet,
            long firstCseq) {
        this.callId = callId;
        this.localTag = localTag;
        this.localUri = localUri;
        this.remoteUri = remoteUri;
        this.remoteTag = remoteTag;
        this.remoteTarget = remoteTarget;
        this.routeSet = routeSet;
        this.cseq = new AtomicLong(firstCseq);
    }

    /** The participant's dialog, from its INVITE: the route set in Record-Route order (section 12.1.1). */
    static DialogSide uas(Request invite, String localTag) {
        FromHeader from = (FromHeader) invite.getHeader(FromHeader.NAME);
        ContactHeader contact = (ContactHeader) invite.getHeader(ContactHeader.NAME);
        String remoteUri = from.getAddress().getURI().toString();
        return new DialogSide(
                ((CallIdHeader) invite.getHeader(CallIdHeader.NAME)).getCallId(),
                localTag,
                ((ToHeader) invite.getHeader(ToHeader.NAME))
                        .getAddress()
                        .getURI()
                        .toString(),
                remoteUri,
                from.getTag(),
                contact != null ? contact.getAddress().getURI().toString() : remoteUri,
                recordRoutes(invite),
                1);
    }

    /** The mixer's dialog as we open it; {@link #confirm} fills in the rest from its 2xx. */
    static DialogSide uac(String callId, String localTag, String localUri, String mixerUri) {
        return new DialogSide(callId, localTag, localUri, mixerUri, null, mixerUri, List.of(), 1);
    }

    /**
     * A stored dialog resumed on this node: our next CSeq is {@code nextCseq} (above every one the
     * node that held it may have used), and {@code d.cseqCeiling()} is the ceiling now stored.
     */
    static DialogSide restore(io.switchboard.conference.store.DialogStore.Dialog d, long nextCseq) {
        DialogSide side = new DialogSide(
                d.callId(),
                d.localTag(),
                d.localUri(),
                d.remoteUri(),
                d.remoteTag(),
                d.remoteTarget(),
                List.copyOf(d.routeSet()),
                nextCseq);
        side.ceiling = d.cseqCeiling();
        return side;
    }

    /** This dialog as stored, with {@code ceiling} as its CSeq ceiling. */
    io.switchboard.conference.store.DialogStore.Dialog stored(long ceiling) {
        return new io.switchboard.conference.store.DialogStore.Dialog(
                callId, localTag, localUri, remoteUri, remoteTag, remoteTarget, routeSet, ceiling);
    }

    /** The 2xx of our INVITE: the remote tag, target and route set (Record-Route reversed, section 12.1.2). */
    void confirm(Response ok) {
        remoteTag = ((ToHeader) ok.getHeader(ToHeader.NAME)).getTag();
        ContactHeader contact = (ContactHeader) ok.getHeader(ContactHeader.NAME);
        if (contact != null) {
            remoteTarget = contact.getAddress().getURI().toString();
        }
        List<String> routes = recordRoutes(ok);
        Collections.reverse(routes);
        routeSet = List.copyOf(routes);
    }

    private static List<String> recordRoutes(javax.sip.message.Message m) {
        List<String> routes = new ArrayList<>();
        var rr = m.getHeaders(RecordRouteHeader.NAME);
        while (rr.hasNext()) {
            routes.add(((RecordRouteHeader) rr.next()).getAddress().toString());
        }
        return routes;
    }
}

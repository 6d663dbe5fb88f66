package io.switchboard.proxy.sip;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

import javax.sip.ClientTransaction;
import javax.sip.ServerTransaction;
import javax.sip.message.Request;
import javax.sip.message.Response;

import io.switchboard.proxy.domain.ResponseSelection;
import io.switchboard.proxy.domain.Target;

/**
 * The response context of one proxied request (RFC 3261 section 16.7): its server transaction,
 * its branches, and whether a final response went upstream. All fields are guarded by the
 * context's monitor; responses of different branches may arrive on different stack threads.
 */
final class ForkContext {

    final ServerTransaction server;
    /** The request as received, after our Route processing: the template every branch copies. */
    final Request request;
    final boolean invite;
    /** Record-Route on the side the request arrived from (section 16.6 step 4), or null for none. */
    final String inboundRecordRoute;
    final String loopHash;
    final int maxForwards;
    /** True when the request was steered into a flow by a Route of ours: a dead flow is a 430 (RFC 5626 section 5.3). */
    final boolean flowRouted;

    final List<Branch> branches = new ArrayList<>(4);
    boolean finalSent;
    boolean cancelled;
    /** Branches still to be added (call forwarding on no answer); the fork is not over while they are due. */
    List<Target> pendingForward;
    ScheduledFuture<?> timerC;
    ScheduledFuture<?> forwardTimer;

    ForkContext(ServerTransaction server, Request request, String inboundRecordRoute, String loopHash,
                int maxForwards, boolean flowRouted) {
        this.server = server;
        this.request = request;
        this.invite = Request.INVITE.equals(request.getMethod());
        this.inboundRecordRoute = inboundRecordRoute;
        this.loopHash = loopHash;
        this.maxForwards = maxForwards;
        this.flowRouted = flowRouted;
    }

    boolean allBranchesDone() {
        for (Branch b : branches) {
            if (!b.done) {
                return false;
            }
        }
        return pendingForward == null;
    }

    /** Final responses that count for the best-response choice (superseded branches do not). */
    List<Branch> candidates() {
        List<Branch> out = new ArrayList<>(branches.size());
        for (Branch b : branches) {
            if (b.done && !b.superseded) {
                out.add(b);
            }
        }
        return out;
    }

    void cancelTimers() {
        if (timerC != null) {
            timerC.cancel(false);
        }
        if (forwardTimer != null) {
            forwardTimer.cancel(false);
        }
    }

    /** One forwarded copy of the request and what became of it. */
    static final class Branch {
        final ForkContext context;
        final Target target;
        ClientTransaction transaction;
        boolean provisional;
        boolean done;
        /** Cancelled because a forwarding leg replaced it: its answer does not count. */
        boolean superseded;
        /** CANCEL wanted before any provisional response: sent when one arrives (section 9.1). */
        boolean cancelWanted;
        boolean cancelSent;
        Response finalResponse;
        ResponseSelection.Candidate candidate;

        Branch(ForkContext context, Target target) {
            this.context = context;
            this.target = target;
        }
    }
}

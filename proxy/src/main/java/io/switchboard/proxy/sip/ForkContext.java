package io.switchboard.proxy.sip;

import io.switchboard.proxy.domain.Fork;
import io.switchboard.proxy.domain.ForkAction;
import io.switchboard.proxy.domain.Target;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import javax.sip.ClientTransaction;
import javax.sip.ServerTransaction;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * One proxied request on the SIP side: its server transaction, the {@link Fork} that decides what
 * happens to it, and what the fork's decisions need from JAIN-SIP (each branch's client
 * transaction and final response, the scheduled timers). All fields are guarded by the context's
 * monitor: responses of different branches arrive on different stack threads, timers on the
 * proxy's timer thread ({@link ForkDriver#handle}).
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
    final Fork fork;

    /** Index = the fork's branch number. */
    final List<Branch> branches = new ArrayList<>(4);

    final Map<ForkAction.Timer, ScheduledFuture<?>> timers = new EnumMap<>(ForkAction.Timer.class);

    /**
     * Completed once the proxy has decided where the request goes and started its branches, or
     * answered it itself: the end of the work a node's admission control counts as in flight
     * (issue 17, item 3), which is the lookup, not the ringing.
     */
    final java.util.concurrent.CompletableFuture<Void> routed = new java.util.concurrent.CompletableFuture<>();

    ForkContext(
            ServerTransaction server,
            Request request,
            String inboundRecordRoute,
            String loopHash,
            int maxForwards,
            Fork fork) {
        this.server = server;
        this.request = request;
        this.invite = Request.INVITE.equals(request.getMethod());
        this.inboundRecordRoute = inboundRecordRoute;
        this.loopHash = loopHash;
        this.maxForwards = maxForwards;
        this.fork = fork;
    }

    /** One forwarded copy of the request: the client transaction's application data. */
    static final class Branch {
        final ForkContext context;
        /** The fork's number for this branch. */
        final int id;

        /** Its current target: replaced by the next alternate when it fails over (RFC 3263 section 4.3). */
        Target target;
        /**
         * Its target is one of several DNS gave for its next hop (it started with alternates): its
         * failures and answers go to the blacklist.
         */
        final boolean resolved;

        ClientTransaction transaction;
        /** The last final response it received, for relaying and challenge collection. */
        Response finalResponse;

        Branch(ForkContext context, int id, Target target) {
            this.context = context;
            this.id = id;
            this.target = target;
            this.resolved = !target.alternates().isEmpty();
        }
    }
}

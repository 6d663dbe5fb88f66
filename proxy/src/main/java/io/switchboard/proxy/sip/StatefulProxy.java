package io.switchboard.proxy.sip;

import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import javax.sip.ClientTransaction;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipProvider;
import javax.sip.TimeoutEvent;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.Header;
import javax.sip.header.HeaderFactory;
import javax.sip.header.MaxForwardsHeader;
import javax.sip.header.RouteHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import gov.nist.javax.sip.message.SIPMessage;

import io.switchboard.proxy.domain.CallPlan;
import io.switchboard.proxy.domain.CallSettings;
import io.switchboard.proxy.domain.LoopDetection;
import io.switchboard.proxy.domain.MaxForwards;
import io.switchboard.proxy.domain.NextHop;
import io.switchboard.proxy.domain.ResponseSelection;
import io.switchboard.proxy.domain.Target;
import io.switchboard.proxy.domain.TargetPlanner;
import io.switchboard.proxy.sip.ForkContext.Branch;
import io.switchboard.proxy.store.CallSettingsStore;
import io.switchboard.sip.flow.Flow;
import io.switchboard.sip.stack.AnsweredRequests;

/**
 * A transaction-stateful, forking, record-routing proxy (RFC 3261 section 16) on the JAIN-SIP RI.
 *
 * <p>One {@link ForkContext} per proxied request holds its server transaction and branches. The
 * RI keeps the transactions (retransmissions, timers A/B/E/F/K, ACK for non-2xx); this class does
 * what section 16 leaves to the proxy core: target sets, Via and Record-Route, Max-Forwards, loop
 * detection, forwarding of provisional and 2xx responses, best-response choice, CANCEL of the
 * other branches, and timer C. It never blocks: lookups continue on completion callbacks, and
 * timers run on one scheduler thread.
 *
 * <p>Request classes, as the node's SIP front end hands them over after {@link #popOwnRoutes}:
 * <ul>
 *   <li>steered into one of this node's flows by a Route of ours carrying a flow token
 *       ({@link #forwardToFlow});</li>
 *   <li>in-dialog or otherwise routed onward by Route / Request-URI ({@link #forwardOnward});</li>
 *   <li>initial requests for a user of our domains ({@link #forwardToUser}) or for elsewhere
 *       ({@link #forwardOutside}).</li>
 * </ul>
 */
public final class StatefulProxy implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StatefulProxy.class);

    /** Methods that may create a dialog: we Record-Route them so the dialog's requests pass us. */
    private static final java.util.Set<String> DIALOG_CREATING = java.util.Set.of(Request.INVITE, Request.SUBSCRIBE,
            Request.REFER, Request.NOTIFY);

    /**
     * @param timerC        how long an INVITE branch may ring after a provisional response (section 16.8: more than 3 min)
     * @param outboundProxy where requests for other domains go (a SIP trunk or border proxy), e.g.
     *                      {@code sip:sbc.example.net:5060;transport=tcp}; empty: they are refused with 403
     */
    public record Settings(Duration timerC, Optional<String> outboundProxy) {
    }

    /** What the proxy reports, for metrics. */
    public interface Events {
        void answered(String method, int status);

        void flowSkipped();

        Events NONE = new Events() {
            @Override
            public void answered(String method, int status) {
            }

            @Override
            public void flowSkipped() {
            }
        };
    }

    /** The result of {@link #popOwnRoutes}: the flow a Route of ours steered the request into, if any. */
    public record Routing(boolean hadOwnRoute, NextHop flow, String flowToken) {

        public boolean intoFlow() {
            return flow != null;
        }
    }

    private final SipProvider provider;
    private final MessageFactory messages;
    private final HeaderFactory headers;
    private final AddressFactory addresses;
    private final ProxyIdentity self;
    private final UserLocator locator;
    private final CallSettingsStore callSettings;
    private final TargetPlanner.Pool pool;
    private final Settings settings;
    private final Events events;
    private final CallLegs legs;
    private final ScheduledExecutorService timers;

    public StatefulProxy(SipProvider provider, MessageFactory messages, HeaderFactory headers, AddressFactory addresses,
                         ProxyIdentity self, UserLocator locator, CallSettingsStore callSettings, TargetPlanner.Pool pool,
                         Settings settings, Events events) {
        this.provider = provider;
        this.messages = messages;
        this.headers = headers;
        this.addresses = addresses;
        this.self = self;
        this.locator = locator;
        this.callSettings = callSettings;
        this.pool = pool;
        this.settings = settings;
        this.events = events;
        this.legs = new CallLegs(addresses, self, locator, pool, settings.outboundProxy(), events);
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "proxy-timers");
            t.setDaemon(true);
            return t;
        });
    }

    public ProxyIdentity identity() {
        return self;
    }

    // ------------------------------------------------------------------ routing (section 16.4)

    /**
     * Removes the Route values that name this node from the top of {@code request} (loose routing,
     * RFC 3261 section 16.4). A value with a flow token of ours whose connection is not the one the
     * request came in on steers the request into that flow (RFC 5626 section 5.3) and ends the
     * walk; a token of the connection it came from just marks the way back out.
     */
    public Routing popOwnRoutes(Request request) {
        boolean own = false;
        while (true) {
            RouteHeader top = (RouteHeader) request.getHeader(RouteHeader.NAME);
            if (top == null || !(top.getAddress().getURI() instanceof SipURI uri) || !self.isOurs(uri)) {
                return new Routing(own, null, "");
            }
            request.removeFirst(RouteHeader.NAME);
            own = true;
            String user = uri.getUser();
            if (user == null || user.isEmpty()) {
                continue;
            }
            Optional<Flow> flow = self.flow(user);
            if (flow.isEmpty() || !flow.get().nodeId().equals(self.nodeId())
                    || ProxyIdentity.arrivedOn(request, flow.get())) {
                continue;
            }
            Flow f = flow.get();
            return new Routing(true, new NextHop(f.remoteAddress(), f.remotePort(), f.transport()), user);
        }
    }

    /** Sends the request into the flow {@code routing} named; the Request-URI stays as it is. */
    public void forwardToFlow(ServerTransaction server, Request request, Routing routing) {
        ForkContext ctx = prepare(server, request, true);
        if (ctx != null) {
            startBranches(ctx, List.of(new Target(request.getRequestURI().toString(), List.of(), routing.flow(),
                    routing.flowToken(), "flow", false)), null, null);
        }
    }

    /** Forwards by the remaining Route or the Request-URI (in-dialog requests, section 16.12). */
    public void forwardOnward(ServerTransaction server, Request request) {
        ForkContext ctx = prepare(server, request, false);
        if (ctx != null) {
            startBranches(ctx, List.of(new Target(request.getRequestURI().toString(), List.of(), null, "", "onward",
                    false)), null, null);
        }
    }

    /**
     * Forks to every current binding of {@code aor} (section 16.5/16.6): 404 for no such user, 480
     * when nothing is registered or reachable. For an INVITE the user's call settings apply:
     * immediate forwarding replaces the user's endpoints; simultaneous ring adds a branch; forwarding
     * on no answer starts its branch when nobody answered in time (or everyone declined or failed
     * before, except with a 6xx, which ends the fork).
     *
     * @param instance only the binding of this instance (the request was for a GRUU), or null
     */
    public void forwardToUser(ServerTransaction server, Request request, String aor, String instance) {
        ForkContext ctx = prepare(server, request, false);
        if (ctx == null) {
            return;
        }
        boolean call = ctx.invite && instance == null;
        CompletionStage<CallSettings> settingsStage = call
                ? callSettings.settingsFor(aor) : CompletableFuture.completedFuture(CallSettings.none(aor));
        locator.locate(aor).thenCombine(settingsStage, (located, settings) -> {
            if (located instanceof UserLocator.NoSuchUser) {
                answer(ctx, Response.NOT_FOUND, "No such user", 0);
                return null;
            }
            UserLocator.Found found = (UserLocator.Found) located;
            CallPlan plan = CallPlan.of(settings);
            if (plan instanceof CallPlan.ForwardNow now) {
                legs.targetsOf(now.target()).whenComplete((targets, failure) -> begin(ctx, aor, targets, List.of(), null));
                return null;
            }
            CallPlan.Ring ring = (CallPlan.Ring) plan;
            List<Target> own = new ArrayList<>(legs.ofBindings(aor, found, instance));
            CompletableFuture<List<Target>> extra = legs.targetsOf(ring.extraTargets());
            CompletableFuture<List<Target>> later = legs.targetsOf(ring.onNoAnswer().map(n -> List.of(n.target())).orElse(List.of()));
            extra.thenCombine(later, (e, l) -> {
                own.addAll(e);
                begin(ctx, aor, own, l, ring.forwardAfter().orElse(null));
                return null;
            });
            return null;
        }).whenComplete((ignored, failure) -> {
            if (failure != null) {
                LOG.warn("Lookup of {} failed: {}", aor, failure.toString());
                answer(ctx, Response.SERVICE_UNAVAILABLE, "Location service unavailable, try again", 5);
            }
        });
    }

    /** Starts the fork, or answers 480 when there is nobody to ring now or later. */
    private void begin(ForkContext ctx, String aor, List<Target> now, List<Target> later, Duration after) {
        if (now == null || now.isEmpty()) {
            if (later == null || later.isEmpty()) {
                answer(ctx, Response.TEMPORARILY_UNAVAILABLE, "No reachable contact", 0);
            } else {
                startBranches(ctx, later, null, null); // nobody to ring: forward at once
            }
            return;
        }
        startBranches(ctx, now, later, after);
    }

    /** A request for a domain we do not serve: to the outbound proxy, or 403. */
    public void forwardOutside(ServerTransaction server, Request request) {
        if (settings.outboundProxy().isEmpty()) {
            reply(server, request, Response.FORBIDDEN, "Domain not served here", 0);
            return;
        }
        ForkContext ctx = prepare(server, request, false);
        if (ctx != null) {
            startBranches(ctx, List.of(new Target(request.getRequestURI().toString(),
                    List.of(settings.outboundProxy().get()), null, "", "outbound proxy", false)), null, null);
        }
    }

    /**
     * An ACK for a 2xx (end to end, section 13.2.2.4): forwarded statelessly along its Route. ACKs
     * for our own non-2xx finals never get here (the server transaction absorbs them).
     */
    public void forwardAck(Request ack, Routing routing) {
        if (!routing.hadOwnRoute() && isForUs(ack)) {
            return; // an ACK for a response we generated ourselves outside any transaction: nothing to do
        }
        try {
            MaxForwardsHeader mf = (MaxForwardsHeader) ack.getHeader(MaxForwardsHeader.NAME);
            int next = MaxForwards.next(mf == null ? -1 : mf.getMaxForwards());
            if (next < 0) {
                return;
            }
            setMaxForwards(ack, next);
            String transport = routing.intoFlow() ? routing.flow().transport() : transportTowards(ack, List.of());
            ack.addFirst(headers.createViaHeader(self.address(), self.port(transport), transport,
                    "z9hG4bKsa" + Long.toHexString(ThreadLocalRandom.current().nextLong())));
            if (routing.intoFlow()) {
                ((SIPMessage) ack).setApplicationData(routing.flow());
            }
            provider.sendRequest(ack);
        } catch (Exception e) {
            LOG.debug("Could not forward ACK: {}", e.toString());
        }
    }

    /** A CANCEL (section 16.10): 200 for the CANCEL, CANCEL every pending branch, 487 for the INVITE. */
    public void cancel(ServerTransaction cancelTransaction, Request cancel) {
        ServerTransaction invite = cancelTransaction instanceof gov.nist.javax.sip.stack.SIPServerTransaction st
                ? st.getCanceledInviteTransaction() : null;
        Object data = invite == null ? null : invite.getApplicationData();
        if (!(data instanceof ForkContext ctx)) {
            reply(cancelTransaction, cancel, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST, null, 0);
            return;
        }
        reply(cancelTransaction, cancel, Response.OK, null, 0);
        synchronized (ctx) {
            if (ctx.finalSent) {
                return;
            }
            ctx.cancelled = true;
            ctx.pendingForward = null;
            for (Branch b : ctx.branches) {
                if (!b.done) {
                    requestCancel(b);
                }
            }
            // Answer now rather than wait for every branch's 487: a branch that never answered
            // would hold the caller for timer B. A 2xx racing the CANCEL is still relayed.
            finalAnswer(ctx, Response.REQUEST_TERMINATED, null, 0);
        }
    }

    // ------------------------------------------------------------------ request processing (16.3, 16.6)

    /**
     * Validates (Max-Forwards, loops), sends 100 Trying for an INVITE and builds the response
     * context; null when the request was answered here.
     */
    private ForkContext prepare(ServerTransaction server, Request request, boolean flowRouted) {
        MaxForwardsHeader mf = (MaxForwardsHeader) request.getHeader(MaxForwardsHeader.NAME);
        int next = MaxForwards.next(mf == null ? -1 : mf.getMaxForwards());
        if (next < 0) {
            reply(server, request, Response.TOO_MANY_HOPS, null, 0);
            return null;
        }
        String hash = loopHash(request, topVia(request));
        if (looped(request)) {
            reply(server, request, Response.LOOP_DETECTED, null, 0);
            return null;
        }
        boolean recordRoute = isInitial(request) && DIALOG_CREATING.contains(request.getMethod());
        String inbound = null;
        if (recordRoute) {
            String transport = ProxyIdentity.arrivalTransport(request);
            // A client connected over TCP/TLS gets the token of its connection in our Record-Route,
            // so the other party's in-dialog requests come back to it over that connection.
            inbound = self.recordRouteUri(transport, flowRouted ? "" : self.arrivalToken(request));
        }
        ForkContext ctx = new ForkContext(server, request, inbound, hash, next, flowRouted);
        server.setApplicationData(ctx);
        if (ctx.invite) {
            try {
                // Section 16.2: a stateful proxy answers an INVITE with 100 at once, so the
                // caller's transaction stops retransmitting while we look the user up.
                server.sendResponse(messages.createResponse(Response.TRYING, request));
            } catch (Exception e) {
                LOG.debug("Could not send 100: {}", e.toString());
            }
            ctx.timerC = timers.schedule(() -> timerC(ctx), settings.timerC().toMillis(), TimeUnit.MILLISECONDS);
        }
        return ctx;
    }

    private static boolean isInitial(Request request) {
        ToHeader to = (ToHeader) request.getHeader(ToHeader.NAME);
        return to == null || to.getTag() == null;
    }

    /** Section 16.3 step 4: one of the Vias is ours and its branch carries this request's loop hash. */
    private boolean looped(Request request) {
        List<ViaHeader> vias = new ArrayList<>(4);
        for (ListIterator<?> it = request.getHeaders(ViaHeader.NAME); it.hasNext(); ) {
            vias.add((ViaHeader) it.next());
        }
        for (int i = 0; i < vias.size(); i++) {
            ViaHeader v = vias.get(i);
            if (self.isOwnSentBy(v.getHost(), v.getPort(), v.getTransport())
                    && v.getBranch() != null && v.getBranch().startsWith(LoopDetection.PREFIX)) {
                String below = i + 1 < vias.size() ? vias.get(i + 1).toString().trim() : "";
                if (LoopDetection.isLoop(v.getBranch(), loopHash(request, below))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String topVia(Request request) {
        Header via = request.getHeader(ViaHeader.NAME);
        return via == null ? "" : via.toString().trim();
    }

    private static String loopHash(Request request, String via) {
        FromHeader from = (FromHeader) request.getHeader(FromHeader.NAME);
        ToHeader to = (ToHeader) request.getHeader(ToHeader.NAME);
        CallIdHeader callId = (CallIdHeader) request.getHeader(CallIdHeader.NAME);
        CSeqHeader cseq = (CSeqHeader) request.getHeader(CSeqHeader.NAME);
        return LoopDetection.hash(request.getRequestURI().toString(), from == null ? null : from.getTag(),
                to == null ? null : to.getTag(), callId == null ? null : callId.getCallId(),
                cseq == null ? 0 : cseq.getSeqNumber(), via);
    }

    private boolean isForUs(Request request) {
        return request.getRequestURI() instanceof SipURI u && self.isOurs(u);
    }

    // ------------------------------------------------------------------ branches

    /**
     * Starts one branch per target; {@code delayed}, when given, is started after {@code delay}
     * unless someone answered (call forwarding on no answer).
     */
    void startBranches(ForkContext ctx, List<Target> targets, List<Target> delayed, Duration delay) {
        synchronized (ctx) {
            if (ctx.finalSent) {
                return;
            }
            ctx.pendingForward = delayed == null || delayed.isEmpty() ? null : delayed;
            if (ctx.pendingForward != null) {
                ctx.forwardTimer = timers.schedule(() -> forwardNow(ctx), delay.toMillis(), TimeUnit.MILLISECONDS);
            }
            for (Target t : targets) {
                startBranch(ctx, t);
            }
            maybeComplete(ctx);
        }
    }

    /** Call forwarding on no answer: the ringing branches give way to the forwarding target. */
    private void forwardNow(ForkContext ctx) {
        synchronized (ctx) {
            if (ctx.finalSent || ctx.pendingForward == null) {
                return;
            }
            List<Target> forward = ctx.pendingForward;
            ctx.pendingForward = null;
            for (Branch b : ctx.branches) {
                if (!b.done) {
                    b.superseded = true;
                    b.done = true;
                    requestCancel(b);
                } else {
                    b.superseded = true;
                }
            }
            for (Target t : forward) {
                startBranch(ctx, t);
            }
            maybeComplete(ctx);
        }
    }

    /** Must hold the context's monitor. */
    private void startBranch(ForkContext ctx, Target target) {
        Branch branch = new Branch(ctx, target);
        ctx.branches.add(branch);
        try {
            Request copy = (Request) ctx.request.clone();
            copy.setRequestURI(addresses.createURI(target.requestUri()));
            setMaxForwards(copy, ctx.maxForwards);
            String transport = target.hop() != null ? target.hop().transport() : transportTowards(copy, target.routes());
            if (ctx.inboundRecordRoute != null) {
                String outbound = self.recordRouteUri(transport, target.outboundToken());
                copy.addFirst(headers.createRecordRouteHeader(addresses.createAddress(ctx.inboundRecordRoute)));
                if (!outbound.equals(ctx.inboundRecordRoute)) {
                    // Section 16.6 step 4: different transports (or flows) on each side need one
                    // Record-Route per side, so each party's route set leads back the right way.
                    copy.addFirst(headers.createRecordRouteHeader(addresses.createAddress(outbound)));
                }
            }
            for (int i = target.routes().size() - 1; i >= 0; i--) {
                copy.addFirst(headers.createRouteHeader(addresses.createAddress(target.routes().get(i))));
            }
            copy.addFirst(headers.createViaHeader(self.address(), self.port(transport), transport,
                    LoopDetection.branch(ctx.loopHash, Long.toHexString(ThreadLocalRandom.current().nextLong()))));
            if (target.hop() != null) {
                ((SIPMessage) copy).setApplicationData(target.hop());
            }
            ClientTransaction ct = provider.getNewClientTransaction(copy);
            ct.setApplicationData(branch);
            branch.transaction = ct;
            ct.sendRequest();
            if (LOG.isDebugEnabled()) {
                LOG.debug("{} {} -> branch {} via {} hop {} routes {}", self.nodeId(), copy.getMethod(), target.requestUri(),
                        transport, target.hop(), target.routes());
            }
        } catch (Exception e) {
            LOG.debug("Branch to {} failed at once: {}", target.label(), e.toString());
            branch.done = true;
            branch.candidate = new ResponseSelection.Candidate(Response.SERVICE_UNAVAILABLE, false);
        }
    }

    /** The transport of the next hop: the first Route's, else the Request-URI's (RFC 3263 defaults). */
    private String transportTowards(Request request, List<String> routes) {
        try {
            URI next;
            if (!routes.isEmpty()) {
                next = addresses.createAddress(routes.get(0)).getURI();
            } else {
                RouteHeader route = (RouteHeader) request.getHeader(RouteHeader.NAME);
                next = route != null ? route.getAddress().getURI() : request.getRequestURI();
            }
            if (next instanceof SipURI s) {
                String t = s.getTransportParam();
                if (t != null) {
                    return t.toLowerCase(Locale.ROOT);
                }
                return s.isSecure() ? "tls" : "udp";
            }
        } catch (ParseException e) {
            LOG.debug("Unparsable route {}: {}", routes, e.toString());
        }
        return "udp";
    }

    private void setMaxForwards(Request request, int value) throws javax.sip.InvalidArgumentException {
        MaxForwardsHeader mf = (MaxForwardsHeader) request.getHeader(MaxForwardsHeader.NAME);
        if (mf == null) {
            request.setHeader(headers.createMaxForwardsHeader(value));
        } else {
            mf.setMaxForwards(value);
        }
    }

    /** CANCEL a pending INVITE branch, or mark it to be cancelled once it has rung (section 9.1). */
    private void requestCancel(Branch b) {
        if (!b.context.invite || b.cancelSent || b.transaction == null) {
            return;
        }
        if (b.provisional) {
            sendCancel(b);
        } else {
            b.cancelWanted = true;
        }
    }

    private void sendCancel(Branch b) {
        b.cancelSent = true;
        try {
            Request cancel = b.transaction.createCancel();
            if (b.target.hop() != null) {
                ((SIPMessage) cancel).setApplicationData(b.target.hop());
            }
            provider.getNewClientTransaction(cancel).sendRequest();
        } catch (Exception e) {
            LOG.debug("Could not CANCEL branch to {}: {}", b.target.label(), e.toString());
        }
    }

    // ------------------------------------------------------------------ responses (section 16.7)

    public void processResponse(ResponseEvent event) {
        Response response = event.getResponse();
        ClientTransaction ct = event.getClientTransaction();
        Object data = ct == null ? null : ct.getApplicationData();
        if (data instanceof Branch b) {
            onBranchResponse(b, response);
        } else {
            forwardStray(response);
        }
    }

    public void processTimeout(TimeoutEvent event) {
        if (event.isServerTransaction()) {
            return;
        }
        Object data = event.getClientTransaction() == null ? null : event.getClientTransaction().getApplicationData();
        if (data instanceof Branch b) {
            synchronized (b.context) {
                finishBranch(b, null, new ResponseSelection.Candidate(Response.REQUEST_TIMEOUT, false));
            }
        }
    }

    private void onBranchResponse(Branch b, Response response) {
        int status = response.getStatusCode();
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} {} <- {} from branch {}", self.nodeId(), b.context.request.getMethod(), status, b.target.requestUri());
        }
        ForkContext ctx = b.context;
        synchronized (ctx) {
            if (status < 200) {
                if (status == Response.TRYING) {
                    return;
                }
                b.provisional = true;
                if (b.cancelWanted && !b.cancelSent) {
                    sendCancel(b);
                } else if (!ctx.finalSent && !b.superseded) {
                    relay(ctx, response);
                }
                return;
            }
            if (status < 300) {
                boolean first = !ctx.finalSent;
                b.done = true;
                b.finalResponse = response;
                if (first) {
                    ctx.finalSent = true;
                    relay(ctx, response);
                    events.answered(ctx.request.getMethod(), status);
                    finished(ctx);
                    for (Branch other : ctx.branches) {
                        if (other != b && !other.done) {
                            requestCancel(other);
                        }
                    }
                } else if (ctx.invite) {
                    forwardStray(response); // section 16.7 step 5: every 2xx to an INVITE goes upstream
                }
                return;
            }
            ToHeader to = (ToHeader) response.getHeader(ToHeader.NAME);
            boolean fromEndpoint = status != 430
                    && !((status == Response.SERVICE_UNAVAILABLE || status == Response.REQUEST_TIMEOUT)
                    && (to == null || to.getTag() == null));
            if (status >= 600 && ctx.invite) {
                ctx.pendingForward = null; // a 6xx ends the fork, forwarding included (section 16.7 step 5)
                for (Branch other : ctx.branches) {
                    if (other != b && !other.done) {
                        requestCancel(other);
                    }
                }
            }
            finishBranch(b, response, new ResponseSelection.Candidate(status, fromEndpoint));
        }
    }

    /** Must hold the monitor. */
    private void finishBranch(Branch b, Response response, ResponseSelection.Candidate candidate) {
        if (b.done) {
            return;
        }
        b.done = true;
        b.finalResponse = response;
        b.candidate = candidate;
        maybeComplete(b.context);
    }

    /** Must hold the monitor: when every branch has its final, sends the best one upstream. */
    private void maybeComplete(ForkContext ctx) {
        if (ctx.finalSent) {
            return;
        }
        for (Branch b : ctx.branches) {
            if (!b.done) {
                return;
            }
        }
        if (ctx.pendingForward != null) {
            // Everyone declined or failed before the no-answer time: forward now.
            if (ctx.forwardTimer != null) {
                ctx.forwardTimer.cancel(false);
            }
            List<Target> forward = ctx.pendingForward;
            ctx.pendingForward = null;
            for (Branch b : ctx.branches) {
                b.superseded = true;
            }
            for (Target t : forward) {
                startBranch(ctx, t);
            }
            maybeComplete(ctx);
            return;
        }
        List<Branch> candidates = ctx.candidates();
        List<ResponseSelection.Candidate> codes = new ArrayList<>(candidates.size());
        for (Branch b : candidates) {
            codes.add(b.candidate);
        }
        int best = ResponseSelection.best(codes);
        if (best < 0) {
            finalAnswer(ctx, Response.TEMPORARILY_UNAVAILABLE, "No reachable contact", 0);
            return;
        }
        Branch chosen = candidates.get(best);
        if (!chosen.candidate.fromEndpoint()) {
            if (ctx.flowRouted) {
                finalAnswer(ctx, 430, "Flow Failed", 0); // RFC 5626 section 5.3
            } else {
                finalAnswer(ctx, Response.TEMPORARILY_UNAVAILABLE, "No reachable contact", 0);
            }
            return;
        }
        int upstream = ResponseSelection.upstreamStatus(chosen.candidate);
        if (upstream != chosen.candidate.status()) {
            finalAnswer(ctx, upstream, null, 0);
            return;
        }
        Response out = chosen.finalResponse;
        if (upstream == Response.UNAUTHORIZED || upstream == Response.PROXY_AUTHENTICATION_REQUIRED) {
            out = (Response) out.clone();
            collectChallenges(candidates, chosen, out); // section 16.7 step 7
        }
        ctx.finalSent = true;
        relay(ctx, out);
        events.answered(ctx.request.getMethod(), upstream);
        finished(ctx);
    }

    private static void collectChallenges(List<Branch> candidates, Branch chosen, Response out) {
        for (Branch b : candidates) {
            if (b == chosen || b.finalResponse == null) {
                continue;
            }
            for (String name : List.of("WWW-Authenticate", "Proxy-Authenticate")) {
                for (ListIterator<?> it = b.finalResponse.getHeaders(name); it.hasNext(); ) {
                    out.addHeader((Header) ((Header) it.next()).clone());
                }
            }
        }
    }

    private void timerC(ForkContext ctx) {
        synchronized (ctx) {
            if (ctx.finalSent) {
                return;
            }
            LOG.debug("Timer C fired for {}", ctx.request.getRequestURI());
            ctx.pendingForward = null;
            for (Branch b : ctx.branches) {
                if (!b.done) {
                    requestCancel(b);
                    b.done = true;
                    b.candidate = new ResponseSelection.Candidate(Response.REQUEST_TIMEOUT, true);
                }
            }
            maybeComplete(ctx);
        }
    }

    /** Sends a branch's response upstream on the server transaction, without our Via (section 16.7 step 9). */
    private void relay(ForkContext ctx, Response response) {
        Response out = (Response) response.clone();
        out.removeFirst(ViaHeader.NAME);
        try {
            ctx.server.sendResponse(out);
            LOG.debug("{} relayed {} for {}", self.nodeId(), response.getStatusCode(), ctx.request.getMethod());
        } catch (Exception e) {
            LOG.debug("Could not relay {}: {}", response.getStatusCode(), e.toString());
        }
    }

    /**
     * A response with no branch of ours behind it: a retransmitted or late 2xx to an INVITE, which
     * goes upstream statelessly (section 16.7 step 5 / section 16.11); anything else is dropped.
     */
    private void forwardStray(Response response) {
        CSeqHeader cseq = (CSeqHeader) response.getHeader(CSeqHeader.NAME);
        if (cseq == null || !Request.INVITE.equals(cseq.getMethod()) || response.getStatusCode() / 100 != 2) {
            return;
        }
        ViaHeader top = (ViaHeader) response.getHeader(ViaHeader.NAME);
        if (top == null || !self.isOwnSentBy(top.getHost(), top.getPort(), top.getTransport())) {
            return;
        }
        Response out = (Response) response.clone();
        out.removeFirst(ViaHeader.NAME);
        if (out.getHeader(ViaHeader.NAME) == null) {
            return;
        }
        try {
            provider.sendResponse(out);
        } catch (Exception e) {
            LOG.debug("Could not forward a 2xx statelessly: {}", e.toString());
        }
    }

    // ------------------------------------------------------------------ our own answers

    private void answer(ForkContext ctx, int status, String reason, int retryAfter) {
        synchronized (ctx) {
            if (!ctx.finalSent) {
                finalAnswer(ctx, status, reason, retryAfter);
            }
        }
    }

    /** Must hold the monitor. */
    private void finalAnswer(ForkContext ctx, int status, String reason, int retryAfter) {
        ctx.finalSent = true;
        reply(ctx.server, ctx.request, status, reason, retryAfter);
        events.answered(ctx.request.getMethod(), status);
        finished(ctx);
    }

    private void finished(ForkContext ctx) {
        ctx.cancelTimers();
        ctx.pendingForward = null;
        // No branch is made from the request any more; the RI keeps only what it still reads.
        AnsweredRequests.release(ctx.request);
    }

    /** A response made here (with a To tag, RFC 3261 section 8.2.6.2). */
    void reply(ServerTransaction server, Request request, int status, String reason, int retryAfter) {
        try {
            Response r = messages.createResponse(status, request);
            ToHeader to = (ToHeader) r.getHeader(ToHeader.NAME);
            if (to != null && to.getTag() == null) {
                to.setTag(Long.toHexString(ThreadLocalRandom.current().nextLong()));
            }
            if (reason != null) {
                r.setReasonPhrase(reason);
            }
            if (retryAfter > 0) {
                r.addHeader(headers.createRetryAfterHeader(retryAfter));
            }
            server.sendResponse(r);
        } catch (Exception e) {
            LOG.debug("Could not send {}: {}", status, e.toString());
        }
    }

    @Override
    public void close() {
        timers.shutdownNow();
    }
}

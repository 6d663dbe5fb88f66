package io.switchboard.proxy.sip;

import io.switchboard.proxy.domain.CallPlan;
import io.switchboard.proxy.domain.CallSettings;
import io.switchboard.proxy.domain.Fork;
import io.switchboard.proxy.domain.LoopGuard;
import io.switchboard.proxy.domain.RequestRewriter;
import io.switchboard.proxy.domain.Target;
import io.switchboard.proxy.domain.TargetPlanner;
import io.switchboard.proxy.sip.ForkContext.Branch;
import io.switchboard.proxy.store.CallSettingsStore;
import io.switchboard.sip.dns.SipResolver;
import io.switchboard.sip.flow.FlowTuple;
import io.switchboard.sip.routing.NextHop;
import io.switchboard.sip.routing.PoolMembers;
import io.switchboard.sip.routing.ProxyIdentity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiConsumer;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipProvider;
import javax.sip.TimeoutEvent;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.header.HeaderFactory;
import javax.sip.header.RouteHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A transaction-stateful, forking, record-routing proxy (RFC 3261 section 16) on the JAIN-SIP RI.
 *
 * <p>One {@link ForkContext} per proxied request holds its server transaction and branches. The
 * RI keeps the transactions (retransmissions, timers A/B/E/F/K, ACK for non-2xx); this class does
 * what section 16 leaves to the proxy core. The rules live in {@code proxy.domain}: whether a
 * request may be forwarded ({@link LoopGuard}), what a branch's copy looks like
 * ({@link RequestRewriter}), and what happens as responses, timers and CANCELs arrive
 * ({@link Fork}, performed by {@link ForkDriver}). This class finds the targets (user lookups,
 * call settings, {@link CallLegs}; a GRUU's one instance, {@link InstanceTargets}) and hands the
 * JAIN-SIP events to the request's fork. It never blocks: lookups continue on completion
 * callbacks, and timers run on one scheduler thread.
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

    /**
     * @param timerC        how long an INVITE branch may ring after a provisional response (section 16.8: more than 3 min)
     * @param outboundProxy where requests for other domains go (a SIP trunk or border proxy), e.g.
     *                      {@code sip:sbc.example.net:5060;transport=tcp}; empty: they are refused with 403
     * @param unknownUsersOutbound whether a request of an authenticated user for a user of our domains that this
     *                      node does not know goes to the outbound proxy too, instead of 404: a branch node, which
     *                      knows only its own site's users and sends the rest to the pool (README, "Sites and
     *                      branches"). Such a node also record-routes every initial request, not only the
     *                      dialog-creating ones: its signed Record-Route is how the pool knows the branch
     *                      authenticated the user (a PUBLISH or MESSAGE would otherwise be challenged a second
     *                      time, which the branch cannot pass on); RFC 3261 section 16.6 step 4 lets a proxy add
     *                      one to any request, and a UAS ignores it outside a dialog-creating one
     * @param gate          whether the outbound proxy may be tried now ({@link OutboundGate})
     */
    public record Settings(
            Duration timerC, Optional<String> outboundProxy, boolean unknownUsersOutbound, OutboundGate gate) {

        public Settings(Duration timerC, Optional<String> outboundProxy, boolean unknownUsersOutbound) {
            this(timerC, outboundProxy, unknownUsersOutbound, OutboundGate.OPEN);
        }

        public Settings(Duration timerC, Optional<String> outboundProxy) {
            this(timerC, outboundProxy, false);
        }
    }

    /** What the proxy reports, for metrics. */
    public interface Events {
        void answered(String method, int status);

        void flowSkipped();

        Events NONE = new Events() {
            @Override
            public void answered(String method, int status) {}

            @Override
            public void flowSkipped() {}
        };
    }

    /**
     * The result of {@link #popOwnRoutes}: whether Routes of ours were removed, whether one of them
     * carried the pool's signature for this request's dialog (a Record-Route we inserted, see
     * {@link ProxyIdentity#isSignedForDialog}), and the flow a Route of ours steered the request
     * into, if any.
     */
    public record Routing(boolean hadOwnRoute, boolean signedForDialog, NextHop flow, String flowToken) {

        public boolean intoFlow() {
            return flow != null;
        }
    }

    private final ProxyIdentity self;
    private final UserLocator locator;
    private final CallSettingsStore callSettings;
    private final Settings settings;
    private final CallLegs legs;
    private final ScheduledExecutorService timers;
    private final OutgoingRequests outgoing;
    private final ForkDriver driver;
    private final InstanceTargets instances;
    private final OutboundTargets outbound;

    public StatefulProxy(
            SipProvider provider,
            MessageFactory messages,
            HeaderFactory headers,
            AddressFactory addresses,
            ProxyIdentity self,
            UserLocator locator,
            CallSettingsStore callSettings,
            PoolMembers pool,
            Settings settings,
            Events events) {
        this(provider, messages, headers, addresses, self, locator, callSettings, pool, settings, events, null);
    }

    /**
     * @param resolver locates the outbound proxy by RFC 3263 and keeps the blacklist of its targets
     *     that failed; null: the RI's router resolves its host name
     */
    public StatefulProxy(
            SipProvider provider,
            MessageFactory messages,
            HeaderFactory headers,
            AddressFactory addresses,
            ProxyIdentity self,
            UserLocator locator,
            CallSettingsStore callSettings,
            PoolMembers pool,
            Settings settings,
            Events events,
            SipResolver resolver) {
        this.self = self;
        this.locator = locator;
        this.callSettings = callSettings;
        this.settings = settings;
        this.outbound = new OutboundTargets(settings.outboundProxy(), resolver, settings.gate());
        this.legs = new CallLegs(addresses, self, locator, pool, outbound, events);
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "proxy-timers");
            t.setDaemon(true);
            return t;
        });
        this.outgoing = new OutgoingRequests(provider, headers, addresses, self);
        this.driver = new ForkDriver(
                provider,
                messages,
                headers,
                self,
                outgoing,
                events,
                timers,
                resolver == null ? null : resolver.blacklist());
        this.instances = new InstanceTargets(locator, legs, outgoing);
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
        boolean signed = false;
        while (true) {
            RouteHeader top = (RouteHeader) request.getHeader(RouteHeader.NAME);
            if (top == null || !(top.getAddress().getURI() instanceof SipURI uri) || !self.isOurs(uri)) {
                return new Routing(own, signed, null, "");
            }
            request.removeFirst(RouteHeader.NAME);
            own = true;
            signed |= self.isSignedForDialog(uri, request);
            String user = uri.getUser();
            if (user == null || user.isEmpty()) {
                continue;
            }
            Optional<FlowTuple> flow = self.flow(user);
            if (!RequestRewriter.steersIntoFlow(
                    flow.map(FlowTuple::nodeId).orElse(null),
                    self.nodeId(),
                    flow.isPresent() && ProxyIdentity.arrivedOn(request, flow.get()))) {
                continue;
            }
            FlowTuple f = flow.get();
            return new Routing(true, signed, new NextHop(f.remoteAddress(), f.remotePort(), f.transport()), user);
        }
    }

    /** Sends the request into the flow {@code routing} named; the Request-URI stays as it is. */
    public void forwardToFlow(ServerTransaction server, Request request, Routing routing) {
        ForkContext ctx = prepare(server, request, true);
        if (ctx != null) {
            start(
                    ctx,
                    List.of(new Target(
                            request.getRequestURI().toString(),
                            List.of(),
                            routing.flow(),
                            routing.flowToken(),
                            "flow",
                            false)),
                    List.of(),
                    null);
        }
    }

    /**
     * Forwards by the remaining Route or the Request-URI (in-dialog requests, section 16.12); a request inside a
     * dialog whose next hop the gate closes ({@link OutboundGate#inDialogRefusal}) is answered at once instead.
     */
    public void forwardOnward(ServerTransaction server, Request request) {
        Optional<OutboundGate.Refusal> refused =
                RequestViews.isInitial(request) ? Optional.empty() : inDialogRefusal(request);
        ForkContext ctx = prepare(server, request, false);
        if (ctx != null && refused.isPresent()) {
            refuse(ctx, refused.get());
        } else if (ctx != null) {
            start(
                    ctx,
                    List.of(new Target(request.getRequestURI().toString(), List.of(), null, "", "onward", false)),
                    List.of(),
                    null);
        }
    }

    /**
     * Forks to every current binding of {@code aor} (section 16.5/16.6): 480 when nothing is
     * registered or reachable; for no such user 404 to one of our authenticated users, and to
     * anyone else the same 480 an unreachable user gets (no user enumeration, see
     * {@link UserLocator#locate(String, boolean)}). For an INVITE the user's call settings apply:
     * immediate forwarding replaces the user's endpoints; simultaneous ring adds a branch; forwarding
     * on no answer starts its branch when nobody answered in time (or everyone declined or failed
     * before, except with a 6xx, which ends the fork).
     *
     * @param instance only the binding of this instance (the request was for a GRUU), or null
     * @param authenticated whether the requester authenticated as one of our users, who alone may
     *     learn that {@code aor} does not exist
     * @return completes once the branches have started or the request was answered here (the lookup
     *     is over), not when the request is answered: the work the node's admission control bounds
     */
    public CompletionStage<Void> forwardToUser(
            ServerTransaction server, Request request, String aor, String instance, boolean authenticated) {
        ForkContext ctx = prepare(server, request, false);
        if (ctx == null) {
            return CompletableFuture.completedFuture(null);
        }
        boolean call = ctx.invite && instance == null;
        CompletionStage<CallSettings> settingsStage =
                call ? callSettings.settingsFor(aor) : CompletableFuture.completedFuture(CallSettings.none(aor));
        locator.locate(aor, authenticated)
                .thenCombine(settingsStage, (located, settings) -> {
                    if (located instanceof UserLocator.NoSuchUser) {
                        if (this.settings.unknownUsersOutbound()
                                && this.settings.outboundProxy().isPresent()) {
                            // Only an authenticated user's request gets here (NoSuchUser), so a branch relays
                            // for its own users only (docs/architecture.md, rule 9).
                            toOutboundProxy(ctx, request, true);
                        } else {
                            refuse(ctx, Response.NOT_FOUND, "No such user", 0);
                        }
                        return null;
                    }
                    UserLocator.Found found = (UserLocator.Found) located;
                    CallPlan plan = CallPlan.of(settings);
                    if (plan instanceof CallPlan.ForwardNow now) {
                        legs.targetsOf(now.target())
                                .whenComplete((targets, failure) -> start(ctx, targets, List.of(), null));
                        return null;
                    }
                    CallPlan.Ring ring = (CallPlan.Ring) plan;
                    TargetPlanner.Plan bindings = legs.plan(aor, found, instance);
                    List<Target> own = new ArrayList<>(bindings.targets());
                    // Registered, but only through nodes or branch nodes that do not answer now: one of our
                    // users may learn that much (RFC 3261 section 20.43); a stranger gets the plain 480 a user
                    // who does not exist gets (docs/architecture.md, rule 9).
                    String warning = authenticated
                                    && own.isEmpty()
                                    && !bindings.skipped().isEmpty()
                            ? "399 " + self.address() + ":" + self.port("udp")
                                    + " \"The callee's phones are connected through a node or branch office that"
                                    + " does not answer now\""
                            : null;
                    CompletableFuture<List<Target>> extra = legs.targetsOf(ring.extraTargets());
                    CompletableFuture<List<Target>> later = legs.targetsOf(
                            ring.onNoAnswer().map(n -> List.of(n.target())).orElse(List.of()));
                    extra.thenCombine(later, (e, l) -> {
                        own.addAll(e);
                        start(ctx, own, l, ring.forwardAfter().orElse(null), warning);
                        return null;
                    });
                    return null;
                })
                .whenComplete((ignored, failure) -> {
                    if (failure != null) {
                        LOG.warn("Lookup of {} failed: {}", aor, failure.toString());
                        refuse(ctx, Response.SERVICE_UNAVAILABLE, "Location service unavailable, try again", 5);
                    }
                });
        return ctx.routed;
    }

    /**
     * Rings {@code now}, and {@code later} when nobody answered within {@code after} (the fork
     * decides: nobody to ring now means {@code later} at once, nobody at all 480).
     */
    private void start(ForkContext ctx, List<Target> now, List<Target> later, Duration after) {
        start(ctx, now, later, after, null);
    }

    /** @param warningIfNobody the Warning of the 480 when there is nobody to ring, or null */
    private void start(ForkContext ctx, List<Target> now, List<Target> later, Duration after, String warningIfNobody) {
        List<Target> n = now == null ? List.of() : now;
        List<Target> l = later == null ? List.of() : later;
        try {
            driver.handle(ctx, fork -> fork.start(n, l, after, warningIfNobody), null);
        } finally {
            ctx.routed.complete(null);
        }
    }

    private void refuse(ForkContext ctx, int status, String reason, int retryAfter) {
        try {
            driver.handle(ctx, fork -> fork.refuse(status, reason, retryAfter), null);
        } finally {
            ctx.routed.complete(null);
        }
    }

    /** A request for a domain we do not serve: to the outbound proxy, or 403. */
    public CompletionStage<Void> forwardOutside(ServerTransaction server, Request request) {
        if (settings.outboundProxy().isEmpty()) {
            driver.reply(server, request, Response.FORBIDDEN, "Domain not served here", 0);
            return CompletableFuture.completedFuture(null);
        }
        ForkContext ctx = prepare(server, request, false);
        if (ctx == null) {
            return CompletableFuture.completedFuture(null);
        }
        toOutboundProxy(ctx, request, false);
        return ctx.routed;
    }

    private void toOutboundProxy(ForkContext ctx, Request request, boolean toOurUser) {
        String requestUri = request.getRequestURI().toString();
        Optional<String> divert = settings.gate().divertTo(requestUri, toOurUser);
        if (divert.isPresent()) {
            outbound.via(requestUri, "trunk", false, divert.get()).whenComplete((target, failure) -> {
                if (failure != null || target.isEmpty()) {
                    refuse(ctx, Response.SERVICE_UNAVAILABLE, "Trunk not reachable", 30);
                } else {
                    start(ctx, List.of(target.get()), List.of(), null);
                }
            });
            return;
        }
        viaOutboundProxy(ctx, request, settings.gate().refusal(toOurUser));
    }

    /**
     * A request for a service the outbound proxy serves for the whole pool: a branch node's presence SUBSCRIBE or
     * PUBLISH, which its pool serves (README, "Sites and branches"). Never diverted to a trunk; while the gate is
     * closed, its {@link OutboundGate#serviceRefusal} at once. Without an outbound proxy, 403 as for another domain.
     * Completes, as {@link #forwardOutside}, when the request has been sent on or answered (admission, README
     * "Overload").
     */
    public CompletionStage<Void> forwardToService(ServerTransaction server, Request request) {
        if (settings.outboundProxy().isEmpty()) {
            driver.reply(server, request, Response.FORBIDDEN, "Not served here", 0);
            return CompletableFuture.completedFuture(null);
        }
        ForkContext ctx = prepare(server, request, false);
        if (ctx == null) {
            return CompletableFuture.completedFuture(null);
        }
        viaOutboundProxy(ctx, request, settings.gate().serviceRefusal());
        return ctx.routed;
    }

    /** The gate's answer to an in-dialog request routed onward: its next hop is the top Route, else the Request-URI. */
    private Optional<OutboundGate.Refusal> inDialogRefusal(Request request) {
        RouteHeader route = (RouteHeader) request.getHeader(RouteHeader.NAME);
        javax.sip.address.URI next = route != null ? route.getAddress().getURI() : request.getRequestURI();
        if (!(next instanceof SipURI hop)) {
            return Optional.empty();
        }
        return settings.gate().inDialogRefusal(hop, () -> route != null && self.isSignedForDialog(hop, request));
    }

    /** A gate's answer, at once. */
    private void refuse(ForkContext ctx, OutboundGate.Refusal r) {
        try {
            driver.handle(ctx, fork -> fork.refuse(r.status(), r.reason(), r.retryAfter(), r.warning()), null);
        } finally {
            ctx.routed.complete(null);
        }
    }

    /** To the outbound proxy, or {@code refused} at once. */
    private void viaOutboundProxy(ForkContext ctx, Request request, Optional<OutboundGate.Refusal> refused) {
        if (refused.isPresent()) {
            refuse(ctx, refused.get());
            return;
        }
        outbound.via(request.getRequestURI().toString(), "outbound proxy", false)
                .whenComplete((target, failure) -> {
                    if (failure != null || target.isEmpty()) {
                        refuse(ctx, Response.SERVICE_UNAVAILABLE, "Outbound proxy not reachable", 30);
                    } else {
                        start(ctx, List.of(target.get()), List.of(), null);
                    }
                });
    }

    /**
     * An ACK for a 2xx (end to end, section 13.2.2.4): forwarded statelessly along its Route. ACKs
     * for our own non-2xx finals never get here (the server transaction absorbs them), and the
     * node's routing policy hands over only ACKs that carried a Record-Route we signed for their
     * dialog.
     */
    public void forwardAck(Request ack, Routing routing) {
        if (!routing.hadOwnRoute() && ack.getRequestURI() instanceof SipURI u && self.isOurs(u)) {
            return; // an ACK for a response we generated ourselves outside any transaction: nothing to do
        }
        outgoing.forwardAck(ack, routing);
    }

    /**
     * An ACK for a 2xx whose Request-URI is a GRUU of ours, after our Routes: statelessly to the
     * instance's binding, or {@code dropped} is told why ({@link InstanceTargets#forwardAck}).
     *
     * @param instance the {@code +sip.instance} the GRUU names, without angle brackets
     */
    public void forwardAckToInstance(Request ack, String aor, String instance, BiConsumer<Request, String> dropped) {
        instances.forwardAck(ack, aor, instance, dropped);
    }

    /**
     * The branch for the binding of {@code instance} of {@code aor}, empty when it has none
     * ({@link InstanceTargets#target}). Also for the pool's own requests to a GRUU, such as the
     * presence server's NOTIFYs.
     */
    public CompletionStage<Optional<Target>> instanceTarget(String aor, String instance) {
        return instances.target(aor, instance);
    }

    /** A CANCEL (section 16.10): 200 for the CANCEL, then the fork cancels its branches and answers 487. */
    public void cancel(ServerTransaction cancelTransaction, Request cancel) {
        driver.onCancel(cancelTransaction, cancel);
    }

    // ------------------------------------------------------------------ request processing (16.3, 16.6)

    /**
     * Checks Max-Forwards and loops ({@link LoopGuard}), then builds the response context and
     * starts its fork (100 Trying and Timer C for an INVITE); null when the request was answered here.
     */
    private ForkContext prepare(ServerTransaction server, Request request, boolean flowRouted) {
        LoopGuard.Verdict verdict = LoopGuard.check(
                RequestViews.maxForwards(request), RequestViews.loopKey(request), RequestViews.vias(request, self));
        if (verdict instanceof LoopGuard.Refuse refuse) {
            driver.reply(server, request, refuse.status(), null, 0);
            return null;
        }
        LoopGuard.Forward forward = (LoopGuard.Forward) verdict;
        String inbound = null;
        boolean initial = RequestViews.isInitial(request);
        if (RequestRewriter.isRecordRouted(request.getMethod(), initial)
                || (settings.unknownUsersOutbound() && initial)) {
            String transport = ProxyIdentity.arrivalTransport(request);
            // A client connected over TCP/TLS gets the token of its connection in our Record-Route,
            // so the other party's in-dialog requests come back to it over that connection.
            inbound = self.recordRouteUri(
                    transport, flowRouted ? "" : self.arrivalToken(request), self.dialogSignature(request));
        }
        Fork fork = new Fork(Request.INVITE.equals(request.getMethod()), flowRouted, settings.timerC());
        ForkContext ctx = new ForkContext(server, request, inbound, forward.loopHash(), forward.maxForwards(), fork);
        server.setApplicationData(ctx);
        driver.handle(ctx, Fork::received, null);
        return ctx;
    }

    // ------------------------------------------------------------------ responses (section 16.7)

    public void processResponse(ResponseEvent event) {
        Response response = event.getResponse();
        Object data = event.getClientTransaction() == null
                ? null
                : event.getClientTransaction().getApplicationData();
        if (data instanceof Branch b) {
            driver.onResponse(b, response);
        } else {
            driver.forwardStateless(response);
        }
    }

    public void processTimeout(TimeoutEvent event) {
        if (event.isServerTransaction()) {
            return;
        }
        Object data = event.getClientTransaction() == null
                ? null
                : event.getClientTransaction().getApplicationData();
        if (data instanceof Branch b) {
            driver.onTimeout(b);
        }
    }

    @Override
    public void close() {
        timers.shutdownNow();
    }
}

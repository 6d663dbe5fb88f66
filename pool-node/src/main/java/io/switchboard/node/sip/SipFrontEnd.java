package io.switchboard.node.sip;

import gov.nist.javax.sip.message.SIPMessage;
import io.switchboard.conference.sip.FocusRouting;
import io.switchboard.conference.sip.FocusSip;
import io.switchboard.node.metrics.NodeMetrics;
import io.switchboard.node.routing.RequestAction;
import io.switchboard.node.routing.RequestClassifier;
import io.switchboard.node.routing.RequestFacts;
import io.switchboard.node.routing.WorkClass;
import io.switchboard.park.sip.ParkSip;
import io.switchboard.presence.sip.PresenceSip;
import io.switchboard.presence.sip.SipNotifySender;
import io.switchboard.proxy.sip.StatefulProxy;
import io.switchboard.registrar.sip.Gruus;
import io.switchboard.registrar.sip.RegisterHandler;
import io.switchboard.registrar.sip.RegisterParser;
import io.switchboard.registrar.sip.RegisterResponses;
import io.switchboard.sip.flow.Flow;
import io.switchboard.sip.flow.FlowTokens;
import io.switchboard.sip.stack.AnsweredRequests;
import io.switchboard.sip.trust.Federation;
import java.text.ParseException;
import java.util.List;
import java.util.concurrent.CompletionStage;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionAlreadyExistsException;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.TransactionUnavailableException;
import javax.sip.header.Header;
import javax.sip.header.HeaderFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's JAIN-SIP listener: the one place requests enter. It opens the server transaction,
 * reads the facts {@link RequestClassifier} decides on (after loose routing by
 * {@link StatefulProxy#popOwnRoutes} for proxied methods) and carries out its decision: the
 * registrar, the proxy ({@link StatefulProxy}), the presence server ({@link PresenceSip}) or a
 * response of its own. It never blocks: everything that waits (accounts, entities, Cassandra)
 * continues on completion callbacks. Its collaborators: {@link RequestFactsReader} (the message
 * as {@link RequestFacts}), {@link ArrivalFlows} (the socket a request came from as a flow) and
 * {@link AckForwarding} (the ACKs, which get no transaction and no response).
 */
public final class SipFrontEnd implements SipListener {

    private static final Logger LOG = LoggerFactory.getLogger(SipFrontEnd.class);
    static final String ALLOW =
            "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, PRACK, SUBSCRIBE, NOTIFY, PUBLISH, INFO, REFER, MESSAGE, UPDATE";
    private final List<String> domains;
    /** The routing policy; a branch node's is set by {@link #forBranch} before the stack starts. */
    private volatile RequestClassifier classifier;

    private final RequestAuthenticator authenticator;
    private final RegisterHandler registrar;
    private final RegisterResponses responses;
    private final HeaderFactory headers;
    private final ArrivalFlows flows;
    private final NodeMetrics metrics;
    private final Gruus gruus;
    private final Federation federation;
    private volatile SipProvider provider;
    private volatile StatefulProxy proxy;
    private volatile PresenceSip presence;
    private volatile AckForwarding acks;
    private volatile ParkSip park;
    /** Whether a new request is taken, and the admission places of those taken. */
    private final EdgeAdmission edge;
    /** Server transactions taken and not yet answered finally, which a draining node lets finish. */
    private final InFlightTransactions inFlight = new InFlightTransactions();

    private volatile FocusSip focus;
    /** A pool node's taker of branch nodes' registration reports (README, "Sites and branches"), or null. */
    private volatile io.switchboard.node.site.BranchPresenceReports branchReports;

    /** @param federation the federated domains whose watchers may subscribe to our users' presence */
    public SipFrontEnd(
            String nodeId,
            List<String> domains,
            RequestAuthenticator authenticator,
            RegisterHandler registrar,
            RegisterResponses responses,
            HeaderFactory headers,
            FlowTokens flowTokens,
            NodeMetrics metrics,
            Gruus gruus,
            Federation federation) {
        this.federation = federation;
        this.domains = List.copyOf(domains);
        this.classifier = new RequestClassifier(domains);
        this.authenticator = authenticator;
        this.registrar = registrar;
        this.responses = responses;
        this.headers = headers;
        this.flows = new ArrivalFlows(nodeId, flowTokens);
        this.metrics = metrics;
        this.gruus = gruus;
        this.edge = new EdgeAdmission(responses, metrics, this::send);
    }

    /** Set once the stack is up (the provider exists only after the listener is chosen). */
    public void attach(SipProvider sipProvider, StatefulProxy statefulProxy, PresenceSip presenceServer) {
        this.provider = sipProvider;
        this.edge.attach(sipProvider);
        this.proxy = statefulProxy;
        this.presence = presenceServer;
        this.acks = new AckForwarding(statefulProxy, gruus, metrics);
    }

    /**
     * Until {@code servingNow} says yes (the node's warm-up is done), every request but ACK is
     * answered 503 with Retry-After {@code retryAfter} seconds (RFC 3261 section 21.5.4), so that
     * clients arriving at a node that is not ready yet retry instead of timing out (issue 17).
     */
    public void gate(java.util.function.BooleanSupplier servingNow, int retryAfter) {
        edge.gate(servingNow, retryAfter);
    }

    /**
     * Requests whose Call-ID starts with {@code callIdPrefix} are served before the node is ready:
     * the node's own SIP warm-up (SipWarmUp), whose prefix is random per run, so nobody else's
     * request is let through.
     */
    public void serveBeforeReady(String callIdPrefix) {
        edge.serveBeforeReady(callIdPrefix);
    }

    /**
     * While {@code drainingNow} says yes, a request outside any dialog (a new INVITE, SUBSCRIBE,
     * REGISTER, also OPTIONS, MESSAGE, PUBLISH), but CANCEL, which belongs to a transaction already
     * taken, is answered 503 with Retry-After: the node is about to leave, and a client or proxy
     * that gets a 503 tries another server (RFC 3261 section 21.5.4, RFC 3263 section 4.3).
     * Requests inside dialogs (ACK, BYE, re-INVITE, SUBSCRIBE refreshes, NOTIFY) are still served.
     */
    public void drainWhen(java.util.function.BooleanSupplier drainingNow) {
        edge.drainWhen(drainingNow);
    }

    /** Server transactions taken and not yet answered with a final response (for the drain). */
    public int inFlight() {
        return inFlight.count();
    }

    /**
     * The bounds on requests in flight per {@link WorkClass} and the load limits (issue 17, item 3),
     * with what makes a request's credentials worth a challenged flow's priority ({@link
     * PresentedNonces}); set before the stack starts.
     */
    public void admit(Admission bounds, java.util.function.Predicate<Request> credentials) {
        edge.admit(bounds, credentials);
    }

    /** {@link #admit(Admission, java.util.function.Predicate)} with authentic nonces of {@code nonces} as credentials. */
    public void admit(Admission bounds, io.switchboard.sip.auth.NonceService nonces, java.time.Clock clock) {
        admit(bounds, new PresentedNonces(nonces, clock));
    }

    /** Where the heap's fill after collections is read from for admission ({@link LiveHeap}). */
    public void heapFrom(java.util.function.IntSupplier percent) {
        edge.heapFrom(percent);
    }

    /** What refuses new UDP work before the parse under a standing backlog (SipEndpoint.refuseEarly). */
    public io.switchboard.sip.stack.EarlyRefusal earlyRefusal() {
        return edge;
    }

    /** Requests of {@code workClass} admitted and not yet answered or sent on (the in-flight gauge). */
    public int admittedInFlight(WorkClass workClass) {
        return edge.inFlight(workClass);
    }

    /**
     * A branch node (README, "Sites and branches"): presence SUBSCRIBEs and PUBLISHes go to the pool ({@link
     * RequestAction.ToPool}); call park and the conferencing focus are not attached, so the park URI, orbits,
     * conference URIs and the factory are users the branch does not know, which go to the pool too. Called before
     * the stack starts.
     */
    public void forBranch() {
        this.classifier = new RequestClassifier(domains, true);
    }

    /** Call park's SIP edge (call-park/README.md); set once with the other collaborators. */
    public void attachPark(ParkSip parkSip) {
        this.park = parkSip;
    }

    /** The conferencing focus's SIP side (conferencing-focus/README.md); set once with the other collaborators. */
    /** A pool node with branch sites: branch nodes' registration reports drive their users' presence here. */
    public void attachBranchReports(io.switchboard.node.site.BranchPresenceReports reports) {
        this.branchReports = reports;
    }

    public void attachConference(FocusSip focusSip) {
        this.focus = focusSip;
    }

    /** The flow a request arrived on, as presence stores it with a subscription. */
    public Flow subscriberFlowOf(Request request) {
        return flows.subscriberFlowOf(request);
    }

    @Override
    public void processRequest(RequestEvent event) {
        long start = System.nanoTime();
        Request request = event.getRequest();
        String method = request.getMethod();
        ServerTransaction transaction = null;
        if (Request.ACK.equals(method) && edge.refusedStatelessly(request)) {
            return; // the ACK of an INVITE refused statelessly: discarded (RFC 3261 section 8.2.7)
        }
        if (!Request.ACK.equals(method)) {
            // ACKs to our own non-2xx finals are absorbed by the transaction layer; what reaches
            // us is an ACK for a 2xx, end to end through the proxy (RFC 3261 section 13.2.2.4).
            // Whether to take a new request is decided before it gets a server transaction: one
            // refused now is answered statelessly (RFC 3261 section 8.2.7), so a node shedding load
            // keeps no state for it; its retransmission, if the 503 is lost, is decided afresh.
            Admission.Ticket ticket = null;
            boolean stateless = event.getServerTransaction() == null && provider != null;
            if (stateless) {
                EdgeAdmission.Taken taken = edge.take(null, request, start);
                if (taken == null) {
                    return;
                }
                ticket = taken.ticket();
            }
            transaction = serverTransaction(event);
            if (transaction == null) {
                if (ticket != null) {
                    ticket.release(); // a retransmission its transaction answers, or no provider yet
                }
                return;
            }
            if (ticket != null) {
                edge.keep(transaction, ticket);
            } else if (!stateless && !edge.admitted(transaction, request, start)) {
                return; // a transaction the stack made itself: refused through it
            }
        }
        if (transaction != null) {
            inFlight.add(transaction);
        }
        try {
            io.switchboard.node.site.BranchPresenceReports reports = branchReports;
            if (reports != null && transaction != null && reports.handles(request)) {
                branchReport(transaction, request, reports);
                return;
            }
            ParkSip parkSip = park;
            if (parkSip != null && parkSip.inDialog(transaction, request)) {
                edge.done(transaction);
                return; // a dialog of call park's B2BUA on this node
            }
            FocusSip focusSip = focus;
            if (focusSip != null && focusSip.handles(transaction, request)) {
                edge.done(transaction);
                return; // a dialog of the conferencing focus on this node, or a CANCEL of a join it holds
            }
            StatefulProxy.Routing routing =
                    RequestClassifier.isLooseRouted(method) ? proxy.popOwnRoutes(request) : null;
            RequestFacts facts = routing == null
                    ? RequestFactsReader.factsOf(request, false, null)
                    : RequestFactsReader.factsOf(
                            request,
                            routing.intoFlow(),
                            proxy.identity()::isOurs,
                            RequestFactsReader.ownRoute(routing));
            RequestAction action = classifier.classify(facts);
            if (action instanceof RequestAction.Authenticate a) {
                authenticateThenRoute(transaction, request, routing, facts, a.realm());
            } else if (parkSip != null && newSubscribeToAUser(method, facts, action)) {
                // from another domain: an orbit's busy lamp is refused (call-park/README.md), the rest goes on
                ServerTransaction tx = transaction;
                edge.release(tx, edge.held(tx)); // call park's own look at the orbits is not bounded here
                parkSip.subscribe(
                        tx,
                        request,
                        null,
                        readmitted(tx, request, () -> actAuthenticated(tx, request, routing, action)));
            } else {
                Admission.Ticket ticket = edge.held(transaction);
                edge.releaseWhen(transaction, ticket, act(transaction, request, routing, action, start));
            }
        } catch (ParseException | RuntimeException e) {
            LOG.warn("Failed to handle {} from {}: {}", method, ArrivalFlows.sourceOf(request), e.toString());
            if (transaction != null) {
                edge.done(transaction);
                answer(transaction, request, Response.SERVER_INTERNAL_ERROR, "Internal error", List.of());
            }
        }
    }

    /**
     * {@code next}, for a request call park or the focus handed back: admitted again first (it
     * gave its place up while they looked), or answered 503 with Retry-After now.
     */
    private Runnable readmitted(ServerTransaction transaction, Request request, Runnable next) {
        return () -> {
            if (edge.admitted(transaction, request, System.nanoTime())) {
                next.run();
            }
        };
    }

    /**
     * Carries out what {@link RequestClassifier} decided.
     *
     * @return what completes once the request has been answered or sent on, when that happens later
     *     (a lookup, an entity's answer); null when it has already happened here, or when another
     *     part of the node (call park, the focus) took the request over
     */
    private CompletionStage<?> act(
            ServerTransaction transaction,
            Request request,
            StatefulProxy.Routing routing,
            RequestAction action,
            long start)
            throws ParseException {
        if (action instanceof RequestAction.Reply reply) {
            if (reply.status() == Response.BAD_REQUEST) {
                metrics.badRequest();
            } else if (Request.REGISTER.equals(request.getMethod())) {
                metrics.completed(reply.status(), System.nanoTime() - start);
            }
            answer(transaction, request, reply.status(), reply.reason(), List.of());
        } else if (action instanceof RequestAction.Register r) {
            return register(transaction, request, r.realm(), start);
        } else if (action instanceof RequestAction.ForwardAck) {
            acks.forward(request, routing);
        } else if (action instanceof RequestAction.AckToGruu a) {
            acks.toGruu(request, a);
        } else if (action instanceof RequestAction.DropAck drop) {
            acks.dropped(request, drop.reason());
        } else if (action instanceof RequestAction.Cancel) {
            proxy.cancel(transaction, request);
        } else if (action instanceof RequestAction.IntoFlow) {
            proxy.forwardToFlow(transaction, request, routing);
        } else if (action instanceof RequestAction.Onward) {
            proxy.forwardOnward(transaction, request);
        } else if (action instanceof RequestAction.OptionsToNode) {
            options(transaction, request);
        } else if (focus != null && toAUser(action) && focus.isSubscribe(request)) {
            // a SUBSCRIBE from another domain to a conference URI of ours (ours authenticated were
            // handed to the focus in authenticateThenRoute): federated or anonymous, as for a join
            focus.subscribe(transaction, request, outsider(request));
        } else if (action instanceof RequestAction.ToUser u) {
            FocusSip focusSip = focus;
            if (focusSip != null && !u.authenticated() && focusSip.isJoin(request)) {
                joinFromOutside(transaction, request, focusSip);
            } else if (focusSip != null && !u.authenticated() && focusSip.dialsNumber(request)) {
                // a conference's numeric id from another domain (dial-in), else the user of that name as before
                edge.release(transaction, edge.held(transaction)); // the focus's look is not bounded here
                focusSip.joinByNumber(
                        transaction,
                        request,
                        outsider(request),
                        readmitted(
                                transaction,
                                request,
                                () -> edge.releaseWhen(
                                        transaction, edge.held(transaction), toUser(transaction, request, u))));
            } else {
                return toUser(transaction, request, u);
            }
        } else if (action instanceof RequestAction.ToOutside) {
            return proxy.forwardOutside(transaction, request);
        } else if (action instanceof RequestAction.ToPool) {
            return proxy.forwardToService(transaction, request);
        } else if (action instanceof RequestAction.PresenceRefresh) {
            presence.refresh(transaction, request);
        } else if (action instanceof RequestAction.PresenceSubscribe s) {
            return presence.subscribe(transaction, request, s.watcher());
        } else if (action instanceof RequestAction.ForeignPresenceSubscribe f) {
            // Decided on the socket's source, never on the From alone (README, "Who is trusted for
            // what", kind 4). We cannot challenge another realm's user, so a stranger gets 403
            // (RFC 3261 section 21.4.4), before any lookup: the answer says nothing about the user.
            if (federation.isFederatedPeer(f.domain(), ((SIPMessage) request).getRemoteAddress())) {
                return presence.subscribe(transaction, request, f.watcher());
            } else {
                metrics.presenceRefused(NodeMetrics.NOT_FEDERATED);
                answer(
                        transaction,
                        request,
                        Response.FORBIDDEN,
                        "Presence is offered to our users and federated domains only",
                        List.of());
            }
        } else if (action instanceof RequestAction.PresencePublish p) {
            return presence.publish(transaction, request, p.presentity());
        } else if (action instanceof RequestAction.BadEvent) {
            presence.badEvent(transaction, request);
        } else {
            throw new IllegalStateException("Authenticate is carried out by the caller: " + action);
        }
        return null;
    }

    /** A branch node's report of one of its users' registrations, answered once it is applied (or refused). */
    private void branchReport(
            ServerTransaction transaction, Request request, io.switchboard.node.site.BranchPresenceReports reports) {
        reports.handle(request).whenComplete((answer, failure) -> {
            edge.done(transaction);
            if (failure != null) {
                LOG.warn("Registration report from a branch could not be applied: {}", failure.toString());
                answerUnavailable(transaction, request); // the branch sends it again
            } else {
                answer(transaction, request, answer.status(), answer.reason(), List.of());
            }
        });
    }

    /** @return completes once the REGISTER has been answered */
    private CompletionStage<?> register(ServerTransaction transaction, Request request, String realm, long start) {
        // Parse before authenticating: a malformed request costs no account lookup and gets its 400.
        RegisterParser.Parsed parsed = RegisterParser.parse(request, flows.flowOf(request));
        if (!parsed.isOk()) {
            metrics.badRequest();
            registrar.rejectMalformed(transaction, request, parsed.error(), start);
            return null;
        }
        java.util.concurrent.CompletableFuture<Void> answered = new java.util.concurrent.CompletableFuture<>();
        String source = ArrivalFlows.sourceOf(request);
        authenticator.authenticate(request, realm, source, false).whenComplete((outcome, failure) -> {
            if (failure != null) {
                LOG.warn("Authentication of REGISTER in {} could not complete: {}", realm, failure.toString());
                answerUnavailable(transaction, request);
                metrics.completed(Response.SERVICE_UNAVAILABLE, System.nanoTime() - start);
                answered.complete(null);
            } else if (outcome instanceof RequestAuthenticator.Outcome.Authenticated ok) {
                registrar.handle(
                        transaction, request, parsed.request(), ok.aor(), start, () -> answered.complete(null));
            } else {
                // challenges and refusals count as REGISTER answers too (a 401 is half of every flow)
                RequestAuthenticator.Outcome.Answer a = (RequestAuthenticator.Outcome.Answer) outcome;
                answer(transaction, request, a.status(), a.reason(), a.headers());
                metrics.completed(a.status(), System.nanoTime() - start);
                answered.complete(null);
            }
        });
        return answered;
    }

    private void options(ServerTransaction transaction, Request request) throws ParseException {
        Response ok = responses.create(Response.OK, request, null);
        ok.addHeader(headers.createAllowHeader(ALLOW));
        ok.addHeader(headers.createSupportedHeader("outbound, path, gruu"));
        send(transaction, ok);
    }

    /** An initial request from one of our domains: 407 until it authenticates, then decided again. */
    private void authenticateThenRoute(
            ServerTransaction transaction,
            Request request,
            StatefulProxy.Routing routing,
            RequestFacts facts,
            String realm) {
        String method = request.getMethod();
        Admission.Ticket ticket = edge.held(transaction);
        authenticator
                .authenticate(request, realm, ArrivalFlows.sourceOf(request), true)
                .whenComplete((outcome, failure) -> {
                    if (failure != null) {
                        LOG.warn(
                                "Authentication of {} from {} could not complete: {}",
                                method,
                                facts.from().aor(),
                                failure.toString());
                        answerUnavailable(transaction, request);
                        edge.release(transaction, ticket);
                    } else if (outcome instanceof RequestAuthenticator.Outcome.Authenticated ok) {
                        RequestAction next = classifier.authenticated(facts, ok.aor());
                        if (!(next instanceof RequestAction.Reply)) {
                            removeOwnCredentials(request, realm);
                        }
                        FocusSip focusSip = focus;
                        if (focusSip != null && toAUser(next) && focusSip.isSubscribe(request)) {
                            // RFC 4575: the focus is the notifier of its conferences' state, whatever
                            // the package asked for (it answers 489 for the others)
                            focusSip.subscribe(transaction, request, FocusRouting.joiner(ok.aor(), null, false));
                            edge.release(transaction, ticket); // the focus's own work is not bounded here
                            return;
                        }
                        if (focusSip != null && next instanceof RequestAction.ToUser && focusSip.isJoin(request)) {
                            // a conference URI of ours: the focus answers (README, "Conferencing focus")
                            focusSip.join(transaction, request, FocusRouting.joiner(ok.aor(), null, false));
                            edge.release(transaction, ticket);
                            return;
                        }
                        ParkSip parkSip = park;
                        if (parkSip != null && newSubscribeToAUser(method, facts, next)) {
                            // an orbit's busy lamp (RFC 4235), asked before the proxy routes it to a user
                            edge.release(transaction, ticket);
                            parkSip.subscribe(
                                    transaction,
                                    request,
                                    ok.aor(),
                                    readmitted(
                                            transaction,
                                            request,
                                            () -> actAuthenticated(transaction, request, routing, next)));
                            return;
                        }
                        if (parkSip != null
                                && Request.INVITE.equals(method)
                                && !facts.inDialog()
                                && next instanceof RequestAction.ToUser) {
                            // the park service or an orbit, asked before the proxy routes it to a user
                            edge.release(transaction, ticket);
                            parkSip.invite(
                                    transaction,
                                    request,
                                    ok.aor(),
                                    readmitted(
                                            transaction,
                                            request,
                                            () -> dialInOr(
                                                    transaction,
                                                    request,
                                                    ok.aor(),
                                                    () -> actAuthenticated(transaction, request, routing, next))));
                            return;
                        }
                        if (focusSip != null && next instanceof RequestAction.ToUser && focusSip.dialsNumber(request)) {
                            dialInOr(
                                    transaction,
                                    request,
                                    ok.aor(),
                                    () -> actAuthenticated(transaction, request, routing, next));
                            return;
                        }
                        try {
                            edge.releaseWhen(
                                    transaction, ticket, act(transaction, request, routing, next, System.nanoTime()));
                        } catch (ParseException e) {
                            // only OPTIONS to the node builds a response that can fail to parse, and it is never
                            // challenged
                            throw new IllegalStateException(e);
                        }
                    } else {
                        RequestAuthenticator.Outcome.Answer a = (RequestAuthenticator.Outcome.Answer) outcome;
                        answer(transaction, request, a.status(), a.reason(), a.headers());
                        edge.release(transaction, ticket);
                        // a proxied request's challenge, not a REGISTER answer
                        metrics.proxyAnswered(method, a.status());
                    }
                });
    }

    /**
     * Dial-in (README, "Conferencing focus"): a conference's numeric id dialed by our user {@code aor} joins
     * that conference; a number no live conference holds runs {@code otherwise}, the routing it had before.
     * Asked after call park, so an orbit of the same digits stays the orbit.
     */
    private void dialInOr(ServerTransaction transaction, Request request, String aor, Runnable otherwise) {
        FocusSip focusSip = focus;
        if (focusSip != null && focusSip.dialsNumber(request)) {
            edge.release(transaction, edge.held(transaction)); // the focus's look is not bounded here
            focusSip.joinByNumber(
                    transaction,
                    request,
                    FocusRouting.joiner(aor, null, false),
                    readmitted(transaction, request, otherwise));
        } else {
            otherwise.run();
        }
    }

    private void actAuthenticated(
            ServerTransaction transaction, Request request, StatefulProxy.Routing routing, RequestAction next) {
        try {
            Admission.Ticket ticket = edge.held(transaction);
            edge.releaseWhen(transaction, ticket, act(transaction, request, routing, next, System.nanoTime()));
        } catch (ParseException e) {
            throw new IllegalStateException(e); // only OPTIONS to the node can fail to parse, never challenged
        }
    }

    /**
     * An INVITE to a conference from another domain: a federated user when it comes from that
     * domain's configured addresses, else anonymous whatever its From says (README, "Who is
     * trusted for what"); only an open conference takes anonymous callers.
     */
    private void joinFromOutside(ServerTransaction transaction, Request request, FocusSip focusSip) {
        focusSip.join(transaction, request, outsider(request));
    }

    /**
     * Where a request to a user's URI would go (its bindings, the presence server, or a 489): for a
     * conference URI, the focus instead.
     */
    private static boolean toAUser(RequestAction action) {
        return action instanceof RequestAction.ToUser
                || action instanceof RequestAction.PresenceSubscribe
                || action instanceof RequestAction.ForeignPresenceSubscribe
                || action instanceof RequestAction.BadEvent;
    }

    /** A SUBSCRIBE outside any dialog that would go to a user's URI: call park's when it names an orbit. */
    private static boolean newSubscribeToAUser(String method, RequestFacts facts, RequestAction action) {
        return Request.SUBSCRIBE.equals(method) && !facts.inDialog() && toAUser(action);
    }

    /** Who an unauthenticated request to the focus comes from: federated from the domain's addresses, else anonymous. */
    private io.switchboard.conference.domain.Joiner outsider(Request request) {
        javax.sip.address.URI from = ((javax.sip.header.FromHeader) request.getHeader(javax.sip.header.FromHeader.NAME))
                .getAddress()
                .getURI();
        String fromUri = from.toString();
        boolean federated = false;
        if (from instanceof javax.sip.address.SipURI sipFrom && sipFrom.getHost() != null) {
            String host = sipFrom.getHost().toLowerCase(java.util.Locale.ROOT);
            fromUri = "sip:" + (sipFrom.getUser() == null ? "" : sipFrom.getUser() + "@") + host;
            federated = federation.isFederatedPeer(host, ((SIPMessage) request).getRemoteAddress());
        }
        return FocusRouting.joiner(null, fromUri, federated);
    }

    /** To one of our users; a temporary GRUU names its user and instance itself (RFC 5627 section 3.2). */
    private CompletionStage<?> toUser(ServerTransaction transaction, Request request, RequestAction.ToUser u) {
        if (u.gruu()) {
            var temp = gruus.openTempGruu(u.user());
            if (temp.isPresent()) {
                return proxy.forwardToUser(
                        transaction,
                        request,
                        temp.get().aor(),
                        UriParts.stripBrackets(temp.get().instanceId()),
                        u.authenticated());
            }
        }
        return proxy.forwardToUser(transaction, request, u.aor(), u.instance(), u.authenticated());
    }

    /** RFC 3261 section 22.3: credentials for our realm end here; others go on to their proxy. */
    private static void removeOwnCredentials(Request request, String realm) {
        var it = request.getHeaders("Proxy-Authorization");
        List<javax.sip.header.ProxyAuthorizationHeader> keep = new java.util.ArrayList<>();
        while (it.hasNext()) {
            javax.sip.header.ProxyAuthorizationHeader h = (javax.sip.header.ProxyAuthorizationHeader) it.next();
            if (h.getRealm() != null && !realm.equalsIgnoreCase(h.getRealm())) {
                keep.add(h);
            }
        }
        request.removeHeader("Proxy-Authorization");
        for (var h : keep) {
            request.addHeader(h);
        }
    }

    private void answerUnavailable(ServerTransaction transaction, Request request) {
        try {
            send(transaction, responses.unavailable(request, "Accounts unavailable, try again", 5));
        } catch (ParseException e) {
            LOG.error("Could not build 503", e);
        }
    }

    private void answer(ServerTransaction transaction, Request request, int status, String reason, List<Header> extra) {
        try {
            Response response = responses.create(status, request, reason);
            for (Header h : extra) {
                response.addHeader(h);
            }
            send(transaction, response);
        } catch (ParseException e) {
            LOG.error("Could not build a {} response", status, e);
        }
    }

    /** Sends a final response; the request is not to be read afterwards (see {@link AnsweredRequests}). */
    private void send(ServerTransaction transaction, Response response) {
        AnsweredRequests.dropOnFinalResponse(transaction);
        try {
            transaction.sendResponse(response);
        } catch (javax.sip.SipException | javax.sip.InvalidArgumentException | RuntimeException e) {
            LOG.debug("Could not send {}: {}", response.getStatusCode(), e.toString());
        }
        AnsweredRequests.release(transaction.getRequest()); // an RFC 2543 request the RI kept
    }

    private ServerTransaction serverTransaction(RequestEvent event) {
        if (event.getServerTransaction() != null) {
            return event.getServerTransaction();
        }
        if (provider == null) {
            // the stack listens before attach() (a pool node's OPTIONS can reach a branch node that early):
            // dropped, the sender retransmits (RFC 3261 section 17.1.2.2)
            return null;
        }
        try {
            return provider.getNewServerTransaction(event.getRequest());
        } catch (TransactionAlreadyExistsException e) {
            return null; // a retransmission the stack will answer from its transaction
        } catch (TransactionUnavailableException e) {
            LOG.debug("No server transaction for {}: {}", event.getRequest().getMethod(), e.toString());
            return null;
        }
    }

    @Override
    public void processResponse(ResponseEvent event) {
        FocusSip focusSip = focus;
        if (SipNotifySender.onResponse(event)
                || io.switchboard.node.site.OptionsWatcher.onResponse(event)
                || io.switchboard.node.site.BranchPresenceRelay.onResponse(event)
                || ParkSip.onResponse(event)
                || (focusSip != null && focusSip.onResponse(event))) {
            return;
        }
        proxy.processResponse(event);
    }

    @Override
    public void processTimeout(TimeoutEvent event) {
        FocusSip focusSip = focus;
        if (SipNotifySender.onTimeout(event)
                || io.switchboard.node.site.OptionsWatcher.onTimeout(event)
                || io.switchboard.node.site.BranchPresenceRelay.onTimeout(event)
                || ParkSip.onTimeout(event)
                || (focusSip != null && focusSip.onTimeout(event))) {
            return;
        }
        proxy.processTimeout(event);
    }

    @Override
    public void processIOException(IOExceptionEvent event) {
        LOG.debug("I/O error towards {}:{} over {}", event.getHost(), event.getPort(), event.getTransport());
    }

    @Override
    public void processTransactionTerminated(TransactionTerminatedEvent event) {
        if (event.isServerTransaction()) {
            inFlight.remove(event.getServerTransaction());
            // a request another part of the node took over (call park, the focus) frees its place here
            edge.done(event.getServerTransaction());
        }
    }

    @Override
    public void processDialogTerminated(DialogTerminatedEvent event) {
        // automatic dialog support is off (docs/architecture.md, rule 5)
    }
}

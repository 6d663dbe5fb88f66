package io.switchboard.node.sip;

import java.text.ParseException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

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
import javax.sip.address.SipURI;
import javax.sip.header.Header;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import gov.nist.javax.sip.message.SIPMessage;

import io.switchboard.node.metrics.NodeMetrics;
import io.switchboard.presence.sip.PresenceSip;
import io.switchboard.presence.sip.SipNotifySender;
import io.switchboard.proxy.sip.StatefulProxy;
import io.switchboard.registrar.sip.Gruus;
import io.switchboard.registrar.domain.Flow;
import io.switchboard.registrar.sip.RegisterHandler;
import io.switchboard.registrar.sip.RegisterParser;
import io.switchboard.registrar.sip.RegisterResponses;
import io.switchboard.sip.flow.FlowTokens;
import io.switchboard.sip.stack.AnsweredRequests;

/**
 * The node's JAIN-SIP listener: the one place requests enter. It opens the server transaction,
 * routes by method, and never blocks: everything that waits (accounts, entities, Cassandra)
 * continues on completion callbacks.
 *
 * <p>REGISTER goes to the registrar. Every other request is proxied (RFC 3261 section 16) by
 * {@link StatefulProxy}: after loose routing ({@link StatefulProxy#popOwnRoutes}), a request steered
 * into one of this node's flows goes there, an in-dialog request follows its Route, and an initial
 * request is authenticated (407) when it comes from one of our domains, its From must then be the
 * authenticated user (403 otherwise), and it goes to the user's bindings or, for other domains,
 * to the outbound proxy (403 when none is configured). OPTIONS addressed to the node itself is
 * answered here. Methods nobody defined get 501.
 */
public final class SipFrontEnd implements SipListener {

    private static final Logger LOG = LoggerFactory.getLogger(SipFrontEnd.class);
    static final String ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, PRACK, SUBSCRIBE, NOTIFY, PUBLISH, INFO, REFER, MESSAGE, UPDATE";
    /**
     * Event packages that users' endpoints serve themselves: SUBSCRIBEs for these are proxied to
     * the user's endpoints. The pool itself serves presence; any other package gets 489.
     */
    private static final Set<String> ENDPOINT_EVENTS = Set.of("dialog", "message-summary", "conference", "kpml",
            "ua-profile", "refer", "as-feature-event", "line-seize", "call-info", "hold", "talk");
    private static final Set<String> KNOWN_METHODS = Set.of("INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER",
            "PRACK", "SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE");

    private final String nodeId;
    private final Set<String> domains;
    private final RequestAuthenticator authenticator;
    private final RegisterHandler registrar;
    private final RegisterResponses responses;
    private final HeaderFactory headers;
    private final FlowTokens flowTokens;
    private final NodeMetrics metrics;
    private final Gruus gruus;
    private volatile SipProvider provider;
    private volatile StatefulProxy proxy;
    private volatile PresenceSip presence;

    public SipFrontEnd(String nodeId, List<String> domains, RequestAuthenticator authenticator,
                       RegisterHandler registrar, RegisterResponses responses, HeaderFactory headers,
                       FlowTokens flowTokens, NodeMetrics metrics, Gruus gruus) {
        this.nodeId = nodeId;
        this.domains = Set.copyOf(domains);
        this.authenticator = authenticator;
        this.registrar = registrar;
        this.responses = responses;
        this.headers = headers;
        this.flowTokens = flowTokens;
        this.metrics = metrics;
        this.gruus = gruus;
    }

    /** Set once the stack is up (the provider exists only after the listener is chosen). */
    public void attach(SipProvider sipProvider, StatefulProxy statefulProxy, PresenceSip presenceServer) {
        this.provider = sipProvider;
        this.proxy = statefulProxy;
        this.presence = presenceServer;
    }

    @Override
    public void processRequest(RequestEvent event) {
        long start = System.nanoTime();
        Request request = event.getRequest();
        String method = request.getMethod();
        if (Request.ACK.equals(method)) {
            // ACKs to our own non-2xx finals are absorbed by the transaction layer; what reaches
            // us is an ACK for a 2xx, end to end through the proxy (RFC 3261 section 13.2.2.4).
            proxy.forwardAck(request, proxy.popOwnRoutes(request));
            return;
        }
        ServerTransaction transaction = serverTransaction(event);
        if (transaction == null) {
            return;
        }
        try {
            switch (method) {
                case Request.REGISTER -> register(transaction, request, start);
                case Request.CANCEL -> proxy.cancel(transaction, request);
                default -> {
                    if (KNOWN_METHODS.contains(method)) {
                        route(transaction, request, method);
                    } else {
                        answer(transaction, request, Response.NOT_IMPLEMENTED, null, List.of());
                    }
                }
            }
        } catch (ParseException | RuntimeException e) {
            LOG.warn("Failed to handle {} from {}: {}", method, sourceOf(request), e.toString());
            answer(transaction, request, Response.SERVER_INTERNAL_ERROR, "Internal error", List.of());
        }
    }

    private void register(ServerTransaction transaction, Request request, long start) throws ParseException {
        String domain = hostOf(request.getRequestURI());
        SipURI to = toUri(request);
        if (to == null || to.getUser() == null || to.getUser().isEmpty()) {
            badRequest(transaction, request, "To must be a sip: URI with a user part");
            return;
        }
        String realm = to.getHost().toLowerCase(Locale.ROOT);
        if (domain == null || !domains.contains(domain) || !domains.contains(realm)) {
            // RFC 3261 section 10.3 step 1: we hold no bindings for other domains.
            answer(transaction, request, Response.FORBIDDEN, "Domain not served here", List.of());
            metrics.completed(Response.FORBIDDEN, System.nanoTime() - start);
            return;
        }
        // Parse before authenticating: a malformed request costs no account lookup and gets its 400.
        RegisterParser.Parsed parsed = RegisterParser.parse(request, flowOf(request));
        if (!parsed.isOk()) {
            metrics.badRequest();
            registrar.rejectMalformed(transaction, request, parsed.error(), start);
            return;
        }
        String source = sourceOf(request);
        authenticator.authenticate(request, realm, source, false).whenComplete((outcome, failure) -> {
            if (failure != null) {
                LOG.warn("Authentication of REGISTER for {} could not complete: {}", to, failure.toString());
                answerUnavailable(transaction, request);
                metrics.completed(Response.SERVICE_UNAVAILABLE, System.nanoTime() - start);
            } else if (outcome instanceof RequestAuthenticator.Outcome.Authenticated ok) {
                registrar.handle(transaction, request, parsed.request(), ok.aor(), start);
            } else {
                // challenges and refusals count as REGISTER answers too (a 401 is half of every flow)
                RequestAuthenticator.Outcome.Answer a = (RequestAuthenticator.Outcome.Answer) outcome;
                answer(transaction, request, a.status(), a.reason(), a.headers());
                metrics.completed(a.status(), System.nanoTime() - start);
            }
        });
    }

    private void options(ServerTransaction transaction, Request request) throws ParseException {
        Response ok = responses.create(Response.OK, request, null);
        ok.addHeader(headers.createAllowHeader(ALLOW));
        ok.addHeader(headers.createSupportedHeader("outbound, path, gruu"));
        send(transaction, ok);
    }

    /** Everything but REGISTER, CANCEL and ACK: loose routing, then by dialog state and target. */
    private void route(ServerTransaction transaction, Request request, String method) throws ParseException {
        StatefulProxy.Routing routing = proxy.popOwnRoutes(request);
        if (routing.intoFlow()) {
            // Steered into one of our flows by a token only the pool can make (RFC 5626 section 5.3).
            proxy.forwardToFlow(transaction, request, routing);
            return;
        }
        javax.sip.header.ToHeader toHeader = (javax.sip.header.ToHeader) request.getHeader("To");
        boolean inDialog = toHeader != null && toHeader.getTag() != null;
        boolean moreRoutes = request.getHeader(javax.sip.header.RouteHeader.NAME) != null;
        if (!(request.getRequestURI() instanceof SipURI target)) {
            answer(transaction, request, Response.UNSUPPORTED_URI_SCHEME, "Only sip: and sips: Request-URIs", List.of());
            return;
        }
        if (inDialog && !moreRoutes && PresenceSip.isPresenceRefresh(request)
                && (proxy.identity().isOurs(target) || servesAsUser(target))) {
            // a refresh or unsubscribe of one of our presence subscriptions (its To tag names it)
            presence.refresh(transaction, request);
            return;
        }
        if (inDialog && (moreRoutes || !servesAsUser(target))) {
            if (!moreRoutes && proxy.identity().isOurs(target)) {
                answerForNode(transaction, request, method);
            } else {
                proxy.forwardOnward(transaction, request); // section 16.12: the route set decides
            }
            return;
        }
        if (!moreRoutes && (proxy.identity().isOurs(target) || target.getUser() == null)) {
            answerForNode(transaction, request, method);
            return;
        }
        SipURI from = fromUri(request);
        if (from == null) {
            badRequest(transaction, request, "From must be a sip: or sips: URI");
            return;
        }
        String fromDomain = from.getHost().toLowerCase(Locale.ROOT);
        boolean toUs = servesAsUser(target);
        if (!domains.contains(fromDomain)) {
            if (!toUs || moreRoutes) {
                // Nobody of ours sent it and it is not for one of ours: we are no open relay.
                answer(transaction, request, Response.FORBIDDEN, "Relaying denied", List.of());
            } else if (!servedByPool(transaction, request, target, "sip:" + from.getUser() + "@" + fromDomain, false)) {
                dispatch(transaction, request, target, false);
            }
            return;
        }
        authenticator.authenticate(request, fromDomain, sourceOf(request), true).whenComplete((outcome, failure) -> {
            if (failure != null) {
                LOG.warn("Authentication of {} from {} could not complete: {}", method, from, failure.toString());
                answerUnavailable(transaction, request);
            } else if (outcome instanceof RequestAuthenticator.Outcome.Authenticated ok) {
                String claimed = "sip:" + from.getUser() + "@" + fromDomain;
                if (!ok.aor().equals(claimed)) {
                    // The From identity must be the user who authenticated (issue 3; RFC 3261 section 22.3).
                    answer(transaction, request, Response.FORBIDDEN, "From does not match the authenticated user", List.of());
                    return;
                }
                removeOwnCredentials(request, fromDomain);
                if (moreRoutes || !servedByPool(transaction, request, target, ok.aor(), true)) {
                    dispatch(transaction, request, target, moreRoutes);
                }
            } else {
                RequestAuthenticator.Outcome.Answer a = (RequestAuthenticator.Outcome.Answer) outcome;
                answer(transaction, request, a.status(), a.reason(), a.headers());
                // a proxied request's challenge, not a REGISTER answer
                metrics.proxyAnswered(method, a.status());
            }
        });
    }

    /**
     * SUBSCRIBE and PUBLISH to one of our users are the pool's business, not the endpoints'
     * (RFC 3856: the presence server is the notifier; RFC 3903: it is the state compositor).
     * Answers them here and returns true; returns false for what the proxy should forward.
     *
     * @param requester the authenticated user, or the From of a request from another domain
     */
    private boolean servedByPool(ServerTransaction transaction, Request request, SipURI target, String requester,
                                 boolean authenticated) {
        String method = request.getMethod();
        if (!servesAsUser(target) || !(Request.SUBSCRIBE.equals(method) || Request.PUBLISH.equals(method))) {
            return false;
        }
        String event = PresenceSip.eventOf(request);
        if (Request.SUBSCRIBE.equals(method) && event != null && ENDPOINT_EVENTS.contains(event)) {
            return false; // dialog, message-summary, ...: the user's endpoints answer
        }
        if (!PresenceSip.EVENT.equals(event)) {
            presence.badEvent(transaction, request);
            return true;
        }
        if (Request.SUBSCRIBE.equals(method)) {
            presence.subscribe(transaction, request, requester);
            return true;
        }
        String presentity = "sip:" + target.getUser() + "@" + target.getHost().toLowerCase(Locale.ROOT);
        if (!authenticated || !presentity.equals(requester)) {
            // RFC 3903 section 6 step 2: only the presentity itself may publish its state
            answer(transaction, request, Response.FORBIDDEN, "Only the user may publish their own presence", List.of());
            return true;
        }
        presence.publish(transaction, request, presentity);
        return true;
    }

    private boolean servesAsUser(SipURI uri) {
        return uri.getUser() != null && !uri.getUser().isEmpty() && domains.contains(uri.getHost().toLowerCase(Locale.ROOT));
    }

    /** An initial request that may go on: to a user of ours, along a preloaded Route, or out. */
    private void dispatch(ServerTransaction transaction, Request request, SipURI target, boolean moreRoutes) {
        if (moreRoutes) {
            proxy.forwardOnward(transaction, request);
        } else if (servesAsUser(target)) {
            String domain = target.getHost().toLowerCase(Locale.ROOT);
            String user = target.getUser();
            String instance = null;
            if (target.getParameter("gr") != null || hasParameter(target, "gr")) {
                // RFC 5627: a GRUU reaches exactly one instance of the user.
                var temp = gruus.openTempGruu(user);
                if (temp.isPresent()) {
                    proxy.forwardToUser(transaction, request, temp.get().aor(), stripBrackets(temp.get().instanceId()));
                    return;
                }
                instance = target.getParameter("gr");
            }
            proxy.forwardToUser(transaction, request, "sip:" + user + "@" + domain, instance);
        } else {
            proxy.forwardOutside(transaction, request);
        }
    }

    private static boolean hasParameter(SipURI uri, String name) {
        for (var it = uri.getParameterNames(); it.hasNext(); ) {
            if (name.equalsIgnoreCase((String) it.next())) {
                return true;
            }
        }
        return false;
    }

    private static String stripBrackets(String s) {
        return s != null && s.startsWith("<") && s.endsWith(">") ? s.substring(1, s.length() - 1) : s;
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

    /** A request addressed to this node itself rather than to a user: only OPTIONS means anything. */
    private void answerForNode(ServerTransaction transaction, Request request, String method) throws ParseException {
        if (Request.OPTIONS.equals(method)) {
            options(transaction, request);
        } else {
            answer(transaction, request, Response.NOT_FOUND, "No user in the Request-URI", List.of());
        }
    }

    private static SipURI fromUri(Request request) {
        javax.sip.header.FromHeader from = (javax.sip.header.FromHeader) request.getHeader("From");
        return from != null && from.getAddress().getURI() instanceof SipURI s && s.getUser() != null ? s : null;
    }

    private void badRequest(ServerTransaction transaction, Request request, String reason) {
        metrics.badRequest();
        answer(transaction, request, Response.BAD_REQUEST, reason, List.of());
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
        try {
            transaction.sendResponse(response);
        } catch (javax.sip.SipException | javax.sip.InvalidArgumentException | RuntimeException e) {
            LOG.debug("Could not send {}: {}", response.getStatusCode(), e.toString());
        }
        AnsweredRequests.release(transaction.getRequest());
    }

    private ServerTransaction serverTransaction(RequestEvent event) {
        if (event.getServerTransaction() != null) {
            return event.getServerTransaction();
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

    /** Where the request came from and on which connection (docs/architecture.md, rule 6; RFC 5626 section 5.2). */
    private Flow flowOf(Request request) {
        SIPMessage m = (SIPMessage) request;
        ViaHeader via = (ViaHeader) request.getHeader(ViaHeader.NAME);
        String transport = via.getTransport().toLowerCase(Locale.ROOT);
        String remote = m.getRemoteAddress() == null ? "" : m.getRemoteAddress().getHostAddress();
        int remotePort = m.getRemotePort();
        String token = "";
        if (!"udp".equals(transport)) {
            String local = m.getLocalAddress() == null ? "" : m.getLocalAddress().getHostAddress();
            token = flowTokens.encode(new io.switchboard.sip.flow.Flow(nodeId, transport, local, m.getLocalPort(),
                    remote, remotePort));
        }
        return new Flow(transport, remote, remotePort, nodeId, token);
    }

    /** The flow a request arrived on, as presence stores it with a subscription. */
    public io.switchboard.presence.domain.NotifyFlow notifyFlowOf(Request request) {
        Flow f = flowOf(request);
        return new io.switchboard.presence.domain.NotifyFlow(f.transport(), f.sourceHost(), f.sourcePort(),
                f.isConnectionOriented() ? f.node() : "", f.flowToken());
    }

    private static String sourceOf(Request request) {
        SIPMessage m = (SIPMessage) request;
        return m.getRemoteAddress() == null ? "unknown" : m.getRemoteAddress().getHostAddress();
    }

    private static String hostOf(javax.sip.address.URI uri) {
        return uri instanceof SipURI s && s.getHost() != null ? s.getHost().toLowerCase(Locale.ROOT) : null;
    }

    private static SipURI toUri(Request request) {
        javax.sip.header.ToHeader to = (javax.sip.header.ToHeader) request.getHeader("To");
        return to != null && to.getAddress().getURI() instanceof SipURI s ? s : null;
    }

    @Override
    public void processResponse(ResponseEvent event) {
        if (SipNotifySender.onResponse(event)) {
            return;
        }
        proxy.processResponse(event);
    }

    @Override
    public void processTimeout(TimeoutEvent event) {
        if (SipNotifySender.onTimeout(event)) {
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
        // nothing to release: no per-transaction state outside the stack
    }

    @Override
    public void processDialogTerminated(DialogTerminatedEvent event) {
        // automatic dialog support is off (docs/architecture.md, rule 5)
    }
}

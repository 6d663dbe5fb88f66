package io.switchboard.presence.sip;

import gov.nist.javax.sip.message.SIPMessage;
import io.switchboard.presence.domain.NotifyOutcome;
import io.switchboard.presence.domain.Subscription;
import io.switchboard.presence.entity.NotifySender;
import io.switchboard.sip.flow.Flow;
import io.switchboard.sip.routing.FlowRoute;
import io.switchboard.sip.routing.GruuTargets;
import io.switchboard.sip.routing.NextHop;
import io.switchboard.sip.routing.PoolMembers;
import io.switchboard.sip.routing.ProxyIdentity;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import javax.sip.ClientTransaction;
import javax.sip.ResponseEvent;
import javax.sip.SipProvider;
import javax.sip.TimeoutEvent;
import javax.sip.address.Address;
import javax.sip.address.AddressFactory;
import javax.sip.address.URI;
import javax.sip.header.HeaderFactory;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends NOTIFYs from this node in stored dialogs, with JAIN-SIP client transactions (so UDP
 * retransmission and Timer F are the RI's), and tells the caller what came of each one.
 *
 * <p>Where a NOTIFY goes (docs/architecture.md, rule 6): a subscriber over UDP at its Contact (through its route
 * set, if any) from whichever node sends, and when that Contact is a GRUU of ours with no route set, at
 * the binding the GRUU names ({@link GruuTargets}, RFC 5627 section 5.4); a subscriber over TCP/TLS into its connection, directly
 * when this node holds it, else through the node that does, with a Route carrying the flow token
 * ({@link FlowRoute}), as the proxy does for calls. When that node is not up, the
 * connection is gone: the NOTIFY is not sent ({@link NotifyOutcome#NOT_SENT}) and the
 * subscription waits for the subscriber's refresh over a new connection.
 *
 * <p>Requests are built and handed to the RI on {@code sendExecutor}, never on the entity's
 * thread: a send may have to open a connection.
 */
public final class SipNotifySender implements NotifySender {

    private static final Logger LOG = LoggerFactory.getLogger(SipNotifySender.class);

    /** Marks our client transactions so the listener routes their responses here. */
    public record Pending(CompletableFuture<NotifyOutcome> outcome) {}

    private final SipProvider provider;
    private final MessageFactory messages;
    private final HeaderFactory headers;
    private final AddressFactory addresses;
    private final ProxyIdentity self;
    private final PoolMembers pool;
    private final Executor sendExecutor;
    private final GruuTargets gruuTargets;

    public SipNotifySender(
            SipProvider provider,
            MessageFactory messages,
            HeaderFactory headers,
            AddressFactory addresses,
            ProxyIdentity self,
            PoolMembers pool,
            Executor sendExecutor) {
        this(provider, messages, headers, addresses, self, pool, sendExecutor, GruuTargets.NONE);
    }

    /** @param gruuTargets resolves a UDP subscriber's Contact that is a GRUU of ours (RFC 5627 section 5.4) */
    public SipNotifySender(
            SipProvider provider,
            MessageFactory messages,
            HeaderFactory headers,
            AddressFactory addresses,
            ProxyIdentity self,
            PoolMembers pool,
            Executor sendExecutor,
            GruuTargets gruuTargets) {
        this.gruuTargets = gruuTargets;
        this.provider = provider;
        this.messages = messages;
        this.headers = headers;
        this.addresses = addresses;
        this.self = self;
        this.pool = pool;
        this.sendExecutor = sendExecutor;
    }

    @Override
    public CompletionStage<NotifyOutcome> send(Notify notify) {
        CompletableFuture<NotifyOutcome> outcome = new CompletableFuture<>();
        try {
            sendExecutor.execute(() -> {
                try {
                    sendNow(notify, outcome);
                } catch (Exception e) {
                    LOG.debug("NOTIFY to {} not sent: {}", notify.dialog().remoteTarget(), e.toString());
                    outcome.complete(NotifyOutcome.NOT_SENT);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the node is stopping (SIP goes first): the dialog stays stored for whoever owns it next
            outcome.complete(NotifyOutcome.NOT_SENT);
        }
        return outcome;
    }

    private void sendNow(Notify n, CompletableFuture<NotifyOutcome> outcome) throws Exception {
        Subscription s = n.dialog();
        Flow flow = s.flow();
        List<String> routes = new ArrayList<>(s.routeSet());
        if (flow.isConnectionOriented()) {
            NextHop hop = null;
            String transport;
            if (flow.node().equals(self.nodeId())) {
                hop = new NextHop(flow.sourceHost(), flow.sourcePort(), flow.transport());
                transport = flow.transport();
            } else {
                Optional<NextHop> holder =
                        pool.isAvailable(flow.node()) ? pool.nodeHolding(flow.flowToken()) : Optional.empty();
                if (holder.isEmpty()) {
                    outcome.complete(NotifyOutcome.NOT_SENT);
                    return;
                }
                routes.add(0, FlowRoute.to(flow.flowToken(), holder.get()));
                transport = holder.get().transport();
            }
            sendTo(n, outcome, s.remoteTarget(), routes, hop, transport);
        } else if (!routes.isEmpty()) {
            // the route set's first hop takes it on (RFC 3261 section 12.2.1.1)
            sendTo(n, outcome, s.remoteTarget(), routes, null, "udp");
        } else {
            // A Contact that is a GRUU of ours names an instance, not a host: we are its home proxy
            // and resolve it to the binding as for any request to it (RFC 5627 section 5.4).
            gruuTargets.resolve(s.remoteTarget()).whenComplete((resolution, failure) -> {
                try {
                    sendExecutor.execute(() -> sendResolved(n, outcome, resolution, failure));
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    outcome.complete(NotifyOutcome.NOT_SENT);
                }
            });
        }
    }

    private void sendResolved(
            Notify n, CompletableFuture<NotifyOutcome> outcome, GruuTargets.Resolution resolution, Throwable failure) {
        try {
            if (failure != null) {
                LOG.debug("NOTIFY to {} not sent: {}", n.dialog().remoteTarget(), failure.toString());
                outcome.complete(NotifyOutcome.NOT_SENT);
            } else if (resolution instanceof GruuTargets.Unreachable u) {
                // what the home proxy would have answered (RFC 5627 section 5.4); its fate is the
                // subscription's as for the same response from the subscriber (RFC 5057 section 5.1)
                LOG.debug(
                        "NOTIFY to {}: {} from the GRUU's resolution",
                        n.dialog().remoteTarget(),
                        u.status());
                outcome.complete(NotifyOutcome.ofStatus(u.status()));
            } else if (resolution instanceof GruuTargets.Resolved r) {
                String transport = r.hop() != null
                        ? r.hop().transport()
                        : transportOf(
                                r.routes().isEmpty()
                                        ? r.requestUri()
                                        : r.routes().get(0));
                sendTo(n, outcome, r.requestUri(), r.routes(), r.hop(), transport);
            } else {
                sendTo(n, outcome, n.dialog().remoteTarget(), List.of(), null, "udp");
            }
        } catch (Exception e) {
            LOG.debug("NOTIFY to {} not sent: {}", n.dialog().remoteTarget(), e.toString());
            outcome.complete(NotifyOutcome.NOT_SENT);
        }
    }

    /** The transport towards a next hop URI (RFC 3263 section 4.1 defaults): its parameter, else TLS for sips, else UDP. */
    private String transportOf(String uri) throws java.text.ParseException {
        URI u = addresses.createAddress(uri).getURI();
        if (u instanceof javax.sip.address.SipURI sip) {
            if (sip.getTransportParam() != null) {
                return sip.getTransportParam().toLowerCase(java.util.Locale.ROOT);
            }
            return sip.isSecure() ? "tls" : "udp";
        }
        return "udp";
    }

    /**
     * Builds and sends the NOTIFY.
     *
     * @param requestUri the remote target, or the contact it resolved to
     * @param hop into this connection (ProxyRouter), or null: the first Route, else the Request-URI decides
     */
    private void sendTo(
            Notify n,
            CompletableFuture<NotifyOutcome> outcome,
            String requestUri,
            List<String> routes,
            NextHop hop,
            String transport)
            throws Exception {
        Subscription s = n.dialog();
        URI target = addresses.createURI(requestUri);
        Address from = addresses.createAddress(s.localUri());
        Address to = addresses.createAddress(s.remoteUri());
        String branch =
                "z9hG4bKsbn" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        Request request = messages.createRequest(
                target,
                Request.NOTIFY,
                headers.createCallIdHeader(s.callId()),
                headers.createCSeqHeader(n.cseq(), Request.NOTIFY),
                headers.createFromHeader(from, s.localTag()),
                headers.createToHeader(to, s.remoteTag()),
                List.of(headers.createViaHeader(self.address(), self.port(transport), transport, branch)),
                headers.createMaxForwardsHeader(70));
        for (String r : routes) {
            request.addHeader(headers.createRouteHeader(addresses.createAddress(r)));
        }
        request.addHeader(headers.createContactHeader(addresses.createAddress(self.contactUri(transport))));
        javax.sip.header.EventHeader event = headers.createEventHeader("presence");
        if (s.eventId() != null) {
            event.setEventId(s.eventId());
        }
        request.addHeader(event);
        request.addHeader(headers.createSubscriptionStateHeader(n.subscriptionState()));
        if (n.eventlist()) {
            request.addHeader(headers.createRequireHeader("eventlist"));
        }
        if (n.body() != null) {
            int slash = n.contentType().indexOf('/');
            String type = n.contentType().substring(0, slash);
            String sub = n.contentType().substring(slash + 1);
            request.setContent(
                    n.body().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    headers.createContentTypeHeader(type, sub));
            if (sub.contains(";")) {
                // the RI's content-type factory takes only type/subtype: set the parameters verbatim
                request.removeHeader("Content-Type");
                request.addHeader(headers.createHeader("Content-Type", n.contentType()));
            }
        }
        if (hop != null) {
            ((SIPMessage) request).setApplicationData(hop); // ProxyRouter: into this connection
        }
        ClientTransaction ct = provider.getNewClientTransaction(request);
        ct.setApplicationData(new Pending(outcome));
        ct.sendRequest();
    }

    /** A final response to one of our NOTIFYs (called by the node's listener). */
    public static boolean onResponse(ResponseEvent event) {
        ClientTransaction ct = event.getClientTransaction();
        if (ct != null && ct.getApplicationData() instanceof Pending p) {
            int status = event.getResponse().getStatusCode();
            if (status >= 200) {
                p.outcome().complete(NotifyOutcome.ofStatus(status));
            }
            return true;
        }
        return false;
    }

    /** Timer F fired for one of our NOTIFYs: the subscriber did not answer at all. */
    public static boolean onTimeout(TimeoutEvent event) {
        ClientTransaction ct = event.getClientTransaction();
        if (!event.isServerTransaction() && ct != null && ct.getApplicationData() instanceof Pending p) {
            p.outcome().complete(NotifyOutcome.ofStatus(0));
            return true;
        }
        return false;
    }
}

package io.switchboard.proxy.sip;

import gov.nist.javax.sip.message.SIPMessage;
import io.switchboard.proxy.domain.Fork;
import io.switchboard.proxy.domain.ForkAction;
import io.switchboard.proxy.domain.Target;
import io.switchboard.proxy.sip.ForkContext.Branch;
import io.switchboard.sip.dns.Blacklist;
import io.switchboard.sip.dns.SipTarget;
import io.switchboard.sip.routing.NextHop;
import io.switchboard.sip.routing.ProxyIdentity;
import io.switchboard.sip.stack.AnsweredRequests;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.ListIterator;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.sip.ClientTransaction;
import javax.sip.ServerTransaction;
import javax.sip.SipProvider;
import javax.sip.header.CSeqHeader;
import javax.sip.header.Header;
import javax.sip.header.HeaderFactory;
import javax.sip.header.RetryAfterHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds a request's {@link Fork} its events and performs the {@link ForkAction}s it returns on
 * JAIN-SIP: sends responses upstream (relayed or made here), branches and CANCELs downstream, and
 * schedules the fork's timers on the proxy's one timer thread. Never blocks.
 */
final class ForkDriver {

    private static final Logger LOG = LoggerFactory.getLogger(ForkDriver.class);

    private final SipProvider provider;
    private final MessageFactory messages;
    private final HeaderFactory headers;
    private final ProxyIdentity self;
    private final OutgoingRequests outgoing;
    private final StatefulProxy.Events events;
    private final ScheduledExecutorService timers;
    private final Blacklist blacklist;

    ForkDriver(
            SipProvider provider,
            MessageFactory messages,
            HeaderFactory headers,
            ProxyIdentity self,
            OutgoingRequests outgoing,
            StatefulProxy.Events events,
            ScheduledExecutorService timers,
            Blacklist blacklist) {
        this.provider = provider;
        this.messages = messages;
        this.headers = headers;
        this.self = self;
        this.outgoing = outgoing;
        this.events = events;
        this.timers = timers;
        this.blacklist = blacklist;
    }

    /**
     * Feeds {@code event} to the context's fork under its monitor and performs what it decides.
     *
     * @param response the response the event is about (relayed or forwarded as is), or null
     */
    void handle(ForkContext ctx, Function<Fork, List<ForkAction>> event, Response response) {
        synchronized (ctx) {
            perform(ctx, event.apply(ctx.fork), response);
        }
    }

    /** A branch's response (section 16.7 steps 1-5). */
    void onResponse(Branch b, Response response) {
        int status = response.getStatusCode();
        if (LOG.isDebugEnabled()) {
            LOG.debug(
                    "{} {} <- {} from branch {}",
                    self.nodeId(),
                    b.context.request.getMethod(),
                    status,
                    b.target.requestUri());
        }
        synchronized (b.context) {
            if (status == Response.SERVICE_UNAVAILABLE && failOver(b, retryAfter(response), "503")) {
                return;
            }
            if (status >= 200) {
                answered(b);
            }
            if (status >= 200) {
                b.finalResponse = response;
            }
            if (status < 200) {
                handle(b.context, f -> f.provisional(b.id, status), response);
            } else if (status < 300) {
                handle(b.context, f -> f.success(b.id, status), response);
            } else {
                ToHeader to = (ToHeader) response.getHeader(ToHeader.NAME);
                boolean toTagged = to != null && to.getTag() != null;
                handle(b.context, f -> f.failure(b.id, status, toTagged), response);
            }
        }
    }

    /** The branch's client transaction timed out (Timer B or F): its next target, else the fork decides. */
    void onTimeout(Branch b) {
        synchronized (b.context) {
            if (!failOver(b, null, "timeout")) {
                handle(b.context, fork -> fork.timeout(b.id), null);
            }
        }
    }

    /**
     * RFC 3263 section 4.3: when the branch's target timed out, could not be reached or answered
     * 503, and DNS gave the same next hop further targets, the branch is sent again to the next
     * one in a new client transaction (a new Via branch), and the failed target is remembered in
     * the blacklist. Must hold the context's monitor.
     *
     * @return false when there is no next target or the fork no longer wants the branch
     */
    private boolean failOver(Branch b, Duration retryAfter, String why) {
        ForkContext ctx = b.context;
        Target next = b.target.nextAlternate();
        NextHop failed = b.target.hop();
        if (b.resolved && failed != null && blacklist != null) {
            blacklist.failed(targetOf(failed), retryAfter, Instant.now());
        }
        if (next == null || !ctx.fork.failOver(b.id)) {
            return false;
        }
        LOG.info(
                "{} branch to {} failed at {} ({}); trying {}",
                ctx.request.getMethod(),
                b.target.label(),
                failed,
                why,
                next.hop());
        b.target = next;
        b.finalResponse = null;
        try {
            ClientTransaction ct = outgoing.branch(ctx, b);
            ct.setApplicationData(b);
            b.transaction = ct;
            ct.sendRequest();
        } catch (Exception e) {
            LOG.debug("Branch to {} failed at once: {}", next.hop(), e.toString());
            if (!failOver(b, null, "transport error")) {
                perform(ctx, ctx.fork.transportError(b.id), null);
            }
        }
        return true;
    }

    /** The branch's target gave a final answer other than 503: it works again. */
    private void answered(Branch b) {
        if (b.resolved && blacklist != null && b.target.hop() != null) {
            blacklist.succeeded(targetOf(b.target.hop()));
        }
    }

    private static SipTarget targetOf(NextHop hop) {
        return new SipTarget(hop.host(), hop.host(), hop.port(), hop.transport());
    }

    private static Duration retryAfter(Response response) {
        RetryAfterHeader h = (RetryAfterHeader) response.getHeader(RetryAfterHeader.NAME);
        return h == null ? null : Duration.ofSeconds(h.getRetryAfter());
    }

    /**
     * A CANCEL (RFC 3261 section 16.10): 481 when it matches no INVITE we proxy, else 200 for the
     * CANCEL, then the fork cancels its branches and answers 487.
     */
    void onCancel(ServerTransaction cancelTransaction, Request cancel) {
        ServerTransaction invite = cancelTransaction instanceof gov.nist.javax.sip.stack.SIPServerTransaction st
                ? st.getCanceledInviteTransaction()
                : null;
        Object data = invite == null ? null : invite.getApplicationData();
        if (!(data instanceof ForkContext ctx)) {
            reply(cancelTransaction, cancel, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST, null, 0);
            return;
        }
        reply(cancelTransaction, cancel, Response.OK, null, 0);
        handle(ctx, Fork::callerCancel, null);
    }

    /** Must hold the context's monitor. */
    private void perform(ForkContext ctx, List<ForkAction> actions, Response response) {
        for (ForkAction action : actions) {
            if (action instanceof ForkAction.StartBranch s) {
                startBranch(ctx, s);
            } else if (action instanceof ForkAction.RelayProvisional) {
                relay(ctx, response);
            } else if (action instanceof ForkAction.RelayFinal r) {
                relayFinal(ctx, r);
            } else if (action instanceof ForkAction.Answer a) {
                reply(ctx.server, ctx.request, a.status(), a.reason(), a.retryAfter(), a.warning());
                finished(ctx, a.status());
            } else if (action instanceof ForkAction.SendCancel c) {
                sendCancel(ctx.branches.get(c.branch()));
            } else if (action instanceof ForkAction.ForwardStateless) {
                forwardStateless(response);
            } else if (action instanceof ForkAction.SendTrying) {
                sendTrying(ctx);
            } else if (action instanceof ForkAction.StartTimer t) {
                Function<Fork, List<ForkAction>> fired =
                        t.timer() == ForkAction.Timer.C ? Fork::timerC : Fork::noAnswerTimer;
                ctx.timers.put(
                        t.timer(),
                        timers.schedule(
                                () -> handle(ctx, fired, null), t.delay().toMillis(), TimeUnit.MILLISECONDS));
            } else if (action instanceof ForkAction.StopTimer t) {
                var timer = ctx.timers.remove(t.timer());
                if (timer != null) {
                    timer.cancel(false);
                }
            }
        }
    }

    private void startBranch(ForkContext ctx, ForkAction.StartBranch s) {
        Branch branch = new Branch(ctx, s.branch(), s.target());
        ctx.branches.add(branch);
        try {
            ClientTransaction ct = outgoing.branch(ctx, branch);
            ct.setApplicationData(branch);
            branch.transaction = ct;
            ct.sendRequest();
        } catch (Exception e) {
            LOG.debug("Branch to {} failed at once: {}", s.target().label(), e.toString());
            if (!failOver(branch, null, "transport error")) {
                perform(ctx, ctx.fork.transportError(s.branch()), null);
            }
        }
    }

    private void sendTrying(ForkContext ctx) {
        try {
            // Section 16.2: a stateful proxy answers an INVITE with 100 at once, so the caller's
            // transaction stops retransmitting while we look the user up.
            ctx.server.sendResponse(messages.createResponse(Response.TRYING, ctx.request));
        } catch (Exception e) {
            LOG.debug("Could not send 100: {}", e.toString());
        }
    }

    private void relayFinal(ForkContext ctx, ForkAction.RelayFinal r) {
        Response out = ctx.branches.get(r.branch()).finalResponse;
        if (!r.challengesFrom().isEmpty()) {
            out = (Response) out.clone();
            for (int i : r.challengesFrom()) { // section 16.7 step 7
                Response other = ctx.branches.get(i).finalResponse;
                for (String name : List.of("WWW-Authenticate", "Proxy-Authenticate")) {
                    for (ListIterator<?> it = other.getHeaders(name); it.hasNext(); ) {
                        out.addHeader((Header) ((Header) it.next()).clone());
                    }
                }
            }
        }
        relay(ctx, out);
        finished(ctx, r.status());
    }

    /** The caller has its final response: count it, and shrink the request the RI keeps. */
    private void finished(ForkContext ctx, int status) {
        events.answered(ctx.request.getMethod(), status);
        // No branch is made from the request any more; the RI keeps only what it still reads.
        AnsweredRequests.release(ctx.request);
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

    private void sendCancel(Branch b) {
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

    /**
     * A 2xx to an INVITE with no branch of ours waiting for it (a retransmission, or a second
     * answer after the caller has one): it goes upstream statelessly (section 16.7 step 5 /
     * section 16.11); anything else is dropped.
     */
    void forwardStateless(Response response) {
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

    /** A response made here (with a To tag, RFC 3261 section 8.2.6.2). */
    void reply(ServerTransaction server, Request request, int status, String reason, int retryAfter) {
        reply(server, request, status, reason, retryAfter, null);
    }

    /** @param warning a Warning header value ({@code 399 host "text"}, RFC 3261 section 20.43), or null */
    void reply(ServerTransaction server, Request request, int status, String reason, int retryAfter, String warning) {
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
            if (warning != null) {
                r.addHeader(headers.createHeader(javax.sip.header.WarningHeader.NAME, warning));
            }
            server.sendResponse(r);
        } catch (Exception e) {
            LOG.debug("Could not send {}: {}", status, e.toString());
        }
    }
}

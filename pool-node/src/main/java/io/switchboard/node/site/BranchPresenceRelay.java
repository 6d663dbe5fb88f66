package io.switchboard.node.site;

import gov.nist.javax.sip.message.SIPMessage;
import io.switchboard.node.sip.PresenceRegistrations;
import io.switchboard.presence.entity.Endpoint;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.entity.BindingListener;
import io.switchboard.sip.routing.NextHop;
import io.switchboard.sip.routing.ProxyIdentity;
import io.switchboard.sip.routing.RecordRouteSigner;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import javax.sip.ClientTransaction;
import javax.sip.ResponseEvent;
import javax.sip.SipProvider;
import javax.sip.TimeoutEvent;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A branch node's side of "registration drives presence" for its users (README, "Sites and branches"): presence is
 * the pool's, and the pool's presentity of a branch user hears only the pool's registrar, which does not hold her
 * branch registrations. So whenever the set of her registered endpoints at the branch changes (the first binding,
 * another phone, a phone leaving, the last binding gone or expired: what {@link PresenceRegistrations} tells the
 * presentity on a pool node), the branch node sends the pool her whole current set ({@link RegistrationReport}) in a
 * PUBLISH with {@code Event: reg}, as a branch node forwards its users' requests: to {@code branch.pool-uri}, with
 * its Record-Route signed by the pool secret on top and her AOR in the From, which is what the pool takes as the
 * branch vouching for her ({@link BranchVouching}, {@link BranchPresenceReports}).
 *
 * <p>At most one report per user is in flight, so the pool applies them in order; a change made meanwhile goes in
 * the next one (only the latest set is kept). A report the pool does not take (no answer, 408, 5xx) stays pending
 * and is sent again after {@link #RETRY_AFTER} while the pool answers OPTIONS; while it does not (WAN failure mode)
 * nothing is sent, and when it answers again every pending report goes at once: the pool catches up with the
 * current state of everyone who changed during the outage, and its watchers saw her last state until then.
 * Pending reports are held in memory: a branch node restarted during an outage forgets them.
 */
public final class BranchPresenceRelay implements BindingListener {

    private static final Logger LOG = LoggerFactory.getLogger(BranchPresenceRelay.class);

    /** How soon a report the pool did not take is sent again (while the pool answers). */
    static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    /** Sends one report; how the relay reaches the SIP stack. */
    public interface Sender {
        void publish(String aor, String body, Object applicationData) throws Exception;
    }

    /** What a report's client transaction carries, so that its answer finds the relay. */
    private record Sent(BranchPresenceRelay relay, String aor, List<Endpoint> endpoints) {}

    private final BindingListener next;
    private final Map<String, List<Endpoint>> pending = new ConcurrentHashMap<>();
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private volatile Sender sender;
    private volatile BooleanSupplier poolReachable = () -> false;
    private volatile ScheduledExecutorService timer;

    /** @param next the node's own listener (presence on this node, the binding gauge), told first */
    public BranchPresenceRelay(BindingListener next) {
        this.next = next;
    }

    @Override
    public void changed(String aor, List<Binding> before, List<Binding> after) {
        next.changed(aor, before, after);
        List<Endpoint> now = PresenceRegistrations.endpoints(after);
        if (!PresenceRegistrations.keys(PresenceRegistrations.endpoints(before))
                .equals(PresenceRegistrations.keys(now))) {
            pending.put(aor, now);
            send(aor);
        }
    }

    @Override
    public void released(String aor, List<Binding> bindings) {
        next.released(aor, bindings);
    }

    /**
     * Starts sending (the SIP side exists once the registrar entities do): what changed before goes now.
     *
     * @param poolReachable whether the pool answers OPTIONS now (the branch's watch of the pool)
     * @param timer         for the retries
     */
    public void attach(Sender sender, BooleanSupplier poolReachable, ScheduledExecutorService timer) {
        this.poolReachable = poolReachable;
        this.timer = timer;
        this.sender = sender;
        pending.keySet().forEach(this::send);
    }

    /** The pool answers OPTIONS again after an outage: everything that changed meanwhile goes now. */
    public void poolAnswersAgain() {
        pending.keySet().forEach(this::send);
    }

    /** The users whose current state the pool has not taken yet. */
    public int pending() {
        return pending.size();
    }

    private void send(String aor) {
        Sender s = sender;
        if (s == null || !poolReachable.getAsBoolean() || !inFlight.add(aor)) {
            return; // sent on attach, when the pool answers again, or after the report in flight
        }
        List<Endpoint> endpoints = pending.get(aor);
        if (endpoints == null) {
            inFlight.remove(aor);
            return;
        }
        try {
            s.publish(aor, RegistrationReport.write(endpoints), new Sent(this, aor, endpoints));
        } catch (Exception e) {
            LOG.debug("Registration report of {} not sent: {}", aor, e.toString());
            inFlight.remove(aor);
            retryLater(aor);
        }
    }

    private void answered(Sent sent, int status) {
        // taken (2xx), or refused for good (a 4xx other than 408: e.g. she is homed elsewhere now); else try again
        boolean settled = status < 300 || (status >= 400 && status < 500 && status != 408);
        if (settled) {
            if (status >= 300) {
                LOG.warn("The pool refused the registration report of {}: {}", sent.aor(), status);
            }
            pending.remove(sent.aor(), sent.endpoints());
        }
        inFlight.remove(sent.aor());
        if (!settled) {
            retryLater(sent.aor());
        } else if (pending.containsKey(sent.aor())) {
            send(sent.aor()); // changed while this one was in flight
        }
    }

    private void retryLater(String aor) {
        ScheduledExecutorService t = timer;
        if (t != null && !t.isShutdown()) {
            try {
                t.schedule(() -> send(aor), RETRY_AFTER.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                // the node is stopping
            }
        }
    }

    /** A response to one of our reports; false for anyone else's. */
    public static boolean onResponse(ResponseEvent event) {
        ClientTransaction ct = event.getClientTransaction();
        return ct != null
                && answered(ct.getApplicationData(), event.getResponse().getStatusCode());
    }

    /** Timer F of one of our reports: the pool did not answer, the report stays pending. */
    public static boolean onTimeout(TimeoutEvent event) {
        ClientTransaction ct = event.getClientTransaction();
        return !event.isServerTransaction() && ct != null && answered(ct.getApplicationData(), 408);
    }

    /** {@code status} answered the report sent with {@code applicationData}; false when that was no report of ours. */
    static boolean answered(Object applicationData, int status) {
        if (applicationData instanceof Sent s) {
            if (status >= 200) {
                s.relay().answered(s, status);
            }
            return true;
        }
        return false;
    }

    /**
     * The sender over the branch node's SIP stack: a PUBLISH to her AOR from her AOR, sent to the first target
     * {@code branch.pool-uri} resolves to ({@code ProxyRouter} takes a {@link NextHop} as the message's application
     * data), with the branch node's Record-Route signed for this request's Call-ID and From tag, as its proxy signs
     * the requests it forwards (RFC 3261 section 16.6 step 4 lets a proxy record-route any request).
     */
    public static Sender over(
            SipProvider provider,
            MessageFactory messages,
            ProxyIdentity self,
            RecordRouteSigner signer,
            Supplier<CompletionStage<List<NextHop>>> pool) {
        AtomicLong cseq = new AtomicLong();
        return (aor, body, applicationData) -> pool.get().whenComplete((hops, failure) -> {
            if (failure != null || hops == null || hops.isEmpty()) {
                timedOut(applicationData, failure == null ? "no target" : failure.toString());
                return;
            }
            NextHop hop = hops.get(0);
            try {
                String transport = hop.transport().toLowerCase(Locale.ROOT);
                String selfHost = self.address().contains(":") ? "[" + self.address() + "]" : self.address();
                String selfAt = selfHost + ":" + self.port(transport);
                long r = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
                String callId = "reg-" + Long.toHexString(r) + "@" + selfHost;
                String tag = Long.toHexString(r >>> 16);
                byte[] content = body.getBytes(StandardCharsets.UTF_8);
                String text = "PUBLISH " + aor + " SIP/2.0\r\n"
                        + "Via: SIP/2.0/" + transport.toUpperCase(Locale.ROOT) + " " + selfAt
                        + ";branch=z9hG4bKrg" + Long.toHexString(r) + "\r\n"
                        + "Max-Forwards: 70\r\n"
                        + "Record-Route: <sip:" + selfAt + ";transport=" + transport + ";lr;"
                        + RecordRouteSigner.PARAMETER + "=" + signer.sign(callId, tag) + ">\r\n"
                        + "From: <" + aor + ">;tag=" + tag + "\r\n"
                        + "To: <" + aor + ">\r\n"
                        + "Call-ID: " + callId + "\r\n"
                        + "CSeq: " + cseq.incrementAndGet() + " PUBLISH\r\n"
                        + "Event: " + RegistrationReport.EVENT + "\r\n"
                        + "Content-Type: " + RegistrationReport.CONTENT_TYPE + "/" + RegistrationReport.CONTENT_SUBTYPE
                        + "\r\n"
                        + "Content-Length: " + content.length + "\r\n\r\n"
                        + body;
                Request publish = messages.createRequest(text);
                ((SIPMessage) publish).setApplicationData(hop);
                ClientTransaction ct = provider.getNewClientTransaction(publish);
                ct.setApplicationData(applicationData);
                ct.sendRequest();
            } catch (Exception e) {
                timedOut(applicationData, e.toString());
            }
        });
    }

    private static void timedOut(Object applicationData, String why) {
        LOG.debug("Registration report not sent: {}", why);
        answered(applicationData, 408);
    }
}

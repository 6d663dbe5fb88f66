package io.switchboard.node.sip;

import io.switchboard.node.metrics.NodeMetrics;
import io.switchboard.node.routing.AdmissionRules;
import io.switchboard.node.routing.WorkClass;
import io.switchboard.registrar.sip.RegisterResponses;
import io.switchboard.sip.stack.EarlyRefusal;
import io.switchboard.sip.stack.RawRequest;
import io.switchboard.sip.stack.UdpQueueWait;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.text.ParseException;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import javax.sip.ServerTransaction;
import javax.sip.SipProvider;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the SIP edge takes a new request, and the admission place each taken one holds until it
 * has been answered or sent on (issue 17, item 3; docs/architecture.md, rule 11). A request is
 * refused with 503 and Retry-After (RFC 3261 section 21.5.4) while the node drains or warms up, for
 * the SIP stack's load ({@link AdmissionRules#decide}) and beyond its {@link WorkClass}'s bound of
 * requests in flight ({@link Admission}); a refusal decided before the request has a server
 * transaction is sent statelessly (RFC 3261 section 8.2.7), so shedding keeps no state.
 * {@link SipFrontEnd} asks it for every request; thread-safe, never blocks.
 */
final class EdgeAdmission implements EarlyRefusal {

    private static final Logger LOG = LoggerFactory.getLogger(EdgeAdmission.class);

    /** A request taken: the admission place it holds, or null when it holds none. */
    record Taken(Admission.Ticket ticket) {}

    private static final Taken UNBOUNDED = new Taken(null);

    private final RegisterResponses responses;
    private final NodeMetrics metrics;
    /** Sends a response through a server transaction (the front end's one way of answering). */
    private final BiConsumer<ServerTransaction, Response> inTransaction;

    private volatile SipProvider provider;
    /** Whether the node serves requests yet (its Readiness); until then 503 + Retry-After. */
    private volatile BooleanSupplier serving = () -> true;
    /** The Call-ID prefix of the node's own SIP warm-up, served before ready; null: none. */
    private volatile String warmUpPrefix;

    private volatile int retryAfterSeconds = 5;
    /** Whether the node drains (io.switchboard.node.Drain): new dialogs get 503 + Retry-After. */
    private volatile BooleanSupplier draining = () -> false;

    private volatile Admission admission = Admission.unbounded();
    /**
     * Whether a request's credentials earn the later shedding of a challenged flow's second leg:
     * by default whether it carries any, which is what a node without a nonce service can tell.
     */
    private volatile Predicate<Request> credentialed = EdgeAdmission::carriesCredentials;
    /** The heap in use after the last collection, in percent ({@link LiveHeap}); 0: not measured. */
    private volatile IntSupplier heapPercent = () -> 0;
    /**
     * The To tags of this node's stateless refusals start with it: random per run, so no phone's
     * dialog tag is taken for one (their ACKs are discarded, {@link #refusedStatelessly}).
     */
    private final String statelessTag = "sl" + Long.toHexString(new SecureRandom().nextLong()) + "-";
    /** The admitted requests' places, until each has been answered or sent on (or, at the latest, its transaction ends). */
    private final Map<ServerTransaction, Admission.Ticket> admitted = new ConcurrentHashMap<>();

    EdgeAdmission(
            RegisterResponses responses, NodeMetrics metrics, BiConsumer<ServerTransaction, Response> inTransaction) {
        this.responses = responses;
        this.metrics = metrics;
        this.inTransaction = inTransaction;
    }

    void attach(SipProvider sipProvider) {
        this.provider = sipProvider;
    }

    /** See {@link SipFrontEnd#gate}. */
    void gate(BooleanSupplier servingNow, int retryAfter) {
        this.retryAfterSeconds = retryAfter;
        this.serving = servingNow;
    }

    /** The Retry-After of the node's 503s, in seconds. */
    int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** See {@link SipFrontEnd#serveBeforeReady}. */
    void serveBeforeReady(String callIdPrefix) {
        this.warmUpPrefix = callIdPrefix;
    }

    /** See {@link SipFrontEnd#drainWhen}. */
    void drainWhen(BooleanSupplier drainingNow) {
        this.draining = drainingNow;
    }

    /**
     * @param bounds the bounds per work class and the load limits
     * @param credentials whether a request's credentials are worth the priority of a second leg
     *     (a stranger can add an Authorization header to anything; {@link PresentedNonces})
     */
    void admit(Admission bounds, Predicate<Request> credentials) {
        this.admission = bounds;
        this.credentialed = credentials;
    }

    /** Where the heap's fill after collections is read from for the load limits ({@link LiveHeap#percent}). */
    void heapFrom(IntSupplier percent) {
        this.heapPercent = percent;
    }

    /** Requests of {@code workClass} admitted and not yet answered or sent on. */
    int inFlight(WorkClass workClass) {
        return admission.inFlight(workClass);
    }

    /**
     * Whether to take a new request, or answer it 503 with Retry-After now, before any account
     * lookup, entity ask or Cassandra read: while the node drains (outside dialogs) or warms up (but
     * its own warm-up's requests); for the SIP stack's load; and beyond its {@link WorkClass}'s
     * bound of requests in flight, whose place it then takes, kept until it has been answered or
     * sent on ({@link #done}). Requests of no class (ACK, CANCEL, BYE, anything in a dialog) take no
     * place.
     *
     * @param transaction its server transaction, or null to answer statelessly
     * @return null when it was refused (and answered)
     */
    Taken take(ServerTransaction transaction, Request request, long start) {
        // draining first: a drained node has left the cluster and so no longer reaches a majority
        // (not serving), but what the client needs to hear is that it stops
        if (draining.getAsBoolean() && startsOutsideDialog(request)) {
            refuse(transaction, request, "draining", "Shutting down, try another server", null, start);
            return null;
        }
        boolean warmUp = warmUp(request);
        if (!serving.getAsBoolean() && !warmUp) {
            refuse(transaction, request, "warming-up", "Starting up, try again", null, start);
            return null;
        }
        if (warmUp) {
            return UNBOUNDED; // the warm-up's own requests take no admission place: it bounds them itself (SipWarmUp)
        }
        ToHeader to = (ToHeader) request.getHeader(ToHeader.NAME);
        WorkClass work = AdmissionRules.classOf(request.getMethod(), to != null && to.getTag() != null);
        if (work == null) {
            return UNBOUNDED;
        }
        String overload = admission.shedForLoad(
                work, load(UdpQueueWait.standingMillis(), serverTransactions()), () -> credentialed.test(request));
        if (overload != null) {
            refuse(transaction, request, overload, work.reasonPhrase(), work, start);
            return null;
        }
        Admission.Ticket ticket = admission.tryAcquire(work);
        if (ticket == null) {
            refuse(transaction, request, work.shedReason(), work.reasonPhrase(), work, start);
            return null;
        }
        return new Taken(ticket);
    }

    @Override
    public long fromStandingMillis() {
        return admission.queueWaitMillis();
    }

    /**
     * {@link #take}'s shedding for a standing backlog, on the UDP worker that took the datagram
     * and before the SIP stack parses it: a new request without credentials (a first leg, or a
     * stranger's) whose class is shed at this wait is answered here, statelessly, with the same
     * 503, reason label and To tag prefix as {@link #take}. Everything else (credentials, requests
     * in a dialog, ACK, CANCEL, what {@link RawRequest} cannot read with certainty, a node draining
     * or warming up) goes on to the parser and {@link #take}.
     */
    @Override
    public byte[] refusal(byte[] datagram, int length, InetAddress source, int port, long standingMillis) {
        if (draining.getAsBoolean() || !serving.getAsBoolean()) {
            return null;
        }
        RawRequest r = RawRequest.peek(datagram, length);
        if (r == null || r.credentials() || !r.answerableAt(port)) {
            return null;
        }
        WorkClass work = AdmissionRules.classOf(r.method(), r.toTag());
        if (work == null) {
            return null;
        }
        String reason = admission.shedForLoad(work, load(standingMillis, 0), () -> false);
        if (reason == null) {
            return null;
        }
        counted(reason, work, 0);
        return r.serviceUnavailable(work.reasonPhrase(), retryAfterSeconds, refusalTag());
    }

    /** The load a request is decided on: the queue's standing wait and the transactions given, the heap now, a fresh draw. */
    private AdmissionRules.Load load(long standingMillis, int serverTransactions) {
        return new AdmissionRules.Load(
                standingMillis,
                serverTransactions,
                heapPercent.getAsInt(),
                ThreadLocalRandom.current().nextDouble());
    }

    /** The To tag of a stateless refusal: this run's prefix ({@link #refusedStatelessly}) and a random part. */
    private String refusalTag() {
        return statelessTag + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    /** Counts a refusal in {@code switchboard_sip_shed_total{reason}}, and a REGISTER's 503 among its answers. */
    private void counted(String reason, WorkClass work, long elapsedNanos) {
        metrics.sipShed(reason);
        if (work == WorkClass.REGISTER) {
            metrics.completed(Response.SERVICE_UNAVAILABLE, elapsedNanos);
        }
    }

    /** {@link #take} for a request that has its transaction: the place it takes is kept under it. */
    boolean admitted(ServerTransaction transaction, Request request, long start) {
        Taken taken = take(transaction, request, start);
        if (taken == null) {
            return false;
        }
        keep(transaction, taken.ticket());
        return true;
    }

    /** Keeps {@code ticket} (a place taken before the transaction existed) under {@code transaction}. */
    void keep(ServerTransaction transaction, Admission.Ticket ticket) {
        if (ticket != null) {
            admitted.put(transaction, ticket);
        }
    }

    /**
     * Whether {@code ack} acknowledges a refusal this node sent statelessly: an INVITE's 503 is
     * acknowledged (RFC 3261 section 17.1.1.3) with the To tag of the 503, which {@link #refuse} starts
     * with this run's random prefix; there is no transaction to absorb it and nothing to forward.
     */
    boolean refusedStatelessly(Request ack) {
        ToHeader to = (ToHeader) ack.getHeader(ToHeader.NAME);
        String tag = to == null ? null : to.getTag();
        return tag != null && tag.startsWith(statelessTag);
    }

    /** The request of {@code transaction} has been answered or sent on: its admission place is free. */
    void done(ServerTransaction transaction) {
        if (transaction != null) {
            Admission.Ticket ticket = admitted.remove(transaction);
            if (ticket != null) {
                ticket.release();
            }
        }
    }

    /** The place {@code transaction}'s request holds now, or null. */
    Admission.Ticket held(ServerTransaction transaction) {
        return transaction == null ? null : admitted.get(transaction);
    }

    /**
     * Frees {@code ticket}, the place taken at one admission (a request handed to call park or the
     * focus is admitted again when they hand it back: only its own ticket is freed, never a later one).
     */
    void release(ServerTransaction transaction, Admission.Ticket ticket) {
        if (ticket != null) {
            admitted.remove(transaction, ticket);
            ticket.release();
        }
    }

    /** {@link #release} once {@code work} completes; at once when it is null (answered or handed on already). */
    void releaseWhen(ServerTransaction transaction, Admission.Ticket ticket, CompletionStage<?> work) {
        if (work == null) {
            release(transaction, ticket);
        } else {
            work.whenComplete((ignored, failure) -> release(transaction, ticket));
        }
    }

    /**
     * Answers 503 with Retry-After (RFC 3261 section 21.5.4) through {@code transaction}, or
     * statelessly when it is null, counted in {@code switchboard_sip_shed_total{reason}}.
     */
    private void refuse(
            ServerTransaction transaction, Request request, String reason, String phrase, WorkClass work, long start) {
        counted(reason, work, System.nanoTime() - start); // before the answer: whoever reads it sees the count
        try {
            Response refusal = responses.unavailable(request, phrase, retryAfterSeconds);
            if (transaction != null) {
                inTransaction.accept(transaction, refusal);
            } else {
                ((ToHeader) refusal.getHeader(ToHeader.NAME)).setTag(refusalTag());
                provider.sendResponse(refusal);
            }
        } catch (ParseException | javax.sip.SipException | RuntimeException e) {
            LOG.debug("Could not refuse {}: {}", request.getMethod(), e.toString());
        }
    }

    /** The SIP stack's server transactions now (live ones and answered ones absorbing retransmissions). */
    private int serverTransactions() {
        SipProvider p = provider;
        return p != null && p.getSipStack() instanceof gov.nist.javax.sip.SipStackImpl stack
                ? stack.getServerTransactionTableSize()
                : 0;
    }

    private boolean warmUp(Request request) {
        String prefix = warmUpPrefix;
        if (prefix == null) {
            return false;
        }
        CallIdHeader callId = (CallIdHeader) request.getHeader(CallIdHeader.NAME);
        return callId != null && callId.getCallId().startsWith(prefix);
    }

    /** Outside any dialog: no To tag (RFC 3261 section 12.2), and not a CANCEL of a transaction taken. */
    private static boolean startsOutsideDialog(Request request) {
        if (Request.CANCEL.equals(request.getMethod())) {
            return false;
        }
        ToHeader to = (ToHeader) request.getHeader(ToHeader.NAME);
        return to == null || to.getTag() == null;
    }

    /** Whether the request carries Authorization or Proxy-Authorization at all. */
    static boolean carriesCredentials(Request request) {
        return request.getHeader(javax.sip.header.AuthorizationHeader.NAME) != null
                || request.getHeader(javax.sip.header.ProxyAuthorizationHeader.NAME) != null;
    }
}

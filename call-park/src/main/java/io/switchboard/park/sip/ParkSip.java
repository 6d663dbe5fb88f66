package io.switchboard.park.sip;

import gov.nist.javax.sip.message.SIPMessage;
import io.switchboard.park.domain.CallerIdentity;
import io.switchboard.park.domain.OrbitRange;
import io.switchboard.park.domain.ParkNotice;
import io.switchboard.park.domain.ParkSettings;
import io.switchboard.park.domain.ParkTarget;
import io.switchboard.park.domain.ParkedCall;
import io.switchboard.park.entity.ParkedCallEntity;
import io.switchboard.park.entity.ParkedCallListener;
import io.switchboard.park.entity.ParkedCalls;
import io.switchboard.park.media.HoldMusic;
import io.switchboard.park.media.MohSender;
import io.switchboard.park.media.MohStream;
import io.switchboard.park.media.Sdp;
import io.switchboard.park.store.OrbitClaims;
import io.switchboard.park.store.OrbitRanges;
import io.switchboard.sip.routing.NextHop;
import io.switchboard.sip.routing.ProxyIdentity;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import javax.sip.ClientTransaction;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipProvider;
import javax.sip.TimeoutEvent;
import javax.sip.address.Address;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.header.FromHeader;
import javax.sip.header.Header;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ToHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SIP edge of call park: a minimal back-to-back user agent on the node (call-park/README.md,
 * "SIP"). An INVITE to the park service (the transferee's, after the parker's blind transfer, RFC
 * 5589 section 6) is answered here: the parked call entity claims an orbit and stores the call,
 * then the caller gets 200 with our SDP answer and hears music on hold, and the parker (named by
 * Referred-By, RFC 3892) gets a MESSAGE naming the orbit. A BYE from the parked caller ends the
 * park and frees the orbit. An INVITE dialing an orbit nobody holds gets 404.
 *
 * <p>The dialog with the parked caller lives on the node that answered it (the stack's automatic
 * dialog support is off, docs/architecture.md rule 5, so this class keeps the little dialog state
 * it needs: Call-ID, tags, the caller's target); the park itself is the entity's. Never blocks:
 * everything that waits continues on completion callbacks.
 */
public final class ParkSip implements ParkedCallListener {

    private static final Logger LOG = LoggerFactory.getLogger(ParkSip.class);

    /** Where the parker's MESSAGE goes: a Request-URI, and the connection to send it into (null: by the URI). */
    public record MessageTarget(String requestUri, NextHop hop) {}

    /**
     * What call park uses of the node.
     *
     * @param parkUri       {@code switchboard.park.uri}
     * @param domains       the pool's domains (a parker must be one of our users)
     * @param defaults      the pool's park settings; a range's overrides apply on top
     * @param mediaAddress  the address our RTP sockets bind to and our SDP names
     * @param parkerTargets the registered endpoints of a user, as MESSAGE targets
     * @param counted       told each outcome, for the node's metrics: {@value #PARKED}, {@value #FULL},
     *                      {@value #REFUSED}, {@value #UNAVAILABLE}, {@value #RETRIEVED}, {@value #EMPTY},
     *                      {@value #ENDED}
     */
    public record Settings(
            String parkUri,
            Set<String> domains,
            ParkSettings defaults,
            String mediaAddress,
            Function<String, CompletionStage<List<MessageTarget>>> parkerTargets,
            java.util.function.Consumer<String> counted) {}

    /** Outcomes, as counted: a call parked; refused for a full range; refused for its request (400, 403, 480, 488). */
    public static final String PARKED = "parked", FULL = "full", REFUSED = "refused";
    /** The entity or the store did not answer: 503. */
    public static final String UNAVAILABLE = "unavailable";
    /** A call retrieved; an orbit dialed that holds nothing (404); a park ended by the caller's BYE. */
    public static final String RETRIEVED = "retrieved", EMPTY = "empty", ENDED = "ended";

    /** Marks the MESSAGE client transactions, so the node's listener hands their responses here. */
    private record Notice(String parkId) {}

    /** One parked caller's dialog with us (RFC 3261 section 12), and its music. */
    private static final class ParkDialog {
        final String parkId;
        final String localTag;
        final String sdpAnswer;
        final DatagramChannel rtp;
        volatile MohSender.Playback playback;
        volatile ParkedCall call;
        volatile Leg leg;
        /** Set by the caller's ACK: our 2xx is no longer retransmitted. */
        volatile boolean acked;

        ParkDialog(String parkId, String localTag, String sdpAnswer, DatagramChannel rtp) {
            this.parkId = parkId;
            this.localTag = localTag;
            this.sdpAnswer = sdpAnswer;
            this.rtp = rtp;
        }
    }

    /**
     * Our side of a dialog in which we are the UAS (RFC 3261 section 12.1.1): what a request of
     * ours inside it needs (section 12.2.1.1). After a retrieve, the parked caller's leg and the
     * retriever's are each other's {@code peer}: a BYE on one is passed to the other.
     */
    private static final class Leg {
        final String callId;
        final String localTag;
        final String remoteTag;
        final String localUri;
        final String remoteUri;
        final String remoteTarget;
        final List<String> routeSet;
        final java.util.concurrent.atomic.AtomicLong cseq = new java.util.concurrent.atomic.AtomicLong(1);
        volatile Leg peer;

        Leg(Request invite, String localTag) {
            this.callId = ((javax.sip.header.CallIdHeader) invite.getHeader("Call-ID")).getCallId();
            this.localTag = localTag;
            FromHeader from = (FromHeader) invite.getHeader(FromHeader.NAME);
            this.remoteTag = from.getTag();
            this.remoteUri = from.getAddress().getURI().toString();
            this.localUri = ((ToHeader) invite.getHeader(ToHeader.NAME))
                    .getAddress()
                    .getURI()
                    .toString();
            javax.sip.header.ContactHeader contact =
                    (javax.sip.header.ContactHeader) invite.getHeader(javax.sip.header.ContactHeader.NAME);
            this.remoteTarget = contact != null ? contact.getAddress().getURI().toString() : remoteUri;
            List<String> routes = new java.util.ArrayList<>();
            var rr = invite.getHeaders("Record-Route");
            while (rr.hasNext()) {
                routes.add(((javax.sip.header.RecordRouteHeader) rr.next())
                        .getAddress()
                        .toString());
            }
            this.routeSet = List.copyOf(routes); // the UAS keeps the order (section 12.1.1)
        }
    }

    /** Marks a client transaction of ours inside a leg: its final response (null: timed out) goes to {@code onFinal}. */
    private record Awaiting(java.util.function.Consumer<Response> onFinal) {}

    private final Settings settings;
    private final OrbitRanges ranges;
    private final MohSender moh;
    private final java.util.concurrent.ScheduledExecutorService timer;
    /** RFC 3261 section 17.1.1.1's T1 and T2, for our 2xx retransmissions. */
    static final long T1_MS = 500, T2_MS = 4000;

    private final HoldMusic music = HoldMusic.generatedDefault();
    /** By Call-ID, which is also the park id (a retried INVITE of the same call is the same park). */
    private final Map<String, ParkDialog> dialogs = new ConcurrentHashMap<>();
    /** Legs of retrieved calls by Call-ID: the parked caller's and the retriever's, bridged by us. */
    private final Map<String, Leg> bridged = new ConcurrentHashMap<>();

    private volatile ParkedCalls calls;
    private volatile OrbitClaims claims;
    private volatile SipProvider provider;
    private volatile MessageFactory messages;
    private volatile HeaderFactory headers;
    private volatile AddressFactory addresses;
    private volatile ProxyIdentity identity;

    /** @param timer schedules our 2xx retransmissions (shared, never blocked) */
    public ParkSip(
            Settings settings, OrbitRanges ranges, MohSender moh, java.util.concurrent.ScheduledExecutorService timer) {
        this.settings = settings;
        this.ranges = ranges;
        this.moh = moh;
        this.timer = timer;
    }

    /** Set once the entities and the SIP stack exist (the entity type is started with this as its listener). */
    public void attach(
            ParkedCalls parkedCalls,
            OrbitClaims orbitClaims,
            SipProvider sipProvider,
            MessageFactory messageFactory,
            HeaderFactory headerFactory,
            AddressFactory addressFactory,
            ProxyIdentity proxyIdentity) {
        this.calls = parkedCalls;
        this.claims = orbitClaims;
        this.provider = sipProvider;
        this.messages = messageFactory;
        this.headers = headerFactory;
        this.addresses = addressFactory;
        this.identity = proxyIdentity;
    }

    /** How many parked callers this node holds dialogs with (metrics, tests). */
    public int activeDialogs() {
        return dialogs.size();
    }

    // ------------------------------------------------------------------ initial INVITEs

    /**
     * An initial INVITE from our user {@code requester} (authenticated): parked or retrieved here
     * when its Request-URI is the park service or an orbit, else {@code notPark} runs (the proxy
     * routes it as usual).
     */
    public void invite(ServerTransaction tx, Request request, String requester, Runnable notPark) {
        String requestUri = request.getRequestURI().toString();
        ranges.current().whenComplete((list, failure) -> {
            if (failure != null) {
                // calls to users must not fail with the ranges: routed as usual (a park URI then
                // reaches no user, the caller's transfer fails back)
                LOG.warn("Orbit ranges unavailable for INVITE to {}: {}", requestUri, failure.toString());
                notPark.run();
                return;
            }
            ParkTarget target = ParkTarget.of(requestUri, settings.parkUri(), settings.domains(), list);
            if (target instanceof ParkTarget.Park) {
                park(tx, request, requester, list);
            } else if (target instanceof ParkTarget.Retrieve r) {
                retrieve(tx, request, requester, r);
            } else {
                notPark.run();
            }
        });
    }

    private void park(ServerTransaction tx, Request request, String caller, List<OrbitRange> list) {
        Optional<String> parker = referredBy(request);
        if (parker.isEmpty()) {
            // RFC 3892: the transferee's INVITE names the transferor; without it nobody is told the orbit
            settings.counted().accept(REFUSED);
            answer(tx, Response.BAD_REQUEST, "Referred-By naming the parker required", null);
            return;
        }
        if (!settings.domains().contains(hostOf(parker.get()))) {
            settings.counted().accept(REFUSED);
            answer(tx, Response.FORBIDDEN, "Only our users park calls", null);
            return;
        }
        Optional<Sdp.Audio> offer = Sdp.audioOf(body(request));
        if (offer.isEmpty()) {
            // an INVITE without an offer (RFC 3264's offer in the 2xx) is not supported: no audio to send to
            settings.counted().accept(REFUSED);
            answer(tx, Response.NOT_ACCEPTABLE_HERE, "An audio offer with PCMU or PCMA required", null);
            return;
        }
        if (list.isEmpty()) {
            settings.counted().accept(REFUSED);
            answer(tx, Response.TEMPORARILY_UNAVAILABLE, "No park orbit range configured", null);
            return;
        }
        // A parker's range: the first range in name order (one pool-wide range is the usual set-up;
        // per-user or per-group ranges are not built).
        OrbitRange range = list.stream()
                .min(java.util.Comparator.comparing(OrbitRange::name))
                .orElseThrow();
        String parkId = ((javax.sip.header.CallIdHeader) request.getHeader("Call-ID")).getCallId();
        CallerIdentity callerId = callerOf(request, caller);
        calls.park(
                        parkId,
                        new ParkedCallEntity.ParkRequest(
                                range,
                                parker.get(),
                                callerId,
                                settings.defaults().with(range.overrides())))
                .whenComplete((reply, failure) -> {
                    if (failure != null) {
                        LOG.warn("Park of {} not answered: {}", parkId, failure.toString());
                        settings.counted().accept(UNAVAILABLE);
                        answer(tx, Response.SERVICE_UNAVAILABLE, "Park service unavailable, try again", null);
                    } else if (reply instanceof ParkedCallEntity.Parked p) {
                        parked(tx, request, parkId, p.call(), offer.get());
                    } else if (reply instanceof ParkedCallEntity.ParkRefused refused) {
                        settings.counted().accept(FULL);
                        // RFC 3261 section 21.4.24: busy here; the transfer fails back to the parker
                        answer(
                                tx,
                                Response.BUSY_HERE,
                                refused.reason() == ParkedCallEntity.Reason.RANGE_FULL
                                        ? "All park orbits in use"
                                        : "Already parked",
                                null);
                    } else {
                        settings.counted().accept(UNAVAILABLE);
                        answer(tx, Response.SERVICE_UNAVAILABLE, "Park service unavailable, try again", null);
                    }
                });
    }

    /** The entity stored the park: answer with our SDP, play music on hold, tell the parker. */
    private void parked(ServerTransaction tx, Request request, String parkId, ParkedCall call, Sdp.Audio offer) {
        ParkDialog existing = dialogs.get(parkId);
        if (existing != null) {
            // a retried INVITE of a call parked here: the same answer again
            sendOk(tx, request, existing);
            return;
        }
        ParkDialog dialog;
        try {
            DatagramChannel rtp = DatagramChannel.open();
            rtp.bind(new InetSocketAddress(InetAddress.getByName(settings.mediaAddress()), 0));
            int port = ((InetSocketAddress) rtp.getLocalAddress()).getPort();
            dialog = new ParkDialog(
                    parkId,
                    Long.toHexString(ThreadLocalRandom.current().nextLong()),
                    Sdp.answer(settings.mediaAddress(), port, offer.codec(), System.currentTimeMillis()),
                    rtp);
        } catch (IOException e) {
            LOG.warn("No RTP socket for park {}: {}", parkId, e.toString());
            calls.retrieve(parkId, call.caller().uri()); // frees the orbit again
            answer(tx, Response.SERVICE_UNAVAILABLE, "No media port, try again", null);
            return;
        }
        dialog.call = call;
        dialog.leg = new Leg(request, dialog.localTag);
        dialogs.put(parkId, dialog);
        settings.counted().accept(PARKED);
        Response ok = sendOk(tx, request, dialog);
        if (ok != null) {
            retransmitUntilAcked(dialog, ok, T1_MS, 0);
        }
        MohStream stream = new MohStream(
                music,
                offer.codec(),
                ThreadLocalRandom.current().nextInt(),
                ThreadLocalRandom.current().nextInt(1 << 16),
                ThreadLocalRandom.current().nextInt() & 0xffffffffL,
                0);
        dialog.playback = moh.play(stream, dialog.rtp, new InetSocketAddress(offer.host(), offer.port()));
        notifyParker(parkId, call);
    }

    private Response sendOk(ServerTransaction tx, Request request, ParkDialog dialog) {
        try {
            Response ok = messages.createResponse(Response.OK, request);
            ((ToHeader) ok.getHeader(ToHeader.NAME)).setTag(dialog.localTag);
            // RFC 3261 section 12.1.1: the UAS copies the Record-Route set into its 2xx
            var rr = request.getHeaders("Record-Route");
            while (rr.hasNext()) {
                ok.addHeader((Header) rr.next());
            }
            ok.addHeader(headers.createContactHeader(addresses.createAddress(ownContact())));
            ok.setContent(
                    dialog.sdpAnswer.getBytes(StandardCharsets.US_ASCII),
                    headers.createContentTypeHeader("application", "sdp"));
            tx.sendResponse(ok);
            return ok;
        } catch (Exception e) {
            LOG.warn("200 for park {} not sent: {}", dialog.parkId, e.toString());
            return null;
        }
    }

    /**
     * RFC 3261 section 13.3.1.4: the UAS core retransmits its 2xx, T1 doubling up to T2, until the
     * ACK arrives; without an ACK within 64*T1 the dialog ends with a BYE (and here the park with it).
     */
    private void retransmitUntilAcked(ParkDialog dialog, Response ok, long intervalMs, long elapsedMs) {
        timer.schedule(
                () -> {
                    if (dialog.acked || dialogs.get(dialog.parkId) != dialog) {
                        return;
                    }
                    if (elapsedMs + intervalMs >= 64 * T1_MS) {
                        LOG.info("Park {}: no ACK for our 200, the call ends", dialog.parkId);
                        end(dialog);
                        hangUp(dialog.leg);
                        calls.retrieve(dialog.parkId, dialog.call.caller().uri());
                        return;
                    }
                    try {
                        provider.sendResponse(ok);
                    } catch (Exception e) {
                        LOG.debug("200 for park {} not resent: {}", dialog.parkId, e.toString());
                    }
                    retransmitUntilAcked(dialog, ok, Math.min(2 * intervalMs, T2_MS), elapsedMs + intervalMs);
                },
                intervalMs,
                java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * An INVITE dialing an orbit. The call is retrieved by re-INVITE (RFC 3261 section 14): the
     * entity frees the orbit, the music stops, the parked caller gets the retriever's offer in a
     * re-INVITE and its answer goes back in our 200 to the retriever, so media flows between the
     * two phones directly while we stay in the signalling (a BYE on one side is passed to the
     * other). Any phone takes a re-INVITE; a REFER would need the parked caller to call the
     * retriever and the retriever to take it as a replacement of its own call (RFC 3891).
     */
    private void retrieve(ServerTransaction tx, Request request, String retriever, ParkTarget.Retrieve r) {
        claims.holder(r.range().name(), r.orbit()).whenComplete((holder, failure) -> {
            if (failure != null) {
                answer(tx, Response.SERVICE_UNAVAILABLE, "Park service unavailable, try again", null);
                return;
            }
            if (holder.isEmpty()) {
                settings.counted().accept(EMPTY);
                answer(tx, Response.NOT_FOUND, "No call parked at " + r.orbit(), null);
                return;
            }
            ParkDialog parked = dialogs.get(holder.get());
            if (parked == null) {
                // the caller's dialog is on the node that parked it; reaching it from here is not built
                answer(tx, Response.TEMPORARILY_UNAVAILABLE, "Parked on another node", null);
                return;
            }
            String offer = body(request);
            if (Sdp.audioOf(offer).isEmpty()) {
                answer(tx, Response.NOT_ACCEPTABLE_HERE, "An audio offer with PCMU or PCMA required", null);
                return;
            }
            calls.retrieve(parked.parkId, retriever).whenComplete((reply, failed) -> {
                if (failed != null || reply instanceof ParkedCallEntity.Unavailable) {
                    answer(tx, Response.SERVICE_UNAVAILABLE, "Park service unavailable, try again", null);
                } else if (reply instanceof ParkedCallEntity.NotParked) {
                    answer(tx, Response.NOT_FOUND, "No call parked at " + r.orbit(), null);
                } else {
                    settings.counted().accept(RETRIEVED);
                    bridge(tx, request, parked, offer);
                }
            });
        });
    }

    /** The orbit is free: stop the music and re-INVITE the parked caller with the retriever's offer. */
    private void bridge(ServerTransaction tx, Request request, ParkDialog parked, String offer) {
        end(parked);
        Leg caller = parked.leg;
        Leg retriever =
                new Leg(request, Long.toHexString(ThreadLocalRandom.current().nextLong()));
        caller.peer = retriever;
        retriever.peer = caller;
        bridged.put(caller.callId, caller);
        bridged.put(retriever.callId, retriever);
        try {
            Request reinvite = inLeg(caller, Request.INVITE);
            reinvite.setContent(
                    offer.getBytes(StandardCharsets.UTF_8), headers.createContentTypeHeader("application", "sdp"));
            send(reinvite, response -> {
                int status = response == null ? Response.REQUEST_TIMEOUT : response.getStatusCode();
                if (status >= 200 && status < 300) {
                    ackReinvite(caller, response);
                    answerRetriever(tx, request, retriever, response.getRawContent());
                } else {
                    // the caller is already out of the orbit: the call ends (RFC 3261 section 14.1
                    // would keep the old session; there is none worth keeping without the music)
                    LOG.info("Retrieve of park {}: the parked caller answered {}", parked.parkId, status);
                    answer(tx, Response.TEMPORARILY_UNAVAILABLE, "The parked caller did not take the call", null);
                    hangUp(caller);
                }
            });
        } catch (Exception e) {
            LOG.warn("Retrieve of park {}: re-INVITE not sent: {}", parked.parkId, e.toString());
            answer(tx, Response.SERVICE_UNAVAILABLE, "Retrieve failed", null);
            hangUp(caller);
        }
    }

    private void answerRetriever(ServerTransaction tx, Request request, Leg retriever, byte[] sdp) {
        try {
            Response ok = messages.createResponse(Response.OK, request);
            ((ToHeader) ok.getHeader(ToHeader.NAME)).setTag(retriever.localTag);
            var rr = request.getHeaders("Record-Route");
            while (rr.hasNext()) {
                ok.addHeader((Header) rr.next());
            }
            ok.addHeader(headers.createContactHeader(addresses.createAddress(ownContact())));
            if (sdp != null && sdp.length > 0) {
                ok.setContent(sdp, headers.createContentTypeHeader("application", "sdp"));
            }
            tx.sendResponse(ok);
        } catch (Exception e) {
            LOG.warn("200 to the retriever not sent: {}", e.toString());
            hangUp(retriever.peer);
        }
    }

    /** RFC 3261 section 13.2.2.4: the ACK for a 2xx is ours to send, with the INVITE's CSeq number. */
    private void ackReinvite(Leg leg, Response ok) {
        try {
            long seq = ((javax.sip.header.CSeqHeader) ok.getHeader("CSeq")).getSeqNumber();
            Request ack = inLeg(leg, Request.ACK, seq);
            provider.sendRequest(ack);
        } catch (Exception e) {
            LOG.info("ACK to {} not sent: {}", leg.remoteTarget, e.toString());
        }
    }

    /** Ends {@code leg} with a BYE (nothing follows from the answer); forgets it and its peer. */
    private void hangUp(Leg leg) {
        if (leg == null) {
            return;
        }
        bridged.remove(leg.callId, leg);
        Leg peer = leg.peer;
        if (peer != null) {
            bridged.remove(peer.callId, peer);
        }
        try {
            send(inLeg(leg, Request.BYE), response -> {});
        } catch (Exception e) {
            LOG.info("BYE to {} not sent: {}", leg.remoteTarget, e.toString());
        }
    }

    private Request inLeg(Leg leg, String method) throws Exception {
        return inLeg(leg, method, leg.cseq.getAndIncrement());
    }

    /** A request of ours inside {@code leg} (RFC 3261 section 12.2.1.1), over UDP. */
    private Request inLeg(Leg leg, String method, long seq) throws Exception {
        Request r = messages.createRequest(
                addresses.createURI(leg.remoteTarget),
                method,
                headers.createCallIdHeader(leg.callId),
                headers.createCSeqHeader(seq, method),
                headers.createFromHeader(addresses.createAddress(leg.localUri), leg.localTag),
                headers.createToHeader(addresses.createAddress(leg.remoteUri), leg.remoteTag),
                List.of(headers.createViaHeader(
                        identity.address(),
                        identity.port("udp"),
                        "udp",
                        "z9hG4bKpk"
                                + Long.toHexString(ThreadLocalRandom.current().nextLong()))),
                headers.createMaxForwardsHeader(70));
        for (String route : leg.routeSet) {
            r.addHeader(headers.createRouteHeader(addresses.createAddress(route)));
        }
        r.addHeader(headers.createContactHeader(addresses.createAddress(ownContact())));
        return r;
    }

    private void send(Request request, java.util.function.Consumer<Response> onFinal) throws Exception {
        ClientTransaction ct = provider.getNewClientTransaction(request);
        ct.setApplicationData(new Awaiting(onFinal));
        ct.sendRequest();
    }

    // ------------------------------------------------------------------ the parked caller's dialog

    /**
     * True when {@code request} belongs to a park dialog of this node (its Call-ID and our To tag)
     * and was handled here: ACK taken, BYE ends the park, a re-INVITE gets the same answer, other
     * requests 200 (OPTIONS, INFO, UPDATE without a new offer are not looked at). {@code tx} is null for ACK.
     */
    public boolean inDialog(ServerTransaction tx, Request request) {
        var callId = (javax.sip.header.CallIdHeader) request.getHeader("Call-ID");
        ToHeader to = (ToHeader) request.getHeader(ToHeader.NAME);
        if (callId == null || to == null || to.getTag() == null) {
            return false;
        }
        Leg leg = bridged.get(callId.getCallId());
        if (leg != null && leg.localTag.equals(to.getTag())) {
            bridgedRequest(tx, request, leg);
            return true;
        }
        ParkDialog dialog = dialogs.get(callId.getCallId());
        if (dialog == null || !dialog.localTag.equals(to.getTag())) {
            return false;
        }
        String method = request.getMethod();
        if (Request.ACK.equals(method)) {
            dialog.acked = true; // the caller confirmed our 2xx (RFC 3261 section 13.3.1.4)
            return true;
        }
        if (tx == null) {
            return true;
        }
        if (Request.BYE.equals(method)) {
            answer(tx, Response.OK, null, null);
            settings.counted().accept(ENDED);
            end(dialog);
            calls.retrieve(dialog.parkId, dialog.call.caller().uri()).whenComplete((reply, failure) -> {
                if (failure != null || reply instanceof ParkedCallEntity.Unavailable) {
                    LOG.warn(
                            "Park {} ended by BYE but not freed: {}", dialog.parkId, failure != null ? failure : reply);
                }
            });
        } else if (Request.INVITE.equals(method)) {
            sendOk(tx, request, dialog);
        } else {
            answer(tx, Response.OK, null, null);
        }
        return true;
    }

    /**
     * A request in a leg of a retrieved call: a BYE ends both legs (RFC 3261 section 15.1.2);
     * passing on new offers (re-INVITE, UPDATE) is not built: 488, the session stays as it is
     * (section 14.2).
     */
    private void bridgedRequest(ServerTransaction tx, Request request, Leg leg) {
        String method = request.getMethod();
        if (tx == null || Request.ACK.equals(method)) {
            return;
        }
        if (Request.BYE.equals(method)) {
            answer(tx, Response.OK, null, null);
            bridged.remove(leg.callId, leg);
            hangUp(leg.peer);
        } else if (Request.INVITE.equals(method) || Request.UPDATE.equals(method)) {
            answer(tx, Response.NOT_ACCEPTABLE_HERE, "Session changes are not passed on", null);
        } else {
            answer(tx, Response.OK, null, null);
        }
    }

    /** Stops the music and closes the call's RTP socket; the dialog is gone from this node. */
    private void end(ParkDialog dialog) {
        dialogs.remove(dialog.parkId, dialog);
        MohSender.Playback p = dialog.playback;
        if (p != null) {
            p.stop();
        }
        try {
            dialog.rtp.close();
        } catch (IOException e) {
            LOG.debug("RTP socket of park {}: {}", dialog.parkId, e.toString());
        }
    }

    // ------------------------------------------------------------------ the parker's MESSAGE

    private void notifyParker(String parkId, ParkedCall call) {
        settings.parkerTargets().apply(call.parker()).whenComplete((targets, failure) -> {
            if (failure != null) {
                LOG.info("Parker {} of {} not told: {}", call.parker(), parkId, failure.toString());
                return;
            }
            for (MessageTarget t : targets) {
                try {
                    sendMessage(parkId, call, t);
                } catch (Exception e) {
                    LOG.info("MESSAGE to {} for {} not sent: {}", t.requestUri(), parkId, e.toString());
                }
            }
        });
    }

    /** RFC 3428: a MESSAGE from the park service to one endpoint of the parker, outside any dialog. */
    private void sendMessage(String parkId, ParkedCall call, MessageTarget t) throws Exception {
        String transport = t.hop() != null ? t.hop().transport().toLowerCase(Locale.ROOT) : "udp";
        Address from = addresses.createAddress(settings.parkUri());
        Address to = addresses.createAddress(call.parker());
        Request message = messages.createRequest(
                addresses.createURI(t.requestUri()),
                Request.MESSAGE,
                provider.getNewCallId(),
                headers.createCSeqHeader(1L, Request.MESSAGE),
                headers.createFromHeader(
                        from, Long.toHexString(ThreadLocalRandom.current().nextLong())),
                headers.createToHeader(to, null),
                List.of(headers.createViaHeader(
                        identity.address(),
                        identity.port(transport),
                        transport,
                        "z9hG4bKpk"
                                + Long.toHexString(ThreadLocalRandom.current().nextLong()))),
                headers.createMaxForwardsHeader(70));
        message.setContent(
                ParkNotice.parked(call).getBytes(StandardCharsets.UTF_8),
                headers.createContentTypeHeader("text", "plain"));
        if (t.hop() != null) {
            ((SIPMessage) message).setApplicationData(t.hop()); // into this connection (ProxyRouter)
        }
        ClientTransaction ct = provider.getNewClientTransaction(message);
        ct.setApplicationData(new Notice(parkId));
        ct.sendRequest();
    }

    /** True when {@code event} answers one of our requests (a MESSAGE, or a request inside a leg). */
    public static boolean onResponse(ResponseEvent event) {
        ClientTransaction ct = event.getClientTransaction();
        if (ct != null && ct.getApplicationData() instanceof Awaiting a) {
            if (event.getResponse().getStatusCode() >= 200) {
                a.onFinal().accept(event.getResponse());
            }
            return true;
        }
        if (ct != null && ct.getApplicationData() instanceof Notice n) {
            int status = event.getResponse().getStatusCode();
            if (status >= 300) {
                LOG.info("Parker's MESSAGE for {} answered {}", n.parkId(), status);
            }
            return true;
        }
        return false;
    }

    /** True when {@code event} is the timeout of one of our MESSAGEs. */
    public static boolean onTimeout(TimeoutEvent event) {
        ClientTransaction ct = event.getClientTransaction();
        if (ct != null && ct.getApplicationData() instanceof Awaiting a) {
            a.onFinal().accept(null);
            return true;
        }
        if (ct != null && ct.getApplicationData() instanceof Notice n) {
            LOG.info("Parker's MESSAGE for {} timed out", n.parkId());
            return true;
        }
        return false;
    }

    // ------------------------------------------------------------------ the entity's timeouts

    @Override
    public void ringBack(String parkId, ParkedCall call, int attempt) {
        // ringing the parker back over SIP is not built yet (call-park/README.md): the call stays parked
        LOG.info("Park {} at {}: ring-back {} to {} not built yet", parkId, call.orbit(), attempt, call.parker());
    }

    @Override
    public void gaveUp(String parkId, ParkedCall call, Optional<String> fallback) {
        // the orbit is free: the music stops and the call ends (sending it to the fallback is not built yet)
        ParkDialog dialog = dialogs.get(parkId);
        if (dialog != null) {
            end(dialog);
            hangUp(dialog.leg);
        }
    }

    // ------------------------------------------------------------------ helpers

    private String ownContact() {
        String host = identity.address().indexOf(':') >= 0 ? "[" + identity.address() + "]" : identity.address();
        String user = userOf(settings.parkUri());
        return "sip:" + (user.isEmpty() ? "" : user + "@") + host + ":" + identity.port("udp");
    }

    private void answer(ServerTransaction tx, int status, String reason, List<Header> extra) {
        try {
            Response response = messages.createResponse(status, tx.getRequest());
            if (reason != null) {
                response.setReasonPhrase(reason);
            }
            if (status > 100 && ((ToHeader) response.getHeader(ToHeader.NAME)).getTag() == null) {
                ((ToHeader) response.getHeader(ToHeader.NAME))
                        .setTag(Long.toHexString(ThreadLocalRandom.current().nextLong()));
            }
            if (status == Response.SERVICE_UNAVAILABLE) {
                response.addHeader(headers.createRetryAfterHeader(5));
            }
            if (extra != null) {
                extra.forEach(response::addHeader);
            }
            tx.sendResponse(response);
        } catch (Exception e) {
            LOG.debug("Could not send {}: {}", status, e.toString());
        }
    }

    /** The Referred-By URI (RFC 3892 section 3), without display name or parameters. */
    private Optional<String> referredBy(Request request) {
        Header h = request.getHeader("Referred-By");
        if (h == null) {
            h = request.getHeader("b");
        }
        if (h == null) {
            return Optional.empty();
        }
        String value = h.toString();
        int colon = value.indexOf(':');
        value = value.substring(colon + 1).trim();
        int lt = value.indexOf('<');
        int gt = value.indexOf('>');
        String uri = lt >= 0 && gt > lt ? value.substring(lt + 1, gt) : value.split(";")[0].trim();
        try {
            var parsed = addresses.createURI(uri);
            if (parsed instanceof SipURI sip && sip.getUser() != null) {
                return Optional.of("sip:" + sip.getUser() + "@" + sip.getHost().toLowerCase(Locale.ROOT));
            }
        } catch (java.text.ParseException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static CallerIdentity callerOf(Request request, String authenticated) {
        FromHeader from = (FromHeader) request.getHeader(FromHeader.NAME);
        String display = from.getAddress().getDisplayName();
        Header pai = request.getHeader("P-Asserted-Identity");
        Optional<String> asserted = Optional.empty();
        if (pai != null) {
            String v = pai.toString();
            asserted = Optional.of(v.substring(v.indexOf(':') + 1).trim());
        }
        return new CallerIdentity(authenticated, display, asserted);
    }

    private static String body(Request request) {
        byte[] raw = request.getRawContent();
        return raw == null ? null : new String(raw, StandardCharsets.UTF_8);
    }

    private static String hostOf(String uri) {
        int at = uri.lastIndexOf('@');
        return at < 0 ? "" : uri.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    private static String userOf(String uri) {
        int colon = uri.indexOf(':');
        int at = uri.lastIndexOf('@');
        return colon >= 0 && at > colon ? uri.substring(colon + 1, at) : "";
    }
}

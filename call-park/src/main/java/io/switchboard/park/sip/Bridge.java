package io.switchboard.park.sip;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import javax.sip.ServerTransaction;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls taken out of their orbit (retrieved, rung back to the parker, sent to the fallback): the
 * parked caller's leg and the other party's, joined by us. The caller is re-INVITEd with the other
 * party's SDP (RFC 3261 section 14), so media flows phone to phone while we stay in the
 * signalling: a BYE on one leg is passed to the other (section 15.1.2); new offers are not passed
 * on (488, the session stays as it is, section 14.2).
 */
final class Bridge {

    private static final Logger LOG = LoggerFactory.getLogger(Bridge.class);

    private final SipKit sip;
    /** Both legs of each joined call, by Call-ID. */
    private final Map<String, Leg> legs = new ConcurrentHashMap<>();

    Bridge(SipKit sip) {
        this.sip = sip;
    }

    /** {@code caller} and {@code other} are each other's peers from now on. */
    void join(Leg caller, Leg other) {
        caller.peer = other;
        other.peer = caller;
        legs.put(caller.callId, caller);
        legs.put(other.callId, other);
    }

    /** {@code leg}'s peer is on another node: {@code remoteHangUp} ends it there. */
    void joinRemote(Leg leg, Runnable remoteHangUp) {
        leg.peer = null;
        leg.remoteHangUp = remoteHangUp;
        legs.put(leg.callId, leg);
    }

    /**
     * Re-INVITEs {@code caller} with {@code offer}; on its 2xx we ACK (section 13.2.2.4) and
     * {@code answered} gets the caller's SDP answer; else {@code refused} runs with the status
     * (408 for no answer).
     */
    void reinvite(Leg caller, String offer, Consumer<byte[]> answered, Consumer<Integer> refused) {
        try {
            Request reinvite = sip.inLeg(caller, Request.INVITE);
            reinvite.setContent(
                    offer.getBytes(StandardCharsets.UTF_8), sip.headers.createContentTypeHeader("application", "sdp"));
            sip.send(reinvite, response -> {
                int status = response == null ? Response.REQUEST_TIMEOUT : response.getStatusCode();
                if (status >= 200 && status < 300) {
                    sip.ack(caller, response);
                    answered.accept(response.getRawContent());
                } else {
                    refused.accept(status);
                }
            });
        } catch (Exception e) {
            LOG.warn("re-INVITE to {} not sent: {}", caller.remoteTarget, e.toString());
            refused.accept(Response.SERVICE_UNAVAILABLE);
        }
    }

    /**
     * True when {@code request} names a joined leg by its Call-ID and was handled here; with other
     * tags it is not that dialog's (481, section 12.2.2). {@code tx} is null for ACK.
     */
    boolean inDialog(ServerTransaction tx, Request request) {
        Leg leg = legs.get(Leg.callIdOf(request));
        if (leg == null) {
            return false;
        }
        String method = request.getMethod();
        if (tx == null || Request.ACK.equals(method)) {
            return true;
        }
        if (!leg.matches(request)) {
            sip.answer(tx, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST, null, null);
        } else if (Request.BYE.equals(method)) {
            sip.answer(tx, Response.OK, null, null);
            legs.remove(leg.callId, leg);
            endPeerOf(leg);
        } else if (Request.INVITE.equals(method) || Request.UPDATE.equals(method)) {
            sip.answer(tx, Response.NOT_ACCEPTABLE_HERE, "Session changes are not passed on", null);
        } else {
            sip.answer(tx, Response.OK, null, null);
        }
        return true;
    }

    /** Ends {@code leg} with a BYE (nothing follows from the answer); forgets it and its peer. */
    void hangUp(Leg leg) {
        if (leg == null) {
            return;
        }
        legs.remove(leg.callId, leg);
        Leg peer = leg.peer;
        if (peer != null) {
            legs.remove(peer.callId, peer);
        }
        sip.bye(leg);
    }

    /** Ends both legs of a joined call. */
    void hangUpBoth(Leg leg) {
        Leg peer = leg.peer;
        hangUp(leg);
        if (peer != null) {
            sip.bye(peer);
        } else if (leg.remoteHangUp != null) {
            leg.remoteHangUp.run();
        }
    }

    /** The peer of {@code leg} ends: here with a BYE, or on its node. */
    private void endPeerOf(Leg leg) {
        if (leg.peer != null) {
            hangUp(leg.peer);
        } else if (leg.remoteHangUp != null) {
            leg.remoteHangUp.run();
        }
    }

    /** Another node's leg joined to the leg {@code callId} here ended: this one ends too. */
    void hangUpHere(String callId) {
        Leg leg = legs.remove(callId);
        if (leg != null) {
            sip.bye(leg);
        }
    }
}

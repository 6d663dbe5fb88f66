package io.switchboard.park.sip;

import io.switchboard.park.domain.ParkedCall;
import io.switchboard.park.media.HoldMusic;
import io.switchboard.park.media.MohSender;
import io.switchboard.park.media.Sdp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sip.ServerTransaction;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parked callers' legs held by this node: our 200 with the send-only answer (resent until the
 * ACK, RFC 3261 section 13.3.1.4), the music on hold, and the caller's requests inside the dialog
 * (ACK, BYE, a re-INVITE answered as before). Keyed by park id, which is the caller's Call-ID.
 */
final class ParkedLegs {

    private static final Logger LOG = LoggerFactory.getLogger(ParkedLegs.class);

    /** RFC 3261 section 17.1.1.1's T1 and T2, for our 2xx retransmissions. */
    static final long T1_MS = 500, T2_MS = 4000;

    /** One parked caller's dialog with us and its media. */
    static final class Parked {
        final String parkId;
        final Leg leg;
        final HeldMedia media;
        /** The caller's own offer, offered to whoever the call is rung to (the parker, the fallback). */
        final String callerOffer;

        final ParkedCall call;
        /** Set by the caller's ACK: our 2xx is no longer retransmitted. */
        volatile boolean acked;

        Parked(String parkId, Leg leg, HeldMedia media, String callerOffer, ParkedCall call) {
            this.parkId = parkId;
            this.leg = leg;
            this.media = media;
            this.callerOffer = callerOffer;
            this.call = call;
        }
    }

    /** Told when a parked caller's leg ended on its own (its BYE, or no ACK for our 200). */
    interface Ended {
        void ended(Parked parked, boolean byCaller);
    }

    private final SipKit sip;
    private final MohSender moh;
    private final ScheduledExecutorService timer;
    private final String mediaAddress;
    private final HoldMusic music = HoldMusic.generatedDefault();
    private final Map<String, Parked> byId = new ConcurrentHashMap<>();
    private volatile Ended ended = (p, byCaller) -> {};

    ParkedLegs(SipKit sip, MohSender moh, ScheduledExecutorService timer, String mediaAddress) {
        this.sip = sip;
        this.moh = moh;
        this.timer = timer;
        this.mediaAddress = mediaAddress;
    }

    void onEnded(Ended listener) {
        this.ended = listener;
    }

    Parked get(String parkId) {
        return byId.get(parkId);
    }

    int size() {
        return byId.size();
    }

    /**
     * The entity stored the park: answer the caller's INVITE with our SDP, resend it until the ACK,
     * play music on hold. Null when no media socket could be opened (nothing is held then).
     */
    Parked answer(ServerTransaction tx, Request request, String parkId, ParkedCall call, Sdp.Audio offer) {
        HeldMedia media;
        try {
            media = HeldMedia.open(mediaAddress, offer);
        } catch (IOException e) {
            LOG.warn("No RTP socket for park {}: {}", parkId, e.toString());
            return null;
        }
        Parked parked = new Parked(parkId, Leg.asCallee(request, SipKit.newTag()), media, SipKit.body(request), call);
        byId.put(parkId, parked);
        Response ok = resend(tx, request, parked);
        if (ok != null) {
            retransmitUntilAcked(parked, ok, T1_MS, 0);
        }
        media.play(moh, music, offer);
        return parked;
    }

    /** Our 200 (again, for a retried INVITE or a re-INVITE of the parked caller). */
    Response resend(ServerTransaction tx, Request request, Parked parked) {
        return sip.ok(tx, request, parked.leg.localTag, parked.media.sdpAnswer().getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * True when {@code request} names a parked caller's dialog of this node by its Call-ID and was
     * handled here. With the Call-ID but other tags it is not that dialog's: 481 (RFC 3261 section
     * 12.2.2), and the park goes on. {@code tx} is null for ACK.
     */
    boolean inDialog(ServerTransaction tx, Request request) {
        Parked parked = byId.get(Leg.callIdOf(request));
        if (parked == null) {
            return false;
        }
        String method = request.getMethod();
        if (!parked.leg.matches(request)) {
            if (tx != null) {
                sip.answer(tx, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST, null, null);
            }
            return true;
        }
        if (Request.ACK.equals(method)) {
            parked.acked = true; // the caller confirmed our 2xx (RFC 3261 section 13.3.1.4)
        } else if (tx == null) {
            return true;
        } else if (Request.BYE.equals(method)) {
            sip.answer(tx, Response.OK, null, null);
            release(parked);
            ended.ended(parked, true);
        } else if (Request.INVITE.equals(method)) {
            resend(tx, request, parked);
        } else {
            // OPTIONS, INFO, UPDATE without a new offer: not looked at
            sip.answer(tx, Response.OK, null, null);
        }
        return true;
    }

    /** The parked leg leaves this node's hold (retrieved, rung through, ended): music off, socket closed. */
    Parked release(String parkId) {
        Parked parked = byId.get(parkId);
        if (parked != null) {
            release(parked);
        }
        return parked;
    }

    /** True when this call removed it (once). */
    boolean release(Parked parked) {
        boolean removed = byId.remove(parked.parkId, parked);
        parked.media.close(parked.parkId);
        return removed;
    }

    /**
     * RFC 3261 section 13.3.1.4: the UAS core retransmits its 2xx, T1 doubling up to T2, until the
     * ACK arrives; without an ACK within 64*T1 the dialog ends with a BYE (and here the park with it).
     */
    private void retransmitUntilAcked(Parked parked, Response ok, long intervalMs, long elapsedMs) {
        timer.schedule(
                () -> {
                    if (parked.acked || byId.get(parked.parkId) != parked) {
                        return;
                    }
                    if (elapsedMs + intervalMs >= 64 * T1_MS) {
                        LOG.info("Park {}: no ACK for our 200, the call ends", parked.parkId);
                        release(parked);
                        sip.bye(parked.leg);
                        ended.ended(parked, false);
                        return;
                    }
                    try {
                        sip.provider.sendResponse(ok);
                    } catch (Exception e) {
                        LOG.debug("200 for park {} not resent: {}", parked.parkId, e.toString());
                    }
                    retransmitUntilAcked(parked, ok, Math.min(2 * intervalMs, T2_MS), elapsedMs + intervalMs);
                },
                intervalMs,
                TimeUnit.MILLISECONDS);
    }
}

package io.switchboard.park.sip;

import io.switchboard.park.domain.CallerHold;
import io.switchboard.park.domain.ParkedCall;
import io.switchboard.park.media.Codec;
import io.switchboard.park.media.HoldMusic;
import io.switchboard.park.media.MohSender;
import io.switchboard.park.media.Sdp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sip.ServerTransaction;
import javax.sip.header.ViaHeader;
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
        /** Our current session description (the 200's answer, or a taker's re-INVITE offer). */
        final String sdp;

        final ParkedCall call;
        /** Set by the caller's ACK: our 2xx is no longer retransmitted. */
        volatile boolean acked;

        Parked(String parkId, Leg leg, HeldMedia media, String callerOffer, String sdp, ParkedCall call) {
            this.parkId = parkId;
            this.leg = leg;
            this.media = media;
            this.callerOffer = callerOffer;
            this.sdp = sdp;
            this.call = call;
        }
    }

    /**
     * A caller's leg made ready before the entity stores the park: its dialog (our tag chosen), its
     * RTP socket, our answer, and the {@link CallerHold} stored with the call so another node can
     * take the leg over.
     */
    record Pending(Leg leg, HeldMedia media, Sdp.Audio offer, String answer, CallerHold hold) {}

    /** Told when a parked caller's leg ended on its own (its BYE, or no ACK for our 200). */
    interface Ended {
        void ended(Parked parked, boolean byCaller);
    }

    private final SipKit sip;
    private final MohSender moh;
    private final ScheduledExecutorService timer;
    private final String mediaAddress;
    private final HoldMusic music;
    private final Map<String, Parked> byId = new ConcurrentHashMap<>();
    /** Parks prepared here and not yet answered or discarded: stored as ours, but not held yet. */
    private final Set<String> preparing = ConcurrentHashMap.newKeySet();

    private volatile Ended ended = (p, byCaller) -> {};

    ParkedLegs(SipKit sip, MohSender moh, ScheduledExecutorService timer, String mediaAddress, HoldMusic music) {
        this.music = music;
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
     * Before the park is stored: our side of the caller's dialog, an RTP socket and the answer
     * naming it, and what a taker needs ({@code holder}: this node's member). Null when no media
     * socket could be opened.
     */
    Pending prepare(Request request, String parkId, Sdp.Audio offer, String holder, Instant now) {
        HeldMedia media;
        try {
            media = HeldMedia.open(mediaAddress);
        } catch (IOException e) {
            LOG.warn("No RTP socket for park {}: {}", parkId, e.toString());
            return null;
        }
        preparing.add(parkId);
        Leg leg = Leg.asCallee(request, SipKit.newTag());
        long session = now.toEpochMilli();
        String answer = Sdp.answer(media.address(), media.port(), offer.codec(), session);
        ViaHeader via = (ViaHeader) request.getHeader(ViaHeader.NAME);
        CallerHold hold = new CallerHold(
                holder,
                via == null ? "udp" : via.getTransport().toLowerCase(java.util.Locale.ROOT),
                leg.callId,
                leg.localTag,
                leg.remoteTag,
                leg.localUri,
                leg.remoteUri,
                leg.remoteTarget,
                leg.routeSet,
                CallerHold.CSEQ_BLOCK, // our requests in this dialog start at 1 (Leg.asCallee)
                offer.host(),
                offer.port(),
                offer.codec().payloadType(),
                SipKit.body(request),
                now,
                0,
                media.address(),
                session,
                session);
        return new Pending(leg, media, offer, answer, hold);
    }

    /**
     * The entity stored the park: answer the caller's INVITE with our SDP, resend it until the ACK,
     * play music on hold from the position the stored hold's clock gives.
     */
    Parked answer(ServerTransaction tx, Request request, String parkId, ParkedCall call, Pending p) {
        Parked parked = new Parked(parkId, p.leg(), p.media(), p.hold().callerOffer(), p.answer(), call);
        byId.put(parkId, parked);
        preparing.remove(parkId);
        Response ok = resend(tx, request, parked);
        if (ok != null) {
            retransmitUntilAcked(parked, ok, T1_MS, 0);
        }
        Sdp.Audio offer = p.offer();
        p.media()
                .play(
                        moh,
                        music,
                        offer.codec(),
                        offer.host(),
                        offer.port(),
                        p.hold().mohPositionAt(Instant.now(), music.length()));
        return parked;
    }

    /** A prepared park that is not answered here (refused, failed, or a retry of one held already). */
    void discard(String parkId, Pending p) {
        preparing.remove(parkId);
        p.media().close(parkId);
    }

    /** True while a park of {@code parkId} is prepared here and not yet answered. */
    boolean preparing(String parkId) {
        return preparing.contains(parkId);
    }

    /**
     * A leg taken over from a node that died ({@link Takeover}): held here from now on, its dialog
     * already confirmed (no 2xx of ours to resend); the music starts with {@link #play}. Null when
     * the leg is held here already (taken over twice by racing sweeps: the first one stands).
     */
    Parked adopt(String parkId, Leg leg, HeldMedia media, String sdp, CallerHold hold, ParkedCall call) {
        Parked parked = new Parked(parkId, leg, media, hold.callerOffer(), sdp, call);
        parked.acked = true;
        return byId.putIfAbsent(parkId, parked) == null ? parked : null;
    }

    /** The music for an adopted leg, at the position the hold's clock gives now. */
    void play(Parked parked, Codec codec, String host, int port, CallerHold hold) {
        if (byId.get(parked.parkId) == parked) {
            parked.media.play(moh, music, codec, host, port, hold.mohPositionAt(Instant.now(), music.length()));
        }
    }

    /** Our 200 (again, for a retried INVITE or a re-INVITE of the parked caller). */
    Response resend(ServerTransaction tx, Request request, Parked parked) {
        return sip.ok(tx, request, parked.leg.localTag, parked.sdp.getBytes(StandardCharsets.US_ASCII));
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

package io.switchboard.park.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What another node needs to take a parked caller's leg over when the node holding it dies
 * (call-park/README.md, "Takeover"): the caller's dialog with us (RFC 3261 section 12), where the
 * caller wants its audio, where the music on hold is, and which node holds it. Stored with the
 * parked call before the park is confirmed; replaced by each takeover.
 *
 * @param holder          the cluster member holding the leg (its unique address: a restarted node is another member)
 * @param transport       the transport the caller's INVITE came over ({@code udp}, {@code tcp}, {@code tls}); a
 *                        connection-oriented leg dies with its node's connection and is ended, not taken over
 * @param callId          the dialog's Call-ID (the park id)
 * @param localTag        our To tag
 * @param remoteTag       the caller's From tag
 * @param localUri        our URI in the dialog (the caller's To URI)
 * @param remoteUri       the caller's From URI
 * @param remoteTarget    the caller's Contact (RFC 3261 section 12.1.1)
 * @param routeSet        the route set towards the caller, in order
 * @param cseqCeiling     no holder sends a CSeq above this in the dialog; a taker starts just above it (section
 *                        12.2.1.1: CSeq numbers rise) and reserves the next {@link #CSEQ_BLOCK}
 * @param callerHost      where the caller's offer asked for audio
 * @param callerPort      likewise, the port
 * @param payloadType     the G.711 payload type the music is sent in (0 PCMU, 8 PCMA)
 * @param callerOffer     the caller's own offer (what ring-backs and the fallback are offered)
 * @param mohAt           an instant at which the music was at {@code mohPosition}
 * @param mohPosition     the music's position at {@code mohAt}, in samples (8 kHz)
 * @param sdpOrigin       our SDP's {@code o=} address, kept by every holder (RFC 3264 section 8)
 * @param sdpSessionId    our SDP's session id
 * @param sdpVersion      our SDP's version; each takeover's offer has the next one (RFC 3264 section 8)
 */
public record CallerHold(
        String holder,
        String transport,
        String callId,
        String localTag,
        String remoteTag,
        String localUri,
        String remoteUri,
        String remoteTarget,
        List<String> routeSet,
        long cseqCeiling,
        String callerHost,
        int callerPort,
        int payloadType,
        String callerOffer,
        Instant mohAt,
        long mohPosition,
        String sdpOrigin,
        long sdpSessionId,
        long sdpVersion) {

    /** The CSeq numbers each holder reserves for its own requests in the caller's dialog. */
    public static final long CSEQ_BLOCK = 1000;

    public CallerHold {
        routeSet = List.copyOf(routeSet);
    }

    /** The first CSeq number this holder uses (its block ends at {@link #cseqCeiling}). */
    public long firstCseq() {
        return cseqCeiling - CSEQ_BLOCK + 1;
    }

    /** True when the leg ran over a connection (TCP, TLS) that ended with its node. */
    public boolean connectionOriented() {
        return !"udp".equalsIgnoreCase(transport);
    }

    /**
     * The hold after {@code newHolder} takes it over: the next CSeq block, the next SDP version; the
     * music's clock stays, so it goes on where it would have been.
     */
    public CallerHold takenBy(String newHolder) {
        return new CallerHold(
                newHolder,
                transport,
                callId,
                localTag,
                remoteTag,
                localUri,
                remoteUri,
                remoteTarget,
                routeSet,
                cseqCeiling + CSEQ_BLOCK,
                callerHost,
                callerPort,
                payloadType,
                callerOffer,
                mohAt,
                mohPosition,
                sdpOrigin,
                sdpSessionId,
                sdpVersion + 1);
    }

    /**
     * Where the music is at {@code now}, in samples of a loop of {@code length}, on a 20 ms packet
     * boundary (160 samples): the music plays at a fixed rate from {@code mohAt}, so a taker resumes
     * where the dead node would have been.
     */
    public long mohPositionAt(Instant now, long length) {
        long elapsedMs = Math.max(0, Duration.between(mohAt, now).toMillis());
        long samples = (elapsedMs / 20) * 160;
        return Math.floorMod(mohPosition + samples, length);
    }
}

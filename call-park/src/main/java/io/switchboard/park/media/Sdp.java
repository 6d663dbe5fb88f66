package io.switchboard.park.media;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The little of SDP (RFC 4566) the park service needs: where a caller's offer wants audio sent and
 * which G.711 codec to send, and the answer that accepts it (RFC 3264 section 6: the same one
 * audio stream, one codec of the offer, our address and RTP port). Pure.
 */
public final class Sdp {

    /** The offer's audio stream: send RTP to {@code host}:{@code port} in {@code codec}. */
    public record Audio(String host, int port, Codec codec, boolean sendsToUs) {}

    private Sdp() {}

    /**
     * The first audio stream of {@code offer} and the first G.711 codec in its format list (the
     * offerer's preference, RFC 3264 section 5.1); empty when there is no audio stream with a
     * connection address and a nonzero port, or it offers neither PCMU nor PCMA (the caller's
     * 488, RFC 3261 section 21.4.26). A media-level {@code c=} wins over the session's.
     */
    public static Optional<Audio> audioOf(String offer) {
        if (offer == null) {
            return Optional.empty();
        }
        String sessionHost = null;
        String mediaHost = null;
        int port = -1;
        List<Integer> formats = new ArrayList<>();
        boolean inAudio = false;
        boolean seenAudio = false;
        boolean recvOnly = false;
        for (String raw : offer.split("\r?\n")) {
            String line = raw.trim();
            if (line.startsWith("m=")) {
                if (seenAudio) {
                    break; // only the first audio stream
                }
                String[] f = line.substring(2).split("\\s+");
                inAudio = f.length >= 4 && f[0].equals("audio");
                if (inAudio) {
                    seenAudio = true;
                    try {
                        port = Integer.parseInt(f[1].split("/")[0]);
                        for (int i = 3; i < f.length; i++) {
                            formats.add(Integer.parseInt(f[i]));
                        }
                    } catch (NumberFormatException e) {
                        return Optional.empty();
                    }
                }
            } else if (line.startsWith("c=")) {
                String[] f = line.substring(2).split("\\s+");
                if (f.length >= 3 && f[0].equals("IN")) {
                    String host = f[2].split("/")[0];
                    if (inAudio) {
                        mediaHost = host;
                    } else if (!seenAudio) {
                        sessionHost = host;
                    }
                }
            } else if (inAudio && (line.equals("a=recvonly") || line.equals("a=inactive"))) {
                recvOnly = true;
            }
        }
        String host = mediaHost != null ? mediaHost : sessionHost;
        if (!seenAudio || host == null || port <= 0) {
            return Optional.empty();
        }
        for (int pt : formats) {
            Codec c = Codec.ofPayloadType(pt);
            if (c != null) {
                return Optional.of(new Audio(host, port, c, !recvOnly));
            }
        }
        return Optional.empty();
    }

    /**
     * Our answer: one audio stream at {@code host}:{@code port} in {@code codec}, send-only (the
     * parked caller hears music and what it sends is not listened to; RFC 3264 section 6.1).
     */
    public static String answer(String host, int port, Codec codec, long sessionId) {
        return sendOnly(host, sessionId, sessionId, host, port, codec);
    }

    /**
     * Our send-only description at {@code host}:{@code port} with the origin {@code o=} of an
     * earlier one ({@code origin}, {@code sessionId}) and {@code version}: a node taking a parked
     * call over offers this in its re-INVITE, the origin unchanged but the version the next one
     * (RFC 3264 section 8).
     */
    public static String sendOnly(String origin, long sessionId, long version, String host, int port, Codec codec) {
        String ip = host.indexOf(':') >= 0 ? "IP6" : "IP4";
        String originIp = origin.indexOf(':') >= 0 ? "IP6" : "IP4";
        return "v=0\r\n"
                + "o=switchboard " + sessionId + " " + version + " IN " + originIp + " " + origin + "\r\n"
                + "s=call park\r\n"
                + "c=IN " + ip + " " + host + "\r\n"
                + "t=0 0\r\n"
                + "m=audio " + port + " RTP/AVP " + codec.payloadType() + "\r\n"
                + "a=rtpmap:" + codec.payloadType() + " " + codec.rtpmap() + "\r\n"
                + "a=sendonly\r\n";
    }
}

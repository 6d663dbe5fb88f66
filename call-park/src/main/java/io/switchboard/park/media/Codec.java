package io.switchboard.park.media;

/** The codecs music on hold is sent in: G.711 at 8 kHz, static RTP payload types (RFC 3551 section 6). */
public enum Codec {
    PCMU(0, "PCMU/8000"),
    PCMA(8, "PCMA/8000");

    private final int payloadType;
    private final String rtpmap;

    Codec(int payloadType, String rtpmap) {
        this.payloadType = payloadType;
        this.rtpmap = rtpmap;
    }

    public int payloadType() {
        return payloadType;
    }

    /** The SDP {@code a=rtpmap} value (RFC 4566 section 6). */
    public String rtpmap() {
        return rtpmap;
    }

    public byte encode(short sample) {
        return this == PCMU ? G711.ulaw(sample) : G711.alaw(sample);
    }

    /** The codec of a static payload type, or null when it is neither. */
    public static Codec ofPayloadType(int pt) {
        for (Codec c : values()) {
            if (c.payloadType == pt) {
                return c;
            }
        }
        return null;
    }
}

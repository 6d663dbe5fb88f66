package io.switchboard.park.media;

import java.nio.ByteBuffer;

/**
 * An RTP data packet without CSRCs or extension (RFC 3550 section 5.1): the fixed 12-byte header,
 * then the payload.
 *
 * @param payloadType 0..127
 * @param marker      the M bit (set on the first packet of a talkspurt, RFC 3551 section 4.1)
 * @param sequence    16 bits, +1 per packet
 * @param timestamp   32 bits, in samples of the codec's clock
 * @param ssrc        the synchronization source
 */
public record RtpPacket(int payloadType, boolean marker, int sequence, long timestamp, int ssrc, byte[] payload) {

    public static final int HEADER_BYTES = 12;
    private static final int VERSION = 2;

    public RtpPacket {
        if (payloadType < 0 || payloadType > 127) {
            throw new IllegalArgumentException("payload type must be 0..127, was " + payloadType);
        }
        sequence &= 0xFFFF;
        timestamp &= 0xFFFF_FFFFL;
    }

    /** The packet as sent on the wire. */
    public byte[] bytes() {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + payload.length); // network byte order
        b.put((byte) (VERSION << 6)); // no padding, no extension, no CSRC
        b.put((byte) ((marker ? 0x80 : 0) | payloadType));
        b.putShort((short) sequence);
        b.putInt((int) timestamp);
        b.putInt(ssrc);
        b.put(payload);
        return b.array();
    }

    /** Reads a packet (tests and RTCP-less checks); IllegalArgumentException if it is not RTP version 2. */
    public static RtpPacket parse(byte[] data, int length) {
        if (length < HEADER_BYTES || ((data[0] & 0xFF) >> 6) != VERSION) {
            throw new IllegalArgumentException("not an RTP version 2 packet");
        }
        ByteBuffer b = ByteBuffer.wrap(data, 0, length);
        int first = b.get() & 0xFF;
        int csrcs = first & 0x0F;
        int second = b.get() & 0xFF;
        int sequence = b.getShort() & 0xFFFF;
        long timestamp = b.getInt() & 0xFFFF_FFFFL;
        int ssrc = b.getInt();
        b.position(HEADER_BYTES + 4 * csrcs);
        byte[] payload = new byte[b.remaining()];
        b.get(payload);
        return new RtpPacket(second & 0x7F, (second & 0x80) != 0, sequence, timestamp, ssrc, payload);
    }
}

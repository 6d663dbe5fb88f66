package io.switchboard.park.media;

/**
 * One parked call's music on hold as a sequence of RTP packets: 20 ms each (160 samples at 8 kHz,
 * RFC 3551 section 4.5.14's default packetization for G.711), sequence number +1 and timestamp +160
 * per packet. Pure: the sender calls {@link #next} every 20 ms. {@link #position} is where in the
 * music the next packet starts; a node taking the call over starts a new stream (new SSRC, random
 * sequence and timestamp, RFC 3550 section 5.1) at the stored position, so the music goes on where
 * it was.
 */
public final class MohStream {

    public static final int SAMPLES_PER_PACKET = 160;

    private final HoldMusic music;
    private final Codec codec;
    private final int ssrc;
    private int sequence;
    private long timestamp;
    private long position;
    private boolean first = true;

    /**
     * @param sequence  the first packet's sequence number (random, RFC 3550 section 5.1)
     * @param timestamp the first packet's timestamp (random, likewise)
     * @param position  where in the music to start, in samples
     */
    public MohStream(HoldMusic music, Codec codec, int ssrc, int sequence, long timestamp, long position) {
        this.music = music;
        this.codec = codec;
        this.ssrc = ssrc;
        this.sequence = sequence & 0xFFFF;
        this.timestamp = timestamp & 0xFFFF_FFFFL;
        this.position = position;
    }

    /** The next 20 ms packet; the first has the marker bit set (the start of a talkspurt). */
    public RtpPacket next() {
        byte[] payload = new byte[SAMPLES_PER_PACKET];
        for (int i = 0; i < SAMPLES_PER_PACKET; i++) {
            payload[i] = codec.encode(music.sampleAt(position + i));
        }
        RtpPacket p = new RtpPacket(codec.payloadType(), first, sequence, timestamp, ssrc, payload);
        first = false;
        sequence = (sequence + 1) & 0xFFFF;
        timestamp = (timestamp + SAMPLES_PER_PACKET) & 0xFFFF_FFFFL;
        position = Math.floorMod(position + SAMPLES_PER_PACKET, (long) music.length());
        return p;
    }

    /** Where the next packet starts in the music, in samples (what a takeover resumes from). */
    public long position() {
        return position;
    }

    public Codec codec() {
        return codec;
    }
}

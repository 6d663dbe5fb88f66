package io.switchboard.park.media;

/**
 * G.711 companding of 16-bit linear PCM (ITU-T G.711): mu-law (PCMU, RTP payload type 0) and
 * A-law (PCMA, payload type 8), 8 bits per sample, 8000 samples per second (RFC 3551 section 4.5.14).
 * Both laws split the magnitude into 8 segments of 16 steps each, the step doubling per segment.
 */
public final class G711 {

    /** mu-law adds this to the magnitude so that the segments start at powers of two. */
    private static final int MU_BIAS = 0x84;
    /** Largest magnitude mu-law encodes; larger ones are clipped to it. */
    private static final int MU_CLIP = 32635;

    private G711() {}

    /** The mu-law byte of one 16-bit sample. */
    public static byte ulaw(short sample) {
        int pcm = sample;
        int sign = 0;
        if (pcm < 0) {
            sign = 0x80;
            pcm = -pcm;
        }
        pcm = Math.min(pcm, MU_CLIP) + MU_BIAS; // 132 .. 32767: the highest bit is 7 .. 14
        int exponent = 31 - Integer.numberOfLeadingZeros(pcm) - 7;
        int mantissa = (pcm >> (exponent + 3)) & 0x0F;
        // the code is transmitted inverted (G.711 section 3.2)
        return (byte) ~(sign | (exponent << 4) | mantissa);
    }

    /** The 16-bit sample a mu-law byte stands for (the middle of its step). */
    public static short ulawToLinear(byte code) {
        int u = ~code & 0xFF;
        int exponent = (u >> 4) & 0x07;
        int mantissa = u & 0x0F;
        int magnitude = (((mantissa << 3) + MU_BIAS) << exponent) - MU_BIAS;
        return (short) ((u & 0x80) != 0 ? -magnitude : magnitude);
    }

    /** The A-law byte of one 16-bit sample. */
    public static byte alaw(short sample) {
        int pcm = sample >> 3; // A-law works on 13 bits
        int mask;
        if (pcm >= 0) {
            mask = 0xD5; // sign bit set for positive values, even bits inverted (G.711 section 2.2)
        } else {
            mask = 0x55;
            pcm = -pcm - 1;
        }
        int segment = pcm < 0x20 ? 0 : 32 - Integer.numberOfLeadingZeros(pcm) - 5; // 0 .. 7 for pcm < 0x1000
        if (segment > 7) {
            return (byte) (0x7F ^ mask);
        }
        int step = segment < 2 ? (pcm >> 1) & 0x0F : (pcm >> segment) & 0x0F;
        return (byte) (((segment << 4) | step) ^ mask);
    }

    /** The 16-bit sample an A-law byte stands for (the middle of its step). */
    public static short alawToLinear(byte code) {
        int a = (code & 0xFF) ^ 0x55;
        int magnitude = (a & 0x0F) << 4;
        int segment = (a & 0x70) >> 4;
        if (segment == 0) {
            magnitude += 8;
        } else {
            magnitude = (magnitude + 0x108) << (segment - 1);
        }
        return (short) ((a & 0x80) != 0 ? magnitude : -magnitude);
    }
}

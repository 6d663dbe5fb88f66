package io.switchboard.park.media;

/**
 * What parked callers hear: a loop of 16-bit linear PCM at 8 kHz. The default is generated in code
 * (no audio file is bundled): a slow, quiet arpeggio of sine tones with soft attack and release,
 * the same on every node, so a call taken over by another node resumes at the same {@code position}.
 * An operator's file can replace it ({@link #ofSamples}).
 */
public final class HoldMusic {

    public static final int SAMPLE_RATE = 8000;

    private final short[] samples;

    private HoldMusic(short[] samples) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("hold music must hold at least one sample");
        }
        this.samples = samples;
    }

    /** Music from 8 kHz mono samples, played in a loop. */
    public static HoldMusic ofSamples(short[] samples) {
        return new HoldMusic(samples.clone());
    }

    /** The generated default: C major and A minor arpeggios, 300 ms per note, 4.8 s per loop. */
    public static HoldMusic generatedDefault() {
        double[] notes = {
            261.63, 329.63, 392.00, 523.25, 392.00, 329.63, 261.63, 196.00, 220.00, 261.63, 329.63, 440.00, 329.63,
            261.63, 220.00, 164.81
        };
        int perNote = SAMPLE_RATE * 300 / 1000;
        int ramp = SAMPLE_RATE * 30 / 1000; // 30 ms attack and release: no clicks between notes
        short[] out = new short[notes.length * perNote];
        for (int n = 0; n < notes.length; n++) {
            for (int i = 0; i < perNote; i++) {
                double envelope = Math.min(1.0, Math.min(i, perNote - 1 - i) / (double) ramp);
                // about -12 dBFS: hold music should not be louder than speech
                double v = 0.25 * envelope * Math.sin(2 * Math.PI * notes[n] * i / SAMPLE_RATE);
                out[n * perNote + i] = (short) Math.round(v * Short.MAX_VALUE);
            }
        }
        return new HoldMusic(out);
    }

    /** Samples in one loop. */
    public int length() {
        return samples.length;
    }

    /** The sample at {@code position}, counted from the start of the first loop. */
    public short sampleAt(long position) {
        return samples[(int) Math.floorMod(position, (long) samples.length)];
    }
}

package io.switchboard.park.media;

/**
 * What parked callers hear: a loop of 16-bit linear PCM at 8 kHz. The default is generated in code
 * (no audio file is bundled): a slow, quiet arpeggio of sine tones with soft attack and release,
 * the same on every node, so a call taken over by another node resumes at the same {@code position}.
 * An operator's WAV file can replace it ({@link #fromWav}); every node must then have the same file.
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

    /**
     * Music from a WAV file of 8 kHz mono audio: 16-bit linear PCM, or G.711 mu-law or A-law
     * (decoded to linear). Anything else is refused naming what is needed: the node does not
     * resample (RFC 3551 section 4.5.14: G.711 is 8,000 samples per second).
     */
    public static HoldMusic fromWav(java.nio.file.Path file) throws java.io.IOException {
        try (javax.sound.sampled.AudioInputStream in =
                javax.sound.sampled.AudioSystem.getAudioInputStream(file.toFile())) {
            javax.sound.sampled.AudioFormat f = in.getFormat();
            if (f.getSampleRate() != SAMPLE_RATE || f.getChannels() != 1) {
                throw new java.io.IOException(file + ": " + f.getSampleRate() + " Hz, " + f.getChannels()
                        + " channel(s); hold music must be 8000 Hz mono (e.g. sox IN -r 8000 -c 1 -b 16 OUT.wav)");
            }
            javax.sound.sampled.AudioFormat linear =
                    new javax.sound.sampled.AudioFormat(SAMPLE_RATE, 16, 1, true, false);
            javax.sound.sampled.AudioInputStream pcm =
                    f.matches(linear) ? in : javax.sound.sampled.AudioSystem.getAudioInputStream(linear, in);
            byte[] bytes = pcm.readAllBytes();
            short[] samples = new short[bytes.length / 2];
            for (int i = 0; i < samples.length; i++) {
                samples[i] = (short) ((bytes[2 * i] & 0xff) | (bytes[2 * i + 1] << 8));
            }
            if (samples.length == 0) {
                throw new java.io.IOException(file + ": no samples");
            }
            return new HoldMusic(samples);
        } catch (javax.sound.sampled.UnsupportedAudioFileException | IllegalArgumentException e) {
            throw new java.io.IOException(
                    file + ": not a WAV file of 16-bit PCM, mu-law or A-law at 8000 Hz mono (" + e.getMessage() + ")",
                    e);
        }
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

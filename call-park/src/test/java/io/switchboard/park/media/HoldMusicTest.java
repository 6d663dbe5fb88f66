package io.switchboard.park.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An operator's hold music from a WAV file: what is read, and what is refused with a reason. */
class HoldMusicTest {

    @TempDir
    Path dir;

    static final short[] SAMPLES = {0, 1000, -1000, 32767, -32768, 12345, -4321, 7};

    Path wav(String name, AudioFormat format, byte[] data) throws IOException {
        Path file = dir.resolve(name);
        try (AudioInputStream in =
                new AudioInputStream(new ByteArrayInputStream(data), format, data.length / format.getFrameSize())) {
            AudioSystem.write(in, AudioFileFormat.Type.WAVE, file.toFile());
        }
        return file;
    }

    static byte[] littleEndian(short[] samples) {
        byte[] b = new byte[samples.length * 2];
        for (int i = 0; i < samples.length; i++) {
            b[2 * i] = (byte) samples[i];
            b[2 * i + 1] = (byte) (samples[i] >> 8);
        }
        return b;
    }

    @Test
    void sixteen_bit_pcm_at_8_khz_mono_is_played_as_it_is() throws Exception {
        HoldMusic music =
                HoldMusic.fromWav(wav("pcm.wav", new AudioFormat(8000, 16, 1, true, false), littleEndian(SAMPLES)));
        assertThat(music.length()).isEqualTo(SAMPLES.length);
        for (int i = 0; i < SAMPLES.length; i++) {
            assertThat(music.sampleAt(i)).isEqualTo(SAMPLES[i]);
        }
        assertThat(music.sampleAt(SAMPLES.length + 1)).as("a loop").isEqualTo(SAMPLES[1]);
    }

    @Test
    void mu_law_and_a_law_files_are_decoded_to_linear() throws Exception {
        byte[] ulaw = new byte[SAMPLES.length];
        byte[] alaw = new byte[SAMPLES.length];
        for (int i = 0; i < SAMPLES.length; i++) {
            ulaw[i] = G711.ulaw(SAMPLES[i]);
            alaw[i] = G711.alaw(SAMPLES[i]);
        }
        HoldMusic u = HoldMusic.fromWav(
                wav("ulaw.wav", new AudioFormat(AudioFormat.Encoding.ULAW, 8000, 8, 1, 1, 8000, false), ulaw));
        HoldMusic a = HoldMusic.fromWav(
                wav("alaw.wav", new AudioFormat(AudioFormat.Encoding.ALAW, 8000, 8, 1, 1, 8000, false), alaw));
        assertThat(u.length()).isEqualTo(SAMPLES.length);
        assertThat(a.length()).isEqualTo(SAMPLES.length);
        for (int i = 0; i < SAMPLES.length; i++) {
            // the JDK's decoder and ours (G711Test) agree to within one step of the code's quantization
            assertThat((int) u.sampleAt(i))
                    .isCloseTo(G711.ulawToLinear(ulaw[i]), org.assertj.core.api.Assertions.within(8));
            assertThat((int) a.sampleAt(i))
                    .isCloseTo(G711.alawToLinear(alaw[i]), org.assertj.core.api.Assertions.within(8));
        }
    }

    @Test
    void other_rates_channels_and_files_are_refused_naming_what_is_needed() throws Exception {
        Path cd = wav("cd.wav", new AudioFormat(44100, 16, 1, true, false), littleEndian(SAMPLES));
        assertThatThrownBy(() -> HoldMusic.fromWav(cd))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("44100.0 Hz")
                .hasMessageContaining("8000 Hz mono");
        Path stereo = wav("stereo.wav", new AudioFormat(8000, 16, 2, true, false), littleEndian(SAMPLES));
        assertThatThrownBy(() -> HoldMusic.fromWav(stereo))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("2 channel");
        Path text = Files.writeString(dir.resolve("music.wav"), "not audio");
        assertThatThrownBy(() -> HoldMusic.fromWav(text))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not a WAV file");
        assertThatThrownBy(() -> HoldMusic.fromWav(dir.resolve("missing.wav"))).isInstanceOf(IOException.class);
    }
}

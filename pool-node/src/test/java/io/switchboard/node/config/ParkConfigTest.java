package io.switchboard.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ParkConfigTest {

    @Test
    void defaults() {
        ParkConfig p = ParkConfig.of(NodeConfig.fromString("switchboard.domains = [\"corp.test\", \"b.test\"]"));
        assertThat(p.uri()).isEqualTo("sip:park@corp.test");
        assertThat(p.defaults().pickupTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(p.defaults().maxPickupAttempts()).isEqualTo(1);
        assertThat(p.defaults().onTimeoutUri()).isEmpty();
    }

    @Test
    void reads_every_setting() {
        ParkConfig p = ParkConfig.of(NodeConfig.fromString("""
                switchboard.park.uri = "sip:orbit-service@example.test"
                switchboard.park.pickup-timeout = 10m
                switchboard.park.max-pickup-attempts = 10
                switchboard.park.on-timeout-uri = "sip:operator@example.test"
                """));
        assertThat(p.uri()).isEqualTo("sip:orbit-service@example.test");
        assertThat(p.defaults().pickupTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(p.defaults().maxPickupAttempts()).isEqualTo(10);
        assertThat(p.defaults().onTimeoutUri()).contains("sip:operator@example.test");
    }

    @Test
    void music_on_hold_is_the_generated_default_or_the_configured_wav_file(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        assertThat(ParkConfig.of(NodeConfig.fromString("")).music().length())
                .isEqualTo(
                        io.switchboard.park.media.HoldMusic.generatedDefault().length());
        java.nio.file.Path wav = dir.resolve("hold.wav");
        byte[] pcm = new byte[1600]; // 100 ms of silence, 16-bit 8 kHz mono
        javax.sound.sampled.AudioFormat f = new javax.sound.sampled.AudioFormat(8000, 16, 1, true, false);
        javax.sound.sampled.AudioSystem.write(
                new javax.sound.sampled.AudioInputStream(new java.io.ByteArrayInputStream(pcm), f, 800),
                javax.sound.sampled.AudioFileFormat.Type.WAVE,
                wav.toFile());
        assertThat(ParkConfig.of(NodeConfig.fromString("switchboard.park.music-file = \"" + wav + "\""))
                        .music()
                        .length())
                .isEqualTo(800);
        assertThatThrownBy(() -> ParkConfig.of(
                        NodeConfig.fromString("switchboard.park.music-file = \"" + dir.resolve("none.wav") + "\"")))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.park.music-file");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "switchboard.park.uri = \"park\"                       | switchboard.park.uri",
                "switchboard.park.uri = \"sip:example.test\"           | switchboard.park.uri",
                "switchboard.park.pickup-timeout = 9s                  | switchboard.park.pickup-timeout",
                "switchboard.park.pickup-timeout = 11m                 | switchboard.park.pickup-timeout",
                "switchboard.park.pickup-timeout = soon                | switchboard.park.pickup-timeout",
                "switchboard.park.max-pickup-attempts = 0              | switchboard.park.max-pickup-attempts",
                "switchboard.park.max-pickup-attempts = 11             | switchboard.park.max-pickup-attempts",
                "switchboard.park.on-timeout-uri = \"operator\"        | switchboard.park.on-timeout-uri",
            })
    void bad_values_name_the_key(String line, String key) {
        assertThatThrownBy(() -> ParkConfig.of(NodeConfig.fromString(line)))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining(key);
    }
}

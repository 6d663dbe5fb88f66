package io.switchboard.node.config;

import io.switchboard.park.domain.ParkSettings;
import io.switchboard.park.media.HoldMusic;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code switchboard.park} section (call park, call-park/README.md).
 *
 * @param uri      where phones transfer a call to park it ({@code Refer-To}); by default
 *                 {@code sip:park@} the first of {@code switchboard.domains}
 * @param defaults the pool's pickup timeout, ring-back attempts and fallback; each orbit range may
 *                 override them
 * @param music    music on hold: {@code music-file} (a WAV of 8 kHz mono, read at start), or the
 *                 generated default when that is empty
 */
public record ParkConfig(String uri, ParkSettings defaults, HoldMusic music) {

    public static ParkConfig of(NodeConfig config) {
        ConfigReader p = new ConfigReader(config.raw(), "").at("switchboard").at("park");
        String uri = p.string("uri").trim();
        if (uri.isEmpty()) {
            uri = "sip:park@" + config.domains().get(0);
        } else if (!uri.matches("sips?:[^\\s<>\"@]+@[^\\s<>\"]+")) {
            throw new ConfigError(
                    p.key("uri"), "must be a sip: or sips: URI with a user part, e.g. sip:park@example.test, or empty");
        }
        Duration timeout = p.duration("pickup-timeout", Duration.ZERO);
        ParkSettings.checkTimeout(timeout).ifPresent(e -> {
            throw new ConfigError(p.key("pickup-timeout"), e);
        });
        int attempts = p.integer("max-pickup-attempts", ParkSettings.MIN_ATTEMPTS, ParkSettings.MAX_ATTEMPTS);
        String fallback = p.string("on-timeout-uri").trim();
        ParkSettings.checkUri(fallback).filter(e -> !fallback.isEmpty()).ifPresent(e -> {
            throw new ConfigError(p.key("on-timeout-uri"), e + " (or empty: the call ends)");
        });
        String musicFile = p.string("music-file").trim();
        HoldMusic music;
        try {
            music = musicFile.isEmpty()
                    ? HoldMusic.generatedDefault()
                    : HoldMusic.fromWav(java.nio.file.Path.of(musicFile));
        } catch (java.io.IOException e) {
            throw new ConfigError(p.key("music-file"), e.getMessage() + " (or empty: the generated default)");
        }
        return new ParkConfig(
                uri,
                new ParkSettings(timeout, attempts, fallback.isEmpty() ? Optional.empty() : Optional.of(fallback)),
                music);
    }
}

package io.switchboard.node.config;

import java.time.Duration;

/**
 * The {@code switchboard.drain} section: how long a stopping node may take (io.switchboard.node.Drain).
 *
 * @param timeout         the whole drain: not ready, in-flight transactions, shard handover, leaving
 * @param inFlightTimeout the longest wait for the SIP transactions already taken, part of {@code timeout}
 */
public record DrainConfig(Duration timeout, Duration inFlightTimeout) {

    public static DrainConfig of(NodeConfig config) {
        ConfigReader d = new ConfigReader(config.raw(), "").at("switchboard").at("drain");
        Duration timeout = d.duration("timeout", Duration.ofSeconds(1));
        Duration inFlight = d.duration("in-flight-timeout", Duration.ZERO);
        if (inFlight.compareTo(timeout) >= 0) {
            throw new ConfigError(
                    d.key("in-flight-timeout"),
                    "must be less than switchboard.drain.timeout (" + timeout.toSeconds() + "s), was "
                            + inFlight.toSeconds() + "s: the shard handover needs time too");
        }
        return new DrainConfig(timeout, inFlight);
    }
}

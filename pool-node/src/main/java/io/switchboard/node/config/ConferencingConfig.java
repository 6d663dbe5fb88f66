package io.switchboard.node.config;

import io.switchboard.conference.domain.ConferenceIds;
import java.time.Duration;
import java.util.List;

/**
 * The {@code switchboard.conferencing} section (conferencing-focus/README.md).
 *
 * @param mcus               the mixers (SIP URIs) conferences are bridged to; empty: joins are answered 503
 * @param mcuCheckInterval   how often each node sends OPTIONS to each mixer; an OPTIONS unanswered
 *                           for this long takes the mixer down (conferencing-focus/README.md)
 * @param factoryUser        the conference factory (RFC 4579 section 5.4) is {@code
 *                           sip:<factoryUser>@<each of our domains>}; empty: no factory
 */
public record ConferencingConfig(List<String> mcus, Duration mcuCheckInterval, String factoryUser) {

    static final Duration MIN_CHECK_INTERVAL = Duration.ofMillis(100), MAX_CHECK_INTERVAL = Duration.ofMinutes(10);

    public static ConferencingConfig of(NodeConfig config) {
        ConfigReader c = new ConfigReader(config.raw(), "").at("switchboard").at("conferencing");
        List<String> mcus = c.strings("mcus");
        for (String m : mcus) {
            if (!m.matches("sip:([^\\s<>\"@;]+@)?[^\\s<>\"@;:]+(:\\d{1,5})?(;[^\\s<>\"]*)?")) {
                throw new ConfigError(
                        c.key("mcus"),
                        "must be a list of sip: URIs of conference mixers, e.g. [\"sip:mixer@10.0.0.5:5060\"]; got \""
                                + m + "\"");
            }
        }
        Duration interval = c.duration("mcu-check-interval", Duration.ZERO);
        if (interval.compareTo(MIN_CHECK_INTERVAL) < 0 || interval.compareTo(MAX_CHECK_INTERVAL) > 0) {
            throw new ConfigError(
                    c.key("mcu-check-interval"),
                    "must be between 100ms and 10m (how often each mixer gets OPTIONS), was " + interval.toMillis()
                            + "ms");
        }
        String factory = c.string("factory-user");
        if (!factory.isEmpty()
                && (!factory.matches("[a-z0-9][a-z0-9._-]{0,63}")
                        || ConferenceIds.idOf("sip:" + factory + "@x").isPresent())) {
            throw new ConfigError(
                    c.key("factory-user"),
                    "must be a SIP user part of lower-case letters, digits, '.', '_' and '-' (not a conference's"
                            + " conf-<id>), or empty for no factory; got \"" + factory + "\"");
        }
        return new ConferencingConfig(List.copyOf(mcus), interval, factory);
    }
}

package io.switchboard.node.config;

import java.util.List;

/**
 * The {@code switchboard.conferencing} section (conferencing-focus/README.md).
 *
 * @param mcus the mixers (SIP URIs) conferences are bridged to; empty: joins are answered 503
 */
public record ConferencingConfig(List<String> mcus) {

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
        return new ConferencingConfig(List.copyOf(mcus));
    }
}

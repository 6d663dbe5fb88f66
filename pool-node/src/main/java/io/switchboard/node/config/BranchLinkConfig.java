package io.switchboard.node.config;

import java.time.Duration;

/**
 * How the two ends of a pool-branch link watch each other with OPTIONS (README, "Sites and branches", WAN failure
 * mode): {@code switchboard.branch.pool-check-interval} and {@code pool-down-after}. A branch node watches the pool
 * with them, a pool node each configured branch node, so both ends of a link agree on how long an outage takes to
 * notice.
 *
 * @param checkInterval how often an OPTIONS is sent to each target
 * @param downAfter     how long without any answer before the peer counts as unreachable (at least two
 *                      intervals, so that one late answer never flips it)
 * @param holdDown      {@code switchboard.branch.fail-back-hold-down}: how long the peer must answer after an outage
 *                      before it counts as reachable again (the branch back in normal mode); zero: at once
 * @param trunkUri      {@code switchboard.branch.trunk-uri}: a branch's own trunk (a loose-routing SIP URI, located
 *                      by RFC 3263), where calls to numbers go while the pool does not answer; empty: none
 * @param emergencyNumbers {@code switchboard.branch.emergency-numbers}: numbers a branch node with a trunk always
 *                      sends to it, pool reachable or not (the branch's own PSTN line is where the caller is)
 */
public record BranchLinkConfig(
        Duration checkInterval,
        Duration downAfter,
        Duration holdDown,
        java.util.Optional<String> trunkUri,
        java.util.Set<String> emergencyNumbers) {

    /** An emergency number as dialed: 1 to 15 digits (E.164's length), no separators. */
    private static final java.util.regex.Pattern EMERGENCY = java.util.regex.Pattern.compile("[0-9]{1,15}");

    public static BranchLinkConfig of(NodeConfig config) {
        ConfigReader b = new ConfigReader(config.raw(), "").at("switchboard").at("branch");
        Duration interval = b.duration("pool-check-interval", Duration.ZERO);
        if (interval.compareTo(Duration.ofMillis(100)) < 0) {
            throw new ConfigError(
                    b.key("pool-check-interval"), "must be at least 100ms, was " + interval.toMillis() + "ms");
        }
        Duration downAfter = b.duration("pool-down-after", Duration.ZERO);
        if (downAfter.compareTo(interval.multipliedBy(2)) < 0) {
            throw new ConfigError(
                    b.key("pool-down-after"),
                    "must be at least twice switchboard.branch.pool-check-interval (" + interval.toMillis()
                            + " ms), was " + downAfter.toMillis() + " ms: one late answer must not count as an"
                            + " outage");
        }
        Duration holdDown = b.duration("fail-back-hold-down", Duration.ZERO);
        if (holdDown.isNegative()) {
            throw new ConfigError(
                    b.key("fail-back-hold-down"), "must not be negative, was " + holdDown.toMillis() + "ms");
        }
        java.util.Set<String> emergency = new java.util.LinkedHashSet<>();
        for (String number : b.strings("emergency-numbers")) {
            if (!EMERGENCY.matcher(number).matches()) {
                throw new ConfigError(
                        b.key("emergency-numbers"),
                        "each entry must be the number as dialed, 1 to 15 digits (e.g. \"112\", \"911\"), was \""
                                + number + "\"");
            }
            emergency.add(number);
        }
        String trunk = b.string("trunk-uri").trim();
        if (trunk.isEmpty()) {
            return new BranchLinkConfig(
                    interval, downAfter, holdDown, java.util.Optional.empty(), java.util.Set.copyOf(emergency));
        }
        if (!trunk.matches("sips?:[^\\s<>\"]+")) {
            throw new ConfigError(
                    b.key("trunk-uri"),
                    "must be the trunk's SIP URI, e.g. sip:gw.ams.example.com;transport=tcp, or \"\", was \"" + trunk
                            + "\"");
        }
        try {
            io.switchboard.sip.dns.UriTarget.parse(trunk); // what RFC 3263 resolution reads from it
        } catch (IllegalArgumentException e) {
            throw new ConfigError(b.key("trunk-uri"), e.getMessage());
        }
        if (!trunk.contains(";lr")) {
            trunk = trunk + ";lr"; // a loose-routing Route (RFC 3261 section 16.12)
        }
        return new BranchLinkConfig(
                interval, downAfter, holdDown, java.util.Optional.of(trunk), java.util.Set.copyOf(emergency));
    }
}

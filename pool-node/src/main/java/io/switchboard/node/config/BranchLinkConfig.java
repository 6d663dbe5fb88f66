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
 */
public record BranchLinkConfig(Duration checkInterval, Duration downAfter) {

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
        return new BranchLinkConfig(interval, downAfter);
    }
}

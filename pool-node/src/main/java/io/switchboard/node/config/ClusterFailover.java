package io.switchboard.node.config;

import java.time.Duration;

/**
 * {@code switchboard.cluster.failover}: how fast a crashed member's entities start elsewhere (README,
 * "Cluster settings").
 *
 * @param downCrashedMembers whether a member whose remoting port refuses connections is downed at once,
 *     from a majority only ({@code io.switchboard.node.cluster.DeadMemberDowning}); off leaves every
 *     failure to the split-brain resolver
 * @param downRemovalMargin how long the shard coordinator waits after a member's removal before it
 *     starts that member's shards elsewhere ({@code pekko.cluster.down-removal-margin})
 */
public record ClusterFailover(boolean downCrashedMembers, Duration downRemovalMargin) {

    public static ClusterFailover of(NodeConfig config) {
        ConfigReader c = new ConfigReader(config.raw(), "")
                .at("switchboard")
                .at("cluster")
                .at("failover");
        return new ClusterFailover(
                c.bool("down-crashed-members"), c.duration("down-removal-margin", Duration.ofSeconds(1)));
    }
}

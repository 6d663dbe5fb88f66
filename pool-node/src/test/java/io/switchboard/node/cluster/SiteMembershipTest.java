package io.switchboard.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.config.NodeConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A branch node never stays in another site's Pekko cluster (SiteMembership). */
class SiteMembershipTest {

    static final Duration WAIT = Duration.ofSeconds(60);

    @ParameterizedTest(name = "{0} node of {1} sees roles [{2}]: {3}")
    @CsvSource(
            delimiter = '|',
            value = {
                "branch | ams  | site:ams, node:b2            | ",
                "branch | ams  | site:pool, node:p1           | a node of site pool",
                "branch | ams  | site:osl                     | a node of site osl",
                "branch | ams  | node:p1, sip-node:p1@x:5060  | a node without a site (a pool node of an earlier release)",
                "pool   | pool | site:pool                    | ",
                "pool   | pool | node:p0                      | ",
                "pool   | pool | site:ams                     | a node of site ams",
            })
    void who_may_share_a_cluster(String kind, String site, String roles, String why) {
        Set<String> set = Set.of(roles.split("\\s*,\\s*"));
        assertThat(SiteMembership.conflict(site, kind.equals("branch"), set)).isEqualTo(Optional.ofNullable(why));
    }

    /**
     * A branch node whose seed list names a pool node (a configuration copied from the pool) joins the pool's
     * cluster, sees a member of site pool and leaves; the pool's node stays, alone again.
     */
    @Test
    void a_branch_node_that_joined_the_pools_cluster_leaves_it_and_the_pool_stays() throws Exception {
        ActorSystem<Void> pool = member("p1", 25711, 25711, "pool");
        ActorSystem<Void> branch = null;
        try {
            SiteMembership.start(pool, "pool", false);
            ClusterWaits.awaitUp(pool, 1, WAIT);
            branch = member("branch-ams", 25712, 25711, "ams");
            SiteMembership.start(branch, "ams", true);
            branch.getWhenTerminated().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            long end = System.nanoTime() + WAIT.toNanos();
            while (Cluster.get(pool).state().members().size() > 1 && System.nanoTime() < end) {
                Thread.sleep(100); // the branch's removal reaches the pool's view, with the deadline above
            }
            assertThat(Cluster.get(pool).state().getMembers())
                    .as("the branch left; the pool's node is the only member")
                    .allSatisfy(m -> assertThat(m.address())
                            .isEqualTo(Cluster.get(pool).selfMember().address()));
            assertThat(Cluster.get(pool).selfMember().status()).isEqualTo(MemberStatus.up());
        } finally {
            pool.terminate();
            if (branch != null) {
                branch.terminate();
            }
            pool.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private static ActorSystem<Void> member(String nodeId, int port, int seed, String site) {
        NodeConfig config = NodeConfig.fromString("""
                switchboard.node.id = "%s"
                switchboard.cluster { host = "127.0.0.1", port = %d, seed-nodes = ["127.0.0.1:%d"] }
                """.formatted(nodeId, port, seed));
        return ActorSystem.create(
                Behaviors.empty(),
                PekkoSettings.SYSTEM_NAME,
                PekkoSettings.from(config, List.of(SiteMembership.role(site))));
    }
}

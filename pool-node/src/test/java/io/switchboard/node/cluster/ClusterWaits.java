package io.switchboard.node.cluster;

import java.time.Duration;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/** Waits of the cluster tests that form clusters of bare actor systems. */
final class ClusterWaits {

    private ClusterWaits() {}

    /** Until {@code system} sees exactly {@code members} members Up; fails after {@code wait}. */
    static void awaitUp(ActorSystem<?> system, int members, Duration wait) throws InterruptedException {
        long end = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < end) {
            int up = 0;
            for (var m : Cluster.get(system).state().getMembers()) {
                if (m.status() == MemberStatus.up()) {
                    up++;
                }
            }
            if (up == members) {
                return;
            }
            Thread.sleep(100); // polling, with the deadline above
        }
        throw new AssertionError(members + " members Up within " + wait);
    }
}

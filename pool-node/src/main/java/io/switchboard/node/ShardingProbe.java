package io.switchboard.node;

import java.time.Duration;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.sharding.ClusterSharding;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.pattern.Patterns;

/**
 * Whether this node's registrar shard region reaches the shard coordinator, for readiness ({@link
 * Readiness}): every {@code interval} the region is asked for the current regions, which it
 * forwards to the coordinator; a region that knows no coordinator answers with none. The last
 * answer counts while it is younger than three intervals, so a coordinator that stopped answering
 * turns the node not ready within about that time, without a probe request ever waiting.
 */
final class ShardingProbe {

    private final ActorSystem<Void> system;
    private final String typeName;
    private final Duration interval;
    private volatile long lastOkNanos;
    private volatile String last = "not asked yet";

    ShardingProbe(ActorSystem<Void> system, String typeName, Duration interval) {
        this.system = system;
        this.typeName = typeName;
        this.interval = interval;
    }

    void start() {
        system.scheduler().scheduleWithFixedDelay(Duration.ZERO, interval, this::ask, system.executionContext());
    }

    private void ask() {
        ActorRef region;
        try {
            region = ClusterSharding.get(Adapter.toClassic(system)).shardRegion(typeName);
        } catch (IllegalStateException | IllegalArgumentException notStarted) {
            last = "no " + typeName + " region";
            return;
        }
        Patterns.ask(region, ShardRegion.getCurrentRegionsInstance(), interval).whenComplete((answer, failure) -> {
            if (answer instanceof ShardRegion.CurrentRegions regions
                    && !regions.getRegions().isEmpty()) {
                lastOkNanos = System.nanoTime();
                last = "coordinator reachable (" + regions.getRegions().size() + " regions)";
            } else if (failure != null) {
                last = "coordinator did not answer in " + interval.toMillis() + " ms";
            } else {
                last = "no coordinator known";
            }
        });
    }

    /** Whether the coordinator answered lately. */
    boolean ok() {
        long at = lastOkNanos;
        return at != 0 && System.nanoTime() - at < interval.multipliedBy(3).toNanos();
    }

    /** The last answer, for {@code /health/ready}. */
    String status() {
        return ok() ? last : last + " (not ready)";
    }
}

package io.switchboard.node;

import io.switchboard.node.admin.AdminServer.Reply;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The one definition of "ready" (issue 17, item 4), answered by {@code /health/ready} (and so by
 * the Kubernetes readiness probe, deploy/k8s), used by the SIP edge and by the tests
 * ({@code TestNodes}): a node is ready when it can serve at its normal latency, i.e.
 *
 * <ol>
 *   <li>it is an Up member of the cluster,</li>
 *   <li>its Cassandra session is open (every store prepared its statements when it was built),</li>
 *   <li>its SIP stack listens, and</li>
 *   <li>its {@link WarmUp} completed: rounds of REGISTER, bindings read, presence view and contact
 *       list through sharding to a reserved AOR, the last of them at normal latency, which also
 *       proves that the registrar, presentity and watcher shard regions work,</li>
 *   <li>it reaches a majority of the pool ({@code DeadMemberDowning#inMajority}): a node cut
 *       off in a minority answers 503 at once instead of acknowledging writes that its entities'
 *       successors on the majority side may not see (README, "Cluster settings"),</li>
 *   <li>its registrar shard region reaches the shard coordinator lately ({@link ShardingProbe}),
 *       and</li>
 *   <li>it does not drain ({@link Drain}: a stopping node is not ready from the drain's first
 *       moment on, and stays so).</li>
 * </ol>
 *
 * Until the warm-up completed, the SIP edge answers every request (but ACK) {@code 503} with
 * {@code Retry-After} ({@link #serving()}), so clients that arrive early retry instead of timing
 * out. Once warmed up, a node that leaves the cluster or loses its session reports not ready again
 * (the load balancer or Kubernetes then stops sending to it), while its SIP edge answers what it can.
 */
final class Readiness {

    private final BooleanSupplier clusterUp;
    private final BooleanSupplier storage;
    private final BooleanSupplier sipListening;
    private final BooleanSupplier majority;
    private final BooleanSupplier sharding;
    private final java.util.function.Supplier<String> shardingStatus;
    private volatile boolean draining;
    private volatile boolean warmedUp;
    private volatile String warmUp = "not started";
    private volatile String entityProgress;
    private volatile String sipProgress;

    /** Without the sharding condition (tests of the warm-up). */
    Readiness(BooleanSupplier clusterUp, BooleanSupplier storage, BooleanSupplier sipListening) {
        this(clusterUp, storage, sipListening, () -> true, () -> true, () -> "not checked");
    }

    /** Without the majority condition (tests of the sharding condition). */
    Readiness(
            BooleanSupplier clusterUp,
            BooleanSupplier storage,
            BooleanSupplier sipListening,
            BooleanSupplier sharding,
            java.util.function.Supplier<String> shardingStatus) {
        this(clusterUp, storage, sipListening, () -> true, sharding, shardingStatus);
    }

    /**
     * @param majority       whether this node and the members it reaches are a majority of the pool; cheap
     * @param sharding       whether the shard coordinator answered lately ({@link ShardingProbe#ok()})
     * @param shardingStatus what {@code /health/ready} says about it
     */
    Readiness(
            BooleanSupplier clusterUp,
            BooleanSupplier storage,
            BooleanSupplier sipListening,
            BooleanSupplier majority,
            BooleanSupplier sharding,
            java.util.function.Supplier<String> shardingStatus) {
        this.clusterUp = clusterUp;
        this.storage = storage;
        this.sipListening = sipListening;
        this.majority = majority;
        this.sharding = sharding;
        this.shardingStatus = shardingStatus;
    }

    /** The node drains ({@link Drain}): not ready from now on. */
    void draining() {
        draining = true;
    }

    /** Whether the node drains: the SIP edge then refuses new dialogs (503 + Retry-After). */
    boolean isDraining() {
        return draining;
    }

    /**
     * Whether the SIP edge serves requests: the warm-up has completed and this node is not cut off in a
     * minority. Cheap, for every request.
     */
    boolean serving() {
        return warmedUp && majority.getAsBoolean();
    }

    /** Whether every condition holds. */
    boolean ready() {
        return !draining
                && serving()
                && clusterUp.getAsBoolean()
                && storage.getAsBoolean()
                && sipListening.getAsBoolean()
                && sharding.getAsBoolean();
    }

    /** Progress of the warm-up, shown by {@link #report()}. */
    void warmingUp(int rounds, String last) {
        entityProgress = rounds + " rounds, " + last;
        showProgress();
    }

    /** Progress of the warm-up's SIP requests (SipWarmUp, beside the rounds), shown by {@link #report()}. */
    void warmingUpSip(String progress) {
        sipProgress = progress;
        showProgress();
    }

    private void showProgress() {
        if (!warmedUp) {
            String e = entityProgress;
            String s = sipProgress;
            warmUp = "warming up (" + (e == null ? "" : e) + (e != null && s != null ? "; " : "") + (s == null ? "" : s)
                    + ")";
        }
    }

    void warmedUp() {
        warmUp = "done";
        warmedUp = true;
    }

    /** {@code /health/ready}: 200 when {@link #ready()}, else 503; one line per condition either way. */
    Reply report() {
        boolean up = clusterUp.getAsBoolean();
        boolean store = storage.getAsBoolean();
        boolean sip = sipListening.getAsBoolean();
        boolean most = majority.getAsBoolean();
        boolean shards = sharding.getAsBoolean();
        String body = String.join(
                        "\n",
                        List.of(
                                "cluster member: " + (up ? "up" : "not up"),
                                "storage: " + (store ? "connected" : "not connected"),
                                "sip: " + (sip ? "listening" : "not listening"),
                                "sharding: " + shardingStatus.get(),
                                "warm-up: " + warmUp,
                                "pool majority: " + (most ? "reached" : "not reached"),
                                "drain: " + (draining ? "draining (the node stops)" : "no")))
                + "\n";
        return Reply.text(!draining && warmedUp && up && store && sip && most && shards ? 200 : 503, body);
    }
}

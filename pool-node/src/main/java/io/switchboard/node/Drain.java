package io.switchboard.node;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Gauge;
import io.switchboard.node.config.DrainConfig;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a node stops without dropping work (issue 16; SIGTERM, {@code POST /api/node/drain}, {@code
 * switchboard node drain}, the Kubernetes preStop hook in deploy/k8s/base/statefulset.yaml):
 *
 * <ol>
 *   <li>it reports not ready at once ({@link Readiness#draining()}), and the SIP edge answers new
 *       dialogs 503 with Retry-After (SipFrontEnd#drainWhen), so clients and proxies retry another
 *       node (RFC 3261 section 21.5.4);</li>
 *   <li>the SIP transactions it already took finish, for at most {@code in-flight-timeout};</li>
 *   <li>Pekko's coordinated shutdown hands its shards over ({@code cluster-sharding-shutdown-region}),
 *       leaves the cluster ({@code cluster-leave}, {@code cluster-exiting}) and stops the actor system;</li>
 * </ol>
 *
 * all within {@code switchboard.drain.timeout}. Started once; every later call gets the same result.
 * The SIP and admin listeners stay open until the node is closed, so requests inside dialogs and
 * probes are still answered meanwhile. Logs and exports ({@code switchboard_drain_seconds}) how long
 * it took.
 */
final class Drain {

    private static final Logger LOG = LoggerFactory.getLogger(Drain.class);
    private static final long POLL_MILLIS = 20;

    private final String nodeId;
    private final DrainConfig config;
    private final Runnable notReady;
    private final IntSupplier inFlight;
    private final Supplier<CompletionStage<?>> handOverAndLeave;
    private final Gauge draining;
    private final Gauge seconds;
    private CompletableFuture<Duration> result;

    /**
     * @param notReady          marks the node draining (readiness and the SIP edge's gate)
     * @param inFlight          the SIP server transactions taken and not yet answered finally
     * @param handOverAndLeave  runs the coordinated shutdown: shards handed over, cluster left
     */
    Drain(
            String nodeId,
            DrainConfig config,
            Runnable notReady,
            IntSupplier inFlight,
            Supplier<CompletionStage<?>> handOverAndLeave,
            CollectorRegistry registry) {
        this.nodeId = nodeId;
        this.config = config;
        this.notReady = notReady;
        this.inFlight = inFlight;
        this.handOverAndLeave = handOverAndLeave;
        this.draining = Gauge.build("switchboard_draining", "1 while the node drains (it stops), else 0")
                .register(registry);
        this.seconds = Gauge.build(
                        "switchboard_drain_seconds",
                        "How long the node's drain took: in-flight SIP transactions, shard handover, leaving")
                .register(registry);
    }

    /** Whether a drain has started. */
    synchronized boolean started() {
        return result != null;
    }

    /** Starts the drain once (on its own thread); completes with how long it took. */
    synchronized CompletableFuture<Duration> start() {
        if (result == null) {
            result = new CompletableFuture<>();
            Thread t = new Thread(this::run, "switchboard-drain");
            t.setDaemon(true);
            t.start();
        }
        return result;
    }

    private void run() {
        long start = System.nanoTime();
        long deadline = start + config.timeout().toNanos();
        draining.set(1);
        notReady.run();
        LOG.info(
                "Node {} draining: not ready, new dialogs get 503; {} SIP transactions in flight",
                nodeId,
                inFlight.getAsInt());
        long inFlightDeadline = start + config.inFlightTimeout().toNanos();
        int left = inFlight.getAsInt();
        while (left > 0 && System.nanoTime() - inFlightDeadline < 0) {
            sleep();
            left = inFlight.getAsInt();
        }
        long transactionsDone = System.nanoTime();
        if (left > 0) {
            LOG.warn(
                    "Node {}: {} SIP transactions still in flight after {} (switchboard.drain.in-flight-timeout);"
                            + " handing shards over regardless",
                    nodeId,
                    left,
                    config.inFlightTimeout());
        }
        try {
            handOverAndLeave
                    .get()
                    .toCompletableFuture()
                    .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            LOG.warn(
                    "Node {}: shard handover and leaving not done within {} (switchboard.drain.timeout)",
                    nodeId,
                    config.timeout());
        } catch (Exception e) {
            LOG.warn("Node {}: shard handover and leaving failed: {}", nodeId, e.toString());
        }
        long end = System.nanoTime();
        Duration took = Duration.ofNanos(end - start);
        seconds.set(took.toMillis() / 1000.0);
        LOG.info(
                "Node {} drained in {} ms (in-flight transactions {} ms, shard handover and leaving {} ms)",
                nodeId,
                took.toMillis(),
                Duration.ofNanos(transactionsDone - start).toMillis(),
                Duration.ofNanos(end - transactionsDone).toMillis());
        result.complete(took);
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

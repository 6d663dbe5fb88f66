package io.switchboard.node.cluster;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the process when its cluster member stops without being asked to: the split-brain resolver downed
 * it (it was on the losing side of a partition, or could not take the lease), or the others removed it.
 * Pekko then stops the actor system ({@code pekko.cluster.run-coordinated-shutdown-when-down}), and a
 * stopped actor system never joins again: without this the process would run on, not ready, forever. Its
 * supervisor (Kubernetes restarts the pod's container, systemd with {@code Restart=on-failure}) starts it
 * again, and the new incarnation joins the cluster that stayed. This is Pekko's own advice for a downed
 * node ({@code coordinated-shutdown.exit-jvm}), which we cannot use as is, since a drain also runs the
 * coordinated shutdown and the drained node must keep running until it is stopped.
 */
public final class ExitWhenDowned {

    /** The process's exit status when its member was stopped by the cluster: a failure, so it is restarted. */
    public static final int EXIT_STATUS = 3;

    /**
     * How long the process waits for its actor system to stop once the coordinated shutdown reached its last
     * phase (that phase's own timeout, Pekko's default): cut off from the others, the system may take much
     * longer (we saw more than 100 s, stopping remoting to members whose packets are dropped), and a process
     * that waited for it would stay out of the cluster as long.
     */
    static final Duration TERMINATION_WAIT = Duration.ofSeconds(10);

    private static final Logger log = LoggerFactory.getLogger(ExitWhenDowned.class);

    private ExitWhenDowned() {}

    /**
     * When {@code system}'s coordinated shutdown runs for a reason {@code planned} does not accept (empty when
     * the system was terminated without one), runs {@code exit}, once, on a thread of its own: when the system
     * has stopped, or {@link #TERMINATION_WAIT} after the shutdown's last phase began, whichever comes first,
     * as Pekko's own {@code coordinated-shutdown.exit-jvm} would.
     */
    public static void watch(
            ClassicActorSystemProvider system, Predicate<Optional<CoordinatedShutdown.Reason>> planned, Runnable exit) {
        watch(system, planned, exit, TERMINATION_WAIT);
    }

    /** {@link #watch(ClassicActorSystemProvider, Predicate, Runnable)} with another {@link #TERMINATION_WAIT}. */
    static void watch(
            ClassicActorSystemProvider system,
            Predicate<Optional<CoordinatedShutdown.Reason>> planned,
            Runnable exit,
            Duration terminationWait) {
        CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
        CompletableFuture<Void> terminated =
                system.classicSystem().getWhenTerminated().toCompletableFuture().thenApply(t -> null);
        AtomicBoolean exiting = new AtomicBoolean();
        Runnable exitOnce = () -> {
            Optional<CoordinatedShutdown.Reason> reason = shutdown.getShutdownReason();
            if (planned.test(reason) || !exiting.compareAndSet(false, true)) {
                return;
            }
            log.error(
                    "This node's cluster member stopped ({}): it was downed or removed by the cluster, and a stopped"
                            + " member cannot join again. Exiting with status {} so that it is started again"
                            + " and joins the cluster that stayed.",
                    reason.map(r -> r.getClass().getSimpleName().replace("$", ""))
                            .orElse("actor system terminated"),
                    EXIT_STATUS);
            Thread t = new Thread(exit, "exit-when-downed");
            t.start();
        };
        terminated.thenRun(exitOnce);
        shutdown.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "exit-when-downed", () -> {
            if (!planned.test(shutdown.getShutdownReason())) {
                terminated
                        .completeOnTimeout(null, terminationWait.toMillis(), TimeUnit.MILLISECONDS)
                        .thenRun(exitOnce);
            }
            return CompletableFuture.completedFuture(Done.getInstance());
        });
    }
}

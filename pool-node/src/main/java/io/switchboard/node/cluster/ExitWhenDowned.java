package io.switchboard.node.cluster;

import java.util.Optional;
import java.util.function.Predicate;
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

    private static final Logger log = LoggerFactory.getLogger(ExitWhenDowned.class);

    private ExitWhenDowned() {}

    /**
     * When {@code system} terminates and {@code planned} does not accept the coordinated shutdown's reason
     * (empty when the system was terminated without one), logs why and runs {@code exit} on a thread of its own.
     */
    public static void watch(
            ClassicActorSystemProvider system, Predicate<Optional<CoordinatedShutdown.Reason>> planned, Runnable exit) {
        system.classicSystem().getWhenTerminated().thenRun(() -> {
            Optional<CoordinatedShutdown.Reason> reason =
                    CoordinatedShutdown.get(system).getShutdownReason();
            if (planned.test(reason)) {
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
        });
    }
}

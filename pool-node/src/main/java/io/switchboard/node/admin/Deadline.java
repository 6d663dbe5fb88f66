package io.switchboard.node.admin;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Interrupts a thread blocked in a read when its time is up. The JDK server's channels are
 * blocking {@code SocketChannel}s, which close when a thread blocked on them is interrupted,
 * so the read ends and the client is disconnected. A lock makes {@link #disarm} and the
 * interrupt exclusive: once disarmed, the thread (about to serve something else) is never
 * interrupted by this deadline.
 */
final class Deadline {
    /** Runs every deadline; one daemon thread for all admin servers of the JVM. */
    private static final ScheduledExecutorService TIMER =
            Executors.newSingleThreadScheduledExecutor(AdminServer.daemon("admin-deadlines"));

    private final Thread thread;
    private ScheduledFuture<?> task;
    private int state; // 0 armed, 1 disarmed, 2 fired

    private Deadline(Thread thread) {
        this.thread = thread;
    }

    /** Arms a deadline for the calling thread. */
    static Deadline arm(Duration timeout) {
        Deadline d = new Deadline(Thread.currentThread());
        try {
            d.task = TIMER.schedule(d::fire, timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) { // the server is closing
            d.state = 1;
        }
        return d;
    }

    private synchronized void fire() {
        if (state == 0) {
            state = 2;
            thread.interrupt();
        }
    }

    /** Call on the guarded thread. Whether the deadline struck; its interrupt is then cleared. */
    boolean disarm() {
        boolean fired;
        synchronized (this) {
            if (state == 0) {
                state = 1;
            }
            fired = state == 2;
        }
        if (task != null) {
            task.cancel(false);
        }
        if (fired) {
            Thread.interrupted();
        }
        return fired;
    }
}

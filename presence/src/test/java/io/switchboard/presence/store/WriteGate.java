package io.switchboard.presence.store;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * How the in-memory fake stores complete their writes: at once, only when the test says so
 * ({@link #hold}), or with a failure ({@link #fail}). A write's effect is applied when it
 * completes, as Cassandra's would be visible only once acknowledged.
 */
public final class WriteGate {

    private final ConcurrentLinkedQueue<Runnable> held = new ConcurrentLinkedQueue<>();
    private volatile boolean hold;
    private volatile RuntimeException failWith;

    public void hold(boolean hold) {
        this.hold = hold;
    }

    /** Null to stop failing. */
    public void fail(RuntimeException failure) {
        this.failWith = failure;
    }

    /** Completes the writes held now (not those they cause); returns how many. */
    public int release() {
        int n = held.size();
        for (int i = 0; i < n; i++) {
            held.poll().run();
        }
        return n;
    }

    public int held() {
        return held.size();
    }

    CompletionStage<Void> write(Runnable apply) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable complete = () -> {
            RuntimeException failure = failWith;
            if (failure != null) {
                done.completeExceptionally(failure);
                return;
            }
            apply.run();
            done.complete(null);
        };
        if (hold) {
            held.add(complete);
        } else {
            complete.run();
        }
        return done;
    }
}

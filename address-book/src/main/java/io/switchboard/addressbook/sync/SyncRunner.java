package io.switchboard.addressbook.sync;

import io.switchboard.addressbook.store.AddressBookStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a node's syncs on a thread of their own: on demand ({@link #startNow}) and every {@code interval}.
 * Keeps the status of the latest run (phase, entries read and written, the report or the error) for the admin
 * API and the CLI's progress display. A scheduled run is skipped while a run is going on here, and when any
 * node finished one within 90% of the interval (the store's last run), so the pool reads the directory about
 * once per interval; that compares this node's clock with the other node's stamp, which only spaces syncs and
 * decides nothing else (docs/architecture.md, rule 10). The store's lease keeps two runs from overlapping.
 */
public final class SyncRunner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SyncRunner.class);

    public enum State {
        IDLE,
        RUNNING,
        SUCCEEDED,
        FAILED
    }

    /** The latest run on this node. {@code toWrite} is the number of entry rows to write, once known. */
    public record Status(
            State state,
            String phase,
            long read,
            long written,
            long toWrite,
            Instant started,
            Instant ended,
            SyncReport report,
            String error) {
        static final Status IDLE = new Status(State.IDLE, "", 0, 0, 0, null, null, null, null);
    }

    private final AddressBookSync sync;
    private final AddressBookStore store;
    private final Clock clock;
    private final Outcomes outcomes;
    private final ScheduledExecutorService thread;
    private final AtomicReference<Status> status = new AtomicReference<>(Status.IDLE);
    private final AtomicReference<Instant> nextRun = new AtomicReference<>();

    /** Told how each run ended (on the sync's thread): the node refreshes its files, metrics count. */
    public interface Outcomes {
        void succeeded(SyncReport report);

        default void failed(String message, Duration took) {}
    }

    public SyncRunner(AddressBookSync sync, AddressBookStore store, Clock clock, Outcomes outcomes) {
        this.sync = sync;
        this.store = store;
        this.clock = clock;
        this.outcomes = outcomes;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "address-book-sync");
            t.setDaemon(true);
            return t;
        });
    }

    public Status status() {
        return status.get();
    }

    /** Starts a run unless one is going on here; either way returns the status (RUNNING). */
    public synchronized Status startNow() {
        Status current = status.get();
        if (current.state() == State.RUNNING) {
            return current;
        }
        Status starting = new Status(State.RUNNING, "starting", 0, 0, 0, clock.instant(), null, null, null);
        status.set(starting);
        thread.execute(this::run);
        return starting;
    }

    /** When the next scheduled run is due on this node; empty when none is scheduled. */
    public Optional<Instant> nextRun() {
        return Optional.ofNullable(nextRun.get());
    }

    /** Runs every {@code interval}, the first one after {@code firstDelay}. */
    public void schedule(Duration firstDelay, Duration interval) {
        nextRun.set(clock.instant().plus(firstDelay));
        thread.scheduleWithFixedDelay(
                () -> scheduled(interval), firstDelay.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void scheduled(Duration interval) {
        nextRun.set(clock.instant().plus(interval));
        try {
            Optional<Instant> last = store.lastRun().toCompletableFuture().get(30, TimeUnit.SECONDS);
            if (last.isPresent()
                    && last.get()
                            .isAfter(clock.instant()
                                    .minus(interval.multipliedBy(9).dividedBy(10)))) {
                return;
            }
        } catch (Exception e) {
            LOG.warn("Address book: cannot read when the last sync ran ({}); syncing anyway", e.toString());
        }
        synchronized (this) {
            if (status.get().state() == State.RUNNING) {
                return;
            }
            status.set(new Status(State.RUNNING, "starting", 0, 0, 0, clock.instant(), null, null, null));
        }
        run();
    }

    private void run() {
        Instant started = status.get().started();
        try {
            SyncReport report = sync.run(new AddressBookSync.Progress() {
                @Override
                public void phase(String phase) {
                    status.updateAndGet(s -> new Status(
                            State.RUNNING, phase, s.read(), s.written(), s.toWrite(), started, null, null, null));
                }

                @Override
                public void read(long entries) {
                    status.updateAndGet(s -> new Status(
                            State.RUNNING, s.phase(), entries, s.written(), s.toWrite(), started, null, null, null));
                }

                @Override
                public void written(long done, long total) {
                    status.updateAndGet(s ->
                            new Status(State.RUNNING, s.phase(), s.read(), done, total, started, null, null, null));
                }
            });
            LOG.info("Address book sync: {}", report.describe().strip());
            // before the status says so: whoever sees SUCCEEDED sees what succeeded() did (the node's fresh files)
            outcomes.succeeded(report);
            Status s = status.get();
            status.set(new Status(
                    State.SUCCEEDED,
                    "done",
                    s.read(),
                    s.written(),
                    s.toWrite(),
                    started,
                    clock.instant(),
                    report,
                    null));
        } catch (SyncFailed e) {
            fail(started, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("Address book sync failed", e);
            fail(started, e.toString());
        }
    }

    private void fail(Instant started, String message) {
        Instant ended = clock.instant();
        try {
            outcomes.failed(message, Duration.between(started, ended));
        } catch (RuntimeException e) {
            LOG.warn("Address book: reporting a failed sync failed", e);
        }
        Status s = status.get();
        status.set(new Status(
                State.FAILED, s.phase(), s.read(), s.written(), s.toWrite(), started, clock.instant(), null, message));
        LOG.warn("Address book sync failed: {}", message);
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}

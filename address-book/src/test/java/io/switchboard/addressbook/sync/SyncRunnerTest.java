package io.switchboard.addressbook.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.addressbook.domain.Attribute;
import io.switchboard.addressbook.domain.DirectoryEntry;
import io.switchboard.addressbook.numbers.NumberRules;
import io.switchboard.addressbook.source.DirectorySource;
import io.switchboard.addressbook.source.SourceException;
import io.switchboard.addressbook.source.SourceRead;
import io.switchboard.addressbook.store.InMemoryAddressBookStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.Test;

class SyncRunnerTest {

    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean fail;

    private final DirectorySource source = new DirectorySource() {
        @Override
        public SourceRead read(LongConsumer progress) throws SourceException {
            progress.accept(1);
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (fail) {
                throw new SourceException("LDAP bind as cn=sync failed: invalid credentials");
            }
            return new SourceRead(List.of(new DirectoryEntry("cn=a", Map.of(Attribute.DISPLAY_NAME, "A"))), List.of());
        }

        @Override
        public String describe() {
            return "test";
        }
    };

    private SyncRunner runner(List<SyncReport> reports, InMemoryAddressBookStore store) {
        AddressBookSync sync = new AddressBookSync(
                source,
                () -> NumberRules.NONE,
                List::of,
                store,
                AddressBookSync.Settings.DEFAULTS,
                Clock.systemUTC(),
                "node-1");
        return new SyncRunner(sync, store, Clock.systemUTC(), reports::add);
    }

    private static SyncRunner.Status awaitEnd(SyncRunner runner) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (runner.status().state() == SyncRunner.State.RUNNING && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return runner.status();
    }

    @Test
    void aRunShowsItsProgressThenItsReport() throws Exception {
        List<SyncReport> reports = new ArrayList<>();
        try (SyncRunner runner = runner(reports, new InMemoryAddressBookStore(Clock.systemUTC()))) {
            assertThat(runner.status().state()).isEqualTo(SyncRunner.State.IDLE);
            SyncRunner.Status started = runner.startNow();
            assertThat(started.state()).isEqualTo(SyncRunner.State.RUNNING);
            // a second request while it runs joins the running one
            assertThat(runner.startNow().started()).isEqualTo(started.started());
            release.countDown();
            SyncRunner.Status done = awaitEnd(runner);
            assertThat(done.state()).isEqualTo(SyncRunner.State.SUCCEEDED);
            assertThat(done.read()).isEqualTo(1);
            assertThat(done.written()).isEqualTo(1);
            assertThat(done.report().version()).isEqualTo(1);
            assertThat(reports).hasSize(1);
        }
    }

    @Test
    void aFailedRunKeepsItsMessage() throws Exception {
        fail = true;
        release.countDown();
        List<SyncReport> reports = new ArrayList<>();
        try (SyncRunner runner = runner(reports, new InMemoryAddressBookStore(Clock.systemUTC()))) {
            runner.startNow();
            SyncRunner.Status done = awaitEnd(runner);
            assertThat(done.state()).isEqualTo(SyncRunner.State.FAILED);
            assertThat(done.error()).isEqualTo("LDAP bind as cn=sync failed: invalid credentials");
            assertThat(reports).isEmpty();
        }
    }

    @Test
    void aScheduledRunIsSkippedWhenAnotherNodeRanOneWithinTheInterval() throws Exception {
        release.countDown();
        InMemoryAddressBookStore store = new InMemoryAddressBookStore(Clock.systemUTC());
        store.recordRun(Clock.systemUTC().instant(), "node-2")
                .toCompletableFuture()
                .join();
        List<SyncReport> reports = new ArrayList<>();
        try (SyncRunner runner = runner(reports, store)) {
            runner.schedule(Duration.ZERO, Duration.ofHours(1));
            Thread.sleep(300);
            assertThat(runner.status().state()).isEqualTo(SyncRunner.State.IDLE);
        }
        store.recordRun(Clock.systemUTC().instant().minus(Duration.ofHours(2)), "node-2")
                .toCompletableFuture()
                .join();
        try (SyncRunner runner = runner(reports, store)) {
            runner.schedule(Duration.ZERO, Duration.ofHours(1));
            // the scheduled run starts on the runner's own thread: wait for it to leave IDLE, not a fixed time
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (runner.status().state() == SyncRunner.State.IDLE && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(awaitEnd(runner).state()).isEqualTo(SyncRunner.State.SUCCEEDED);
        }
    }
}

package io.switchboard.node.metrics;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import io.prometheus.client.Histogram;
import io.switchboard.addressbook.files.BookServer;
import io.switchboard.addressbook.store.AddressBookStore;
import io.switchboard.addressbook.sync.SyncReport;
import io.switchboard.addressbook.sync.SyncRunner;
import java.time.Duration;

/**
 * The address book's metrics on the node's registry: the committed version and its entries and files as this
 * node last read them, this node's syncs (count by result, the last one's duration), and searches (count by
 * status, latency).
 */
public final class AddressBookMetrics implements SyncRunner.Outcomes {

    private final Counter syncs;
    private final Gauge lastSyncSeconds;
    private final Counter searches;
    private final Histogram searchLatency;

    public AddressBookMetrics(NodeMetrics node, BookServer files) {
        CollectorRegistry registry = node.registry();
        syncs = Counter.build(
                        "switchboard_address_book_syncs_total",
                        "Address book syncs run on this node, by result (succeeded, failed)")
                .labelNames("result")
                .register(registry);
        syncs.labels("succeeded");
        syncs.labels("failed");
        lastSyncSeconds = Gauge.build(
                        "switchboard_address_book_last_sync_seconds",
                        "How long this node's last address book sync took, succeeded or not")
                .register(registry);
        searches = Counter.build("switchboard_address_book_searches_total", "Address book searches, by HTTP status")
                .labelNames("status")
                .register(registry);
        searchLatency = Histogram.build(
                        "switchboard_address_book_search_latency_seconds",
                        "Time to answer an address book search (indexing a new version included)")
                .buckets(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 2, 10)
                .register(registry);
        gauge(
                registry,
                "switchboard_address_book_version",
                "The committed address book version this node last read",
                () -> files.lastKnownState()
                        .map(AddressBookStore.BookState::version)
                        .orElse(0L));
        gauge(
                registry,
                "switchboard_address_book_entries",
                "Entries of that version",
                () -> files.lastKnownState()
                        .map(AddressBookStore.BookState::count)
                        .orElse(0L));
        gauge(registry, "switchboard_address_book_files", "Files of that version: the full file and the deltas", () ->
                (long) files.lastKnownFiles());
    }

    private static void gauge(CollectorRegistry registry, String name, String help, java.util.function.LongSupplier v) {
        Gauge.build(name, help)
                .create()
                .setChild(new Gauge.Child() {
                    @Override
                    public double get() {
                        return v.getAsLong();
                    }
                })
                .register(registry);
    }

    @Override
    public void succeeded(SyncReport report) {
        syncs.labels("succeeded").inc();
        lastSyncSeconds.set(report.took().toMillis() / 1000.0);
    }

    @Override
    public void failed(String message, Duration took) {
        syncs.labels("failed").inc();
        lastSyncSeconds.set(took.toMillis() / 1000.0);
    }

    public void searched(int status, long elapsedNanos) {
        searches.labels(String.valueOf(status)).inc();
        searchLatency.observe(elapsedNanos / 1e9);
    }
}

package io.switchboard.node;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.accounts.domain.Account;
import io.switchboard.accounts.store.AccountPage;
import io.switchboard.accounts.store.AccountStore;
import io.switchboard.addressbook.domain.OwnAccount;
import io.switchboard.addressbook.files.BookServer;
import io.switchboard.addressbook.search.BookSearch;
import io.switchboard.addressbook.source.CsvSource;
import io.switchboard.addressbook.source.DirectorySource;
import io.switchboard.addressbook.source.LdapSource;
import io.switchboard.addressbook.store.CassandraAddressBookStore;
import io.switchboard.addressbook.sync.AddressBookSync;
import io.switchboard.addressbook.sync.SyncReport;
import io.switchboard.addressbook.sync.SyncRunner;
import io.switchboard.node.admin.AddressBookApi;
import io.switchboard.node.config.AddressBookConfig;
import io.switchboard.node.metrics.AddressBookMetrics;
import io.switchboard.node.metrics.NodeMetrics;
import io.switchboard.storage.VersionedSchema;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The address book side of a node: its tables, the file server, search, and the sync runner with its schedule.
 * With {@code switchboard.address-book.source = none} the address book is off on this node: no tables are
 * created and its endpoints answer 404 saying so. Every node of a pool that serves the address book names the
 * source (they share one sync: the lease and the last run in Cassandra).
 */
final class AddressBookWiring implements AutoCloseable {

    /** How long a node trusts the committed version it read before reading it again. */
    private static final Duration STATE_TTL = Duration.ofSeconds(2);

    private static final int ACCOUNT_PAGE = 1000;

    private final BookServer files;
    private final SyncRunner runner;
    private final AddressBookApi api;

    private AddressBookWiring(BookServer files, SyncRunner runner, AddressBookApi api) {
        this.files = files;
        this.runner = runner;
        this.api = api;
    }

    static AddressBookWiring start(
            AddressBookConfig config,
            CqlSession session,
            AccountStore accounts,
            List<String> domains,
            String nodeId,
            NodeMetrics nodeMetrics,
            Clock clock) {
        if (!config.enabled()) {
            // off on this node: no tables (a node start costs no schema work), the endpoints say so
            return new AddressBookWiring(null, null, AddressBookApi.off());
        }
        PoolSchema.addressBook().ensure(session, VersionedSchema.defaultHolder(), VersionedSchema.Settings.defaults());
        CassandraAddressBookStore store = new CassandraAddressBookStore(session);
        BookServer files = new BookServer(store, AddressBookApi.USER_PREFIX, clock, STATE_TTL);
        AddressBookMetrics metrics = new AddressBookMetrics(nodeMetrics, files);
        DirectorySource source = config.source() == AddressBookConfig.Source.LDAP
                ? new LdapSource(config.ldap().orElseThrow())
                : new CsvSource(config.csvFile().orElseThrow(), config.mapping());
        AddressBookSync sync = new AddressBookSync(
                source,
                config::rules,
                () -> ownAccounts(accounts, domains),
                store,
                new AddressBookSync.Settings(
                        config.includeAccounts(),
                        AddressBookSync.Settings.DEFAULTS.maxDeltaRatio(),
                        config.fileRetention(),
                        AddressBookSync.Settings.DEFAULTS.maxDeltaBases(),
                        AddressBookSync.Settings.DEFAULTS.leaseTtl(),
                        AddressBookSync.Settings.DEFAULTS.storeTimeout(),
                        config.visibility()),
                clock,
                nodeId);
        SyncRunner runner = new SyncRunner(sync, store, clock, new SyncRunner.Outcomes() {
            @Override
            public void succeeded(SyncReport report) {
                files.refresh();
                metrics.succeeded(report);
            }

            @Override
            public void failed(String message, Duration took) {
                metrics.failed(message, took);
            }
        });
        runner.schedule(config.firstSyncDelay(), config.syncInterval());
        BookSearch search = new BookSearch(store, config.rules(), clock, STATE_TTL);
        return new AddressBookWiring(files, runner, new AddressBookApi(files, search, runner, config.rules(), metrics));
    }

    /** Every account of the pool's domains, page by page (on the sync's own thread). */
    private static List<OwnAccount> ownAccounts(AccountStore accounts, List<String> domains) throws Exception {
        List<OwnAccount> all = new ArrayList<>();
        for (String domain : domains) {
            String after = "";
            while (true) {
                AccountPage page = accounts.list(domain, after, ACCOUNT_PAGE)
                        .toCompletableFuture()
                        .get(60, TimeUnit.SECONDS);
                for (Account a : page.accounts()) {
                    all.add(new OwnAccount(a.aor(), a.displayName(), a.phone()));
                }
                Optional<String> next = page.next();
                if (next.isEmpty()) {
                    break;
                }
                after = next.get();
            }
        }
        return all;
    }

    AddressBookApi api() {
        return api;
    }

    @Override
    public void close() {
        if (runner != null) {
            runner.close();
        }
    }
}

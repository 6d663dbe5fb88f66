package io.switchboard.node.site;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.accounts.store.CassandraAccountStore;
import io.switchboard.proxy.store.CassandraCallSettingsStore;
import io.switchboard.registrar.store.CassandraSiteBindings;

/**
 * The stores of one branch site's users, on a session whose keyspace is the site's
 * ({@link SiteKeyspaces}); closing closes the session. Bindings are kept per writing site
 * ({@link CassandraSiteBindings}): each site's registrar writes its own rows, lookups merge them.
 */
public record SiteStores(
        CqlSession session,
        CassandraAccountStore accounts,
        CassandraSiteBindings bindings,
        CassandraCallSettingsStore callSettings)
        implements AutoCloseable {

    /** Prepares every store's statements on {@code session} (blocking). */
    public static SiteStores of(CqlSession session) {
        return new SiteStores(
                session,
                CassandraAccountStore.forSessionKeyspace(session),
                new CassandraSiteBindings(session),
                CassandraCallSettingsStore.forSessionKeyspace(session));
    }

    @Override
    public void close() {
        session.close();
    }
}

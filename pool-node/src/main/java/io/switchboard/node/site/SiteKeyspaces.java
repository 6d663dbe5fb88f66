package io.switchboard.node.site;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.servererrors.QueryConsistencyException;
import io.switchboard.accounts.store.CassandraAccountStore;
import io.switchboard.node.config.SitesConfig;
import io.switchboard.proxy.store.CassandraCallSettingsStore;
import io.switchboard.registrar.store.CassandraBindingStore;
import io.switchboard.registrar.store.CassandraSiteBindings;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.CassandraSettings;
import io.switchboard.storage.VersionedSchema;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keyspace of a branch site's users (README, "Sites and branches"): the state a branch node needs to
 * serve its users on its own, replicated by Cassandra to the pool's data center and to that branch's data
 * center only, never to another branch.
 *
 * <p>Layout. {@code <storage.keyspace>} (e.g. {@code switchboard}) stays the pool's: replicated to the pool's
 * DC only, it holds everything a branch does not serve (presence, conferences, call park, the address book,
 * owner epochs, the schema row) and every user's account as the pool's directory (with each user's home
 * site). {@code <storage.keyspace>_site_<name>} (e.g. {@code switchboard_site_ams}) is replicated with
 * {@code NetworkTopologyStrategy} {@code {<pool DC>: sites.pool-replicas, <branch DC>: 1}} and holds, for
 * the users homed at that site: their accounts (the branch authenticates them), their bindings (the branch
 * is their registrar) and their call settings (forwarding and simultaneous ring work at the branch). Its
 * tables are the same scripts as the pool's, applied as a schema of their own ({@link #schema}, row
 * {@value #SCHEMA_ROW} of the site keyspace's {@code schema_version}).
 *
 * <p>Consistency. Each side reads and writes at the session's LOCAL_QUORUM (or LOCAL_ONE) in its own DC,
 * with its own DC as the driver's local DC: a branch write needs only the branch's replica (one node: a
 * quorum of one) and a pool write only the pool DC's quorum, so neither waits on the WAN. Cassandra copies
 * each write to the other DC (hints and repair cover an outage); nothing of ours replicates anything.
 *
 * <p>Creating a site's keyspace needs its data center to exist: Cassandra refuses a
 * NetworkTopologyStrategy that names an unknown DC. So the branch's Cassandra node joins first, then the
 * keyspace is created ({@link #open}).
 */
public final class SiteKeyspaces {

    private static final Logger LOG = LoggerFactory.getLogger(SiteKeyspaces.class);

    /** The row of {@code schema_version}, in the site keyspace, that records the site schema's version. */
    public static final String SCHEMA_ROW = "site";

    /**
     * The site schema's version: bumped whenever a script below changes or one is added. Version 2 added
     * {@code site_bindings} (bindings keyed by the site that wrote them, {@link CassandraSiteBindings}); the
     * version-1 table {@code bindings} stays, read as the branch's rows until they expire.
     */
    public static final int SCHEMA_VERSION = 2;

    private SiteKeyspaces() {}

    /** {@code {'class': 'NetworkTopologyStrategy', '<poolDc>': poolReplicas, '<branchDc>': 1}}. */
    public static String replication(String poolDc, int poolReplicas, String branchDc) {
        Map<String, Integer> perDc = new LinkedHashMap<>();
        perDc.put(poolDc, poolReplicas);
        perDc.put(branchDc, 1);
        if (perDc.size() != 2) {
            throw new IllegalArgumentException("the branch's data center must not be the pool's: " + poolDc);
        }
        return CassandraSettings.networkTopology(perDc);
    }

    /** The tables of a site keyspace, applied once per version (see the class comment). */
    public static VersionedSchema schema() {
        return new VersionedSchema(
                SCHEMA_ROW,
                SCHEMA_VERSION,
                List.of(
                        VersionedSchema.resource(CassandraBindingStore.class, CassandraBindingStore.SCHEMA),
                        VersionedSchema.resource(CassandraAccountStore.class, CassandraAccountStore.SCHEMA_RESOURCE),
                        VersionedSchema.resource(
                                CassandraAccountStore.class, CassandraAccountStore.HOME_SITE_SCHEMA_RESOURCE),
                        VersionedSchema.resource(
                                CassandraCallSettingsStore.class, CassandraCallSettingsStore.SCHEMA_RESOURCE),
                        VersionedSchema.resource(CassandraSiteBindings.class, CassandraSiteBindings.SCHEMA)));
    }

    /**
     * The settings of a session on {@code branch}'s keyspace, for a process whose own storage settings are
     * {@code own} (its contact points, local DC, consistency, credentials and TLS are kept).
     *
     * @param poolDc the pool's data center ({@code sites.pool-dc}, or the pool's storage local DC)
     */
    public static CassandraSettings settings(
            CassandraSettings own, SitesConfig sites, SitesConfig.Branch branch, String poolDc) {
        return new CassandraSettings(
                own.contactPoints(),
                own.localDc(),
                SitesConfig.siteKeyspace(own.keyspace(), branch.name()),
                replication(poolDc, sites.poolReplicas(), branch.dc()),
                own.consistency(),
                own.credentials(),
                own.tls());
    }

    /**
     * Connects to the site keyspace (creating it if missing), makes sure the site schema is applied (the
     * first party applies it under the schema lock, others wait) and returns the site's stores. Blocking:
     * call at startup.
     */
    public static SiteStores open(CassandraSettings siteSettings) {
        CqlSession session = CassandraSessions.connect(siteSettings);
        try {
            ensureSchema(session);
            return SiteStores.of(session);
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /** Attempts at the site schema before giving up (see {@link #ensureSchema}). */
    static final int SCHEMA_ATTEMPTS = 3;

    /**
     * The site schema's lock and version are lightweight transactions at SERIAL (VersionedSchema): a Paxos
     * round that needs a replica in each DC, so a peer DC that is busy or just started can time it out
     * (seen on a loaded 2-core machine). Such a timeout decided nothing (the next attempt reads the row
     * again), so it is tried again, a few times; anything else fails at once.
     */
    static void ensureSchema(CqlSession session) {
        for (int attempt = 1; ; attempt++) {
            try {
                schema().ensure(session, VersionedSchema.defaultHolder(), VersionedSchema.Settings.defaults());
                return;
            } catch (QueryConsistencyException | DriverTimeoutException e) {
                if (attempt >= SCHEMA_ATTEMPTS) {
                    throw e;
                }
                LOG.warn(
                        "Site schema of keyspace {}: attempt {} timed out ({}); trying again",
                        session.getKeyspace().map(Object::toString).orElse("?"),
                        attempt,
                        e.toString());
            }
        }
    }
}

package io.switchboard.node.site;

import io.switchboard.proxy.domain.CallSettings;
import io.switchboard.proxy.store.CallSettingsStore;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where a pool node keeps the call settings of the users homed at each site (README, "Sites and branches"): a
 * branch user's in her site's keyspace (replicated to the branch's data center, where the branch node's proxy reads
 * them, so forwarding and simultaneous ring work there during a WAN outage), everyone else's in the pool's keyspace.
 * Only the pool writes them (a branch node's admin API refuses changes), so each row has one writer.
 *
 * <p>Rows from before this: a branch user's settings written when the pool still kept them in its own keyspace (or
 * while her site keyspace was not open) are still read there when her site keyspace has no row, and the next change
 * at the pool writes the site row and removes the pool's (so she then has exactly one row, at her site). A pool
 * node's start copies them over before any change ({@link CallSettingsCarryOver}), for users whose accounts the site
 * keyspace holds.
 *
 * <p>Sites are named as accounts name them: empty (or a site whose keyspace this node did not open) is the pool.
 */
public final class SiteCallSettings {

    private final CallSettingsStore pool;
    private final Map<String, ? extends CallSettingsStore> sites;

    /**
     * @param pool  the pool keyspace's call settings
     * @param sites each open branch site's, in its site keyspace
     */
    public SiteCallSettings(CallSettingsStore pool, Map<String, ? extends CallSettingsStore> sites) {
        this.pool = pool;
        this.sites = Map.copyOf(sites);
    }

    /** The branch store of {@code site}, empty for the pool (also for a branch whose keyspace is not open here). */
    Optional<CallSettingsStore> branch(String site) {
        return site == null || site.isEmpty() ? Optional.empty() : Optional.ofNullable(sites.get(site));
    }

    /** The settings of {@code aor}, homed at {@code site}: the site row, else the pool row (from before). */
    CompletionStage<Optional<CallSettings>> find(String aor, String site, boolean latest) {
        Optional<CallSettingsStore> branch = branch(site);
        if (branch.isEmpty()) {
            return latest ? pool.findLatest(aor) : pool.find(aor);
        }
        CompletionStage<Optional<CallSettings>> atSite =
                latest ? branch.get().findLatest(aor) : branch.get().find(aor);
        return atSite.thenCompose(found -> found.isPresent()
                ? CompletableFuture.completedFuture(found)
                : latest ? pool.findLatest(aor) : pool.find(aor));
    }

    /** Stores {@code settings} of a user homed at {@code site}; a branch user's pool row (from before) goes. */
    CompletionStage<Void> put(CallSettings settings, String site) {
        Optional<CallSettingsStore> branch = branch(site);
        if (branch.isEmpty()) {
            return pool.put(settings);
        }
        // the site row first: a failure in between leaves the old pool row unread behind the new site row
        return branch.get().put(settings).thenCompose(done -> pool.delete(settings.aor()));
    }

    /** Clears the settings of a user homed at {@code site}, in both places for a branch user. */
    CompletionStage<Void> delete(String aor, String site) {
        Optional<CallSettingsStore> branch = branch(site);
        if (branch.isEmpty()) {
            return pool.delete(aor);
        }
        return branch.get().delete(aor).thenCompose(done -> pool.delete(aor));
    }

    /**
     * The first half of moving a user from site {@code from} to {@code to}: her settings, wherever they are read
     * now, are written where they will be read after the move. Called before her account's home site changes, so
     * that every node finds them whichever home site its account cache still holds.
     */
    public CompletionStage<Void> copyForMove(String aor, String from, String to) {
        return find(aor, from, true).thenCompose(found -> {
            if (found.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            Optional<CallSettingsStore> target = branch(to);
            return target.isPresent() ? target.get().put(found.get()) : pool.put(found.get());
        });
    }

    /**
     * The second half, once her account says {@code to}: removes what {@link #copyForMove} left behind, the row at
     * the branch she left and, unless she moved to the pool, her pool row.
     */
    public CompletionStage<Void> removeAfterMove(String aor, String from, String to) {
        Optional<CallSettingsStore> left = branch(from);
        CompletionStage<Void> atLeft =
                left.isPresent() && !from.equals(to) ? left.get().delete(aor) : CompletableFuture.completedFuture(null);
        return atLeft.thenCompose(
                done -> branch(to).isPresent() ? pool.delete(aor) : CompletableFuture.completedFuture(null));
    }

    /** The call settings store that routes each AOR by her home site ({@link HomeSites}). */
    public CallSettingsStore routedBy(HomeSites homeSites) {
        return new Routed(homeSites);
    }

    private final class Routed implements CallSettingsStore {

        private final HomeSites homeSites;

        Routed(HomeSites homeSites) {
            this.homeSites = homeSites;
        }

        private CompletionStage<String> siteOf(String aor) {
            return homeSites.of(CallSettings.canonicalAor(aor)).thenApply(site -> site.orElse(""));
        }

        @Override
        public CompletionStage<Optional<CallSettings>> find(String aor) {
            return siteOf(aor).thenCompose(site -> SiteCallSettings.this.find(aor, site, false));
        }

        @Override
        public CompletionStage<Optional<CallSettings>> findLatest(String aor) {
            return siteOf(aor).thenCompose(site -> SiteCallSettings.this.find(aor, site, true));
        }

        @Override
        public CompletionStage<Void> put(CallSettings settings) {
            return siteOf(settings.aor()).thenCompose(site -> SiteCallSettings.this.put(settings, site));
        }

        @Override
        public CompletionStage<Void> delete(String aor) {
            return siteOf(aor).thenCompose(site -> SiteCallSettings.this.delete(aor, site));
        }
    }
}

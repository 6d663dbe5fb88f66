package io.switchboard.node.site;

import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.location.Locations;
import io.switchboard.registrar.store.CassandraSiteBindings;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Lookups on a pool node with branch sites (README, "Sites and branches"): a user homed at a branch registers at
 * the branch node, whose registrar entity (in the branch's own cluster) writes the site keyspace; a pool entity
 * for that user would hold a copy that goes stale with the branch's next REGISTER. So the pool reads a branch
 * user's bindings from the site keyspace ({@code stored}) and never starts an entity for the lookup; pool
 * users' go through their entity as before ({@code pool}). {@code stored} merges every site's rows of the user
 * (CassandraSiteBindings): the branch's, and the pool's own while her phone has failed over to the pool, whose
 * registrar entity for her holds only those rows and passivates like any other once she is gone.
 */
public final class SiteLocations implements Locations {

    private final Locations pool;
    private final Locations stored;
    private final HomeSites homeSites;

    public SiteLocations(Locations pool, Locations stored, HomeSites homeSites) {
        this.pool = pool;
        this.stored = stored;
        this.homeSites = homeSites;
    }

    /**
     * A branch node's lookups: its registrar entity's bindings (the rows the branch wrote) merged with every
     * site's stored rows ({@code everySite}), so a user still registered at the pool after her phone failed over
     * there is found too ({@link CassandraSiteBindings#union}).
     */
    public static Locations merging(Locations own, Locations everySite) {
        return aor -> own.lookup(aor)
                .thenCombine(everySite.lookup(aor), (mine, all) -> CassandraSiteBindings.union(List.of(all, mine)));
    }

    @Override
    public CompletionStage<List<Binding>> lookup(String aor) {
        return homeSites.of(aor).thenCompose(site -> site.isPresent() ? stored.lookup(aor) : pool.lookup(aor));
    }
}

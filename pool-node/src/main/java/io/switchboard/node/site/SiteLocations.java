package io.switchboard.node.site;

import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.location.Locations;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Lookups on a pool node with branch sites (README, "Sites and branches"): a user homed at a branch registers at
 * the branch node, whose registrar entity (in the branch's own cluster) writes the site keyspace; a pool entity
 * for that user would hold a copy that goes stale with the branch's next REGISTER. So the pool reads a branch
 * user's bindings from the site keyspace ({@code stored}) and never starts an entity for the lookup; pool
 * users' go through their entity as before ({@code pool}).
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

    @Override
    public CompletionStage<List<Binding>> lookup(String aor) {
        return homeSites.of(aor).thenCompose(site -> site.isPresent() ? stored.lookup(aor) : pool.lookup(aor));
    }
}

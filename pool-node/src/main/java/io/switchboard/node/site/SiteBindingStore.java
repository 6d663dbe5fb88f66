package io.switchboard.node.site;

import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.BindingKey;
import io.switchboard.registrar.store.BindingStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A pool node's bindings when the pool has branch sites (README, "Sites and branches"): those of a user homed at
 * a branch are read and written in that site's keyspace (replicated to the branch's data center, where the
 * branch node is their registrar), everyone else's in the pool's keyspace as before. The home site comes from
 * the pool's directory ({@link HomeSites}); one AOR's rows are always in one keyspace, so a load sees every row
 * a write of the same routing made. In a site keyspace the stores given are either the pool site's own rows
 * (for the registrar entity: {@code CassandraSiteBindings.writtenBy}) or every site's merged (for lookups:
 * {@code merged}), never both in one instance.
 *
 * <p>Why a router and not a keyspace column: the stores stay the ones the registrar tests prove, the pool-only
 * deployment does not construct this class at all (its bindings go straight to its keyspace, unchanged), and a
 * branch node needs no router (all its users are in its site keyspace).
 */
public final class SiteBindingStore implements BindingStore {

    private final BindingStore pool;
    private final Map<String, ? extends BindingStore> sites;
    private final HomeSites homeSites;

    public SiteBindingStore(BindingStore pool, Map<String, ? extends BindingStore> sites, HomeSites homeSites) {
        this.pool = pool;
        this.sites = Map.copyOf(sites);
        this.homeSites = homeSites;
    }

    private CompletionStage<BindingStore> storeOf(String aor) {
        return homeSites.of(aor).thenApply(this::storeAt);
    }

    BindingStore storeAt(Optional<String> site) {
        return site.<BindingStore>map(sites::get).orElse(pool);
    }

    @Override
    public CompletionStage<List<Binding>> load(String aor) {
        return storeOf(aor).thenCompose(store -> store.load(aor));
    }

    @Override
    public CompletionStage<Void> write(
            String aor, List<Binding> upserts, List<BindingKey> removals, Instant now, WriteStamp stamp) {
        return storeOf(aor).thenCompose(store -> store.write(aor, upserts, removals, now, stamp));
    }
}

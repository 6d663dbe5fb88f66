package io.switchboard.registrar.location;

import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.entity.RegistrarClient;
import io.switchboard.registrar.entity.RegistrarEntity;
import io.switchboard.registrar.store.BindingStore;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The registrar's location service as other modules see it (RFC 3261 section 10.2 calls it the
 * abstract location service): where an address of record can be reached now. A narrow read-only
 * view, so a caller such as the proxy needs neither the registrar entity's messages nor how they
 * travel through the cluster.
 */
public interface Locations {

    /**
     * The current bindings of {@code aor} ({@code sip:user@domain}, domain lower case), possibly
     * none. The stage fails when the bindings cannot be read now (the registrar entity is
     * unavailable); it never blocks the caller, and its callbacks run on the thread that completes
     * it (see {@link RegistrarClient}).
     */
    CompletionStage<List<Binding>> lookup(String aor);

    /**
     * Lookups through {@code registrar}; with {@link RegistrarClient#readingThroughToStore} they
     * keep working while the node owning the entity is lost.
     */
    static Locations over(RegistrarClient registrar) {
        return aor -> registrar.bindings(aor).thenApply(reply -> {
            if (reply instanceof RegistrarEntity.CurrentBindings current) {
                return current.bindings();
            }
            throw new IllegalStateException("bindings of " + aor + " unavailable: " + reply);
        });
    }

    /**
     * Lookups read straight from Cassandra, without the registrar entity: every binding a client
     * was told about is there (docs/architecture.md, rules 1 and 2), expired ones are left out.
     * For lookups that must cost the same whether or not the AOR has an account and must not
     * start an entity (the proxy's answers to strangers, README "No user enumeration").
     */
    static Locations storedIn(BindingStore store, Clock clock) {
        return aor -> store.load(aor, clock).thenApply(loaded -> {
            Instant now = clock.instant();
            return loaded.stream().filter(b -> !b.isExpired(now)).toList();
        });
    }
}

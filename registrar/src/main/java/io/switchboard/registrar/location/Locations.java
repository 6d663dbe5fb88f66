package io.switchboard.registrar.location;

import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.entity.RegistrarClient;
import io.switchboard.registrar.entity.RegistrarEntity;
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
}

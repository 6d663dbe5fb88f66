package io.switchboard.registrar.entity;

import io.switchboard.registrar.domain.Binding;
import java.util.List;

/**
 * Told by a registrar entity whenever an AOR's bindings change (registration, refresh, removal,
 * expiry, or the first load on this node). Runs on the entity's thread: it must not block.
 * The node uses it for the active-bindings gauge; presence will use it to turn registration
 * into availability.
 */
@FunctionalInterface
public interface BindingListener {

    void changed(String aor, List<Binding> before, List<Binding> after);

    /**
     * The entity stops on this node (passivation, rebalance, shutdown) while holding
     * {@code bindings}. They still exist (in Cassandra); whoever owns the AOR next reports them.
     */
    default void released(String aor, List<Binding> bindings) {}

    BindingListener NONE = (aor, before, after) -> {};
}

package io.switchboard.node.sip;

import io.switchboard.node.metrics.NodeMetrics;
import io.switchboard.presence.domain.EndpointId;
import io.switchboard.presence.entity.Endpoint;
import io.switchboard.presence.entity.PresentityClient;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.entity.BindingListener;
import io.switchboard.registrar.entity.RegistrarEntity;
import java.util.ArrayList;
import java.util.List;

/**
 * Registration drives presence (issue 4): when the set of a user's registered endpoints changes
 * (one registers, unregisters or expires), the user's presentity entity is told, and recomputes
 * the aggregate: a new endpoint makes the user Available unless it publishes otherwise, the last
 * one leaving makes the user Offline. Refreshes that change only expiry times are not passed on.
 * Also keeps feeding the node's binding gauge.
 */
public final class PresenceRegistrations implements BindingListener {

    private final NodeMetrics metrics;
    private final PresentityClient presence;

    public PresenceRegistrations(NodeMetrics metrics, PresentityClient presence) {
        this.metrics = metrics;
        this.presence = presence;
    }

    @Override
    public void changed(String aor, List<Binding> before, List<Binding> after) {
        metrics.changed(aor, before, after);
        List<Endpoint> was = endpoints(before);
        List<Endpoint> now = endpoints(after);
        if (!keys(was).equals(keys(now))) {
            presence.endpointsChanged(aor, now); // a tell: never blocks the registrar entity
        }
    }

    @Override
    public void released(String aor, List<Binding> bindings) {
        metrics.released(aor, bindings);
    }

    /** The registrar's answer as presence endpoints (an unavailable registrar counts as no endpoint). */
    public static List<Endpoint> endpointsOf(RegistrarEntity.BindingsReply reply) {
        return reply instanceof RegistrarEntity.CurrentBindings cb ? endpoints(cb.bindings()) : List.of();
    }

    /** Bindings as presence endpoints (also what a branch node reports to the pool, BranchPresenceRelay). */
    public static List<Endpoint> endpoints(List<Binding> bindings) {
        List<Endpoint> out = new ArrayList<>(bindings.size());
        for (Binding b : bindings) {
            // instance, flow and Contact: a PUBLISH is paired with this endpoint by any of them
            // (EndpointPairing), and a refresh over a new connection changes the key, so presence
            // learns the flow the endpoint's PUBLISHes now come on
            out.add(new Endpoint(
                    EndpointId.of(
                                    b.instanceId(),
                                    b.flow().transport(),
                                    b.flow().sourceHost(),
                                    b.flow().sourcePort(),
                                    b.contact())
                            .key(),
                    b.registeredAt()));
        }
        return out;
    }

    /** The endpoints' keys: a change of these is a change presence hears of. */
    public static java.util.Set<String> keys(List<Endpoint> endpoints) {
        java.util.Set<String> keys = new java.util.HashSet<>();
        endpoints.forEach(e -> keys.add(e.key()));
        return keys;
    }
}

package io.switchboard.proxy.domain;

import io.switchboard.registrar.domain.Binding;
import io.switchboard.sip.flow.Flow;
import io.switchboard.sip.routing.FlowRoute;
import io.switchboard.sip.routing.NextHop;
import io.switchboard.sip.routing.PoolMembers;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns a user's bindings into fork branches (RFC 3261 section 16.5: every contact is a target;
 * we fork to all of them in parallel so every endpoint rings).
 *
 * <p>Connections are node-local (docs/architecture.md, rule 6; RFC 5626 section 5.3): a binding made over TCP or
 * TLS is reached over its flow, directly when this node holds it, else through the node that does
 * (a Route to that node carrying the flow token). A binding whose node is not a live pool member
 * is a failed flow: skipped until the client registers again, and the fork carries on with the
 * user's other bindings. A UDP binding is reached from any node: an RFC 5626 client over its
 * flow's source address, any other at its Contact (or through its Path, RFC 3327).
 */
public final class TargetPlanner {

    /** A binding that gets no branch, and why (for logs and the operator). */
    public record Skipped(String contact, String reason) {}

    public record Plan(List<Target> targets, List<Skipped> skipped) {

        public Plan {
            targets = List.copyOf(targets);
            skipped = List.copyOf(skipped);
        }
    }

    private TargetPlanner() {}

    /**
     * @param instance only bindings of this {@code +sip.instance} (a GRUU, RFC 5627 section 5.1),
     *                 or null for all
     */
    public static Plan plan(List<Binding> bindings, String instance, PoolMembers pool, Instant now) {
        List<Target> targets = new ArrayList<>(bindings.size());
        List<Skipped> skipped = new ArrayList<>();
        for (Binding b : bindings) {
            if (b.isExpired(now)) {
                continue;
            }
            if (instance != null && !instance.equalsIgnoreCase(stripBrackets(b.instanceId()))) {
                continue;
            }
            Flow f = b.flow();
            String label = b.contact();
            if (f.isConnectionOriented()) {
                if (f.node().equals(pool.selfNode())) {
                    targets.add(new Target(
                            b.contact(),
                            b.path(),
                            new NextHop(f.sourceHost(), f.sourcePort(), f.transport()),
                            f.flowToken(),
                            label,
                            false));
                } else if (!pool.isAvailable(f.node())) {
                    skipped.add(new Skipped(b.contact(), "flow on node " + f.node() + ", which is not up"));
                } else {
                    Optional<NextHop> node = pool.nodeHolding(f.flowToken());
                    if (node.isEmpty()) {
                        skipped.add(new Skipped(b.contact(), "flow token unreadable"));
                    } else {
                        targets.add(new Target(
                                b.contact(),
                                List.of(FlowRoute.to(f.flowToken(), node.get())),
                                null,
                                "",
                                label + " via " + f.node(),
                                false));
                    }
                }
            } else if (b.isOutbound()) {
                targets.add(new Target(
                        b.contact(), b.path(), new NextHop(f.sourceHost(), f.sourcePort(), "udp"), "", label, false));
            } else {
                targets.add(new Target(b.contact(), b.path(), null, "", label, false));
            }
        }
        return new Plan(targets, skipped);
    }

    static String stripBrackets(String instance) {
        if (instance == null) {
            return null;
        }
        String s = instance.trim();
        return s.startsWith("<") && s.endsWith(">") ? s.substring(1, s.length() - 1) : s;
    }
}

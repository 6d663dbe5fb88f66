package io.switchboard.node.cluster;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Leave;
import org.apache.pekko.cluster.typed.Subscribe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a branch node out of any other site's Pekko cluster (README, "Sites and branches", Branch nodes). Every
 * node carries its site in a cluster role ({@link #role}); a branch node that finds a member of another site in
 * its cluster, or one without a site role (a node of an earlier release, which can only be a pool node: branch
 * nodes of this release carry theirs), logs which setting is wrong and leaves. A branch inside the pool's cluster
 * (a seed list copied from a pool node's configuration) would let a WAN cut make one side's split-brain resolver
 * down the other, the very failure a branch exists to survive. A pool node that sees a branch member only logs
 * it: the branch leaves by itself, and a pool node must not go because of someone else's configuration.
 */
public final class SiteMembership {

    private static final Logger LOG = LoggerFactory.getLogger(SiteMembership.class);

    public static final String ROLE_PREFIX = "site:";

    private SiteMembership() {}

    /** The role that names {@code site} as a node's site. */
    public static String role(String site) {
        return ROLE_PREFIX + site;
    }

    /** The site a member's roles name, or empty (a node of an earlier release). */
    static Optional<String> siteOf(Set<String> roles) {
        return roles.stream()
                .filter(r -> r.startsWith(ROLE_PREFIX))
                .map(r -> r.substring(ROLE_PREFIX.length()))
                .findFirst();
    }

    /**
     * Why a member with {@code roles} must not be in the cluster of a node of {@code site} ({@code branch}: a
     * branch node), or empty when it may.
     */
    static Optional<String> conflict(String site, boolean branch, Set<String> roles) {
        Optional<String> other = siteOf(roles);
        if (other.isPresent()) {
            return other.get().equals(site) ? Optional.empty() : Optional.of("a node of site " + other.get());
        }
        return branch ? Optional.of("a node without a site (a pool node of an earlier release)") : Optional.empty();
    }

    /** Watches {@code system}'s cluster as a node of {@code site}; a branch node leaves a cluster it must not be in. */
    public static void start(ActorSystem<?> system, String site, boolean branch) {
        system.systemActorOf(watcher(site, branch), "site-membership", Props.empty());
    }

    private static Behavior<ClusterEvent.MemberEvent> watcher(String site, boolean branch) {
        return Behaviors.setup(ctx -> {
            Cluster cluster = Cluster.get(ctx.getSystem());
            cluster.subscriptions().tell(Subscribe.create(ctx.getSelf(), ClusterEvent.MemberEvent.class));
            Set<Member> reported = new HashSet<>();
            boolean[] leaving = {false};
            return Behaviors.receive(ClusterEvent.MemberEvent.class)
                    .onMessage(ClusterEvent.MemberEvent.class, event -> {
                        Member m = event.member();
                        if (event instanceof ClusterEvent.MemberRemoved
                                || m.uniqueAddress().equals(cluster.selfMember().uniqueAddress())
                                || !reported.add(m)) {
                            return Behaviors.same();
                        }
                        Optional<String> why = conflict(site, branch, m.getRoles());
                        if (why.isEmpty()) {
                            return Behaviors.same();
                        }
                        if (!branch) {
                            LOG.error(
                                    "Member {} is {} in the pool's Pekko cluster: a branch node's"
                                            + " switchboard.cluster.seed-nodes must list only its own branch's nodes;"
                                            + " it should leave by itself",
                                    m.address(),
                                    why.get());
                        } else if (!leaving[0]) {
                            leaving[0] = true;
                            LOG.error(
                                    "This branch node (site {}) joined a Pekko cluster with {} ({}): a WAN cut would"
                                            + " let either side's split-brain resolver down the other."
                                            + " switchboard.cluster.seed-nodes of a branch node must list only its own"
                                            + " branch's nodes; leaving the cluster (this node stops serving)",
                                    site,
                                    why.get(),
                                    m.address());
                            cluster.manager()
                                    .tell(Leave.create(cluster.selfMember().address()));
                        }
                        return Behaviors.same();
                    })
                    .build();
        });
    }
}

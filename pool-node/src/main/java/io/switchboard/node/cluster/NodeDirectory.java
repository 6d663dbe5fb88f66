package io.switchboard.node.cluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Which pool nodes are alive, as this node's cluster view says, answerable without waiting.
 *
 * <p>Each member carries its node id as the role {@code node:<id>} (see {@link PekkoSettings}). A small
 * actor folds the cluster's member and reachability events into an immutable {@link Snapshot} and
 * publishes it through a volatile field, so {@link #isAvailable} is one volatile read and a hash lookup:
 * cheap enough for a JAIN-SIP thread per forwarded request (docs/architecture.md, rule 4), with no ask and no lock.
 *
 * <p>"Unreachable" is the cluster's reachability as published in events: a member some member's failure
 * detector currently suspects. That is a little stricter than this node's own detector alone, which is the
 * safe side for routing: a binding through a suspected node is skipped until the suspicion clears or the
 * node is downed and removed.
 */
public final class NodeDirectory {

    /** The role prefix that carries a member's node id. */
    public static final String ROLE_PREFIX = "node:";

    /** One member as seen here. {@code nodeId} is null for a member without a {@code node:} role. */
    public record MemberView(String nodeId, String address, String status, boolean unreachable, List<String> roles) {
        /** Up (or WeaklyUp) and not suspected by any failure detector. */
        public boolean available() {
            return !unreachable && (status.equals("Up") || status.equals("WeaklyUp"));
        }
    }

    /** An immutable view of the cluster at one moment. */
    public static final class Snapshot {
        static final Snapshot EMPTY = new Snapshot(Map.of(), Set.of());

        private final Map<UniqueAddress, Member> members;
        private final Set<UniqueAddress> unreachable;
        private final Set<String> available;

        Snapshot(Map<UniqueAddress, Member> members, Set<UniqueAddress> unreachable) {
            this.members = Map.copyOf(members);
            this.unreachable = Set.copyOf(unreachable);
            Set<String> up = new HashSet<>();
            for (Member m : this.members.values()) {
                String id = nodeId(m);
                if (id != null && isUp(m.status()) && !this.unreachable.contains(m.uniqueAddress())) {
                    up.add(id);
                }
            }
            this.available = Set.copyOf(up);
        }

        /** The snapshot after one cluster event; events it does not know leave it as it is. */
        Snapshot apply(ClusterEvent.ClusterDomainEvent event) {
            Map<UniqueAddress, Member> m = new HashMap<>(members);
            Set<UniqueAddress> u = new HashSet<>(unreachable);
            if (event instanceof ClusterEvent.MemberRemoved removed) {
                m.remove(removed.member().uniqueAddress());
                u.remove(removed.member().uniqueAddress());
            } else if (event instanceof ClusterEvent.MemberEvent changed) {
                m.put(changed.member().uniqueAddress(), changed.member());
            } else if (event instanceof ClusterEvent.UnreachableMember um) {
                u.add(um.member().uniqueAddress());
                m.computeIfPresent(um.member().uniqueAddress(), (k, old) -> um.member());
            } else if (event instanceof ClusterEvent.ReachableMember rm) {
                u.remove(rm.member().uniqueAddress());
                m.computeIfPresent(rm.member().uniqueAddress(), (k, old) -> rm.member());
            } else {
                return this;
            }
            return new Snapshot(m, u);
        }

        public boolean isAvailable(String nodeId) {
            return nodeId != null && available.contains(nodeId);
        }

        /** Every member known here, ordered by address. */
        public List<MemberView> members() {
            List<MemberView> views = new ArrayList<>();
            for (Member m : members.values()) {
                List<String> roles = new ArrayList<>(m.getRoles());
                roles.sort(Comparator.naturalOrder());
                views.add(new MemberView(
                        nodeId(m),
                        m.address().toString(),
                        m.status().toString(),
                        unreachable.contains(m.uniqueAddress()),
                        List.copyOf(roles)));
            }
            views.sort(Comparator.comparing(MemberView::address));
            return List.copyOf(views);
        }
    }

    private final String selfNodeId;
    private volatile Snapshot snapshot = Snapshot.EMPTY;

    private NodeDirectory(String selfNodeId) {
        this.selfNodeId = selfNodeId;
    }

    /** Starts following the cluster of {@code system}; the snapshot fills as the first events arrive. */
    public static NodeDirectory start(ActorSystem<?> system) {
        NodeDirectory directory = new NodeDirectory(nodeId(Cluster.get(system).selfMember()));
        system.systemActorOf(directory.follower(system), "node-directory", Props.empty());
        return directory;
    }

    /**
     * True when a member with this node id is Up (or WeaklyUp) and no failure detector suspects it, and
     * always for this node itself: the connections it holds are reachable from here whatever its cluster
     * status (while it joins, for instance). Never blocks; safe on any thread.
     */
    public boolean isAvailable(String nodeId) {
        return nodeId != null && (nodeId.equals(selfNodeId) || snapshot.isAvailable(nodeId));
    }

    /** This node's id (its {@code node:} role), or null when its cluster config carries none. */
    public String selfNodeId() {
        return selfNodeId;
    }

    /** The current view (immutable). */
    public Snapshot snapshot() {
        return snapshot;
    }

    /** The node id in a member's roles, or null. */
    public static String nodeId(Member member) {
        Optional<String> role = member.getRoles().stream()
                .filter(r -> r.startsWith(ROLE_PREFIX))
                .findFirst();
        return role.map(r -> r.substring(ROLE_PREFIX.length())).orElse(null);
    }

    /** The role that advertises {@code nodeId}. */
    public static String role(String nodeId) {
        return ROLE_PREFIX + nodeId;
    }

    private static boolean isUp(MemberStatus status) {
        return status == MemberStatus.up() || status == MemberStatus.weaklyUp();
    }

    private Behavior<ClusterEvent.ClusterDomainEvent> follower(ActorSystem<?> system) {
        return Behaviors.setup(ctx -> {
            // Typed subscriptions replay the current state as events first (InitialStateAsEvents).
            Cluster.get(system)
                    .subscriptions()
                    .tell(Subscribe.create(ctx.getSelf().narrow(), ClusterEvent.MemberEvent.class));
            Cluster.get(system)
                    .subscriptions()
                    .tell(Subscribe.create(ctx.getSelf().narrow(), ClusterEvent.ReachabilityEvent.class));
            return Behaviors.receiveMessage(event -> {
                snapshot = snapshot.apply(event); // only this actor writes; readers see whole snapshots
                return Behaviors.same();
            });
        });
    }
}

package io.switchboard.node.cluster;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.remote.RemoteActorRefProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * Downs a member whose process is gone, without waiting for the failure detector and the split-brain
 * resolver's {@code stable-after} (README, "Cluster settings"). Every {@link #PROBE_INTERVAL_MS} ms
 * it opens a TCP connection to each other member's Pekko remoting port; a member whose port refuses
 * the connection {@link #REFUSALS} times in a row is downed. A refused connection (a TCP reset from
 * the member's host) means that nothing listens on that port, so the member's actor system, and
 * with it every entity it ran, is gone: a crash ({@code kill -9}, an out-of-memory kill), not a
 * partition. A partition (or a host that is down) shows as a connect timeout or an unreachable
 * host, which prove nothing; those stay with the split-brain resolver.
 *
 * <p>Two guards keep the resolver's keep-majority meaning, so that this can never make a second
 * cluster ({@link #mayDown}): the node downs only while it and the members it reaches are a
 * majority of the membership (ties as keep-majority breaks them: the part with the lowest
 * address), and only a member that is not itself. A minority therefore never downs anyone by this
 * path, even if a firewall rejected its connections with resets.
 *
 * <p>The same round tells the SIP edge whether this node is in such a majority ({@link #inMajority()}):
 * a node cut off in a minority stops serving at once (Readiness), rather than acknowledging writes
 * until the split-brain resolver downs it after {@code stable-after}.
 */
public final class DeadMemberDowning implements AutoCloseable {

    static final long PROBE_INTERVAL_MS = 250;
    static final int REFUSALS = 2;
    static final int CONNECT_TIMEOUT_MS = 200;

    private static final Logger log = LoggerFactory.getLogger(DeadMemberDowning.class);

    private final Cluster cluster;
    private final ActorSystem system;
    private final ScheduledExecutorService probes;
    private final boolean downCrashed;
    private final Map<Address, Integer> refusals = new HashMap<>();
    private volatile boolean majority = true;

    private DeadMemberDowning(ActorSystem system, boolean downCrashed) {
        this.system = system;
        this.cluster = Cluster.get(system);
        this.downCrashed = downCrashed;
        this.probes = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dead-member-downing");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts watching the members of {@code system}'s cluster, and probing them when {@code downCrashed}
     * ({@code switchboard.cluster.failover.down-crashed-members}); {@link #close()} stops it.
     */
    public static DeadMemberDowning start(ActorSystem system, boolean downCrashed) {
        DeadMemberDowning d = new DeadMemberDowning(system, downCrashed);
        d.probes.scheduleWithFixedDelay(d::probeAll, PROBE_INTERVAL_MS, PROBE_INTERVAL_MS, TimeUnit.MILLISECONDS);
        return d;
    }

    private void probeAll() {
        try {
            ClusterEvent.CurrentClusterState state = cluster.state();
            Address self = cluster.selfAddress();
            Set<Address> members = new HashSet<>();
            for (Member m : state.getMembers()) {
                if (counted(m.status())) {
                    members.add(m.address());
                }
            }
            Set<Address> unreachable = new HashSet<>();
            for (Member m : state.getUnreachable()) {
                unreachable.add(m.address());
            }
            majority = inMajority(members, unreachable, self);
            if (!downCrashed) {
                return;
            }
            refusals.keySet().retainAll(members);
            for (Member m : state.getMembers()) {
                Address member = m.address();
                // only an Up member is downed: a leaving one hands its shards over by itself
                if (member.equals(self) || m.status() != MemberStatus.up()) {
                    continue;
                }
                if (!refuses(member)) {
                    refusals.remove(member);
                    continue;
                }
                int n = refusals.merge(member, 1, Integer::sum);
                if (n >= REFUSALS && mayDown(members, unreachable, self, member)) {
                    log.warn(
                            "Downing {}: its remoting port refused {} connections in a row, so its process is gone"
                                    + " (this node and the members it reaches are a majority)",
                            member,
                            n);
                    cluster.down(member);
                    quarantine(m);
                    refusals.remove(member);
                }
            }
        } catch (RuntimeException e) {
            log.warn("dead member probe failed", e); // the next round tries again
        }
    }

    /**
     * Quarantines the dead incarnation's association, as Pekko does itself when it learns that an
     * incarnation is gone: the cluster then marks the member terminated, and the leader removes the downed
     * member at once. Without it the leader waits until the failure detector calls the member unreachable
     * (4-7 s here), since it removes only downed members that are unreachable or terminated.
     */
    private void quarantine(Member dead) {
        if (((ExtendedActorSystem) system).provider() instanceof RemoteActorRefProvider remote) {
            remote.quarantine(
                    dead.address(),
                    Option.apply((Object) dead.uniqueAddress().longUid()),
                    "its remoting port refuses connections: the process is gone");
        }
    }

    /** The member statuses keep-majority counts (joining members are not counted). */
    static boolean counted(MemberStatus status) {
        return status == MemberStatus.up() || status == MemberStatus.leaving() || status == MemberStatus.exiting();
    }

    /**
     * Whether {@code self} may down {@code dead}, a member proven gone: {@code self} and the members it
     * reaches, {@code dead} and the {@code unreachable} ones left out, are more than half of {@code
     * members}, or exactly half and hold the lowest address (keep-majority's tie rule).
     */
    static boolean mayDown(Set<Address> members, Set<Address> unreachable, Address self, Address dead) {
        if (dead.equals(self) || !members.contains(dead) || !members.contains(self) || unreachable.contains(self)) {
            return false;
        }
        Set<Address> reached = new HashSet<>(members);
        reached.removeAll(unreachable);
        reached.remove(dead);
        return keptByMajority(members, reached);
    }

    /** Whether this node and the members it reaches were a majority of the pool at the last round (250 ms). */
    public boolean inMajority() {
        return majority;
    }

    /**
     * Whether {@code self}, a counted member, and the members it reaches are more than half of {@code
     * members}, or exactly half with the lowest address: the part keep-majority keeps.
     */
    static boolean inMajority(Set<Address> members, Set<Address> unreachable, Address self) {
        if (!members.contains(self) || unreachable.contains(self)) {
            return false;
        }
        Set<Address> reached = new HashSet<>(members);
        reached.removeAll(unreachable);
        return keptByMajority(members, reached);
    }

    private static boolean keptByMajority(Set<Address> members, Set<Address> reached) {
        int twice = 2 * reached.size();
        if (twice != members.size()) {
            return twice > members.size();
        }
        Address lowest = members.stream().min(Member.addressOrdering()).orElseThrow();
        return reached.contains(lowest);
    }

    /** Whether a TCP connection to {@code member}'s remoting port is refused (not: times out). */
    private static boolean refuses(Address member) {
        if (member.host().isEmpty() || member.port().isEmpty()) {
            return false;
        }
        try (Socket s = new Socket()) {
            s.connect(
                    new InetSocketAddress(
                            member.host().get(), (Integer) member.port().get()),
                    CONNECT_TIMEOUT_MS);
            return false;
        } catch (ConnectException e) {
            // "Connection refused": the member's host answered with a reset
            return String.valueOf(e.getMessage()).contains("refused");
        } catch (IOException e) {
            return false; // a timeout: a partition or a host that is down, for the resolver to decide
        }
    }

    @Override
    public void close() {
        probes.shutdownNow();
    }
}

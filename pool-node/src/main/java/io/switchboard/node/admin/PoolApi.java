package io.switchboard.node.admin;

import io.switchboard.node.admin.AdminServer.Call;
import io.switchboard.node.admin.AdminServer.Reply;
import io.switchboard.node.cluster.NodeDirectory;
import io.switchboard.node.cluster.NodeDirectory.MemberView;
import io.switchboard.node.cluster.NodeInfoService;
import io.switchboard.node.config.SitesConfig;
import io.switchboard.registrar.entity.RegistrarEntity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetClusterShardingStats;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * {@code GET /api/pool}: every cluster member as this node sees it (node id, Pekko address, status,
 * unreachable flag, roles), with the registrar's shards and entities per member (Pekko's cluster
 * sharding statistics) and the bindings each member's entities hold (asked of each member's
 * {@link NodeInfoService}). Both questions go out at once and are bounded by a timeout; a member
 * that does not answer shows {@code null} with a note instead of failing the request. The configured
 * sites follow (README, "Sites and branches"): the pool's own and each branch with its Cassandra data
 * center, branch node and keyspace.
 */
public final class PoolApi {

    /** Response header: members that are not Up and reachable (0 = a healthy pool); the CLI's exit code. */
    public static final String NOT_UP_HEADER = "Switchboard-Members-Not-Up";

    private final ActorSystem<?> system;
    private final NodeDirectory directory;
    private final Duration timeout;
    private final List<Site> sites;
    private final java.util.function.Function<String, io.switchboard.node.site.LinkWatch> links;
    private final java.time.Clock clock;
    private final java.util.function.Function<String, io.switchboard.node.site.ReplicationHealth.Report> replication;

    /**
     * One configured site as {@code pool status} shows it.
     *
     * @param role "pool" or "branch"
     * @param dc its Cassandra data center; null: the pool's storage's local DC
     * @param node a branch node's SIP address; null for the pool (its members are listed above)
     * @param keyspace where its users' state lives
     */
    public record Site(String name, String role, String dc, String node, String keyspace) {}

    public PoolApi(ActorSystem<?> system, NodeDirectory directory, Duration timeout) {
        this(system, directory, timeout, List.of());
    }

    public PoolApi(ActorSystem<?> system, NodeDirectory directory, Duration timeout, List<Site> sites) {
        this(system, directory, timeout, sites, site -> null, java.time.Clock.systemUTC());
    }

    /**
     * @param links this node's watch of the link to a site (README, "Sites and branches", WAN failure mode): on a
     *              branch node the pool's, on a pool node each branch's; null for a site it does not watch
     */
    public PoolApi(
            ActorSystem<?> system,
            NodeDirectory directory,
            Duration timeout,
            List<Site> sites,
            java.util.function.Function<String, io.switchboard.node.site.LinkWatch> links,
            java.time.Clock clock) {
        this(system, directory, timeout, sites, links, keyspace -> null, clock);
    }

    /**
     * @param replication the replication health of a site's keyspace as this node's Cassandra driver sees it
     *                    ({@link io.switchboard.node.site.ReplicationHealth}); null when it cannot tell
     */
    public PoolApi(
            ActorSystem<?> system,
            NodeDirectory directory,
            Duration timeout,
            List<Site> sites,
            java.util.function.Function<String, io.switchboard.node.site.LinkWatch> links,
            java.util.function.Function<String, io.switchboard.node.site.ReplicationHealth.Report> replication,
            java.time.Clock clock) {
        this.replication = replication;
        this.system = system;
        this.directory = directory;
        this.timeout = timeout;
        this.sites = List.copyOf(sites);
        this.links = links;
        this.clock = clock;
    }

    /** The sites of {@code config}: the pool's (in {@code poolKeyspace}), then each branch's. */
    public static List<Site> sites(SitesConfig config, String poolKeyspace) {
        List<Site> out = new ArrayList<>();
        out.add(new Site(config.pool(), "pool", config.poolDc().orElse(null), null, poolKeyspace));
        for (SitesConfig.Branch b : config.branches()) {
            out.add(new Site(
                    b.name(), "branch", b.dc(), b.sipAddress(), SitesConfig.siteKeyspace(poolKeyspace, b.name())));
        }
        return out;
    }

    /** One member's line. Numbers are null when unknown; {@code notes} say why. */
    record Row(
            MemberView member,
            Integer shards,
            Integer entities,
            Long bindings,
            String sip,
            String admin,
            List<String> notes) {
        boolean up() {
            return member.status().equals("Up") && !member.unreachable();
        }
    }

    public CompletionStage<Reply> pool(Call call) {
        if (!"GET".equals(call.method())) {
            return CompletableFuture.completedFuture(Reply.methodNotAllowed("GET", "Use GET"));
        }
        CompletableFuture<ShardRegion.ClusterShardingStats> stats =
                shardingStats().toCompletableFuture();
        CompletableFuture<List<NodeInfoService.Answer>> infos =
                NodeInfoService.askAll(system, timeout).toCompletableFuture();
        return stats.thenCombine(
                infos, (s, i) -> render(rows(directory.snapshot().members(), s, i), call.wantsText()));
    }

    /** Completes with null when the statistics do not arrive in time. */
    private CompletionStage<ShardRegion.ClusterShardingStats> shardingStats() {
        return AskPattern
                .<org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery, ShardRegion.ClusterShardingStats>ask(
                        ClusterSharding.get(system).shardState(),
                        (ActorRef<ShardRegion.ClusterShardingStats> replyTo) ->
                                new GetClusterShardingStats(RegistrarEntity.ENTITY_KEY, timeout, replyTo),
                        timeout.plusSeconds(1),
                        system.scheduler())
                .exceptionally(failure -> null);
    }

    private List<Row> rows(
            List<MemberView> members, ShardRegion.ClusterShardingStats stats, List<NodeInfoService.Answer> answers) {
        Address self = Cluster.get(system).selfMember().address();
        Map<String, ShardRegion.ShardRegionStats> regions = new HashMap<>();
        if (stats != null) {
            // The coordinator names its own node's region by a local address; that is its node, not ours,
            // but a local address only arises when the coordinator is this node.
            stats.getRegions()
                    .forEach((address, s) -> regions.put((address.hasGlobalScope() ? address : self).toString(), s));
        }
        Map<String, NodeInfoService.Answer> byAddress = new HashMap<>();
        for (NodeInfoService.Answer a : answers) {
            byAddress.put(a.address().toString(), a);
        }
        List<Row> rows = new ArrayList<>();
        for (MemberView m : members) {
            List<String> notes = new ArrayList<>();
            Integer shards = null;
            Integer entities = null;
            if (stats == null || stats.getRegions().isEmpty()) {
                notes.add("sharding statistics did not arrive within " + timeout.toMillis() + " ms");
            } else {
                ShardRegion.ShardRegionStats r = regions.get(m.address());
                shards = r == null ? 0 : r.getStats().size();
                entities = r == null
                        ? 0
                        : r.getStats().values().stream()
                                .mapToInt(v -> ((Number) v).intValue())
                                .sum();
                if (r != null && !r.getFailed().isEmpty()) {
                    notes.add(r.getFailed().size() + " shards did not report their entities in time");
                }
            }
            NodeInfoService.Answer answer = byAddress.get(m.address());
            Long bindings = null;
            String sip = null;
            String admin = null;
            if (answer == null) {
                notes.add("no node-info service found for this member (still starting, or not reachable)");
            } else if (answer.info() == null) {
                notes.add(answer.problem());
            } else {
                bindings = answer.info().bindings();
                sip = answer.info().sipAddress();
                admin = answer.info().adminAddress();
            }
            rows.add(new Row(m, shards, entities, bindings, sip, admin, List.copyOf(notes)));
        }
        return rows;
    }

    private Reply render(List<Row> rows, boolean text) {
        long notUp = rows.stream().filter(r -> !r.up()).count();
        if (rows.isEmpty()) {
            notUp = 1; // this node has not joined a cluster (yet)
        }
        Map<String, String> headers = Map.of(NOT_UP_HEADER, Long.toString(notUp));
        String self = NodeDirectory.nodeId(Cluster.get(system).selfMember());
        if (text) {
            return new Reply(
                    200,
                    "text/plain; charset=utf-8",
                    table(rows, self) + sitesTable() + linksTable() + replicationTable(),
                    headers);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("self", self);
        body.put("all_up", notUp == 0);
        body.put("members", rows.stream().map(PoolApi::json).toList());
        body.put("sites", sites.stream().map(this::withReplication).toList());
        List<Map<String, Object>> watched = new ArrayList<>();
        for (Site site : sites) {
            io.switchboard.node.site.LinkWatch link = links.apply(site.name());
            if (link != null) {
                Map<String, Object> l = new LinkedHashMap<>();
                l.put("site", site.name());
                l.put("reachable", link.reachable());
                l.put("since", link.since().toString());
                l.put("last_answer", link.lastAnswer().toString());
                watched.add(l);
            }
        }
        if (!watched.isEmpty()) {
            body.put("links", watched);
        }
        return new Reply(200, "application/json", Json.write(body), headers);
    }

    private static Map<String, Object> json(Row r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", r.member().nodeId());
        m.put("address", r.member().address());
        m.put("status", r.member().status());
        m.put("unreachable", r.member().unreachable());
        m.put("roles", List.copyOf(r.member().roles()));
        m.put("shards", r.shards());
        m.put("entities", r.entities());
        m.put("bindings", r.bindings());
        m.put("sip", r.sip());
        m.put("admin", r.admin());
        m.put("note", r.notes().isEmpty() ? null : String.join("; ", r.notes()));
        return m;
    }

    private static Map<String, Object> json(Site site) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", site.name());
        m.put("role", site.role());
        m.put("dc", site.dc());
        m.put("branch_node", site.node());
        m.put("keyspace", site.keyspace());
        return m;
    }

    /** A site's JSON with its keyspace's {@code replication} health, when this node can tell. */
    private Map<String, Object> withReplication(Site site) {
        Map<String, Object> m = json(site);
        io.switchboard.node.site.ReplicationHealth.Report r = replication.apply(site.keyspace());
        if (r != null) {
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("state", r.state());
            List<Map<String, Object>> dcs = new ArrayList<>();
            for (io.switchboard.node.site.ReplicationHealth.Dc dc : r.dcs()) {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("dc", dc.dc());
                d.put("replicas", dc.replicas());
                d.put("nodes", dc.nodes());
                d.put("up", dc.up());
                d.put("down", dc.down());
                d.put("unknown", dc.unknown());
                dcs.add(d);
            }
            h.put("dcs", dcs);
            m.put("replication", h);
        }
        return m;
    }

    /**
     * Each site keyspace's replication health (README, "Sites and branches"), e.g. {@code switchboard_site_ams  ams
     * 1  0/1/0  DEGRADED}: per data center of its replication, the replicas there and that DC's Cassandra nodes
     * up/down/unknown as this node's driver sees them; empty when this node cannot tell.
     */
    private String replicationTable() {
        StringBuilder s = new StringBuilder();
        String format = "%-32s %-12s %8s %-18s %s%n";
        for (Site site : sites) {
            io.switchboard.node.site.ReplicationHealth.Report r = replication.apply(site.keyspace());
            if (r == null) {
                continue;
            }
            if (s.isEmpty()) {
                s.append('\n').append(String.format(format, "KEYSPACE", "DC", "REPLICAS", "UP/DOWN/UNKNOWN", "STATE"));
            }
            if (r.dcs().isEmpty()) {
                s.append(String.format(format, r.keyspace(), "-", "-", "-", r.state()));
            }
            for (io.switchboard.node.site.ReplicationHealth.Dc dc : r.dcs()) {
                s.append(String.format(
                        format,
                        r.keyspace(),
                        dc.dc(),
                        dash(dc.replicas()),
                        dc.up() + "/" + dc.down() + "/" + dc.unknown(),
                        r.state()));
            }
        }
        return s.toString();
    }

    /**
     * The links this node watches (README, "Sites and branches", WAN failure mode), e.g.
     * {@code pool  up  since ...  last answer 1s ago}; empty when it watches none.
     */
    private String linksTable() {
        StringBuilder s = new StringBuilder();
        String format = "%-16s %-5s %-30s %s%n";
        for (Site site : sites) {
            io.switchboard.node.site.LinkWatch link = links.apply(site.name());
            if (link == null) {
                continue;
            }
            if (s.isEmpty()) {
                s.append('\n').append(String.format(format, "LINK TO", "STATE", "SINCE", "LAST ANSWER"));
            }
            long ago = Duration.between(link.lastAnswer(), clock.instant()).toSeconds();
            s.append(String.format(format, site.name(), link.reachable() ? "up" : "DOWN", link.since(), ago + "s ago"));
        }
        return s.toString();
    }

    private String sitesTable() {
        if (sites.isEmpty()) {
            return "";
        }
        StringBuilder s = new StringBuilder("\n");
        String format = "%-16s %-7s %-16s %-24s %s%n";
        s.append(String.format(format, "SITE", "ROLE", "DC", "BRANCH NODE", "KEYSPACE"));
        for (Site site : sites) {
            s.append(String.format(
                    format,
                    site.name(),
                    site.role(),
                    site.dc() == null ? "(local)" : site.dc(),
                    dash(site.node()),
                    site.keyspace()));
        }
        return s.toString();
    }

    private static String table(List<Row> rows, String self) {
        StringBuilder s = new StringBuilder();
        String format = "%-12s %-36s %-18s %6s %8s %8s  %-21s %s%n";
        s.append(String.format(format, "NODE", "ADDRESS", "STATUS", "SHARDS", "ENTITIES", "BINDINGS", "SIP", "ADMIN"));
        List<String> notes = new ArrayList<>();
        for (Row r : rows) {
            String node = r.member().nodeId() == null ? "?" : r.member().nodeId();
            String status = r.member().status() + (r.member().unreachable() ? " UNREACHABLE" : "");
            s.append(String.format(
                    format,
                    node,
                    r.member().address(),
                    status,
                    dash(r.shards()),
                    dash(r.entities()),
                    dash(r.bindings()),
                    dash(r.sip()),
                    dash(r.admin())));
            for (String n : r.notes()) {
                // A note every member shares (the sharding statistics as a whole) is said once.
                boolean shared =
                        rows.size() > 1 && rows.stream().allMatch(o -> o.notes().contains(n));
                String line = shared ? "all members: " + n : node + ": " + n;
                if (!notes.contains(line)) {
                    notes.add(line);
                }
            }
        }
        s.append(rows.size())
                .append(rows.size() == 1 ? " member, " : " members, ")
                .append(rows.stream().filter(Row::up).count())
                .append(" Up (asked ")
                .append(self == null ? "this node" : self)
                .append(")\n");
        if (rows.isEmpty()) {
            s.append("this node is not a member of a cluster yet\n");
        }
        notes.forEach(n -> s.append("note: ").append(n).append('\n'));
        return s.toString();
    }

    private static String dash(Object o) {
        return o == null ? "-" : o.toString();
    }
}

package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import io.switchboard.accounts.store.CassandraAccountStore;
import io.switchboard.node.site.SiteKeyspaces;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.store.CassandraSiteBindings;
import io.switchboard.sip.dns.Blacklist;
import io.switchboard.sip.dns.DnsjavaLookup;
import io.switchboard.sip.dns.SipResolver;
import io.switchboard.sip.dns.SipTarget;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.CassandraRing;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 15's "Done when", on a real network: a pool and a branch in two network namespaces joined by a veth pair,
 * the WAN ({@link WanNamespaces}). Each site has one small Cassandra node of one cluster of two data centers,
 * {@code pool} and {@code ams}, in its namespace, and one node process (the pool node and the branch node, run with
 * {@code ip netns exec}). The branch's phones are on the branch's LAN: 200 simulated by SIPp (digest REGISTER, UDP)
 * and real clients ({@link TestPhone}: anna and bea, and the SRV clients below; baresip, {@link BaresipPhone}); the
 * pool's phone polly is on the pool's LAN; the branch's own trunk (the PSTN stand-in) is a phone that answers every
 * call. The steps run in order, each on what the one before left:
 *
 * <ol>
 *   <li>normal mode: the 200 register at the branch; calls both ways between a branch user and a pool user;
 *   <li>WAN cut (every packet over the veth dropped): within 30 s the branch counts the pool down, the 200 register
 *       again, branch users call each other and the trunk, and what needs the pool answers 480 with a Warning;
 *   <li>WAN restored: every binding made during the outage is in the pool's data center (Cassandra's hints);
 *   <li>the branch node killed: its SRV clients register at the pool within 30 s of the kill, and so do the 200
 *       (SIPp given the pool's address: it looks up no SRV). Before the kill baresip finds the branch by SRV,
 *       registers there and answers polly's call; whether it moves to the pool is printed only.
 * </ol>
 *
 * <p>Times are measured and printed; only the issue's 30 s bounds are asserted. Latency: {@code tc netem} adds
 * {@value #WAN_DELAY_MS} ms each way on the WAN when the kernel has it; without it (this machine's kernel) the step is
 * skipped with a printed reason, never imitated. Needs root, iproute2, nftables, SIPp, dnsmasq and baresip: skipped
 * with the reason without root or {@code ip}; under CI (which runs as root) a missing tool fails it. Everything it
 * creates (namespaces, veths, nft tables, the policy rule, Cassandra, nodes, SIPp, dnsmasq, baresip) is removed in
 * {@link #stop}, also after a failure.
 */
@Tag("failure")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BranchWanNamespacesTest {

    static final String KEYSPACE = "wan_ns";
    static final String SITE_KEYSPACE = KEYSPACE + "_site_ams";
    static final String POOL_REPLICATION = "{'class': 'NetworkTopologyStrategy', 'pool': 1}";
    static final int PHONES = 200;
    static final int SRV_CLIENTS = 5;
    /** The real softphone on the branch LAN (baresip), one of the branch's users. */
    static final String BARESIP_USER = "bart";

    static final int WAN_DELAY_MS = 20;
    static final Duration ISSUE_BOUND = Duration.ofSeconds(30);
    /** The ports of every service, the same in both namespaces (each has its own). */
    static final int SIP = 5060;

    static final int ADMIN = 8080;
    static final int CLUSTER = 2551;
    static final int CQL = 9042;
    static final int STORAGE = 7000;
    /** SIPp's port on the branch LAN: one for normal mode, one during the outage, so their bindings differ. */
    static final int SIPP_NORMAL = 25170;

    static final int SIPP_OUTAGE = 25171;
    /** SIPp's port when its phones register at the pool after the branch node's loss. */
    static final int SIPP_FAILOVER = 25172;
    /**
     * The OPTIONS watch of the pool-branch link at its defaults (5 s, 15 s; README, "WAN failure mode"); only the
     * hold-down after an outage is shorter than its 30 s default, to keep the test short.
     */
    static final String LINK_WATCH =
            "switchboard.branch { pool-check-interval = 5s, pool-down-after = 15s, fail-back-hold-down = 5s }\n";

    Path dir;
    WanNamespaces net;
    CassandraRing ring;
    Process poolNode;
    Process branchNode;
    Path poolLog;
    Path branchLog;
    Dnsmasq dns;
    TestPhone gateway;
    CqlSession siteAtPool;
    CqlSession siteAtBranch;
    String sipp;
    String baresip;
    final List<AutoCloseable> phones = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        String missing = WanNamespaces.unavailable();
        if (missing != null && !missing.startsWith("no nft")) {
            System.out.println("BranchWanNamespacesTest skipped: " + missing);
            Assumptions.abort(missing);
        }
        sipp = SippRegistrationTest.onPath("sipp");
        baresip = SippRegistrationTest.onPath("baresip");
        String tool = missing != null
                ? missing
                : sipp == null
                        ? SippRegistrationTest.NO_SIPP
                        : Dnsmasq.binary() == null ? Dnsmasq.MISSING : baresip == null ? BaresipPhone.MISSING : null;
        if (tool != null) {
            String ci = System.getenv("CI");
            if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) {
                fail(tool + ". CI must run this test (.ci/run installs it).");
            }
            System.out.println("BranchWanNamespacesTest skipped: " + tool);
            Assumptions.abort(tool);
        }
        dir = Files.createDirectories(
                Path.of("target", "wan-ns-" + ProcessHandle.current().pid()).toAbsolutePath());
        long started = System.nanoTime();
        net = WanNamespaces.create();
        addLatencyIfTheKernelCan();
        ring = CassandraRing.startPlaced(
                dir.resolve("cassandra"),
                List.of(
                        new CassandraRing.Placement("pool", WanNamespaces.POOL_WAN, net.exec(WanNamespaces.POOL_NS)),
                        new CassandraRing.Placement(
                                "ams", WanNamespaces.BRANCH_WAN, net.exec(WanNamespaces.BRANCH_NS))),
                "384m",
                STORAGE,
                CQL);
        System.out.printf(
                "BranchWanNamespacesTest: Cassandra ring of two DCs up in %d ms%n",
                ring.startTime().toMillis());

        gateway = phone("UDP", WanNamespaces.BRANCH_LAN_HOST, WanNamespaces.BRANCH_WAN, "gateway", "unused");
        gateway.autoAnswer();
        poolLog = dir.resolve("pool-node.log");
        branchLog = dir.resolve("branch-node.log");
        poolNode = NodeProcess.start(net.exec(WanNamespaces.POOL_NS), writeConfig("pool.conf", poolConfig()), poolLog);
        NodeProcess.awaitReady(poolNode, WanNamespaces.POOL_WAN, ADMIN, poolLog);
        branchNode = startBranchNode();

        String replication = SiteKeyspaces.replication("pool", 1, "ams");
        siteAtPool = CassandraSessions.connect(
                ring.settingsIn("pool", SITE_KEYSPACE, replication, DefaultConsistencyLevel.LOCAL_QUORUM));
        siteAtBranch = CassandraSessions.connect(
                ring.settingsIn("ams", SITE_KEYSPACE, replication, DefaultConsistencyLevel.LOCAL_QUORUM));

        // each end hears the other: until then the pool refuses changes to the branch's users (BranchChanges)
        assertThat(within(Duration.ofSeconds(60), () -> linkIs(WanNamespaces.BRANCH_WAN, "pool", true)))
                .as("the branch hears the pool")
                .isTrue();
        assertThat(within(Duration.ofSeconds(60), () -> linkIs(WanNamespaces.POOL_WAN, "ams", true)))
                .as("the pool hears the branch")
                .isTrue();
        // the users, added at the pool as an operator does: the 200 phones, anna and bea, the SRV clients; polly is
        // the pool's (bootstrap-users)
        StringBuilder csv = new StringBuilder("uri,password,site\n");
        StringBuilder sippUsers = new StringBuilder("SEQUENTIAL\n");
        for (String user : branchUsers()) {
            csv.append("sip:")
                    .append(user)
                    .append("@example.test,")
                    .append(password(user))
                    .append(",ams\n");
            if (user.startsWith("ph")) {
                sippUsers
                        .append(user)
                        .append(";example.test;[authentication username=")
                        .append(user)
                        .append(" password=")
                        .append(password(user))
                        .append("]\n");
            }
        }
        Files.writeString(dir.resolve("phones.sipp.csv"), sippUsers.toString(), StandardCharsets.UTF_8);
        HttpResponse<String> imported = null;
        for (int attempt = 1; attempt <= 3 && (imported == null || imported.statusCode() == 503); attempt++) {
            imported = AdminHttp.send(
                    ADMIN,
                    "POST",
                    "/api/users/import",
                    TestNodes.TOKEN,
                    "text/csv",
                    csv.toString(),
                    WanNamespaces.POOL_WAN);
        }
        String body = imported.body();
        assertThat(imported.statusCode())
                .as(body.substring(0, Math.min(body.length(), 600)))
                .isEqualTo(200);
        assertThat(imported.body()).contains("\"rejected\":[]");
        // every account has reached the branch's data center before anyone registers there (the branch caches "no
        // such user" for a while)
        CassandraAccountStore atBranch = CassandraAccountStore.forSessionKeyspace(siteAtBranch);
        for (String user : branchUsers()) {
            assertThat(within(
                            Duration.ofSeconds(60),
                            () -> BranchNodeTest.await(atBranch.find("example.test", user))
                                    .isPresent()))
                    .as("%s's account in the branch's DC", user)
                    .isTrue();
        }
        System.out.printf(
                "BranchWanNamespacesTest: namespaces, ring, both nodes and %d users ready in %d ms%n",
                branchUsers().size() + 1,
                Duration.ofNanos(System.nanoTime() - started).toMillis());
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : phones) {
            closeQuietly(c);
        }
        closeQuietly(siteAtBranch);
        closeQuietly(siteAtPool);
        for (Process p : new Process[] {branchNode, poolNode}) {
            if (p != null) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
        closeQuietly(ring);
        closeQuietly(dns);
        // last: nothing runs in the namespaces any more
        closeQuietly(net);
    }

    @Test
    @Order(1)
    void normal_mode_the_phones_register_at_the_branch_and_calls_go_both_ways() throws Exception {
        long started = System.nanoTime();
        runSipp("normal", SIPP_NORMAL);
        System.out.printf(
                "BranchWanNamespacesTest: %d SIPp phones registered at the branch in %d ms%n",
                PHONES, Duration.ofNanos(System.nanoTime() - started).toMillis());

        TestPhone anna = branchPhone("TCP", "anna");
        TestPhone polly = poolPhone("polly");
        assertThat(anna.register().status()).isEqualTo(200);
        assertThat(polly.register().status()).isEqualTo(200);
        anna.autoAnswer();
        polly.autoAnswer();
        // the pool reads anna's binding in its DC and rings her through the branch node, over the WAN
        assertThat(within(
                        Duration.ofSeconds(30),
                        () -> !bindings(siteAtPool, "anna").isEmpty()))
                .as("anna's binding replicated to the pool's DC")
                .isTrue();
        assertThat(polly.call("sip:anna@example.test")).isEqualTo(200);
        assertThat(anna.answered.get()).isEqualTo(1);
        // the branch sends the call to a pool user to the pool
        assertThat(anna.call("sip:polly@example.test")).isEqualTo(200);
        assertThat(polly.answered.get()).isEqualTo(1);
    }

    @Test
    @Order(2)
    void wan_cut_the_branch_keeps_its_users_registering_and_calling_within_30_s() throws Exception {
        TestPhone anna = branchPhone("TCP", "anna");
        TestPhone bea = branchPhone("UDP", "bea");
        assertThat(anna.register().status()).isEqualTo(200);
        assertThat(bea.register().status()).isEqualTo(200);
        bea.autoAnswer();

        net.cut();
        long cut = System.nanoTime();
        System.out.println("BranchWanNamespacesTest: WAN cut");
        // registering at the branch needs no pool: at once
        runSipp("outage", SIPP_OUTAGE);
        long registered = System.nanoTime() - cut;
        assertThat(within(ISSUE_BOUND, () -> linkIs(WanNamespaces.BRANCH_WAN, "pool", false)))
                .as("the branch counts the pool down within 30 s of the cut")
                .isTrue();
        long down = System.nanoTime() - cut;

        TestPhone.Msg again = anna.register();
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.header("warning")).contains("Limited functionality: branch ams");
        assertThat(anna.call("sip:bea@example.test")).isEqualTo(200);
        assertThat(bea.answered.get()).isEqualTo(1);
        int before = gateway.answered.get();
        assertThat(anna.call("sip:+31201234567@example.test;user=phone")).isEqualTo(200);
        assertThat(gateway.answered.get()).isEqualTo(before + 1);
        // what needs the pool answers at once and says why
        TestPhone.Msg toPool = anna.authenticated(
                "MESSAGE",
                "sip:polly@example.test",
                TestPhone.newTag() + "@m",
                TestPhone.newTag(),
                "text/plain",
                "lunch?");
        assertThat(toPool.status()).isEqualTo(480);
        assertThat(toPool.header("warning")).contains("Limited functionality: branch ams");
        assertThat(anna.call("sip:polly@example.test")).isEqualTo(480);
        Duration all = Duration.ofNanos(System.nanoTime() - cut);
        System.out.printf(
                "BranchWanNamespacesTest: after the cut: %d phones registered again at %d ms, the branch counted the"
                        + " pool down at %d ms, calls to a branch user and to the trunk and the 480s done at %d ms%n",
                PHONES, TimeUnit.NANOSECONDS.toMillis(registered), TimeUnit.NANOSECONDS.toMillis(down), all.toMillis());
        assertThat(all).as("the issue's bound, from the cut").isLessThanOrEqualTo(ISSUE_BOUND);
        // the cut cuts Cassandra too: seconds after they were written at the branch, none of the outage
        // registrations has reached the pool's DC (Cassandra keeps them as hints for it)
        assertThat(phonesWithOutageBinding(siteAtPool))
                .as("phones whose outage binding is in the pool's DC during the cut")
                .isEmpty();
        assertThat(phonesWithOutageBinding(siteAtBranch))
                .as("phones whose outage binding is in the branch's DC")
                .hasSize(PHONES);
    }

    /** The SIPp phones that have a binding from the outage run (its Contact names the outage port) in that DC. */
    static List<String> phonesWithOutageBinding(CqlSession dc) {
        String marker = "@" + WanNamespaces.BRANCH_LAN_HOST + ":" + SIPP_OUTAGE;
        return branchUsers().stream()
                .filter(u -> u.startsWith("ph"))
                .filter(u -> bindings(dc, u).stream().anyMatch(b -> b.contact().contains(marker)))
                .toList();
    }

    @Test
    @Order(3)
    void wan_restored_every_binding_made_during_the_outage_is_in_the_pools_dc() throws Exception {
        net.heal();
        long healed = System.nanoTime();
        System.out.println("BranchWanNamespacesTest: WAN restored");
        // the SIPp phones' outage registrations are the bindings whose Contact has the outage port
        String marker = "@" + WanNamespaces.BRANCH_LAN_HOST + ":" + SIPP_OUTAGE;
        List<String> phonesOnly =
                branchUsers().stream().filter(u -> u.startsWith("ph")).toList();
        List<String> missing = new ArrayList<>(phonesOnly);
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!missing.isEmpty() && System.nanoTime() < deadline) {
            missing.removeIf(user -> bindings(siteAtPool, user).stream()
                    .anyMatch(b -> b.contact().contains(marker)));
            if (!missing.isEmpty()) {
                TimeUnit.MILLISECONDS.sleep(500);
            }
        }
        long counted = System.nanoTime() - healed;
        System.out.printf(
                "BranchWanNamespacesTest: after the restore, %d of %d outage bindings in the pool's DC at %d ms%n",
                phonesOnly.size() - missing.size(), phonesOnly.size(), TimeUnit.NANOSECONDS.toMillis(counted));
        assertThat(missing)
                .as("phones whose outage binding is not in the pool's DC")
                .isEmpty();
        assertThat(within(Duration.ofSeconds(60), () -> linkIs(WanNamespaces.BRANCH_WAN, "pool", true)))
                .as("the branch counts the pool up again")
                .isTrue();
        TestPhone anna = branchPhone("TCP", "anna");
        TestPhone polly = poolPhone("polly");
        assertThat(polly.register().status()).isEqualTo(200);
        polly.autoAnswer();
        assertThat(anna.register().status()).isEqualTo(200);
        assertThat(anna.call("sip:polly@example.test")).isEqualTo(200);
    }

    /**
     * Loss of the branch node: each SRV client ({@code _sip._tcp.example.test}: the branch node at priority 10, the
     * pool at 20; RFC 3263) is registered at the branch over TCP with Expires 60 (its refresh); when its flow fails
     * (RFC 5626 section 4.4: here the killed process's connection is closed by its kernel) it resolves again and
     * registers at the next target that takes it. Measured from the kill to each client's first 200 at the pool.
     */
    @Test
    @Order(4)
    void branch_node_killed_its_clients_register_at_the_pool_within_30_s() throws Exception {
        dns = Dnsmasq.start(
                dir,
                List.of(
                        "--srv-host=_sip._tcp.example.test,branch.example.test," + SIP + ",10,0",
                        "--srv-host=_sip._tcp.example.test,pool.example.test," + SIP + ",20,0",
                        "--host-record=branch.example.test," + WanNamespaces.BRANCH_WAN,
                        "--host-record=pool.example.test," + WanNamespaces.POOL_WAN));
        ExecutorService answers = Executors.newSingleThreadExecutor();
        try {
            SipResolver resolver = new SipResolver(
                    new DnsjavaLookup(List.of(dns.server()), Duration.ofSeconds(3), answers),
                    new Blacklist(Duration.ofSeconds(30)),
                    Set.of("tcp"),
                    sum -> 0,
                    Clock.systemUTC());
            // the real softphone: it finds the branch by SRV through this DNS server, registers there, and polly (at
            // the pool) calls it through the pool and the branch; it answers (answermode=auto)
            BaresipPhone bart = BaresipPhone.start(
                    dir,
                    baresip,
                    BARESIP_USER,
                    password(BARESIP_USER),
                    WanNamespaces.BRANCH_LAN_HOST,
                    dns.server(),
                    60);
            phones.add(bart);
            String branchSip = WanNamespaces.BRANCH_WAN + ":" + SIP;
            String poolSip = WanNamespaces.POOL_WAN + ":" + SIP;
            assertThat(within(Duration.ofSeconds(20), () -> bart.registeredAt(branchSip) > 0))
                    .as("baresip's 200 to REGISTER from the branch node; its output ends with:\n%s", bart.tail())
                    .isTrue();
            assertThat(dns.log()).as("baresip asked our DNS server").contains("query[SRV] _sip._tcp.example.test");
            assertThat(bindings(siteAtBranch, BARESIP_USER))
                    .as("baresip's binding at the branch")
                    .anyMatch(b -> b.contact().contains("@" + WanNamespaces.BRANCH_LAN_HOST + ":"));
            // the pool forwards to a flow on the branch node only while it counts that node up (TargetPlanner): after
            // step 3's restore its link to the branch comes up only after the fail-back hold-down (README, "WAN
            // failure mode"), and its cluster view may still show a member unreachable
            assertThat(within(
                            Duration.ofSeconds(60),
                            () -> poolCountsEveryMemberUp() && linkIs(WanNamespaces.POOL_WAN, "ams", true)))
                    .as("the pool counts the branch node Up and reachable again")
                    .isTrue();
            TestPhone caller = poolPhone("polly");
            assertThat(caller.register().status()).isEqualTo(200);
            assertThat(within(
                            Duration.ofSeconds(30),
                            () -> !bindings(siteAtPool, BARESIP_USER).isEmpty()))
                    .as("baresip's binding replicated to the pool's DC")
                    .isTrue();
            // an offer of G.711 (PCMU): baresip answers only an offer with a codec it has
            String offer = "v=0\r\no=polly 1 1 IN IP4 %1$s\r\ns=-\r\nc=IN IP4 %1$s\r\nt=0 0\r\n"
                            .formatted(WanNamespaces.POOL_LAN_HOST)
                    + "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
            assertThat(caller.call("sip:" + BARESIP_USER + "@example.test", offer))
                    .as("polly calls baresip through the pool and the branch; baresip says:\n%s", bart.tail())
                    .isEqualTo(200);

            List<SrvClient> clients = new ArrayList<>();
            for (int i = 0; i < SRV_CLIENTS; i++) {
                SrvClient c = new SrvClient("srv" + i, resolver);
                clients.add(c);
                assertThat(c.register())
                        .as("srv%d at the branch: %s", i, c.outcome)
                        .isEqualTo(WanNamespaces.BRANCH_WAN);
            }
            branchNode.destroyForcibly();
            long killed = System.nanoTime();
            System.out.println("BranchWanNamespacesTest: branch node killed");
            Map<String, Long> atPool = new java.util.TreeMap<>();
            long deadline =
                    killed + ISSUE_BOUND.toNanos() + Duration.ofSeconds(10).toNanos();
            while (atPool.size() < clients.size() && System.nanoTime() < deadline) {
                for (SrvClient c : clients) {
                    if (!atPool.containsKey(c.user) && c.flowFailed()) {
                        String where = c.register();
                        if (WanNamespaces.POOL_WAN.equals(where)) {
                            atPool.put(c.user, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed));
                        }
                    }
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
            System.out.printf(
                    "BranchWanNamespacesTest: ms from the kill to each client's 200 at the pool: %s%n", atPool);
            assertThat(atPool)
                    .as(
                            "clients registered at the pool; what each saw last: %s",
                            clients.stream().map(c -> c.user + " " + c.outcome).toList())
                    .hasSize(clients.size());
            assertThat(atPool.values())
                    .as("the issue's bound, from the kill")
                    .allSatisfy(ms -> assertThat(ms).isLessThanOrEqualTo(ISSUE_BOUND.toMillis()));
            // and the pool serves them: polly calls one
            TestPhone polly = poolPhone("polly");
            assertThat(polly.register().status()).isEqualTo(200);
            clients.get(0).phone.autoAnswer();
            assertThat(polly.call("sip:srv0@example.test")).isEqualTo(200);

            // The 200 simulated phones at the pool, their next SRV target (SIPp resolves no SRV, so it is given the
            // pool's address): the burst of a whole branch failing over, from the branch LAN over the WAN.
            runSipp("failover", SIPP_FAILOVER, WanNamespaces.POOL_WAN);
            Duration sippAtPool = Duration.ofNanos(System.nanoTime() - killed);
            System.out.printf(
                    "BranchWanNamespacesTest: %d SIPp phones registered at the pool %d ms after the kill%n",
                    PHONES, sippAtPool.toMillis());
            assertThat(sippAtPool).as("the issue's bound, from the kill").isLessThanOrEqualTo(ISSUE_BOUND);

            // baresip: has it moved to the pool (its next SRV target) by itself? Printed, not asserted and not waited
            // for: baresip 1.0 does not (README, "The test network"): after the kill it prints "Register: Connection
            // refused" for the branch and tries no other target (not at the pool 100 s after the kill, one run)
            System.out.printf(
                    "BranchWanNamespacesTest: baresip %s at the pool %d ms after the kill%n",
                    bart.registeredAt(poolSip) > 0 ? "registered" : "not registered",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed));
        } finally {
            answers.shutdownNow();
        }
    }

    /** A TCP phone that finds its registrar by SRV and fails over to the next target (RFC 3263 section 4.3). */
    final class SrvClient {
        final String user;
        final SipResolver resolver;
        TestPhone phone;
        /** What the last {@link #register} saw at each target, for a failure message. */
        final List<String> outcome = new ArrayList<>();

        SrvClient(String user, SipResolver resolver) {
            this.user = user;
            this.resolver = resolver;
        }

        boolean flowFailed() {
            return phone == null || phone.flowClosed();
        }

        /** Registers at the first target that answers 200; returns its address, or null when none did. */
        String register() throws Exception {
            List<SipTarget> targets =
                    resolver.resolve("sip:example.test").toCompletableFuture().get(10, TimeUnit.SECONDS);
            outcome.clear();
            outcome.add("targets " + targets);
            for (SipTarget target : targets) {
                if (phone != null) {
                    phone.close();
                    phones.remove(phone);
                    phone = null;
                }
                try {
                    phone = phone("TCP", WanNamespaces.BRANCH_LAN_HOST, target.address(), user, password(user));
                    TestPhone.Msg answer = phone.register(60);
                    outcome.add(target.address() + ": " + answer.firstLine());
                    if (answer.status() == 200) {
                        return target.address();
                    }
                } catch (IOException refused) {
                    // nothing listens there (the killed node): the next target
                    outcome.add(target.address() + ": " + refused);
                }
            }
            return null;
        }
    }

    // --- helpers

    String poolConfig() {
        return nodeConfig("pool-1", WanNamespaces.POOL_WAN, "pool") + """
                switchboard.bootstrap-users = [
                  { uri = "sip:polly@example.test", password = "polly-secret", name = "Polly" }
                ]
                """;
    }

    Process startBranchNode() throws Exception {
        String trunk = gateway.contact().replace("gateway@", "");
        String conf = nodeConfig("branch-ams", WanNamespaces.BRANCH_WAN, "ams")
                + """
                switchboard {
                  role = "branch"
                  site = "ams"
                  branch.pool-uri = "sip:%s:%d"
                  branch.trunk-uri = "%s"
                }
                """.formatted(WanNamespaces.POOL_WAN, SIP, trunk);
        Process p = NodeProcess.start(net.exec(WanNamespaces.BRANCH_NS), writeConfig("branch.conf", conf), branchLog);
        NodeProcess.awaitReady(p, WanNamespaces.BRANCH_WAN, ADMIN, branchLog);
        return p;
    }

    /** A node on its own DC's Cassandra node and its WAN address; the pool's keyspace is in the pool's DC only. */
    static String nodeConfig(String nodeId, String address, String dc) {
        return """
                switchboard {
                  node.id = "%1$s"
                  cluster { host = "%2$s", port = %3$d, seed-nodes = ["%2$s:%3$d"] }
                  sip { bind-address = "%2$s", udp-port = %4$d, tcp-port = %4$d, secret = "%5$s" }
                  admin { bind-address = "%2$s", port = %6$d, token = "%7$s" }
                  domains = ["example.test"]
                  auth.algorithms = ["MD5", "SHA-256"]   # SIPp computes MD5 only and reads the first challenge
                  auth.throttle.per-source = 1000000     # SIPp's 200 phones come from one address
                  registrar.min-expires = 60s            # the SRV clients refresh every 60 s (the issue's setting)
                  storage {
                    mode = external
                    keyspace = "%8$s"
                    replication = "%9$s"
                    consistency = LOCAL_QUORUM
                    external { contact-points = ["%2$s:%10$d"], local-dc = "%11$s" }
                  }
                  sites {
                    pool-dc = "pool"
                    pool-replicas = 1
                    branches = [ { name = "ams", dc = "ams", node = "%12$s:%4$d" } ]
                  }
                }
                """.formatted(
                                nodeId,
                                address,
                                CLUSTER,
                                SIP,
                                TestNodes.SECRET,
                                ADMIN,
                                TestNodes.TOKEN,
                                KEYSPACE,
                                POOL_REPLICATION,
                                CQL,
                                dc,
                                WanNamespaces.BRANCH_WAN)
                + LINK_WATCH;
    }

    Path writeConfig(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }

    /** {@code tc netem} delay on both ends of the WAN, or a printed reason why not. */
    void addLatencyIfTheKernelCan() throws Exception {
        for (String[] end :
                new String[][] {{WanNamespaces.POOL_NS, "sb15x-wp"}, {WanNamespaces.BRANCH_NS, "sb15x-wb"}}) {
            List<String> command = new ArrayList<>(net.exec(end[0]));
            command.addAll(List.of("tc", "qdisc", "add", "dev", end[1], "root", "netem", "delay", WAN_DELAY_MS + "ms"));
            // (without tc on the PATH, ip netns exec fails with a message too: the same printed skip)
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                System.out.println("BranchWanNamespacesTest: no WAN latency added (tc netem is not available here: "
                        + out + "); the rest of the test runs without it");
                return;
            }
        }
        System.out.printf("BranchWanNamespacesTest: WAN latency %d ms each way (tc netem)%n", WAN_DELAY_MS);
    }

    /** SIPp registers the 200 phones at the branch node from {@code port} on the branch LAN; fails unless all got 200. */
    void runSipp(String name, int port) throws Exception {
        runSipp(name, port, WanNamespaces.BRANCH_WAN);
    }

    /** As above, at the node listening on {@code registrar}. */
    void runSipp(String name, int port, String registrar) throws Exception {
        Path out = Files.createDirectories(dir.resolve("sipp-" + name));
        Path console = out.resolve("sipp.out");
        Path errors = out.resolve("errors.log");
        List<String> command = List.of(
                sipp,
                registrar + ":" + SIP,
                "-sf",
                SippRegistrationTest.repositoryRoot()
                        .resolve("bench/sipp/register-digest.xml")
                        .toString(),
                "-inf",
                dir.resolve("phones.sipp.csv").toString(),
                "-t",
                "u1",
                "-i",
                WanNamespaces.BRANCH_LAN_HOST,
                "-p",
                String.valueOf(port),
                "-m",
                String.valueOf(PHONES),
                "-r",
                "50",
                "-l",
                "50",
                "-nostdin",
                "-trace_err",
                "-error_file",
                errors.toString(),
                "-timeout",
                "60s",
                "-timeout_error");
        Process p = new ProcessBuilder(command)
                .directory(out.toFile())
                .redirectErrorStream(true)
                .redirectOutput(console.toFile())
                .start();
        try {
            if (!p.waitFor(80, TimeUnit.SECONDS)) {
                fail("sipp did not exit despite -timeout");
            }
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(p.exitValue())
                .as(
                        "SIPp exit code (0 = all %d phones registered); errors:\n%s",
                        PHONES, Files.exists(errors) ? Files.readString(errors, StandardCharsets.ISO_8859_1) : "(none)")
                .isZero();
    }

    static List<String> branchUsers() {
        List<String> users = new ArrayList<>();
        for (int i = 0; i < PHONES; i++) {
            users.add(String.format("ph%03d", i));
        }
        users.add("anna");
        users.add("bea");
        users.add(BARESIP_USER);
        for (int i = 0; i < SRV_CLIENTS; i++) {
            users.add("srv" + i);
        }
        return users;
    }

    static String password(String user) {
        return user + "-secret-1";
    }

    TestPhone branchPhone(String transport, String user) throws IOException {
        return phone(transport, WanNamespaces.BRANCH_LAN_HOST, WanNamespaces.BRANCH_WAN, user, password(user));
    }

    TestPhone poolPhone(String user) throws IOException {
        return phone("UDP", WanNamespaces.POOL_LAN_HOST, WanNamespaces.POOL_WAN, user, user + "-secret");
    }

    TestPhone phone(String transport, String local, String server, String user, String password) throws IOException {
        TestPhone p = new TestPhone(transport, local, server, SIP, user, password);
        phones.add(p);
        return p;
    }

    static List<Binding> bindings(CqlSession site, String user) {
        return BranchNodeTest.await(new CassandraSiteBindings(site).merged().load("sip:" + user + "@example.test"));
    }

    /** Whether the pool node counts every cluster member (the branch node) Up and reachable ({@code /api/pool}). */
    static boolean poolCountsEveryMemberUp() {
        try {
            return AdminHttp.send(ADMIN, "GET", "/api/pool", TestNodes.TOKEN, null, null, WanNamespaces.POOL_WAN)
                    .headers()
                    .firstValue("Switchboard-Members-Not-Up")
                    .map("0"::equals)
                    .orElse(false);
        } catch (Exception e) {
            return false;
        }
    }

    /** Whether the node whose admin port is on {@code host} shows its link to {@code site} in that state. */
    static boolean linkIs(String host, String site, boolean reachable) {
        try {
            String json = AdminHttp.send(ADMIN, "GET", "/api/pool", TestNodes.TOKEN, null, null, host)
                    .body();
            return json.contains("{\"site\":\"" + site + "\",\"reachable\":" + reachable + ",");
        } catch (Exception e) {
            return false;
        }
    }

    static boolean within(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return true;
                }
            } catch (RuntimeException notYet) {
                // e.g. a read that timed out: ask again
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            System.err.println("BranchWanNamespacesTest: closing " + c + ": " + e);
        }
    }
}

package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import io.switchboard.accounts.store.CassandraAccountStore;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.node.site.SiteKeyspaces;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.store.CassandraBindingStore;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.CassandraRing;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A pool node and a branch node (README, "Sites and branches") on one Cassandra cluster of two data centers,
 * {@code pool} and {@code ams}, one small node each: the branch is a Pekko cluster of its own and keeps its
 * site's users in the site keyspace; the pool reads them there from its own DC and reaches a branch user's
 * TCP flow through the branch node.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BranchNodeTest {

    static final String KEYSPACE = "branch_node";
    static final String SITE_KEYSPACE = "branch_node_site_ams";
    static final String POOL_REPLICATION = "{'class': 'NetworkTopologyStrategy', 'pool': 1}";
    static final Duration REPLICATED_WITHIN = Duration.ofSeconds(20);
    /**
     * Both ends watch the pool-branch link quickly here (the defaults are 5 s and 15 s), yet slowly enough that a
     * busy test machine does not make the link flap.
     */
    static final String LINK_WATCH = "switchboard.branch { pool-check-interval = 500ms, pool-down-after = 3s }\n";

    CassandraRing ring;
    SwitchboardNode pool;
    SwitchboardNode branch;
    /** The branch's way to the pool (its requests and OPTIONS), which a test cuts as a WAN outage would. */
    UdpRelay toPool;
    /** The branch's own trunk (switchboard.branch.trunk-uri), a phone that answers every call. */
    TestPhone gateway;

    CqlSession siteAtPool;
    CqlSession siteAtBranch;

    @BeforeAll
    void start() throws Exception {
        ring = io.switchboard.node.site.TwoSiteRing.get(); // shared; stopped when the JVM exits
        int branchUdp = freeUdpPort();
        String sites = """
                switchboard.sites {
                  pool-dc = "pool"
                  pool-replicas = 1
                  branches = [ { name = "ams", dc = "ams", node = "127.0.0.1:%d" } ]
                }
                """.formatted(branchUdp);
        // The pool also knows branch osl, whose node never answers (nothing listens there) and whose data center
        // has no Cassandra node (its site keyspace is skipped): the pool counts it down.
        String poolOnly = """
                switchboard.sites.branches = [
                  { name = "ams", dc = "ams", node = "127.0.0.1:%d" }
                  { name = "osl", dc = "osl", node = "127.0.0.1:%d" }
                ]
                """.formatted(branchUdp, freeUdpPort());
        pool = TestNodes.awaitReady(SwitchboardNode.start(NodeConfig.fromString(
                nodeConfig("node-1", "pool", TestNodes.freePort(), 0) + sites + poolOnly + LINK_WATCH + """
                switchboard.bootstrap-users = [
                  { uri = "sip:polly@example.test", password = "polly-secret", name = "Polly" }
                  { uri = "sip:olga@example.test", password = "olga-secret", name = "Olga" }
                ]
                """)));
        int branchCluster = TestNodes.freePort();
        // The branch reaches the pool through a relay on 127.0.0.2 at the pool's port: its pool-uri names the pool
        // (127.0.0.1, which the pool takes as its own Route) with maddr = the relay (RFC 3263 section 4 sends there).
        toPool = new UdpRelay(
                new InetSocketAddress("127.0.0.2", pool.sipUdpPort()),
                new InetSocketAddress("127.0.0.1", pool.sipUdpPort()));
        gateway = new TestPhone("UDP", 9, "gateway", "unused");
        gateway.autoAnswer();
        String trunk = gateway.contact().replace("gateway@", "");
        branch = TestNodes.awaitReady(
                SwitchboardNode.start(NodeConfig.fromString(nodeConfig("branch-ams", "ams", branchCluster, branchUdp)
                        + sites
                        + LINK_WATCH
                        + """
                switchboard {
                  role = "branch"
                  site = "ams"
                  branch.pool-uri = "sip:127.0.0.1:%d;maddr=127.0.0.2"
                  branch.trunk-uri = "%s"
                }
                """.formatted(pool.sipUdpPort(), trunk))));
        String replication = SiteKeyspaces.replication("pool", 1, "ams");
        siteAtPool = CassandraSessions.connect(
                ring.settingsIn("pool", SITE_KEYSPACE, replication, DefaultConsistencyLevel.LOCAL_QUORUM));
        siteAtBranch = CassandraSessions.connect(
                ring.settingsIn("ams", SITE_KEYSPACE, replication, DefaultConsistencyLevel.LOCAL_QUORUM));

        // anna and bea are homed at the branch: added at the pool, as an operator does
        for (String user : new String[] {"anna", "bea"}) {
            HttpResponse<String> add = AdminHttp.send(
                    pool.adminPort(),
                    "POST",
                    "/api/users",
                    TestNodes.TOKEN,
                    "application/x-www-form-urlencoded",
                    "uri=sip%3A" + user + "%40example.test&password=" + user + "-secret-1&site=ams");
            assertThat(add.statusCode()).as(add.body()).isBetween(200, 299);
        }
        // before anyone asks the branch for them (it caches "no such user" for a while): their accounts have
        // reached the branch's data center
        CassandraAccountStore atBranch = CassandraAccountStore.forSessionKeyspace(siteAtBranch);
        for (String user : new String[] {"anna", "bea"}) {
            assertThat(eventually(
                            () -> await(atBranch.find("example.test", user)).orElse(null)))
                    .isNotNull();
        }
        // each end has heard the other (the pool started first and counted the branch down until it answered)
        assertThat(eventually(() -> linkIs(pool, "ams", true) ? true : null)).isNotNull();
        assertThat(eventually(() -> linkIs(branch, "pool", true) ? true : null)).isNotNull();
    }

    /** Whether {@code node}'s pool status shows its link to {@code site} in that state. */
    static boolean linkIs(SwitchboardNode node, String site, boolean reachable) {
        try {
            String json = AdminHttp.send(node.adminPort(), "GET", "/api/pool", TestNodes.TOKEN, null, null)
                    .body();
            return json.contains("{\"site\":\"" + site + "\",\"reachable\":" + reachable + ",");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A node on its own DC's Cassandra node; the pool's keyspace is replicated to the pool's DC only. */
    String nodeConfig(String nodeId, String dc, int clusterPort, int udpPort) {
        InetSocketAddress cassandra = ring.settingsIn(
                        dc, KEYSPACE, POOL_REPLICATION, DefaultConsistencyLevel.LOCAL_QUORUM)
                .contactPoints()
                .get(0);
        return """
                switchboard {
                  node.id = "%s"
                  cluster { host = "127.0.0.1", port = %d, seed-nodes = ["127.0.0.1:%d"] }
                  sip { bind-address = "127.0.0.1", udp-port = %d, tcp-port = 0, secret = "%s" }
                  admin { port = 0, token = "%s" }
                  domains = ["example.test"]
                  auth.algorithms = ["MD5", "SHA-256"]
                  storage {
                    mode = external
                    keyspace = "%s"
                    replication = "%s"
                    consistency = LOCAL_QUORUM
                    external { contact-points = ["%s:%d"], local-dc = "%s" }
                  }
                }
                """.formatted(
                        nodeId,
                        clusterPort,
                        clusterPort,
                        udpPort,
                        TestNodes.SECRET,
                        TestNodes.TOKEN,
                        KEYSPACE,
                        POOL_REPLICATION,
                        cassandra.getHostString(),
                        cassandra.getPort(),
                        dc);
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {siteAtBranch, siteAtPool, branch, pool, toPool, gateway}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // closing the rest matters more
            }
        }
    }

    @Test
    void a_branch_user_registers_at_the_branch_and_a_pool_user_calls_her_through_the_pool() throws Exception {
        try (TestPhone anna = new TestPhone("TCP", branch.sipTcpPort(), "anna", "anna-secret-1");
                TestPhone polly = new TestPhone("UDP", pool.sipUdpPort(), "polly", "polly-secret")) {
            assertThat(anna.register().status()).isEqualTo(200);
            assertThat(polly.register().status()).isEqualTo(200);

            // the binding the branch wrote is read in the pool's data center, naming the branch node's flow
            CassandraBindingStore atPool = new CassandraBindingStore(siteAtPool);
            Binding stored = eventually(() -> await(atPool.load("sip:anna@example.test")).stream()
                    .findFirst()
                    .orElse(null));
            assertThat(stored).isNotNull();
            assertThat(stored.flow().node()).isEqualTo("branch-ams");
            assertThat(stored.flow().transport()).isEqualToIgnoringCase("tcp");
            // and not in the pool's own keyspace
            try (CqlSession poolKeyspace = CassandraSessions.connect(ring.settingsIn(
                    "pool",
                    KEYSPACE,
                    "{'class': 'NetworkTopologyStrategy', 'pool': 1}",
                    DefaultConsistencyLevel.LOCAL_QUORUM))) {
                assertThat(await(new CassandraBindingStore(poolKeyspace).load("sip:anna@example.test")))
                        .isEmpty();
            }

            // polly (pool) calls anna (branch): the pool reads her binding and goes through the branch node
            anna.autoAnswer();
            assertThat(polly.call("sip:anna@example.test")).isEqualTo(200);
            assertThat(anna.answered.get()).isEqualTo(1);
        }
    }

    @Test
    void a_branch_user_calls_a_pool_user_through_the_branch_and_the_pool() throws Exception {
        try (TestPhone anna = new TestPhone("TCP", branch.sipTcpPort(), "anna", "anna-secret-1");
                TestPhone polly = new TestPhone("UDP", pool.sipUdpPort(), "polly", "polly-secret")) {
            assertThat(anna.register().status()).isEqualTo(200);
            assertThat(polly.register().status()).isEqualTo(200);
            polly.autoAnswer();
            // the branch does not know polly: it sends the INVITE to switchboard.branch.pool-uri
            assertThat(anna.call("sip:polly@example.test")).isEqualTo(200);
            assertThat(polly.answered.get()).isEqualTo(1);

            // an emergency number leaves through the branch's own trunk although the pool answers
            // (switchboard.branch.emergency-numbers, default 112 and 911)
            int before = gateway.answered.get();
            assertThat(anna.call("sip:112@example.test;user=phone")).isEqualTo(200);
            assertThat(gateway.answered.get()).isEqualTo(before + 1);
        }
    }

    @Test
    void a_pool_user_cannot_register_at_the_branch() throws Exception {
        try (TestPhone polly = new TestPhone("UDP", branch.sipUdpPort(), "polly", "polly-secret")) {
            TestPhone.Msg refused = polly.register();
            assertThat(refused.status()).isEqualTo(403);
            assertThat(refused.firstLine()).contains("branch ams serves its own users only");
        }
    }

    @Test
    void users_are_added_at_the_pool_not_at_the_branch() throws Exception {
        HttpResponse<String> add = AdminHttp.send(
                branch.adminPort(),
                "POST",
                "/api/users",
                TestNodes.TOKEN,
                "application/x-www-form-urlencoded",
                "uri=sip%3Abert%40example.test&password=bert-secret-1&site=ams");
        assertThat(add.statusCode()).isEqualTo(409);
        assertThat(add.body()).contains("add, change and move users at the pool");
        // reading is fine: the branch lists its own site's users
        HttpResponse<String> list = AdminHttp.send(
                branch.adminPort(), "GET", "/api/users?domain=example.test", TestNodes.TOKEN, null, null);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains("sip:anna@example.test").doesNotContain("polly");
    }

    /**
     * WAN failure mode (README, "Sites and branches"): the branch's way to the pool is cut. Once the pool has not
     * answered the branch's OPTIONS for pool-down-after, what the branch would send to the pool is answered at once
     * with a Warning, its users still register and call each other, and calls to the pool go through again once it
     * answers.
     */
    @Test
    void while_the_pool_is_unreachable_the_branch_answers_at_once_and_keeps_its_users_calling() throws Exception {
        try (TestPhone anna = new TestPhone("TCP", branch.sipTcpPort(), "anna", "anna-secret-1");
                TestPhone bea = new TestPhone("UDP", branch.sipUdpPort(), "bea", "bea-secret-1");
                TestPhone polly = new TestPhone("UDP", pool.sipUdpPort(), "polly", "polly-secret")) {
            assertThat(anna.register().status()).isEqualTo(200);
            assertThat(bea.register().status()).isEqualTo(200);
            assertThat(polly.register().status()).isEqualTo(200);
            bea.autoAnswer();
            polly.autoAnswer();

            toPool.cut(true);
            try {
                assertThat(eventually(() -> linkIs(branch, "pool", false) ? true : null))
                        .as("the branch counts the pool down")
                        .isNotNull();
                assertThat(AdminHttp.get(branch.adminPort(), "/metrics").body())
                        .contains("switchboard_site_link_reachable{site=\"pool\",} 0.0")
                        .containsPattern("switchboard_site_link_changes_total\\{site=\"pool\",to=\"down\",\\} [1-9]")
                        // the time in WAN failure mode runs while the pool is down
                        .containsPattern("switchboard_site_link_down_seconds_total\\{site=\"pool\",\\} [0-9.E]+");

                // Each answer comes from the branch itself, at once: TestPhone waits at most 10 s for a final
                // response, well before the 32 s a transaction towards the silent pool would take (Timer F/B).
                long started = System.nanoTime();
                TestPhone.Msg toPoolUser = anna.authenticated(
                        "MESSAGE",
                        "sip:polly@example.test",
                        TestPhone.newTag() + "@m",
                        TestPhone.newTag(),
                        "text/plain",
                        "lunch?");
                assertThat(toPoolUser.status()).isEqualTo(480);
                assertThat(toPoolUser.header("warning"))
                        .startsWith("399 127.0.0.1:" + branch.sipUdpPort() + " \"Limited functionality: branch ams");
                TestPhone.Msg outside = anna.authenticated(
                        "MESSAGE",
                        "sip:someone@elsewhere.test",
                        TestPhone.newTag() + "@m",
                        TestPhone.newTag(),
                        "text/plain",
                        "hello");
                assertThat(outside.status()).isEqualTo(503);
                assertThat(outside.header("warning")).contains("cannot reach the pool");
                assertThat(anna.call("sip:polly@example.test")).isEqualTo(480);
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
                assertThat(polly.answered.get()).isZero();

                // the branch's own users: registering and calling each other need no pool; the 200 says the
                // functionality is limited
                TestPhone.Msg registered = anna.register();
                assertThat(registered.status()).isEqualTo(200);
                assertThat(registered.header("warning")).contains("Limited functionality: branch ams");
                assertThat(anna.call("sip:bea@example.test")).isEqualTo(200);
                assertThat(bea.answered.get()).isEqualTo(1);
                // and a number goes to the branch's own trunk
                int before = gateway.answered.get();
                assertThat(anna.call("sip:+31201234567@example.test;user=phone"))
                        .isEqualTo(200);
                assertThat(gateway.answered.get()).isEqualTo(before + 1);

                assertThat(AdminHttp.send(branch.adminPort(), "GET", "/api/pool", TestNodes.TOKEN, null, null)
                                .body())
                        .contains("\"links\":[{\"site\":\"pool\",\"reachable\":false,");
            } finally {
                toPool.cut(false);
            }
            assertThat(eventually(() -> linkIs(branch, "pool", true) ? true : null))
                    .as("the branch counts the pool up again on its first answer")
                    .isNotNull();
            java.util.regex.Matcher downFor = java.util.regex.Pattern.compile(
                            "switchboard_site_link_down_seconds_total\\{site=\"pool\",\\} ([0-9.E]+)")
                    .matcher(AdminHttp.get(branch.adminPort(), "/metrics").body());
            assertThat(downFor.find()).isTrue();
            assertThat(Double.parseDouble(downFor.group(1)))
                    .as("the outage's length is kept once the pool answers again")
                    .isGreaterThan(0.0);
            assertThat(anna.call("sip:polly@example.test")).isEqualTo(200);
            assertThat(polly.answered.get()).isEqualTo(1);
            assertThat(anna.register().header("warning"))
                    .as("full functionality again")
                    .isNull();
        }
    }

    /**
     * The pool side of WAN failure mode: a user whose phone is connected through a branch node that does not answer
     * the pool's OPTIONS is not rung through it (no 32 s transaction timeout): the caller gets 480 at once, and,
     * being one of our users, a Warning saying why.
     */
    @Test
    void a_call_through_a_branch_node_that_does_not_answer_gets_480_at_once() throws Exception {
        assertThat(eventually(() -> linkIs(pool, "osl", false) ? true : null))
                .as("the pool counts osl's node down")
                .isNotNull();
        // olga's phone is connected over TCP through osl's node: her binding as that node would have written it
        String token = new io.switchboard.sip.flow.FlowTokens(TestNodes.SECRET_BYTES)
                .encode(new io.switchboard.sip.flow.FlowTuple(
                        "branch-osl", "TCP", "127.0.0.1", 5060, "127.0.0.1", 45999));
        String contact = "sip:olga@127.0.0.1:45999;transport=tcp";
        java.time.Instant now = java.time.Instant.now();
        Binding viaOsl = new Binding(
                io.switchboard.registrar.domain.BindingKey.forContact(contact),
                contact,
                "olga-call-id",
                1,
                now.plusSeconds(3600),
                1000,
                null,
                0,
                java.util.List.of(),
                new io.switchboard.sip.flow.Flow("tcp", "127.0.0.1", 45999, "branch-osl", token),
                "branch-node-test",
                now);
        try (CqlSession poolKeyspace = CassandraSessions.connect(
                ring.settingsIn("pool", KEYSPACE, POOL_REPLICATION, DefaultConsistencyLevel.LOCAL_QUORUM))) {
            await(new CassandraBindingStore(poolKeyspace)
                    .write(
                            "sip:olga@example.test",
                            java.util.List.of(viaOsl),
                            java.util.List.of(),
                            now,
                            io.switchboard.entity.fence.WriteStamp.UNFENCED));
        }
        try (TestPhone polly = new TestPhone("UDP", pool.sipUdpPort(), "polly", "polly-secret")) {
            assertThat(polly.register().status()).isEqualTo(200);
            // TestPhone waits at most 10 s for a final response, the 32 s timeout would have come much later
            long started = System.nanoTime();
            TestPhone.Msg message = polly.authenticated(
                    "MESSAGE",
                    "sip:olga@example.test",
                    TestPhone.newTag() + "@m",
                    TestPhone.newTag(),
                    "text/plain",
                    "are you there?");
            assertThat(message.status()).isEqualTo(480);
            assertThat(message.header("warning"))
                    .startsWith("399 127.0.0.1:" + pool.sipUdpPort() + " \"")
                    .contains("does not answer now");
            assertThat(polly.call("sip:olga@example.test")).isEqualTo(480);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        }
    }

    static int freeUdpPort() throws Exception {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    static <T> T eventually(Supplier<T> read) throws InterruptedException {
        long deadline = System.nanoTime() + REPLICATED_WITHIN.toNanos();
        while (true) {
            T value = read.get();
            if (value != null || System.nanoTime() - deadline > 0) {
                return value;
            }
            Thread.sleep(100); // polling replication, with the deadline above
        }
    }

    static <T> T await(java.util.concurrent.CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

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

    CassandraRing ring;
    SwitchboardNode pool;
    SwitchboardNode branch;
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
        pool = TestNodes.awaitReady(SwitchboardNode.start(
                NodeConfig.fromString(nodeConfig("node-1", "pool", TestNodes.freePort(), 0) + sites + """
                switchboard.bootstrap-users = [
                  { uri = "sip:polly@example.test", password = "polly-secret", name = "Polly" }
                ]
                """)));
        int branchCluster = TestNodes.freePort();
        branch = TestNodes.awaitReady(SwitchboardNode.start(NodeConfig.fromString(
                nodeConfig("branch-ams", "ams", branchCluster, branchUdp) + sites + """
                switchboard {
                  role = "branch"
                  site = "ams"
                  branch.pool-uri = "sip:127.0.0.1:%d"
                }
                """.formatted(pool.sipUdpPort()))));
        String replication = SiteKeyspaces.replication("pool", 1, "ams");
        siteAtPool = CassandraSessions.connect(
                ring.settingsIn("pool", SITE_KEYSPACE, replication, DefaultConsistencyLevel.LOCAL_QUORUM));
        siteAtBranch = CassandraSessions.connect(
                ring.settingsIn("ams", SITE_KEYSPACE, replication, DefaultConsistencyLevel.LOCAL_QUORUM));

        // anna is homed at the branch: added at the pool, as an operator does
        HttpResponse<String> add = AdminHttp.send(
                pool.adminPort(),
                "POST",
                "/api/users",
                TestNodes.TOKEN,
                "application/x-www-form-urlencoded",
                "uri=sip%3Aanna%40example.test&password=anna-secret-1&site=ams");
        assertThat(add.statusCode()).as(add.body()).isBetween(200, 299);
        // before anyone asks the branch for her (it caches "no such user" for a while): her account has reached
        // the branch's data center
        CassandraAccountStore atBranch = CassandraAccountStore.forSessionKeyspace(siteAtBranch);
        assertThat(eventually(() -> await(atBranch.find("example.test", "anna")).orElse(null)))
                .isNotNull();
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
        for (AutoCloseable c : new AutoCloseable[] {siteAtBranch, siteAtPool, branch, pool}) {
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

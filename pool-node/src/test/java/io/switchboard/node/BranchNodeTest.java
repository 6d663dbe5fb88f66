package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import io.switchboard.accounts.store.CassandraAccountStore;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.node.site.SiteKeyspaces;
import io.switchboard.proxy.domain.CallSettings;
import io.switchboard.proxy.domain.Forwarding;
import io.switchboard.proxy.store.CassandraCallSettingsStore;
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
     * Both ends watch the pool-branch link quickly here (the defaults are 5 s, 15 s and a 30 s hold-down), yet slowly enough that a
     * busy test machine does not make the link flap.
     */
    static final String LINK_WATCH =
            "switchboard.branch { pool-check-interval = 500ms, pool-down-after = 3s, fail-back-hold-down = 1s }\n";

    CassandraRing ring;
    SwitchboardNode pool;
    SwitchboardNode branch;
    /** The branch node's configuration, to start it again after a test stopped it. */
    String branchConfig;
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
        branchConfig = nodeConfig("branch-ams", "ams", branchCluster, branchUdp)
                + sites
                + LINK_WATCH
                + """
                switchboard {
                  role = "branch"
                  site = "ams"
                  branch.pool-uri = "sip:127.0.0.1:%d;maddr=127.0.0.2"
                  branch.trunk-uri = "%s"
                }
                """.formatted(pool.sipUdpPort(), trunk);
        branch = TestNodes.awaitReady(SwitchboardNode.start(NodeConfig.fromString(branchConfig)));
        String replication = SiteKeyspaces.replication("pool", 1, "ams");
        siteAtPool = CassandraSessions.connect(
                ring.settingsIn("pool", SITE_KEYSPACE, replication, DefaultConsistencyLevel.LOCAL_QUORUM));
        siteAtBranch = CassandraSessions.connect(
                ring.settingsIn("ams", SITE_KEYSPACE, replication, DefaultConsistencyLevel.LOCAL_QUORUM));

        // anna, bea and cara are homed at the branch: added at the pool, as an operator does
        for (String user : new String[] {"anna", "bea", "cara"}) {
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
        for (String user : new String[] {"anna", "bea", "cara"}) {
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
            var atPool = new io.switchboard.registrar.store.CassandraSiteBindings(siteAtPool).merged();
            Binding stored = eventually(() -> await(atPool.load("sip:anna@example.test")).stream()
                    .findFirst()
                    .orElse(null));
            assertThat(stored).isNotNull();
            // (other tests leave anna bindings the pool wrote while she had failed over to it: those are the
            // pool's rows of the site keyspace, merged in by the lookup)
            stored = await(atPool.load("sip:anna@example.test")).stream()
                    .filter(b -> b.flow().node().equals("branch-ams"))
                    .filter(b -> b.contact().equals(anna.contact()))
                    .findFirst()
                    .orElse(null);
            assertThat(stored).isNotNull();
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
            // a MESSAGE too: the pool takes the branch's word for anna (its signed Record-Route, which a branch
            // adds to every initial request), else it would challenge her a second time
            TestPhone.Msg message = anna.authenticated(
                    "MESSAGE",
                    "sip:polly@example.test",
                    TestPhone.newTag() + "@m",
                    TestPhone.newTag(),
                    "text/plain",
                    "lunch?");
            assertThat(message.status()).as(message.raw()).isEqualTo(200);

            // an emergency number leaves through the branch's own trunk although the pool answers
            // (switchboard.branch.emergency-numbers, default 112 and 911)
            int before = gateway.answered.get();
            assertThat(anna.call("sip:112@example.test;user=phone")).isEqualTo(200);
            assertThat(gateway.answered.get()).isEqualTo(before + 1);
        }
    }

    /**
     * Presence, conferencing and call park of branch users are the pool's (README, "Sites and branches"): the branch
     * node sends a branch user's presence SUBSCRIBE and PUBLISH, her SUBSCRIBE to a conference and her INVITE to the
     * park URI to the pool, whose presence server, focus and park service answer; the pool's NOTIFYs reach her
     * through the branch node, and the park's dialog runs through it along its Record-Route.
     */
    @Test
    void a_branch_users_presence_conferencing_and_call_park_are_served_by_the_pool() throws Exception {
        assertThat(eventually(() -> linkIs(branch, "pool", true) ? true : null)).isNotNull();
        HttpResponse<String> range = AdminHttp.send(
                pool.adminPort(),
                "POST",
                "/api/park/orbits",
                TestNodes.TOKEN,
                "application/json",
                "{\"name\":\"branch\",\"range\":\"#950-#951\"}");
        assertThat(range.statusCode()).as(range.body()).isEqualTo(201);
        try (TestPhone anna = new TestPhone("TCP", branch.sipTcpPort(), "anna", "anna-secret-1");
                TestPhone polly = new TestPhone("UDP", pool.sipUdpPort(), "polly", "polly-secret");
                java.net.DatagramSocket media =
                        new java.net.DatagramSocket(0, java.net.InetAddress.getByName("127.0.0.1"))) {
            assertThat(anna.register().status()).isEqualTo(200);
            assertThat(polly.register().status()).isEqualTo(200);

            // anna (branch) watches polly (pool): the pool's presence server answers and notifies
            String watch = java.util.UUID.randomUUID() + "@watch";
            String tag = TestPhone.newTag();
            TestPhone.Msg ok = anna.authenticated(
                    "SUBSCRIBE",
                    "sip:polly@example.test",
                    watch,
                    tag,
                    java.util.List.of("Event: presence", "Expires: 600"),
                    "",
                    "",
                    "anna",
                    "anna-secret-1");
            assertThat(ok.status()).as(ok.raw()).isEqualTo(200);
            assertThat(ok.header("contact"))
                    .as("the pool node's presence server")
                    .contains(":" + pool.sipUdpPort());
            TestPhone.Msg first = notifyOf(anna, watch);
            assertThat(first.header("subscription-state")).startsWith("active");
            assertThat(first.body()).contains("entity=\"sip:polly@example.test\"");
            assertThat(first.body()).as("polly is registered at the pool").contains("<sb:availability>3500<");
            TestPhone.Msg published = publish(polly, "polly-secret", PresenceSipTest.state("do-not-disturb", null));
            assertThat(published.status()).isEqualTo(200);
            assertThat(notifyOf(anna, watch).body()).contains("<sb:availability>9500<");

            // her own state goes to the pool too, the state compositor (an entity-tag, RFC 3903 section 6)
            TestPhone.Msg own = publish(anna, "anna-secret-1", PresenceSipTest.state("busy", null));
            assertThat(own.status()).as(own.raw()).isEqualTo(200);
            assertThat(own.header("sip-etag")).isNotBlank();

            // ending the subscription: in its dialog, through the branch node along its Record-Route
            TestPhone.Dialog d = anna.callerDialog("sip:polly@example.test", tag, ok);
            TestPhone.Msg ended = anna.request(PresenceSipTest.withHeaders(
                    anna.inDialog(d, "SUBSCRIBE", d.cseq++, TestPhone.newBranch()), "Event: presence", "Expires: 0"));
            assertThat(ended.status()).isEqualTo(200);
            assertThat(notifyOf(anna, watch).header("subscription-state")).startsWith("terminated");

            // a conference of anna's hosted by the pool: she follows its state through the branch (RFC 4575), the
            // pool's
            // focus answers and notifies
            HttpResponse<String> created = AdminHttp.send(
                    pool.adminPort(),
                    "POST",
                    "/api/conferences",
                    TestNodes.TOKEN,
                    "application/json",
                    "{\"organizer\":\"sip:anna@example.test\",\"subject\":\"Branch\",\"access\":\"open\"}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            String conference =
                    "sip:conf-" + created.body().replaceAll(".*\"id\":\"([a-z2-7]{20})\".*", "$1") + "@example.test";
            String follow = java.util.UUID.randomUUID() + "@conf";
            TestPhone.Msg following = anna.authenticated(
                    "SUBSCRIBE",
                    conference,
                    follow,
                    TestPhone.newTag(),
                    java.util.List.of("Event: conference", "Expires: 600"),
                    "",
                    "",
                    "anna",
                    "anna-secret-1");
            assertThat(following.status()).as(following.raw()).isEqualTo(200);
            assertThat(following.header("contact")).contains(conference + ";isfocus");
            TestPhone.Msg state = notifyOf(anna, follow);
            assertThat(state.header("content-type")).isEqualTo("application/conference-info+xml");
            assertThat(state.body()).contains("<subject>Branch</subject>");

            // anna parks a call polly transferred to the park URI: the pool's park service takes it
            polly.autoAnswer(); // the park's MESSAGE naming the orbit
            String park = java.util.UUID.randomUUID() + "@park";
            String parkTag = TestPhone.newTag();
            TestPhone.Msg parked = anna.authenticated(
                    "INVITE",
                    "sip:park@example.test",
                    park,
                    parkTag,
                    java.util.List.of("Referred-By: <sip:polly@example.test>"),
                    "application/sdp",
                    ParkSipTest.offer(media.getLocalPort()),
                    "anna",
                    "anna-secret-1");
            assertThat(parked.status()).as(parked.raw()).isEqualTo(200);
            assertThat(parked.header("contact"))
                    .as("the pool node's park service")
                    .contains(":" + pool.sipUdpPort());
            TestPhone.Dialog call = anna.callerDialog("sip:park@example.test", parkTag, parked);
            anna.ack2xx(call, parked);
            assertThat(AdminHttp.send(pool.adminPort(), "GET", "/api/park/calls", TestNodes.TOKEN, null, null)
                            .body())
                    .contains("\"parkId\":\"" + park + "\"")
                    .contains("\"caller\":\"sip:anna@example.test\"");
            assertThat(anna.requestInDialog(call, "BYE").status()).isEqualTo(200);
            assertThat(eventually(() -> {
                        try {
                            return AdminHttp.send(
                                                    pool.adminPort(),
                                                    "GET",
                                                    "/api/park/calls",
                                                    TestNodes.TOKEN,
                                                    null,
                                                    null)
                                            .body()
                                            .contains(park)
                                    ? null
                                    : true;
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }))
                    .as("the BYE through the branch ended the park")
                    .isNotNull();
        }
    }

    /**
     * A branch user's registration drives her presence at the pool (README, "Sites and branches"): cara registers at
     * the branch only, and polly, watching her at the pool, sees her come online and go offline again; a change made
     * while the WAN is cut reaches the pool's watchers once the pool answers again; and nobody but a branch node
     * vouching for its own user can report registrations to the pool.
     */
    @Test
    void a_branch_users_registration_at_the_branch_drives_her_presence_at_the_pool() throws Exception {
        assertThat(eventually(() -> linkIs(branch, "pool", true) ? true : null)).isNotNull();
        try (TestPhone cara = new TestPhone("UDP", branch.sipUdpPort(), "cara", "cara-secret-1");
                TestPhone caraAtPool = new TestPhone("UDP", pool.sipUdpPort(), "cara", "cara-secret-1");
                TestPhone polly = new TestPhone("UDP", pool.sipUdpPort(), "polly", "polly-secret")) {
            String watch = java.util.UUID.randomUUID() + "@watch-cara";
            String tag = TestPhone.newTag();
            TestPhone.Msg ok = polly.authenticated(
                    "SUBSCRIBE",
                    "sip:cara@example.test",
                    watch,
                    tag,
                    java.util.List.of("Event: presence", "Expires: 600"),
                    "",
                    "",
                    "polly",
                    "polly-secret");
            assertThat(ok.status()).as(ok.raw()).isEqualTo(200);
            assertThat(notifyOf(polly, watch).body())
                    .as("not registered anywhere")
                    .contains("<sb:availability>18500<");

            // she registers at her branch only: the branch reports it, the pool's presentity makes her Available
            assertThat(cara.register().status()).isEqualTo(200);
            assertThat(notifyOf(polly, watch).body())
                    .contains("<sb:availability>3500<")
                    .contains("<basic>open</basic>");

            // nobody else reports registrations: here her own phone, straight to the pool, with a Record-Route
            // naming the branch node but not signed with the pool secret
            TestPhone.Msg forged = caraAtPool.authenticated(
                    "PUBLISH",
                    "sip:cara@example.test",
                    java.util.UUID.randomUUID() + "@forged",
                    TestPhone.newTag(),
                    java.util.List.of(
                            "Event: reg",
                            "Record-Route: <sip:127.0.0.1:" + branch.sipUdpPort() + ";transport=udp;lr;sbsig=forged>"),
                    "application/x-switchboard-endpoints",
                    "",
                    "cara",
                    "cara-secret-1");
            assertThat(forged.status()).as(forged.raw()).isEqualTo(403);

            // Expires 0: her last binding goes, so does her presence
            assertThat(cara.register(0).status()).isEqualTo(200);
            assertThat(notifyOf(polly, watch).body()).contains("<sb:availability>18500<");

            // during a WAN cut the pool keeps her last state; the branch sends the current one once the pool answers
            toPool.cut(true);
            try {
                assertThat(eventually(() -> linkIs(branch, "pool", false) ? true : null))
                        .as("the branch counts the pool down")
                        .isNotNull();
                assertThat(cara.register().status()).isEqualTo(200);
            } finally {
                toPool.cut(false);
            }
            assertThat(notifyOf(polly, watch).body())
                    .as("caught up after the outage")
                    .contains("<sb:availability>3500<");

            assertThat(cara.register(0).status()).isEqualTo(200);
            assertThat(notifyOf(polly, watch).body()).contains("<sb:availability>18500<");
            TestPhone.Dialog d = polly.callerDialog("sip:cara@example.test", tag, ok);
            assertThat(polly.request(PresenceSipTest.withHeaders(
                                    polly.inDialog(d, "SUBSCRIBE", d.cseq++, TestPhone.newBranch()),
                                    "Event: presence",
                                    "Expires: 0"))
                            .status())
                    .isEqualTo(200);
        }
    }

    /** The next NOTIFY of the subscription {@code callId}, answered 200. */
    static TestPhone.Msg notifyOf(TestPhone phone, String callId) throws java.io.IOException {
        TestPhone.Msg n = phone.await(
                m -> m.isRequest() && m.method().equals("NOTIFY") && m.callId().equals(callId), TestPhone.WAIT);
        phone.respond(n, 200, "OK", null, java.util.List.of());
        return n;
    }

    /** A presence PUBLISH of {@code body} by the phone's own user (RFC 3903), its final answer. */
    static TestPhone.Msg publish(TestPhone phone, String password, String body) throws java.io.IOException {
        return phone.authenticated(
                "PUBLISH",
                phone.aor(),
                java.util.UUID.randomUUID() + "@publish",
                TestPhone.newTag(),
                java.util.List.of("Event: presence", "Expires: 600"),
                "application/pidf+xml",
                body,
                phone.user,
                password);
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
            // a call with a pool user and a presence subscription to one, through the branch, under way at the cut
            String heldCall = java.util.UUID.randomUUID() + "@held";
            String heldTag = TestPhone.newTag();
            TestPhone.Msg held = anna.authenticated(
                    "INVITE", "sip:polly@example.test", heldCall, heldTag, "application/sdp", "v=0\r\n");
            assertThat(held.status()).as(held.raw()).isEqualTo(200);
            TestPhone.Dialog call = anna.callerDialog("sip:polly@example.test", heldTag, held);
            anna.ack2xx(call, held);
            String watchCall = java.util.UUID.randomUUID() + "@watch";
            String watchTag = TestPhone.newTag();
            TestPhone.Msg watching = anna.authenticated(
                    "SUBSCRIBE",
                    "sip:polly@example.test",
                    watchCall,
                    watchTag,
                    java.util.List.of("Event: presence", "Expires: 600"),
                    "",
                    "",
                    "anna",
                    "anna-secret-1");
            assertThat(watching.status()).as(watching.raw()).isEqualTo(200);
            notifyOf(anna, watchCall);
            TestPhone.Dialog subscription = anna.callerDialog("sip:polly@example.test", watchTag, watching);
            int pollyAnswered = polly.answered.get();

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
                assertThat(polly.answered.get()).isEqualTo(pollyAnswered);

                // In-dialog requests towards the pool are answered at once too, 408 with the Warning (PoolGate): her
                // BYE to polly (the phone clears the call) and the refresh of her subscription to his presence.
                started = System.nanoTime();
                TestPhone.Msg bye = anna.requestInDialog(call, "BYE");
                assertThat(bye.status()).as(bye.raw()).isEqualTo(408);
                assertThat(bye.header("warning")).isEqualTo(toPoolUser.header("warning"));
                TestPhone.Msg refresh = anna.request(PresenceSipTest.withHeaders(
                        anna.inDialog(subscription, "SUBSCRIBE", subscription.cseq++, TestPhone.newBranch()),
                        "Event: presence",
                        "Expires: 600"));
                assertThat(refresh.status()).as(refresh.raw()).isEqualTo(408);
                assertThat(refresh.header("warning")).isEqualTo(toPoolUser.header("warning"));
                System.out.printf(
                        "In-dialog BYE and re-SUBSCRIBE towards the silent pool answered in %d ms%n",
                        Duration.ofNanos(System.nanoTime() - started).toMillis());

                // The pool's services answer at once too, never from the branch: presence of a pool user, and of
                // a branch user as well (presence is a pool service, as at a Survivable Branch Appliance), her
                // own PUBLISH, and the park URI.
                started = System.nanoTime();
                for (String watched : new String[] {"sip:polly@example.test", "sip:bea@example.test"}) {
                    TestPhone.Msg watch = anna.authenticated(
                            "SUBSCRIBE",
                            watched,
                            TestPhone.newTag() + "@w",
                            TestPhone.newTag(),
                            java.util.List.of("Event: presence", "Expires: 600"),
                            "",
                            "",
                            "anna",
                            "anna-secret-1");
                    assertThat(watch.status()).as(watched).isEqualTo(480);
                    assertThat(watch.header("retry-after")).isEqualTo("60");
                    assertThat(watch.header("warning")).isEqualTo(toPoolUser.header("warning"));
                }
                TestPhone.Msg own = publish(anna, "anna-secret-1", PresenceSipTest.state("busy", null));
                assertThat(own.status()).isEqualTo(480);
                assertThat(own.header("retry-after")).isEqualTo("60");
                assertThat(own.header("warning")).contains("Limited functionality: branch ams");
                TestPhone.Msg park = anna.authenticated(
                        "INVITE",
                        "sip:park@example.test",
                        TestPhone.newTag() + "@p",
                        TestPhone.newTag(),
                        java.util.List.of("Referred-By: <sip:bea@example.test>"),
                        "application/sdp",
                        ParkSipTest.offer(9),
                        "anna",
                        "anna-secret-1");
                assertThat(park.status()).isEqualTo(480);
                assertThat(park.header("warning")).contains("Limited functionality: branch ams");
                TestPhone.Msg conference = anna.authenticated(
                        "INVITE",
                        "sip:conf-abcdefghijklmnopqrst@example.test",
                        TestPhone.newTag() + "@c",
                        TestPhone.newTag(),
                        "application/sdp",
                        ParkSipTest.offer(9));
                assertThat(conference.status()).isEqualTo(480);
                assertThat(conference.header("warning")).contains("Limited functionality: branch ams");
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));

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
                    .as("the branch counts the pool up again once it has answered for the hold-down")
                    .isNotNull();
            java.util.regex.Matcher downFor = java.util.regex.Pattern.compile(
                            "switchboard_site_link_down_seconds_total\\{site=\"pool\",\\} ([0-9.E]+)")
                    .matcher(AdminHttp.get(branch.adminPort(), "/metrics").body());
            assertThat(downFor.find()).isTrue();
            assertThat(Double.parseDouble(downFor.group(1)))
                    .as("the outage's length is kept once the pool answers again")
                    .isGreaterThan(0.0);
            assertThat(anna.call("sip:polly@example.test")).isEqualTo(200);
            assertThat(polly.answered.get()).isEqualTo(pollyAnswered + 1);
            assertThat(anna.register().header("warning"))
                    .as("full functionality again")
                    .isNull();
        }
    }

    /**
     * Call settings of branch users (README, "Sites and branches"): set at the pool, stored in the site keyspace (not
     * the pool's), so the branch node follows them on its own, during a WAN outage too ("as already set"); a move of
     * home site takes them along.
     */
    @Test
    void call_settings_set_at_the_pool_are_followed_at_the_branch_during_an_outage_and_move_with_the_user()
            throws Exception {
        // cara rings dina too (simultaneous ring), cora forwards every call to dina: all three homed at the branch
        for (String user : new String[] {"cara", "cora", "dina"}) {
            HttpResponse<String> add = AdminHttp.send(
                    pool.adminPort(),
                    "POST",
                    "/api/users",
                    TestNodes.TOKEN,
                    "application/x-www-form-urlencoded",
                    "uri=sip%3A" + user + "%40example.test&password=" + user + "-secret-1&site=ams");
            assertThat(add.statusCode()).as(add.body()).isBetween(200, 299);
        }
        CassandraAccountStore accountsAtBranch = CassandraAccountStore.forSessionKeyspace(siteAtBranch);
        for (String user : new String[] {"cara", "cora", "dina"}) {
            assertThat(eventually(() ->
                            await(accountsAtBranch.find("example.test", user)).orElse(null)))
                    .isNotNull();
        }
        assertThat(putSettings("cara", "{\"simRing\": \"sip:dina@example.test\"}")
                        .statusCode())
                .isEqualTo(200);
        assertThat(putSettings(
                                "cora",
                                "{\"forward\": {\"mode\": \"immediate\", \"target\": \"sip:dina@example.test\"}}")
                        .statusCode())
                .isEqualTo(200);

        CassandraCallSettingsStore settingsAtBranch = CassandraCallSettingsStore.forSessionKeyspace(siteAtBranch);
        CassandraCallSettingsStore settingsAtPoolSite = CassandraCallSettingsStore.forSessionKeyspace(siteAtPool);
        try (CqlSession poolKeyspace = CassandraSessions.connect(
                ring.settingsIn("pool", KEYSPACE, POOL_REPLICATION, DefaultConsistencyLevel.LOCAL_QUORUM))) {
            CassandraCallSettingsStore inPoolKeyspace = CassandraCallSettingsStore.forSessionKeyspace(poolKeyspace);
            // (a) in the site keyspace, read in the branch's data center; not in the pool's keyspace
            CallSettings cara = eventually(
                    () -> await(settingsAtBranch.find("sip:cara@example.test")).orElse(null));
            assertThat(cara).isNotNull();
            assertThat(cara.simRing()).contains("sip:dina@example.test");
            assertThat(eventually(() -> await(settingsAtBranch.find("sip:cora@example.test"))
                                    .orElse(null))
                            .forwarding())
                    .isEqualTo(new Forwarding.Immediate("sip:dina@example.test"));
            assertThat(await(inPoolKeyspace.find("sip:cara@example.test"))).isEmpty();
            assertThat(await(inPoolKeyspace.find("sip:cora@example.test"))).isEmpty();
            // the pool's admin API shows what it stored there
            assertThat(AdminHttp.send(
                                    pool.adminPort(),
                                    "GET",
                                    "/api/call-settings?aor=sip%3Acara%40example.test",
                                    TestNodes.TOKEN,
                                    null,
                                    null)
                            .body())
                    .contains("\"simRing\":\"sip:dina@example.test\"");

            // (b) with the pool unreachable, the branch follows them: a call to cara rings dina too (cara has no
            // phone), a call to cora goes to dina
            try (TestPhone anna = new TestPhone("TCP", branch.sipTcpPort(), "anna", "anna-secret-1");
                    TestPhone dina = new TestPhone("UDP", branch.sipUdpPort(), "dina", "dina-secret-1")) {
                assertThat(anna.register().status()).isEqualTo(200);
                assertThat(dina.register().status()).isEqualTo(200);
                dina.autoAnswer();
                toPool.cut(true);
                try {
                    assertThat(eventually(() -> linkIs(branch, "pool", false) ? true : null))
                            .as("the branch counts the pool down")
                            .isNotNull();
                    assertThat(anna.call("sip:cara@example.test")).isEqualTo(200);
                    assertThat(dina.answered.get()).isEqualTo(1);
                    assertThat(anna.call("sip:cora@example.test")).isEqualTo(200);
                    assertThat(dina.answered.get()).isEqualTo(2);
                } finally {
                    toPool.cut(false);
                }
                assertThat(eventually(() -> linkIs(branch, "pool", true) ? true : null))
                        .isNotNull();
                assertThat(dina.register(0).status()).isEqualTo(200);
            }

            // (c) cara moves to the pool: her settings go to the pool's keyspace and leave the site keyspace
            HttpResponse<String> toPoolSite = moveTo("cara", "pool");
            assertThat(toPoolSite.statusCode()).as(toPoolSite.body()).isEqualTo(200);
            assertThat(await(inPoolKeyspace.find("sip:cara@example.test")).map(CallSettings::simRing))
                    .contains(java.util.Optional.of("sip:dina@example.test"));
            assertThat(await(settingsAtPoolSite.find("sip:cara@example.test"))).isEmpty();
            assertThat(eventually(() -> await(settingsAtBranch.find("sip:cara@example.test"))
                                    .isEmpty()
                            ? true
                            : null))
                    .as("gone from the branch's data center")
                    .isNotNull();
            // and back to the branch: in the site keyspace (read in the branch's DC), not in the pool's
            HttpResponse<String> back = moveTo("cara", "ams");
            assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
            assertThat(eventually(() -> await(settingsAtBranch.find("sip:cara@example.test"))
                                    .orElse(null))
                            .simRing())
                    .contains("sip:dina@example.test");
            assertThat(await(inPoolKeyspace.find("sip:cara@example.test"))).isEmpty();

            // a row from before (the pool kept branch users' settings in its own keyspace): the pool still reads
            // it, and the next change moves it to the site keyspace (the carry-over at a pool node's start does
            // too: TwoSiteReplicationTest)
            await(inPoolKeyspace.put(new CallSettings(
                    "sip:dina@example.test",
                    java.util.Optional.of("sip:anna@example.test"),
                    Forwarding.OFF,
                    java.time.Instant.now())));
            assertThat(AdminHttp.send(
                                    pool.adminPort(),
                                    "GET",
                                    "/api/call-settings?aor=sip%3Adina%40example.test",
                                    TestNodes.TOKEN,
                                    null,
                                    null)
                            .body())
                    .contains("\"simRing\":\"sip:anna@example.test\"");
            HttpResponse<String> patched = AdminHttp.send(
                    pool.adminPort(),
                    "PATCH",
                    "/api/call-settings?aor=sip%3Adina%40example.test",
                    TestNodes.TOKEN,
                    "application/json",
                    "{\"forward\": {\"mode\": \"immediate\", \"target\": \"sip:cara@example.test\"}}");
            assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
            assertThat(await(inPoolKeyspace.find("sip:dina@example.test"))).isEmpty();
            CallSettings dina = eventually(
                    () -> await(settingsAtBranch.find("sip:dina@example.test")).orElse(null));
            assertThat(dina).isNotNull();
            assertThat(dina.simRing()).contains("sip:anna@example.test");
            assertThat(dina.forwarding()).isEqualTo(new Forwarding.Immediate("sip:cara@example.test"));
        }
    }

    HttpResponse<String> putSettings(String user, String json) throws Exception {
        return AdminHttp.send(
                pool.adminPort(),
                "PUT",
                "/api/call-settings?aor=sip%3A" + user + "%40example.test",
                TestNodes.TOKEN,
                "application/json",
                json);
    }

    HttpResponse<String> moveTo(String user, String site) throws Exception {
        return AdminHttp.send(
                pool.adminPort(),
                "POST",
                "/api/users/move",
                TestNodes.TOKEN,
                "application/x-www-form-urlencoded",
                "uri=sip%3A" + user + "%40example.test&site=" + site);
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

    /**
     * Loss of the branch node (README, "Sites and branches"): its users' phones fail over to the next SRV target,
     * the pool (the SRV lookup itself is DnsFailoverTest's; here the phones are pointed at the pool as a client
     * does once the branch does not answer). The pool registers them from the replicated accounts, writing the
     * pool's rows of the site keyspace, and calls to, from and between them work. While the branch is down the
     * pool refuses to change their accounts and call settings. Once the branch node is back, a phone that
     * registers there again (its next refresh, priority order) is reached there; the binding it left at the pool
     * is merged in until it expires and costs nothing but a failed fork branch.
     */
    @Test
    void when_the_branch_node_dies_the_pool_serves_its_users_and_they_move_back_on_their_next_registration()
            throws Exception {
        try (TestPhone polly = new TestPhone("UDP", pool.sipUdpPort(), "polly", "polly-secret")) {
            assertThat(polly.register().status()).isEqualTo(200);
            // polly's call with anna at her branch, held across the branch node's stop
            TestPhone.Dialog held;
            try (TestPhone annaAtBranch = new TestPhone("TCP", branch.sipTcpPort(), "anna", "anna-secret-1")) {
                assertThat(annaAtBranch.register().status()).isEqualTo(200);
                annaAtBranch.autoAnswer();
                String heldTag = TestPhone.newTag();
                TestPhone.Msg ok = polly.authenticated(
                        "INVITE",
                        "sip:anna@example.test",
                        java.util.UUID.randomUUID() + "@held",
                        heldTag,
                        "application/sdp",
                        "v=0\r\n");
                assertThat(ok.status()).as(ok.raw()).isEqualTo(200);
                held = polly.callerDialog("sip:anna@example.test", heldTag, ok);
                polly.ack2xx(held, ok);
                assertThat(annaAtBranch.register(0).status()).isEqualTo(200);
            }
            polly.autoAnswer();
            branch.close();
            branch = null;
            try {
                long stopped = System.nanoTime();
                assertThat(eventually(() -> linkIs(pool, "ams", false) ? true : null))
                        .as("the pool counts the branch node down")
                        .isNotNull();
                // polly's BYE towards the branch node the pool counts down: 408 with a Warning at once
                // (BranchLinksGate), not after a 32 s timeout
                long byeAt = System.nanoTime();
                TestPhone.Msg bye = polly.requestInDialog(held, "BYE");
                assertThat(bye.status()).as(bye.raw()).isEqualTo(408);
                assertThat(bye.header("warning")).contains("Branch office ams does not answer now");
                System.out.printf(
                        "BranchNodeTest: polly's BYE through the stopped branch answered in %d ms%n",
                        Duration.ofNanos(System.nanoTime() - byeAt).toMillis());
                try (TestPhone annaAtPool = new TestPhone("TCP", pool.sipTcpPort(), "anna", "anna-secret-1");
                        TestPhone beaAtPool = new TestPhone("UDP", pool.sipUdpPort(), "bea", "bea-secret-1")) {
                    assertThat(annaAtPool.register().status()).isEqualTo(200);
                    System.out.printf(
                            "BranchNodeTest: anna registered at the pool %d ms after the branch node stopped%n",
                            Duration.ofNanos(System.nanoTime() - stopped).toMillis());
                    assertThat(beaAtPool.register().status()).isEqualTo(200);
                    annaAtPool.autoAnswer();
                    beaAtPool.autoAnswer();
                    // written as the pool's rows of the site keyspace, which Cassandra copies to the branch's DC
                    assertThat(eventually(() -> rowsOf(siteAtBranch, "sip:anna@example.test").stream()
                                            .anyMatch(r -> r.startsWith("pool "))
                                    ? true
                                    : null))
                            .isNotNull();

                    assertThat(polly.call("sip:anna@example.test")).isEqualTo(200);
                    assertThat(annaAtPool.answered.get()).isEqualTo(1);
                    assertThat(annaAtPool.call("sip:polly@example.test")).isEqualTo(200);
                    assertThat(annaAtPool.call("sip:bea@example.test")).isEqualTo(200);
                    assertThat(beaAtPool.answered.get()).isEqualTo(1);

                    // the branch cannot see changes now: the pool says so instead of making them
                    HttpResponse<String> change = AdminHttp.send(
                            pool.adminPort(),
                            "POST",
                            "/api/users",
                            TestNodes.TOKEN,
                            "application/x-www-form-urlencoded",
                            "uri=sip%3Aanna%40example.test&password=anna-secret-2&site=ams");
                    assertThat(change.statusCode()).isEqualTo(503);
                    assertThat(change.headers().firstValue("Retry-After")).isPresent();
                    assertThat(change.body()).contains("branch ams does not answer the pool");
                    HttpResponse<String> settings = AdminHttp.send(
                            pool.adminPort(),
                            "PUT",
                            "/api/call-settings?aor=sip%3Aanna%40example.test",
                            TestNodes.TOKEN,
                            "application/json",
                            "{\"simRing\": \"sip:polly@example.test\"}");
                    assertThat(settings.statusCode()).isEqualTo(503);
                    assertThat(settings.body()).contains("branch ams does not answer the pool");
                    // the phone that fails back keeps no registration at the pool (nor would it, after expiry)
                    assertThat(beaAtPool.register(0).status()).isEqualTo(200);
                }
            } finally {
                if (branch == null) {
                    branch = TestNodes.awaitReady(SwitchboardNode.start(NodeConfig.fromString(branchConfig)));
                }
            }
            assertThat(eventually(() -> linkIs(pool, "ams", true) ? true : null))
                    .isNotNull();
            assertThat(eventually(() -> linkIs(branch, "pool", true) ? true : null))
                    .isNotNull();
            // anna's phone registers at her branch again; her pool binding (its connection closed) is still merged
            // in, so a call forks to both and she answers at the branch
            try (TestPhone anna = new TestPhone("TCP", branch.sipTcpPort(), "anna", "anna-secret-1")) {
                assertThat(anna.register().status()).isEqualTo(200);
                anna.autoAnswer();
                assertThat(rowsOf(siteAtPool, "sip:anna@example.test"))
                        .anyMatch(r -> r.startsWith("pool "))
                        .anyMatch(r -> r.startsWith("ams "));
                assertThat(polly.call("sip:anna@example.test")).isEqualTo(200);
                assertThat(anna.answered.get()).isEqualTo(1);
                HttpResponse<String> change = AdminHttp.send(
                        pool.adminPort(),
                        "PUT",
                        "/api/call-settings?aor=sip%3Aanna%40example.test",
                        TestNodes.TOKEN,
                        "application/json",
                        "{}");
                assertThat(change.statusCode()).as(change.body()).isEqualTo(200);
            }
        }
    }

    /**
     * One writer per row, across a cut (README, "Sites and branches"): the WAN between the two sites is cut,
     * Cassandra's internode traffic ({@link io.switchboard.node.site.WanCut}) and the branch's SIP way to the pool
     * alike. Branch users register at the branch, others at the pool, and one user at both. During the cut each
     * data center has only its own site's rows; after the heal every row written at either site is in both, by
     * count: Cassandra's hinted handoff delivers them (each coordinator keeps hints for the other DC's replica for
     * max_hint_window, 3 h by default); no repair is run.
     */
    @Test
    void bindings_written_at_both_sites_during_a_cut_are_in_both_data_centers_after_the_heal() throws Exception {
        io.switchboard.node.site.WanCut.requireAvailable();
        java.util.List<String> atBranch = java.util.List.of("cut0", "cut1", "cut2", "cut3", "cut4", "cut5");
        java.util.List<String> atPool = java.util.List.of("cut6", "cut7", "cut8", "cut9", "cut10", "cut11");
        java.util.List<String> everyone = new java.util.ArrayList<>(atBranch);
        everyone.addAll(atPool);
        for (String user : everyone) {
            HttpResponse<String> add = AdminHttp.send(
                    pool.adminPort(),
                    "POST",
                    "/api/users",
                    TestNodes.TOKEN,
                    "application/x-www-form-urlencoded",
                    "uri=sip%3A" + user + "%40example.test&password=" + user + "-secret-1&site=ams");
            assertThat(add.statusCode()).as(add.body()).isBetween(200, 299);
        }
        CassandraAccountStore accountsAtBranch = CassandraAccountStore.forSessionKeyspace(siteAtBranch);
        for (String user : everyone) {
            assertThat(eventually(() ->
                            await(accountsAtBranch.find("example.test", user)).orElse(null)))
                    .isNotNull();
        }
        // pool status: the site keyspace's replication health as each node's driver sees it; osl's DC has no
        // Cassandra node, so its keyspace was never created
        assertThat(eventually(() -> replicationOf(pool, SITE_KEYSPACE).startsWith("ok ") ? true : null))
                .as(replicationOf(pool, SITE_KEYSPACE))
                .isNotNull();
        assertThat(replicationOf(pool, "branch_node_site_osl")).isEqualTo("MISSING []");
        java.util.List<TestPhone> phones = new java.util.ArrayList<>();
        try (io.switchboard.node.site.WanCut wan = new io.switchboard.node.site.WanCut(
                ring.storagePort(),
                java.util.List.of(
                        io.switchboard.storage.testing.CassandraRing.address(1),
                        io.switchboard.storage.testing.CassandraRing.address(2)))) {
            wan.cut();
            toPool.cut(true);
            try {
                assertThat(eventually(() -> linkIs(branch, "pool", false) ? true : null))
                        .isNotNull();
                // Each DC's node has convicted the other as down (its failure detector, some seconds): from now
                // on a write's copy for the other DC is not sent but kept as a hint, which only hinted handoff
                // can deliver after the heal (a shorter cut would leave it to TCP to retransmit the mutation).
                for (CqlSession dc : java.util.List.of(siteAtPool, siteAtBranch)) {
                    assertThat(within(HEALED_WITHIN, () -> otherDcDown(dc) ? true : null))
                            .as(
                                    "the node of %s's DC counts the other down",
                                    dc.getContext().getSessionName())
                            .isNotNull();
                }
                // ... and pool status says so on each side: the other DC's node is down, the keyspace DEGRADED
                assertThat(within(
                                HEALED_WITHIN,
                                () -> replicationOf(pool, SITE_KEYSPACE)
                                                .contains(
                                                        "{\"dc\":\"ams\",\"replicas\":1,\"nodes\":1,\"up\":0,\"down\":1,")
                                        ? true
                                        : null))
                        .as(replicationOf(pool, SITE_KEYSPACE))
                        .isNotNull();
                assertThat(replicationOf(pool, SITE_KEYSPACE)).startsWith("DEGRADED ");
                assertThat(within(
                                HEALED_WITHIN,
                                () -> replicationOf(branch, SITE_KEYSPACE).startsWith("DEGRADED ") ? true : null))
                        .as(replicationOf(branch, SITE_KEYSPACE))
                        .isNotNull();
                assertThat(replicationOf(branch, SITE_KEYSPACE))
                        .contains("{\"dc\":\"pool\",\"replicas\":1,\"nodes\":1,\"up\":0,\"down\":1,");
                for (String user : atBranch) {
                    TestPhone phone = new TestPhone("UDP", branch.sipUdpPort(), user, user + "-secret-1");
                    phones.add(phone);
                    assertThat(phone.register().status()).as(user).isEqualTo(200);
                }
                for (String user : atPool) {
                    TestPhone phone = new TestPhone("UDP", pool.sipUdpPort(), user, user + "-secret-1");
                    phones.add(phone);
                    assertThat(phone.register().status()).as(user).isEqualTo(200);
                }
                // one user at both sites: one phone at her branch, one that reached the pool
                TestPhone cut0AtPool = new TestPhone("UDP", pool.sipUdpPort(), "cut0", "cut0-secret-1");
                phones.add(cut0AtPool);
                assertThat(cut0AtPool.register().status()).isEqualTo(200);

                // the cut is real: each data center has only the rows written at its own site
                assertThat(rowCount(siteAtPool, everyone, "ams")).isZero();
                assertThat(rowCount(siteAtBranch, everyone, "pool")).isZero();
                assertThat(rowCount(siteAtBranch, everyone, "ams")).isEqualTo(atBranch.size());
                assertThat(rowCount(siteAtPool, everyone, "pool")).isEqualTo(atPool.size() + 1);
            } finally {
                wan.heal();
                toPool.cut(false);
            }
            long healed = System.nanoTime();
            // after the heal, by count, in each data center: nothing lost, nothing overwritten
            for (CqlSession dc : java.util.List.of(siteAtPool, siteAtBranch)) {
                assertThat(within(
                                HEALED_WITHIN,
                                () -> rowCount(dc, everyone, "ams") == atBranch.size()
                                                && rowCount(dc, everyone, "pool") == atPool.size() + 1
                                        ? true
                                        : null))
                        .as(
                                "rows of both sites in the DC of %s",
                                dc.getContext().getSessionName())
                        .isNotNull();
                assertThat(rowsOf(dc, "sip:cut0@example.test"))
                        .hasSize(2)
                        .anyMatch(r -> r.startsWith("ams "))
                        .anyMatch(r -> r.startsWith("pool "));
            }
            System.out.printf(
                    "BranchNodeTest: every binding of the cut in both data centers %d ms after the heal%n",
                    Duration.ofNanos(System.nanoTime() - healed).toMillis());
            // the pool's driver hears the branch's node up again (gossip, then Cassandra's status event)
            assertThat(within(
                            HEALED_WITHIN,
                            () -> replicationOf(pool, SITE_KEYSPACE).startsWith("ok ") ? true : null))
                    .as(replicationOf(pool, SITE_KEYSPACE))
                    .isNotNull();
            assertThat(AdminHttp.send(pool.adminPort(), "GET", "/api/pool", TestNodes.TOKEN, null, null)
                            .body())
                    .as("the pool's own keyspace, in the pool's DC only")
                    .contains("\"keyspace\":\"" + KEYSPACE
                            + "\",\"replication\":{\"state\":\"ok\",\"dcs\":[{\"dc\":\"pool\",");
            // and the lookups merge them: a pool user's call to cut0 rings her at the branch or at the pool
            assertThat(eventually(() -> linkIs(branch, "pool", true) ? true : null))
                    .isNotNull();
            assertThat(eventually(() -> linkIs(pool, "ams", true) ? true : null))
                    .isNotNull();
        } finally {
            for (TestPhone phone : phones) {
                try {
                    phone.register(0);
                } catch (Exception ignored) {
                    // best effort: the bindings expire anyway
                }
                phone.close();
            }
        }
    }

    /**
     * The replication health {@code node}'s pool status gives {@code keyspace}: its state and its data centers, e.g.
     * {@code ok [{"dc":"ams","replicas":1,"nodes":1,"up":0,"down":0,"unknown":1},...]}; "" when not shown.
     */
    static String replicationOf(SwitchboardNode node, String keyspace) {
        String json;
        try {
            json = AdminHttp.send(node.adminPort(), "GET", "/api/pool", TestNodes.TOKEN, null, null)
                    .body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"keyspace\":\"" + keyspace
                        + "\",\"replication\":\\{\"state\":\"(\\w+)\",\"dcs\":(\\[[^\\]]*\\])")
                .matcher(json);
        return m.find() ? m.group(1) + " " + m.group(2) : "";
    }

    /** Hints are delivered once each side sees the other up again (gossip) and their dispatcher runs. */
    static final Duration HEALED_WITHIN = Duration.ofSeconds(90);

    /**
     * Whether the coordinator in the session's DC counts a replica of the site keyspace down: a read at ALL is
     * refused at once as unavailable (a replica it still counts up but cannot reach would time out instead).
     */
    static boolean otherDcDown(CqlSession session) {
        try {
            session.execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance(
                            "SELECT site FROM site_bindings WHERE aor = 'probe'")
                    .setConsistencyLevel(DefaultConsistencyLevel.ALL)
                    .setTimeout(Duration.ofSeconds(3)));
            return false;
        } catch (com.datastax.oss.driver.api.core.servererrors.UnavailableException e) {
            return true;
        } catch (com.datastax.oss.driver.api.core.AllNodesFailedException e) {
            // the driver's retry policy tries the next node on unavailable; with none left it reports each error
            return e.getAllErrors().values().stream()
                    .flatMap(java.util.List::stream)
                    .anyMatch(t -> t instanceof com.datastax.oss.driver.api.core.servererrors.UnavailableException);
        } catch (com.datastax.oss.driver.api.core.DriverException e) {
            return false; // a timeout: the replica is unreachable but not convicted yet
        }
    }

    /** The rows of {@code aor} in the site keyspace as {@code "site binding_key"}, read in the session's DC. */
    static java.util.List<String> rowsOf(CqlSession session, String aor) {
        return session.execute("SELECT site, binding_key FROM site_bindings WHERE aor = ?", aor).all().stream()
                .map(r -> r.getString("site") + " " + r.getString("binding_key"))
                .toList();
    }

    /** How many rows {@code site} wrote for these users, read in the session's DC. */
    static int rowCount(CqlSession session, java.util.List<String> users, String site) {
        int n = 0;
        for (String user : users) {
            n += (int) rowsOf(session, "sip:" + user + "@example.test").stream()
                    .filter(r -> r.startsWith(site + " "))
                    .count();
        }
        return n;
    }

    static <T> T within(Duration limit, Supplier<T> read) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            T value = read.get();
            if (value != null || System.nanoTime() - deadline > 0) {
                return value;
            }
            Thread.sleep(500); // polling hint delivery, with the deadline above
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

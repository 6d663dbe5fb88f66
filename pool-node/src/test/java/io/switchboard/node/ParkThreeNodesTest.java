package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Call park in a three-node pool (issue 13 items 5, 6 and 9): two nodes in this JVM and a node
 * process (as in KillAndRestartTest), all on the test run's Cassandra, one 51-orbit range.
 *
 * <p>Contention: 52 parks released at once, spread over the three nodes, get 51 distinct orbits
 * (every orbit of the range once) and one 486 "All park orbits in use", which allocates and stores
 * nothing and is counted; a call parked at one node is retrieved by dialing its orbit at another,
 * and the one orbit that frees is the one the next park gets; two retrieves of one orbit dialed at
 * once at two other nodes: one gets the call, the other 404, and the orbit is freed once.
 *
 * <p>{@code kill -9} (call-park/README.md, "Takeover"): the process parks two calls, one over UDP
 * and one over TCP, and is killed with SIGKILL; the two survivors are the majority the split
 * brain resolver keeps. Whichever survivor takes the UDP call re-INVITEs the caller in its dialog
 * (CSeq above the stored ceiling, its own media address), music on hold arrives from that address,
 * the deadline is the one stored at the park, and a retrieve dialed at the other survivor connects
 * and frees the orbit once. The TCP caller's connection died with its node: its call is ended and
 * its orbit freed. Last, since it leaves two nodes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the kill comes last
class ParkThreeNodesTest {

    static final String KEYSPACE = "park_three";
    static final String PARK = "sip:park@example.test";
    static final String RANGE = "#700-#750";
    static final int ORBITS = 51;
    /** Failure detection, the downing and the takeover, on a loaded machine. */
    static final Duration TAKEOVER_WAIT = Duration.ofSeconds(60);

    SwitchboardNode one;
    SwitchboardNode two;
    int oneCluster;
    int twoCluster;
    Process nodeProcess;
    int threeCluster;
    int threeSip;
    int threeAdmin;
    CqlSession session;
    final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        TestCassandra.session(KEYSPACE); // a fresh keyspace for this class
        oneCluster = TestNodes.freePort();
        twoCluster = TestNodes.freePort();
        threeCluster = TestNodes.freePort();
        String seeded = "\nswitchboard.cluster.seed-nodes = [\"127.0.0.1:" + oneCluster + "\"]\n";
        one = SwitchboardNode.start(NodeConfig.fromString(TestNodes.config("node-1", KEYSPACE, oneCluster, "")));
        closing.add(one);
        two = SwitchboardNode.start(NodeConfig.fromString(TestNodes.config("node-2", KEYSPACE, twoCluster, seeded)));
        closing.add(two);

        // the node to be killed, its own process, seeded by node 1
        threeSip = TestNodes.freePort();
        threeAdmin = TestNodes.freePort();
        Path conf = dir.resolve("node.conf");
        Files.writeString(
                conf,
                TestNodes.config(
                        "node-3", KEYSPACE, threeCluster, seeded + """
                switchboard.sip { udp-port = %d, tcp-port = %d }
                switchboard.admin.port = %d
                """.formatted(threeSip, threeSip, threeAdmin)));
        Path log = dir.resolve("node.log");
        nodeProcess = NodeProcess.start(conf, log);
        TestNodes.awaitReady(one);
        TestNodes.awaitReady(two);
        NodeProcess.awaitReady(nodeProcess, threeAdmin, log);
        awaitUpMembers(3);
        session = CassandraSessions.connect(TestCassandra.settings(KEYSPACE));
        closing.add(session);

        HttpResponse<String> added = AdminHttp.send(
                one.adminPort(),
                "POST",
                "/api/park/orbits",
                TestNodes.TOKEN,
                "application/json",
                "{\"name\":\"lobby\",\"range\":\"" + RANGE + "\"}");
        assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
    }

    @AfterAll
    void stop() {
        if (nodeProcess != null) {
            nodeProcess.destroyForcibly();
        }
        for (int i = closing.size() - 1; i >= 0; i--) {
            try {
                closing.get(i).close();
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    /** One park of the contention test: its phone, the INVITE that got the final answer, and that answer. */
    record Attempt(TestPhone phone, String callId, String tag, String invite, TestPhone.Msg answer) {}

    @Test
    @Order(1)
    void fifty_two_simultaneous_parks_at_three_nodes_get_51_distinct_orbits_and_one_486() throws Exception {
        int[] nodes = {one.sipUdpPort(), two.sipUdpPort(), threeSip};
        DatagramSocket sink = socket(); // the music of all calls, never read (the kernel drops it)
        List<TestPhone> phones = new ArrayList<>();
        List<String> challenges = new ArrayList<>();
        for (int i = 0; i <= ORBITS; i++) {
            TestPhone p = phone("udp", nodes[i % 3]);
            phones.add(p);
        }
        // First each INVITE gets its digest challenge, so that the 52 answered ones leave at once.
        List<String[]> ids = new ArrayList<>();
        for (TestPhone p : phones) {
            String callId = UUID.randomUUID() + "@contend";
            String tag = TestPhone.newTag();
            String first = p.initial(
                    "INVITE",
                    PARK,
                    callId,
                    tag,
                    1,
                    TestPhone.newBranch(),
                    parkedBy(),
                    "application/sdp",
                    ParkSipTest.offer(sink.getLocalPort()));
            TestPhone.Msg challenge = p.request(first);
            assertThat(challenge.status()).as(challenge.raw()).isEqualTo(407);
            p.ack(first, challenge);
            challenges.add(challenge.header("proxy-authenticate"));
            ids.add(new String[] {callId, tag});
        }
        ExecutorService pool = Executors.newFixedThreadPool(phones.size());
        closing.add(pool::shutdownNow);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Attempt>> pending = new ArrayList<>();
        for (int i = 0; i < phones.size(); i++) {
            TestPhone p = phones.get(i);
            String callId = ids.get(i)[0];
            String tag = ids.get(i)[1];
            List<String> headers = new ArrayList<>(parkedBy());
            headers.add(SipTestClient.authorization(challenges.get(i), "bob", "bob-secret", "INVITE", PARK, 1)
                    .replaceFirst("^Authorization:", "Proxy-Authorization:"));
            String invite = p.initial(
                    "INVITE",
                    PARK,
                    callId,
                    tag,
                    2,
                    TestPhone.newBranch(),
                    headers,
                    "application/sdp",
                    ParkSipTest.offer(sink.getLocalPort()));
            pending.add(pool.submit(() -> {
                go.await();
                TestPhone.Msg answer = p.request(invite);
                if (answer.status() == 200) {
                    p.ack2xx(p.callerDialog(PARK, tag, answer), answer);
                } else {
                    p.ack(invite, answer);
                }
                return new Attempt(p, callId, tag, invite, answer);
            }));
        }
        go.countDown();
        List<Attempt> parked = new ArrayList<>();
        List<Attempt> refused = new ArrayList<>();
        for (Future<Attempt> f : pending) {
            Attempt a = f.get(60, TimeUnit.SECONDS);
            (a.answer().status() == 200 ? parked : refused).add(a);
        }

        // 51 parked, one 486, which the transferee's NOTIFY reports to the parker (RFC 3515 section 2.4.5)
        assertThat(refused).as("refused").hasSize(1);
        Attempt the52nd = refused.get(0);
        assertThat(the52nd.answer().status()).isEqualTo(486);
        assertThat(the52nd.answer().firstLine()).contains("All park orbits in use");
        assertThat(parked).hasSize(ORBITS);

        // every orbit of the range once, each claim held by the call told so, stored at three nodes
        Map<String, String> orbitOfCall = new HashMap<>();
        Set<String> holders = new HashSet<>();
        for (Attempt a : parked) {
            Row row = row(a.callId());
            assertThat(row).as("stored: %s", a.callId()).isNotNull();
            orbitOfCall.put(a.callId(), row.getString("orbit"));
            holders.add(row.getString("holder").replaceAll("#.*", ""));
        }
        assertThat(new HashSet<>(orbitOfCall.values())).as("distinct orbits").hasSize(ORBITS);
        assertThat(holders).as("caller legs held by each node").hasSize(3);
        for (int n = 700; n <= 750; n++) {
            Row claim = claim("#" + n);
            assertThat(claim).as("orbit #%d claimed", n).isNotNull();
            assertThat(orbitOfCall.get(claim.getString("park_id"))).isEqualTo("#" + n);
        }
        // nothing allocated or stored for the refused park, and it is counted where it was refused
        assertThat(row(the52nd.callId())).isNull();
        assertThat(parkCounts("full")).isEqualTo(1);
        assertThat(parkCounts("parked")).isEqualTo(ORBITS);
        assertThat(parkedNow()).as("calls waiting, summed over the nodes").isEqualTo(ORBITS);

        // a call parked at node 1 is retrieved by dialing its orbit at node 3
        Attempt atOne = parked.stream()
                .filter(a -> phones.indexOf(a.phone()) % 3 == 0) // the phones of node 1
                .findFirst()
                .orElseThrow();
        String orbit = orbitOfCall.get(atOne.callId());
        TestPhone alice = new TestPhone("udp", threeSip, "alice", "alice-secret");
        closing.add(alice);
        DatagramSocket aliceMedia = socket();
        DatagramSocket callerMedia = socket();
        String orbitUri = "sip:" + orbit.replace("#", "%23") + "@example.test";
        String aliceTag = TestPhone.newTag();
        CompletableFuture<TestPhone.Msg> retrieved = CompletableFuture.supplyAsync(() -> {
            try {
                return alice.authenticated(
                        "INVITE",
                        orbitUri,
                        UUID.randomUUID() + "@retrieve",
                        aliceTag,
                        "application/sdp",
                        ParkSipTest.offer(aliceMedia.getLocalPort()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        TestPhone caller = atOne.phone();
        TestPhone.Msg reinvite = caller.await(
                m -> m.isRequest()
                        && m.method().equals("INVITE")
                        && atOne.callId().equals(m.callId()),
                TestPhone.WAIT);
        assertThat(reinvite.body()).contains("m=audio " + aliceMedia.getLocalPort() + " ");
        caller.send(ParkSipTest.okWithSdp(caller, reinvite, ParkSipTest.offer(callerMedia.getLocalPort())));
        TestPhone.Msg aliceOk = retrieved.get(15, TimeUnit.SECONDS);
        assertThat(aliceOk.status()).as(aliceOk.raw()).isEqualTo(200);
        assertThat(aliceOk.body()).contains("m=audio " + callerMedia.getLocalPort() + " ");
        TestPhone.Dialog aliceDialog = alice.callerDialog(orbitUri, aliceTag, aliceOk);
        alice.ack2xx(aliceDialog, aliceOk);
        assertThat(claim(orbit)).isNull();
        assertThat(row(atOne.callId())).isNull();

        // the one free orbit is the one the next park gets (at node 2)
        TestPhone late = phone("udp", two.sipUdpPort());
        ParkSipTest.Parked next = park(late, sink);
        assertThat(row(next.callId()).getString("orbit")).isEqualTo(orbit);

        // two retrieves of one orbit at once, dialed at nodes 1 and 3 for a call held at node 2:
        // exactly one gets the call, the other finds the orbit empty (404)
        Attempt atTwo = parked.stream()
                .filter(a -> phones.indexOf(a.phone()) % 3 == 1) // the phones of node 2
                .findFirst()
                .orElseThrow();
        String contested = orbitOfCall.get(atTwo.callId());
        String contestedUri = "sip:" + contested.replace("#", "%23") + "@example.test";
        double retrievedBefore = parkCounts("retrieved");
        List<TestPhone> racers = List.of(
                phone("udp", one.sipUdpPort(), "alice", "alice-secret"),
                phone("udp", threeSip, "alice", "alice-secret"));
        CountDownLatch both = new CountDownLatch(1);
        List<Future<TestPhone.Msg>> race = new ArrayList<>();
        List<String> racerTags = new ArrayList<>();
        for (TestPhone racer : racers) {
            String tag = TestPhone.newTag();
            racerTags.add(tag);
            race.add(pool.submit(() -> {
                both.await();
                return racer.authenticated(
                        "INVITE",
                        contestedUri,
                        UUID.randomUUID() + "@race",
                        tag,
                        "application/sdp",
                        ParkSipTest.offer(sink.getLocalPort()));
            }));
        }
        both.countDown();
        TestPhone.Msg raced = atTwo.phone()
                .await(
                        m -> m.isRequest()
                                && m.method().equals("INVITE")
                                && atTwo.callId().equals(m.callId()),
                        TestPhone.WAIT);
        atTwo.phone().send(ParkSipTest.okWithSdp(atTwo.phone(), raced, ParkSipTest.offer(callerMedia.getLocalPort())));
        TestPhone.Msg first = race.get(0).get(15, TimeUnit.SECONDS);
        TestPhone.Msg second = race.get(1).get(15, TimeUnit.SECONDS);
        assertThat(List.of(first.status(), second.status()))
                .as("%s%n%s", first.raw(), second.raw())
                .containsExactlyInAnyOrder(200, 404);
        int winner = first.status() == 200 ? 0 : 1;
        TestPhone.Msg won = winner == 0 ? first : second;
        TestPhone.Dialog wonDialog = racers.get(winner).callerDialog(contestedUri, racerTags.get(winner), won);
        racers.get(winner).ack2xx(wonDialog, won);
        assertThat(parkCounts("retrieved")).as("freed once").isEqualTo(retrievedBefore + 1);
        assertThat(claim(contested)).isNull();
        assertThat(atTwo.phone().receivesRequest("INVITE", Duration.ofMillis(500)))
                .as("one re-INVITE only")
                .isFalse();
        assertThat(racers.get(winner).requestInDialog(wonDialog, "BYE").status())
                .isEqualTo(200);
        TestPhone.Msg raceBye = atTwo.phone()
                .await(
                        m -> m.isRequest()
                                && m.method().equals("BYE")
                                && atTwo.callId().equals(m.callId()),
                        TestPhone.WAIT);
        atTwo.phone().respond(raceBye, 200, "OK", null, List.of());

        // everyone hangs up: every orbit is free again, nothing stays stored
        assertThat(alice.requestInDialog(aliceDialog, "BYE").status()).isEqualTo(200);
        TestPhone.Msg bye = caller.await(
                m -> m.isRequest() && m.method().equals("BYE") && atOne.callId().equals(m.callId()), TestPhone.WAIT);
        caller.respond(bye, 200, "OK", null, List.of());
        List<Future<Integer>> byes = new ArrayList<>();
        for (Attempt a : parked) {
            if (a != atOne && a != atTwo) {
                byes.add(pool.submit(() -> a.phone()
                        .requestInDialog(a.phone().callerDialog(PARK, a.tag(), a.answer()), "BYE")
                        .status()));
            }
        }
        byes.add(pool.submit(() -> late.requestInDialog(late.callerDialog(PARK, next.tag(), next.answer()), "BYE")
                .status()));
        for (Future<Integer> f : byes) {
            assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(200);
        }
        // a BYE is answered before its park's entity frees the orbit and deletes the row
        long until = System.nanoTime() + TestPhone.WAIT.toNanos();
        for (int n = 700; n <= 750; n++) {
            while (claim("#" + n) != null) {
                assertThat(System.nanoTime()).as("orbit #%d freed", n).isLessThan(until);
                Thread.sleep(100); // polling the claim, with the deadline above
            }
        }
        for (Attempt a : parked) {
            awaitGone(a.callId());
        }
        assertThat(parkedNow()).isZero();
    }

    @Test
    @Order(2)
    void a_call_parked_at_a_node_killed_with_kill_9_is_taken_over_by_a_survivor() throws Exception {
        Map<Integer, SwitchboardNode> bySip = Map.of(one.sipUdpPort(), one, two.sipUdpPort(), two);
        Map<SwitchboardNode, Integer> clusterPort = Map.of(one, oneCluster, two, twoCluster);
        double retrievedBefore = parkCount(one, "retrieved") + parkCount(two, "retrieved");

        // Bob's call parked at the doomed node over UDP, another over TCP
        TestPhone bob = phone("udp", threeSip);
        DatagramSocket bobMedia = socket();
        ParkSipTest.Parked parked = park(bob, bobMedia);
        Row before = row(parked.callId());
        assertThat(before.getString("holder")).contains(":" + threeCluster + "#");
        String orbit = before.getString("orbit");
        Instant deadline = before.getInstant("deadline");
        TestPhone bobTcp = phone("tcp", threeSip);
        ParkSipTest.Parked overTcp = park(bobTcp, socket());
        String tcpOrbit = row(overTcp.callId()).getString("orbit");

        // before the kill, music on hold from the doomed node's socket, as its 200 named it
        assertMusic(bobMedia, mediaPort(parked.answer().body()), "the doomed node's");

        nodeProcess.destroyForcibly().waitFor(); // SIGKILL

        // a survivor re-INVITEs Bob inside his parked dialog with its own media address
        TestPhone.Msg reinvite = bob.await(
                m -> m.isRequest()
                        && m.method().equals("INVITE")
                        && parked.callId().equals(m.callId()),
                TAKEOVER_WAIT);
        assertThat(TestPhone.tagOf(reinvite.header("to"))).isEqualTo(parked.tag());
        assertThat(TestPhone.tagOf(reinvite.header("from")))
                .isEqualTo(TestPhone.tagOf(parked.answer().header("to")));
        assertThat(Long.parseLong(reinvite.header("cseq").split(" ")[0]))
                .as("above the stored ceiling (RFC 3261 section 12.2.1.1)")
                .isGreaterThan(1000);
        Matcher via = Pattern.compile("SIP/2.0/UDP [^:]+:(\\d+)").matcher(reinvite.header("via"));
        assertThat(via.find()).as(reinvite.header("via")).isTrue();
        SwitchboardNode taker = bySip.get(Integer.parseInt(via.group(1)));
        assertThat(taker)
                .as("a survivor's SIP port: %s", reinvite.header("via"))
                .isNotNull();
        SwitchboardNode other = taker == one ? two : one;
        int survivorPort = clusterPort.get(taker);
        assertThat(reinvite.body()).contains("a=sendonly", "RTP/AVP 0");
        int musicPort = mediaPort(reinvite.body());
        bob.sendToVia(reinvite, ParkSipTest.okWithSdp(bob, reinvite, ParkSipTest.offer(bobMedia.getLocalPort())));
        TestPhone.Msg ack = bob.await(
                m -> m.isRequest()
                        && m.method().equals("ACK")
                        && parked.callId().equals(m.callId()),
                TestPhone.WAIT);
        assertThat(ack.header("cseq")).isEqualTo(reinvite.header("cseq").replace("INVITE", "ACK"));
        // music on hold from the survivor's socket: 20 ms PCMU packets, numbered +1, timestamps +160
        assertMusic(bobMedia, musicPort, "the survivor's");

        // the timeout keeps the deadline stored at the park; the leg is the survivor's now
        Row after = row(parked.callId());
        assertThat(after.getInstant("deadline")).isEqualTo(deadline);
        assertThat(after.getString("holder")).contains(":" + survivorPort + "#");

        // park show: the call at its orbit, held by the survivor now (API and CLI)
        String orbitPath = callPath(orbit);
        HttpResponse<String> shown = AdminHttp.get(taker.adminPort(), orbitPath);
        assertThat(shown.statusCode()).as(shown.body()).isEqualTo(200);
        assertThat(shown.body())
                .contains(
                        "\"parkId\":\"" + parked.callId() + "\"",
                        "\"orbit\":\"" + orbit + "\"",
                        "\"deadline\":\"" + deadline + "\"",
                        "\"transport\":\"udp\"",
                        ":" + survivorPort + "#");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int exit;
        try (java.io.PrintStream o = new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8);
                java.io.PrintStream e = new java.io.PrintStream(
                        new java.io.ByteArrayOutputStream(), true, java.nio.charset.StandardCharsets.UTF_8)) {
            exit = io.switchboard.node.cli.AdminCli.run(
                    new String[] {
                        "park",
                        "show",
                        orbit,
                        "--node",
                        "http://127.0.0.1:" + taker.adminPort(),
                        "--token",
                        TestNodes.TOKEN
                    },
                    o,
                    e);
        }
        assertThat(exit).isZero();
        assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8))
                .containsPattern("orbit\\s+" + Pattern.quote(orbit))
                .containsPattern("node\\s+pekko://switchboard@127.0.0.1:" + survivorPort + "#");

        // the TCP caller's connection died with its node: the call ended, its orbit freed
        awaitGone(overTcp.callId());
        assertThat(claim(tcpOrbit)).isNull();

        // Alice retrieves at the other survivor: the taker re-INVITEs Bob with her offer, the orbit freed once
        TestPhone alice = phone("udp", other.sipUdpPort());
        DatagramSocket aliceMedia = socket();
        String orbitUri = "sip:" + orbit.replace("#", "%23") + "@example.test";
        CompletableFuture<TestPhone.Msg> retrieved = CompletableFuture.supplyAsync(() -> {
            try {
                return alice.authenticated(
                        "INVITE",
                        orbitUri,
                        UUID.randomUUID() + "@retrieve",
                        TestPhone.newTag(),
                        "application/sdp",
                        ParkSipTest.offer(aliceMedia.getLocalPort()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        TestPhone.Msg joined = bob.await(
                m -> m.isRequest()
                        && m.method().equals("INVITE")
                        && parked.callId().equals(m.callId()),
                TestPhone.WAIT);
        assertThat(joined.body()).contains("m=audio " + aliceMedia.getLocalPort() + " ");
        assertThat(Long.parseLong(joined.header("cseq").split(" ")[0]))
                .isGreaterThan(Long.parseLong(reinvite.header("cseq").split(" ")[0]));
        bob.sendToVia(joined, ParkSipTest.okWithSdp(bob, joined, ParkSipTest.offer(bobMedia.getLocalPort())));
        TestPhone.Msg aliceOk = retrieved.get(15, TimeUnit.SECONDS);
        assertThat(aliceOk.status()).as(aliceOk.raw()).isEqualTo(200);
        assertThat(aliceOk.body()).contains("m=audio " + bobMedia.getLocalPort() + " ");
        assertThat(row(parked.callId())).isNull();
        assertThat(claim(orbit)).isNull();
        assertThat(taker.metrics().scrape()).contains("switchboard_park_requests_total{outcome=\"taken-over\",} 1.0");
        // the TCP call is ended by whichever survivor asked its entity first
        assertThat(parkCount(one, "lost") + parkCount(two, "lost")).isEqualTo(1);
        assertThat(parkCount(one, "retrieved") + parkCount(two, "retrieved")).isEqualTo(retrievedBefore + 1);
        TestPhone.Msg again = alice.authenticated(
                "INVITE",
                orbitUri,
                UUID.randomUUID() + "@again",
                TestPhone.newTag(),
                "application/sdp",
                ParkSipTest.offer(aliceMedia.getLocalPort()));
        assertThat(again.status()).as("the orbit is empty now").isEqualTo(404);
        assertThat(AdminHttp.get(taker.adminPort(), orbitPath).statusCode()).isEqualTo(404);
    }

    /** The admin API's path of the call at {@code orbit}, a {@code #} escaped. */
    static String callPath(String orbit) {
        return io.switchboard.node.admin.ParkApi.CALLS + "/" + orbit.replace("#", "%23");
    }

    /** The Referred-By of a park by Erin (not registered: no MESSAGE to send). */
    static List<String> parkedBy() {
        return List.of("Referred-By: <sip:erin@example.test>");
    }

    /** How many park requests {@code node} counted with {@code outcome} (0 before the first). */
    static double parkCount(SwitchboardNode node, String outcome) {
        return parkCount(node.metrics().scrape(), outcome);
    }

    static double parkCount(String scrape, String outcome) {
        Matcher m = Pattern.compile(
                        "switchboard_park_requests_total\\{outcome=\"" + Pattern.quote(outcome) + "\",\\} (\\S+)")
                .matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /** The count of {@code outcome} summed over the three nodes (the process's through its /metrics). */
    double parkCounts(String outcome) throws Exception {
        HttpResponse<String> three = AdminHttp.get(threeAdmin, "/metrics");
        assertThat(three.statusCode()).isEqualTo(200);
        return parkCount(one, outcome) + parkCount(two, outcome) + parkCount(three.body(), outcome);
    }

    /** The gauge switchboard_park_parked_calls summed over the three nodes. */
    double parkedNow() throws Exception {
        double sum = 0;
        for (String scrape : List.of(
                one.metrics().scrape(),
                two.metrics().scrape(),
                AdminHttp.get(threeAdmin, "/metrics").body())) {
            Matcher m = Pattern.compile("(?m)^switchboard_park_parked_calls (\\S+)$")
                    .matcher(scrape);
            assertThat(m.find()).as("the gauge on every node").isTrue();
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    void awaitUpMembers(int n) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (SwitchboardNode node : List.of(one, two)) {
            while (upMembers(node) < n) {
                assertThat(System.nanoTime()).as("%d Up members", n).isLessThan(until);
                Thread.sleep(100); // polling the membership, with the deadline above
            }
        }
    }

    static int upMembers(SwitchboardNode node) {
        int up = 0;
        for (var m : org.apache.pekko.cluster.typed.Cluster.get(node.system())
                .state()
                .getMembers()) {
            if (m.status() == org.apache.pekko.cluster.MemberStatus.up()) {
                up++;
            }
        }
        return up;
    }

    TestPhone phone(String transport, int port) throws Exception {
        return phone(transport, port, "bob", "bob-secret");
    }

    TestPhone phone(String transport, int port, String user, String password) throws Exception {
        TestPhone p = new TestPhone(transport, port, user, password);
        closing.add(p);
        return p;
    }

    DatagramSocket socket() throws Exception {
        DatagramSocket s = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
        s.setSoTimeout(500);
        closing.add(s);
        return s;
    }

    /** Bob's call, transferred to park by Erin. */
    ParkSipTest.Parked park(TestPhone caller, DatagramSocket media) throws Exception {
        String callId = UUID.randomUUID() + "@park";
        String tag = TestPhone.newTag();
        TestPhone.Msg answer = caller.authenticated(
                "INVITE",
                PARK,
                callId,
                tag,
                parkedBy(),
                "application/sdp",
                ParkSipTest.offer(media.getLocalPort()),
                "bob",
                "bob-secret");
        assertThat(answer.status()).as(answer.raw()).isEqualTo(200);
        caller.ack2xx(caller.callerDialog(PARK, tag, answer), answer);
        return new ParkSipTest.Parked(callId, tag, answer);
    }

    Row row(String parkId) {
        return session.execute("SELECT orbit, deadline, holder FROM parked_calls WHERE park_id = ?", parkId)
                .one();
    }

    Row claim(String orbit) {
        return session.execute("SELECT park_id FROM park_orbit_claims WHERE range_name = 'lobby' AND orbit = ?", orbit)
                .one();
    }

    void awaitGone(String parkId) throws InterruptedException {
        long until = System.nanoTime() + TAKEOVER_WAIT.toNanos();
        while (row(parkId) != null) {
            assertThat(System.nanoTime()).as("park %s still stored", parkId).isLessThan(until);
            Thread.sleep(200); // polling the table, with the deadline above
        }
    }

    /** Ten RTP packets from {@code port} at {@code media}: 172-byte PCMU, numbered +1, timestamps +160. */
    static void assertMusic(DatagramSocket media, int port, String whose) throws Exception {
        List<byte[]> music = new ArrayList<>();
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (music.size() < 10 && System.nanoTime() < until) {
            DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
            try {
                media.receive(p);
            } catch (SocketTimeoutException quiet) {
                continue;
            }
            if (p.getPort() == port) { // after a takeover, not a packet the killed node sent before it died
                byte[] rtp = new byte[p.getLength()];
                System.arraycopy(p.getData(), 0, rtp, 0, p.getLength());
                music.add(rtp);
            }
        }
        assertThat(music).as("RTP from %s media port %d", whose, port).hasSize(10);
        for (int i = 0; i < music.size(); i++) {
            assertThat(music.get(i)).hasSize(12 + 160);
            assertThat(music.get(i)[1] & 0x7f).isEqualTo(0); // PCMU
            if (i > 0) {
                assertThat(seq(music.get(i))).isEqualTo((seq(music.get(i - 1)) + 1) & 0xffff);
                assertThat(ts(music.get(i)) - ts(music.get(i - 1))).isEqualTo(160);
            }
        }
    }

    static int mediaPort(String sdp) {
        Matcher m = Pattern.compile("m=audio (\\d+) ").matcher(sdp);
        assertThat(m.find()).as(sdp).isTrue();
        return Integer.parseInt(m.group(1));
    }

    static int seq(byte[] rtp) {
        return ((rtp[2] & 0xff) << 8) | (rtp[3] & 0xff);
    }

    static long ts(byte[] rtp) {
        return ((rtp[4] & 0xffL) << 24) | ((rtp[5] & 0xffL) << 16) | ((rtp[6] & 0xffL) << 8) | (rtp[7] & 0xffL);
    }
}

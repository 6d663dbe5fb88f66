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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A parked call survives {@code kill -9} of the node holding its caller's leg (call-park/README.md,
 * "Takeover"). Two nodes on the test run's Cassandra: the survivor in this JVM, and a node process
 * (as in KillAndRestartTest) that parks two calls, one over UDP and one over TCP, and is then
 * killed with SIGKILL. Two nodes, not three, to keep the suite's time: the survivor has the lower
 * cluster address, which the split brain resolver's keep-majority keeps when half the cluster is
 * gone. The survivor re-INVITEs the UDP caller in its dialog (CSeq above the stored ceiling, its
 * own media address), music on hold arrives from that address, the deadline is the one stored at
 * the park, and a retrieve at the survivor connects and frees the orbit once. The TCP caller's
 * connection died with its node: its call is ended and its orbit freed.
 */
class ParkTakeoverTest {

    static final String KEYSPACE = "park_takeover";
    static final String PARK = "sip:park@example.test";
    /** Failure detection, the resolver's 7 s stable-after, the removal and the takeover, on a loaded machine. */
    static final Duration TAKEOVER_WAIT = Duration.ofSeconds(60);

    Process nodeProcess;
    CqlSession session;
    final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
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

    @Test
    void a_call_parked_at_a_node_killed_with_kill_9_is_taken_over_by_the_survivor(@TempDir Path dir) throws Exception {
        TestCassandra.session(KEYSPACE); // a fresh keyspace for this class
        int a = TestNodes.freePort();
        int b = TestNodes.freePort();
        int survivorPort = Math.min(a, b);
        int doomedPort = Math.max(a, b);
        SwitchboardNode survivor =
                SwitchboardNode.start(NodeConfig.fromString(TestNodes.config("node-s", KEYSPACE, survivorPort, "")));
        closing.add(survivor);
        TestNodes.awaitReady(survivor);
        session = CassandraSessions.connect(TestCassandra.settings(KEYSPACE));
        closing.add(session);

        // the node to be killed, its own process, seeded by the survivor
        int sip = TestNodes.freePort();
        int admin = TestNodes.freePort();
        Path conf = dir.resolve("node.conf");
        Files.writeString(
                conf, TestNodes.config("node-k", KEYSPACE, doomedPort, """
                switchboard.cluster.seed-nodes = ["127.0.0.1:%d"]
                switchboard.sip { udp-port = %d, tcp-port = %d }
                switchboard.admin.port = %d
                """.formatted(survivorPort, sip, sip, admin)));
        Path log = dir.resolve("node.log");
        nodeProcess = startNode(conf, log);
        awaitReady(admin, log);

        HttpResponse<String> added = AdminHttp.send(
                survivor.adminPort(),
                "POST",
                "/api/park/orbits",
                TestNodes.TOKEN,
                "application/json",
                "{\"name\":\"lobby\",\"range\":\"#700-#709\"}");
        assertThat(added.statusCode()).as(added.body()).isEqualTo(201);

        // Bob's call parked at the doomed node over UDP, another over TCP
        TestPhone bob = phone("udp", sip);
        DatagramSocket bobMedia = socket();
        ParkSipTest.Parked parked = park(bob, bobMedia);
        Row before = row(parked.callId());
        assertThat(before.getString("holder")).contains(":" + doomedPort + "#");
        String orbit = before.getString("orbit");
        Instant deadline = before.getInstant("deadline");
        TestPhone bobTcp = phone("tcp", sip);
        ParkSipTest.Parked overTcp = park(bobTcp, socket());
        String tcpOrbit = row(overTcp.callId()).getString("orbit");

        nodeProcess.destroyForcibly().waitFor(); // SIGKILL

        // the survivor re-INVITEs Bob inside his parked dialog with its own media address
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
        assertThat(reinvite.header("via")).contains(":" + survivor.sipUdpPort());
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
        List<byte[]> music = new ArrayList<>();
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (music.size() < 10 && System.nanoTime() < until) {
            DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
            try {
                bobMedia.receive(p);
            } catch (SocketTimeoutException quiet) {
                continue;
            }
            if (p.getPort() == musicPort) { // not a packet the killed node sent before it died
                byte[] rtp = new byte[p.getLength()];
                System.arraycopy(p.getData(), 0, rtp, 0, p.getLength());
                music.add(rtp);
            }
        }
        assertThat(music).as("RTP from the survivor's media port %d", musicPort).hasSize(10);
        for (int i = 1; i < music.size(); i++) {
            assertThat(music.get(i)).hasSize(12 + 160);
            assertThat(music.get(i)[1] & 0x7f).isEqualTo(0); // PCMU
            assertThat(seq(music.get(i))).isEqualTo((seq(music.get(i - 1)) + 1) & 0xffff);
            assertThat(ts(music.get(i)) - ts(music.get(i - 1))).isEqualTo(160);
        }

        // the timeout keeps the deadline stored at the park; the leg is the survivor's now
        Row after = row(parked.callId());
        assertThat(after.getInstant("deadline")).isEqualTo(deadline);
        assertThat(after.getString("holder")).contains(":" + survivorPort + "#");

        // park show: the call at its orbit, held by the survivor now (API and CLI)
        String orbitPath = callPath(orbit);
        HttpResponse<String> shown = AdminHttp.get(survivor.adminPort(), orbitPath);
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
                        "http://127.0.0.1:" + survivor.adminPort(),
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

        // Alice retrieves at the survivor: Bob is re-INVITEd with her offer, the orbit freed once
        TestPhone alice = phone("udp", survivor.sipUdpPort());
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
        assertThat(survivor.metrics().scrape())
                .contains(
                        "switchboard_park_requests_total{outcome=\"taken-over\",} 1.0",
                        "switchboard_park_requests_total{outcome=\"lost\",} 1.0",
                        "switchboard_park_requests_total{outcome=\"retrieved\",} 1.0");
        TestPhone.Msg again = alice.authenticated(
                "INVITE",
                orbitUri,
                UUID.randomUUID() + "@again",
                TestPhone.newTag(),
                "application/sdp",
                ParkSipTest.offer(aliceMedia.getLocalPort()));
        assertThat(again.status()).as("the orbit is empty now").isEqualTo(404);
        assertThat(AdminHttp.get(survivor.adminPort(), orbitPath).statusCode()).isEqualTo(404);
    }

    /** The admin API's path of the call at {@code orbit}, a {@code #} escaped. */
    static String callPath(String orbit) {
        return io.switchboard.node.admin.ParkApi.CALLS + "/" + orbit.replace("#", "%23");
    }

    TestPhone phone(String transport, int port) throws Exception {
        TestPhone p = new TestPhone(transport, port, "bob", "bob-secret");
        closing.add(p);
        return p;
    }

    DatagramSocket socket() throws Exception {
        DatagramSocket s = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
        s.setSoTimeout(500);
        closing.add(s);
        return s;
    }

    /** Bob's call, transferred to park by Erin (not registered: no MESSAGE to send). */
    ParkSipTest.Parked park(TestPhone caller, DatagramSocket media) throws Exception {
        String callId = UUID.randomUUID() + "@park";
        String tag = TestPhone.newTag();
        TestPhone.Msg answer = caller.authenticated(
                "INVITE",
                PARK,
                callId,
                tag,
                List.of("Referred-By: <sip:erin@example.test>"),
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

    private static Process startNode(Path conf, Path log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(
                        java,
                        "-Xmx384m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.switchboard.node.Main",
                        "start",
                        "--config",
                        conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    private void awaitReady(int admin, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(nodeProcess.isAlive())
                    .as("node process died; log:\n%s", Files.readString(log))
                    .isTrue();
            try {
                HttpResponse<String> r = HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/health/ready"))
                                        .timeout(Duration.ofSeconds(5))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            nodeProcess.waitFor(200, TimeUnit.MILLISECONDS);
        }
        throw new AssertionError("node not ready in 120 s; log:\n" + Files.readString(log));
    }
}

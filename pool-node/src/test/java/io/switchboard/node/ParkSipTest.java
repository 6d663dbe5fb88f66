package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Call park over real SIP on one node: the transferee's INVITE to the park service with
 * Referred-By gets 200 with our SDP and music on hold, the parker a MESSAGE naming the orbit, the
 * orbit is held in Cassandra until the caller's BYE frees it; a full range gets 486; an orbit
 * nobody holds gets 404.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // both use the one two-orbit range and Alice's inbox
class ParkSipTest {

    static final String KEYSPACE = "park_sip";
    static final String PARK = "sip:park@example.test";

    SwitchboardNode node;
    CqlSession session;
    TestPhone alice;
    TestPhone bob;
    final List<DatagramSocket> rtp = new ArrayList<>();

    /** The operator's hold music: one second of a constant sample, so every packet's payload is known. */
    static final short MUSIC_SAMPLE = 1000;

    java.nio.file.Path musicFile;

    @BeforeAll
    void start() throws Exception {
        musicFile = java.nio.file.Files.createTempFile("park-music", ".wav");
        byte[] pcm = new byte[2 * 8000];
        for (int i = 0; i < pcm.length; i += 2) {
            pcm[i] = (byte) MUSIC_SAMPLE;
            pcm[i + 1] = (byte) (MUSIC_SAMPLE >> 8);
        }
        javax.sound.sampled.AudioSystem.write(
                new javax.sound.sampled.AudioInputStream(
                        new java.io.ByteArrayInputStream(pcm),
                        new javax.sound.sampled.AudioFormat(8000, 16, 1, true, false),
                        8000),
                javax.sound.sampled.AudioFileFormat.Type.WAVE,
                musicFile.toFile());
        // SIPp 3.6 computes MD5 only and reads the first challenge (bench/sipp/register-digest.xml)
        node = TestNodes.start(
                KEYSPACE,
                "switchboard.auth.user-agent-algorithms = [ { user-agent = \"sipp-bench\", algorithms = [\"MD5\"] } ]\n"
                        + "switchboard.park.music-file = \"" + musicFile + "\"\n");
        session = CassandraSessions.connect(TestCassandra.settings(KEYSPACE));
        HttpResponse<String> added = AdminHttp.send(
                node.adminPort(),
                "POST",
                "/api/park/orbits",
                TestNodes.TOKEN,
                "application/json",
                "{\"name\":\"lobby\",\"range\":\"#900-#901\"}");
        assertThat(added.statusCode()).isEqualTo(201);
        alice = new TestPhone("udp", node.sipUdpPort(), "alice", "alice-secret");
        bob = new TestPhone("udp", node.sipUdpPort(), "bob", "bob-secret");
        assertThat(alice.register().status()).isEqualTo(200);
    }

    @AfterAll
    void stop() throws Exception {
        if (musicFile != null) {
            java.nio.file.Files.deleteIfExists(musicFile);
        }
        rtp.forEach(DatagramSocket::close);
        for (AutoCloseable c : new AutoCloseable[] {alice, bob, session, node}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    DatagramSocket rtpSocket() throws Exception {
        DatagramSocket s = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
        s.setSoTimeout(2000);
        rtp.add(s);
        return s;
    }

    static String offer(int port) {
        return "v=0\r\no=bob 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" + "m=audio " + port
                + " RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n";
    }

    record Parked(String callId, String tag, TestPhone.Msg answer) {}

    /** Bob, transferred by Alice, INVITEs the park service (RFC 3892's Referred-By names the parker). */
    Parked parkBob(int rtpPort) throws Exception {
        String callId = UUID.randomUUID() + "@park";
        String tag = TestPhone.newTag();
        TestPhone.Msg answer = bob.authenticated(
                "INVITE",
                PARK,
                callId,
                tag,
                List.of("Referred-By: <sip:alice@example.test>"),
                "application/sdp",
                offer(rtpPort),
                "bob",
                "bob-secret");
        return new Parked(callId, tag, answer);
    }

    Row claimOf(String callId) {
        return session.execute("SELECT orbit, range_name FROM parked_calls WHERE park_id = ?", callId)
                .one();
    }

    @Test
    @Order(1)
    void park_hear_music_tell_the_parker_then_bye_frees_the_orbit() throws Exception {
        DatagramSocket media = rtpSocket();
        Parked p = parkBob(media.getLocalPort());
        assertThat(p.answer().status()).as(p.answer().raw()).isEqualTo(200);
        String sdp = p.answer().body();
        assertThat(sdp).contains("c=IN IP4 127.0.0.1", "m=audio ", " RTP/AVP 0\r\n", "a=sendonly");
        TestPhone.Dialog d = bob.callerDialog(PARK, p.tag(), p.answer());
        bob.ack2xx(d, p.answer());

        // music on hold: PCMU packets of 20 ms (160 samples), numbered one after the other
        List<byte[]> packets = new ArrayList<>();
        long first = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            DatagramPacket packet = new DatagramPacket(new byte[1500], 1500);
            media.receive(packet);
            byte[] bytes = java.util.Arrays.copyOf(packet.getData(), packet.getLength());
            packets.add(bytes);
        }
        long elapsedMs = (System.nanoTime() - first) / 1_000_000;
        for (int i = 0; i < packets.size(); i++) {
            ByteBuffer b = ByteBuffer.wrap(packets.get(i));
            assertThat(packets.get(i)).hasSize(12 + 160);
            assertThat(b.get(0) & 0xC0).isEqualTo(0x80); // RTP version 2
            assertThat(b.get(1) & 0x7F).isEqualTo(0); // PCMU, as the offer preferred
            for (int k = 12; k < packets.get(i).length; k++) { // the configured music file, mu-law encoded
                assertThat(packets.get(i)[k]).isEqualTo(io.switchboard.park.media.G711.ulaw(MUSIC_SAMPLE));
            }
            if (i > 0) {
                ByteBuffer prev = ByteBuffer.wrap(packets.get(i - 1));
                assertThat((b.getShort(2) - prev.getShort(2)) & 0xFFFF).isEqualTo(1);
                assertThat((b.getInt(4) - prev.getInt(4)) & 0xFFFFFFFFL).isEqualTo(160);
            }
        }
        // paced, not a burst (loosely: 9 intervals of 20 ms; a loaded machine may deliver late, never much early)
        System.out.println("ParkSipTest: 10 packets of music on hold in " + elapsedMs + " ms");

        // the parker is told where the call waits (RFC 3428 MESSAGE)
        TestPhone.Msg message = alice.awaitRequest("MESSAGE");
        alice.respond(message, 200, "OK", TestPhone.newTag(), List.of());
        Matcher orbit = Pattern.compile("^Call from sip:bob@example\\.test parked at (#90[01])$")
                .matcher(message.body());
        assertThat(orbit.find()).as(message.body()).isTrue();
        assertThat(message.header("from")).contains(PARK);

        // held in Cassandra: the parked call and its orbit's claim
        Row row = claimOf(p.callId());
        assertThat(row).isNotNull();
        assertThat(row.getString("orbit")).isEqualTo(orbit.group(1));
        assertThat(row.getString("range_name")).isEqualTo("lobby");

        // ... and listed for operators, through the admin API and the CLI
        HttpResponse<String> listed =
                AdminHttp.send(node.adminPort(), "GET", "/api/park/calls", TestNodes.TOKEN, null, null);
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.body())
                .contains(
                        "\"parkId\":\"" + p.callId() + "\"",
                        "\"range\":\"lobby\"",
                        "\"orbit\":\"" + orbit.group(1) + "\"",
                        "\"parker\":\"sip:alice@example.test\"",
                        "\"caller\":\"sip:bob@example.test\"");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int exit;
        try (java.io.PrintStream o = new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8);
                java.io.PrintStream e = new java.io.PrintStream(
                        new java.io.ByteArrayOutputStream(), true, java.nio.charset.StandardCharsets.UTF_8)) {
            exit = io.switchboard.node.cli.AdminCli.run(
                    new String[] {
                        "park", "list", "--node", "http://127.0.0.1:" + node.adminPort(), "--token", TestNodes.TOKEN
                    },
                    o,
                    e);
        }
        assertThat(exit).isZero();
        assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8))
                .containsPattern("lobby\\s+" + orbit.group(1) + "\\s+sip:bob@example.test\\s+sip:alice@example.test");
        // each with the node holding the caller's leg, as `park show` names it
        HttpResponse<String> shown = AdminHttp.send(
                node.adminPort(),
                "GET",
                "/api/park/calls/" + orbit.group(1).replace("#", "%23"),
                TestNodes.TOKEN,
                null,
                null);
        Matcher holder = Pattern.compile("\"node\":\"([^\"]+)\"").matcher(shown.body());
        assertThat(holder.find()).as(shown.body()).isTrue();
        assertThat(listed.body()).contains("\"node\":\"" + holder.group(1) + "\"");
        assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8))
                .containsPattern(
                        "(?m)^lobby\\s+" + orbit.group(1) + "\\s+.*\\s" + Pattern.quote(holder.group(1)) + "\\s*$")
                .contains("DEADLINE", "NODE");

        // the caller hangs up: the park ends, the orbit is free, the music stops
        TestPhone.Msg bye = bob.requestInDialog(d, "BYE");
        assertThat(bye.status()).isEqualTo(200);
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (claimOf(p.callId()) != null && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertThat(claimOf(p.callId())).isNull();
        assertThat(session.execute(
                                "SELECT park_id FROM park_orbit_claims WHERE range_name = ? AND orbit = ?",
                                "lobby",
                                orbit.group(1))
                        .one())
                .isNull();
        media.setSoTimeout(200);
        try {
            while (true) {
                media.receive(new DatagramPacket(new byte[1500], 1500)); // what was on its way
            }
        } catch (SocketTimeoutException drained) {
            // nothing for 200 ms
        }
        media.setSoTimeout(500);
        boolean more;
        try {
            media.receive(new DatagramPacket(new byte[1500], 1500));
            more = true;
        } catch (SocketTimeoutException none) {
            more = false;
        }
        assertThat(more).as("music after BYE").isFalse();

        // the freed orbit is empty now: dialing it finds nobody (404)
        String escaped = orbit.group(1).replace("#", "%23");
        TestPhone.Msg retrieve = alice.authenticated(
                "INVITE",
                "sip:" + escaped + "@example.test",
                UUID.randomUUID() + "@retrieve",
                TestPhone.newTag(),
                "application/sdp",
                offer(rtpSocket().getLocalPort()));
        assertThat(retrieve.status()).isEqualTo(404);
    }

    @Test
    @Order(2)
    void a_full_range_refuses_the_next_park_with_486() throws Exception {
        DatagramSocket media = rtpSocket();
        Parked one = parkBob(media.getLocalPort());
        Parked two = parkBob(media.getLocalPort());
        assertThat(one.answer().status()).isEqualTo(200);
        assertThat(two.answer().status()).isEqualTo(200);
        Parked three = parkBob(media.getLocalPort());
        assertThat(three.answer().status()).isEqualTo(486);
        assertThat(three.answer().firstLine()).contains("All park orbits in use");
        assertThat(node.metrics().scrape()).contains("switchboard_park_requests_total{outcome=\"full\",} 1.0");
        assertThat(claimOf(three.callId())).isNull();
        // not ACKed yet: our 200 comes again (RFC 3261 section 13.3.1.4)
        TestPhone.Msg again = bob.await(
                m -> !m.isRequest() && m.status() == 200 && one.callId().equals(m.callId()), TestPhone.WAIT);
        assertThat(TestPhone.tagOf(again.header("to")))
                .isEqualTo(TestPhone.tagOf(one.answer().header("to")));
        for (Parked p : List.of(one, two)) {
            TestPhone.Dialog d = bob.callerDialog(PARK, p.tag(), p.answer());
            bob.ack2xx(d, p.answer());
            assertThat(bob.requestInDialog(d, "BYE").status()).isEqualTo(200);
        }
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while ((claimOf(one.callId()) != null || claimOf(two.callId()) != null) && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertThat(claimOf(one.callId())).isNull();
        assertThat(claimOf(two.callId())).isNull();
    }

    /** A 200 with an SDP body from {@code phone} to {@code request} (TestPhone's answers carry none). */
    static String okWithSdp(TestPhone phone, TestPhone.Msg request, String sdp) {
        return "SIP/2.0 200 OK\r\n" + "Via: " + request.header("via") + "\r\n" + "From: " + request.header("from")
                + "\r\n" + "To: " + request.header("to") + "\r\n" + "Call-ID: " + request.callId() + "\r\n"
                + "CSeq: " + request.header("cseq") + "\r\n" + "Contact: <" + phone.contact() + ">\r\n"
                + "Content-Type: application/sdp\r\n" + "Content-Length: " + sdp.length() + "\r\n\r\n" + sdp;
    }

    @Test
    @Order(3)
    void dialing_the_orbit_retrieves_the_call_by_re_invite_and_bye_ends_both_legs() throws Exception {
        DatagramSocket bobMedia = rtpSocket();
        Parked p = parkBob(bobMedia.getLocalPort());
        assertThat(p.answer().status()).isEqualTo(200);
        TestPhone.Dialog bobDialog = bob.callerDialog(PARK, p.tag(), p.answer());
        bob.ack2xx(bobDialog, p.answer());
        String orbit = claimOf(p.callId()).getString("orbit");
        // earlier parks' MESSAGEs may still wait in Alice's inbox: hers for this orbit
        alice.await(
                m -> m.isRequest() && m.method().equals("MESSAGE") && m.body().endsWith("parked at " + orbit),
                TestPhone.WAIT);
        bobMedia.receive(new DatagramPacket(new byte[1500], 1500)); // music on hold plays

        // Alice dials the orbit; Bob's phone gets her offer in a re-INVITE and answers it
        DatagramSocket aliceMedia = rtpSocket();
        String orbitUri = "sip:" + orbit.replace("#", "%23") + "@example.test";
        String aliceTag = TestPhone.newTag();
        String aliceCall = UUID.randomUUID() + "@retrieve";
        var retrieved = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return alice.authenticated(
                        "INVITE", orbitUri, aliceCall, aliceTag, "application/sdp", offer(aliceMedia.getLocalPort()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        TestPhone.Msg reinvite = bob.await(
                m -> m.isRequest() && m.method().equals("INVITE") && p.callId().equals(m.callId()), TestPhone.WAIT);
        assertThat(TestPhone.tagOf(reinvite.header("to"))).isEqualTo(p.tag()); // inside Bob's dialog
        assertThat(reinvite.body()).contains("m=audio " + aliceMedia.getLocalPort() + " ");
        bob.send(okWithSdp(bob, reinvite, offer(bobMedia.getLocalPort())));
        TestPhone.Msg aliceOk = retrieved.get(15, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(aliceOk.status()).isEqualTo(200);
        assertThat(aliceOk.body()).contains("m=audio " + bobMedia.getLocalPort() + " "); // media flows directly
        // who she got: the parked caller, as authenticated (RFC 3325)
        assertThat(aliceOk.header("p-asserted-identity")).isEqualTo("<sip:bob@example.test>");
        TestPhone.Msg ack = bob.await(
                m -> m.isRequest() && m.method().equals("ACK") && p.callId().equals(m.callId()), TestPhone.WAIT);
        assertThat(ack.header("cseq")).isEqualTo(reinvite.header("cseq").replace("INVITE", "ACK"));

        // the orbit is free and the music stopped
        assertThat(claimOf(p.callId())).isNull();
        bobMedia.setSoTimeout(200);
        try {
            while (true) {
                bobMedia.receive(new DatagramPacket(new byte[1500], 1500));
            }
        } catch (SocketTimeoutException drained) {
            // nothing for 200 ms
        }
        bobMedia.setSoTimeout(500);
        boolean more;
        try {
            bobMedia.receive(new DatagramPacket(new byte[1500], 1500));
            more = true;
        } catch (SocketTimeoutException none) {
            more = false;
        }
        assertThat(more).as("music after retrieve").isFalse();

        // Alice hangs up: Bob gets the BYE
        TestPhone.Dialog aliceDialog = alice.callerDialog(orbitUri, aliceTag, aliceOk);
        alice.ack2xx(aliceDialog, aliceOk);
        TestPhone.Msg aliceBye = alice.requestInDialog(aliceDialog, "BYE");
        assertThat(aliceBye.status()).isEqualTo(200);
        TestPhone.Msg bye = bob.await(
                m -> m.isRequest() && m.method().equals("BYE") && p.callId().equals(m.callId()), TestPhone.WAIT);
        bob.respond(bye, 200, "OK", null, List.of());
    }

    @Test
    @Order(4)
    void a_bye_with_the_call_id_but_wrong_tags_is_refused_481_and_the_park_goes_on() throws Exception {
        DatagramSocket media = rtpSocket();
        Parked p = parkBob(media.getLocalPort());
        assertThat(p.answer().status()).isEqualTo(200);
        TestPhone.Dialog d = bob.callerDialog(PARK, p.tag(), p.answer());
        bob.ack2xx(d, p.answer());
        String orbit = claimOf(p.callId()).getString("orbit");

        // someone who learned the Call-ID but not our To tag, then one with our To tag but not Bob's From tag
        TestPhone.Dialog wrongTo = new TestPhone.Dialog(
                d.callId, d.localTag, TestPhone.newTag(), d.localUri, d.remoteUri, d.remoteTarget, d.routeSet, 50);
        TestPhone.Dialog wrongFrom = new TestPhone.Dialog(
                d.callId, TestPhone.newTag(), d.remoteTag, d.localUri, d.remoteUri, d.remoteTarget, d.routeSet, 51);
        assertThat(bob.requestInDialog(wrongTo, "BYE").status()).isEqualTo(481);
        assertThat(bob.requestInDialog(wrongFrom, "BYE").status()).isEqualTo(481);

        // still parked: held in Cassandra, listed, and the music keeps coming (a stopped stream
        // would leave the socket silent once what was queued is read: the receive times out)
        assertThat(claimOf(p.callId())).isNotNull();
        assertThat(AdminHttp.send(node.adminPort(), "GET", "/api/park/calls", TestNodes.TOKEN, null, null)
                        .body())
                .contains("\"orbit\":\"" + orbit + "\"");
        media.setSoTimeout(1000);
        long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
        while (System.nanoTime() < until) {
            media.receive(new DatagramPacket(new byte[1500], 1500));
        }

        // Bob's own BYE ends it
        assertThat(bob.requestInDialog(d, "BYE").status()).isEqualTo(200);
        long freed = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (claimOf(p.callId()) != null && System.nanoTime() < freed) {
            Thread.sleep(50);
        }
        assertThat(claimOf(p.callId())).isNull();
    }

    // ------------------------------------------------------------------ busy lamps (RFC 4235)

    static final String NS = "urn:ietf:params:xml:ns:dialog-info";

    /** A dialog-info NOTIFY in {@code callId} (answered 200), read back. */
    static org.w3c.dom.Element notified(TestPhone phone, String callId) throws Exception {
        TestPhone.Msg notify = phone.await(
                m -> m.isRequest() && m.method().equals("NOTIFY") && callId.equals(m.callId()), TestPhone.WAIT);
        phone.respond(notify, 200, "OK", null, List.of());
        assertThat(notify.header("event")).isEqualTo("dialog");
        assertThat(notify.header("content-type")).isEqualTo("application/dialog-info+xml");
        javax.xml.parsers.DocumentBuilderFactory f = javax.xml.parsers.DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        org.w3c.dom.Element root = f.newDocumentBuilder()
                .parse(new java.io.ByteArrayInputStream(
                        notify.body().getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .getDocumentElement();
        assertThat(root.getNamespaceURI()).isEqualTo(NS);
        assertThat(root.getAttribute("state")).isEqualTo("full");
        root.setAttribute("subscription-state", notify.header("subscription-state")); // for the caller to look at
        return root;
    }

    static List<String> dialogStates(org.w3c.dom.Element root) {
        List<String> states = new ArrayList<>();
        var dialogs = root.getElementsByTagNameNS(NS, "dialog");
        for (int i = 0; i < dialogs.getLength(); i++) {
            states.add(((org.w3c.dom.Element) dialogs.item(i))
                    .getElementsByTagNameNS(NS, "state")
                    .item(0)
                    .getTextContent());
        }
        return states;
    }

    record Watch(String uri, String callId, TestPhone.Dialog dialog) {}

    /** {@code phone} subscribes to the busy lamp of {@code orbit}: 200, and a first NOTIFY of version 0, free. */
    Watch watch(TestPhone phone, String orbit) throws Exception {
        String uri = "sip:" + orbit.replace("#", "%23") + "@example.test";
        String callId = UUID.randomUUID() + "@blf";
        String tag = TestPhone.newTag();
        TestPhone.Msg ok = phone.authenticated(
                "SUBSCRIBE",
                uri,
                callId,
                tag,
                List.of("Event: dialog", "Accept: application/dialog-info+xml", "Expires: 3600"),
                "",
                "",
                phone.user,
                "alice-secret");
        assertThat(ok.status()).as(ok.raw()).isEqualTo(200);
        assertThat(ok.header("expires")).isEqualTo("3600");
        org.w3c.dom.Element first = notified(phone, callId);
        assertThat(first.getAttribute("version")).isEqualTo("0");
        assertThat(first.getAttribute("entity")).isEqualTo(uri);
        assertThat(first.getAttribute("subscription-state")).startsWith("active;expires=");
        assertThat(dialogStates(first)).isEmpty();
        return new Watch(uri, callId, phone.callerDialog(uri, tag, ok));
    }

    /** A SUBSCRIBE in the watch's dialog with {@code Expires: expires}. */
    static TestPhone.Msg resubscribe(TestPhone phone, Watch w, int expires) throws Exception {
        String text = phone.inDialog(w.dialog(), "SUBSCRIBE", w.dialog().cseq++, TestPhone.newBranch())
                .replace(
                        "Content-Length: 0\r\n",
                        "Event: dialog\r\nExpires: " + expires + "\r\nContact: <" + phone.contact()
                                + ">\r\nContent-Length: 0\r\n");
        return phone.request(text);
    }

    @Test
    @Order(5)
    void a_busy_lamp_on_an_orbit_lights_while_a_call_is_parked_there() throws Exception {
        try (TestPhone lamp = new TestPhone("udp", node.sipUdpPort(), "alice", "alice-secret")) {
            // the rules over the wire: challenged like any request of ours, another package 489,
            // no orbit 404, a stranger 403
            String orbit900 = "sip:%23900@example.test";
            TestPhone.Msg challenged = lamp.request(lamp.initial(
                    "SUBSCRIBE",
                    orbit900,
                    UUID.randomUUID() + "@blf",
                    TestPhone.newTag(),
                    1,
                    TestPhone.newBranch(),
                    List.of("Event: dialog"),
                    "",
                    ""));
            assertThat(challenged.status()).isEqualTo(407);
            TestPhone.Msg presence = lamp.authenticated(
                    "SUBSCRIBE",
                    orbit900,
                    UUID.randomUUID() + "@blf",
                    TestPhone.newTag(),
                    List.of("Event: presence"),
                    "",
                    "",
                    "alice",
                    "alice-secret");
            assertThat(presence.status()).isEqualTo(489);
            assertThat(presence.header("allow-events")).isEqualTo("dialog");
            TestPhone.Msg none = lamp.authenticated(
                    "SUBSCRIBE",
                    "sip:%23999@example.test",
                    UUID.randomUUID() + "@blf",
                    TestPhone.newTag(),
                    List.of("Event: dialog"),
                    "",
                    "",
                    "alice",
                    "alice-secret");
            assertThat(none.status()).isEqualTo(404);
            TestPhone.Msg stranger = lamp.request(lamp.initial(
                            "SUBSCRIBE",
                            orbit900,
                            UUID.randomUUID() + "@blf",
                            TestPhone.newTag(),
                            1,
                            TestPhone.newBranch(),
                            List.of("Event: dialog"),
                            "",
                            "")
                    .replace("From: <sip:alice@example.test>", "From: <sip:mallory@elsewhere.test>"));
            assertThat(stranger.status()).isEqualTo(403);

            // both orbits of the range watched, both free
            Watch w900 = watch(lamp, "#900");
            Watch w901 = watch(lamp, "#901");

            // Bob parked: the lamp of his orbit lights (version 1, one confirmed dialog)
            DatagramSocket bobMedia = rtpSocket();
            Parked p = parkBob(bobMedia.getLocalPort());
            assertThat(p.answer().status()).isEqualTo(200);
            TestPhone.Dialog bobDialog = bob.callerDialog(PARK, p.tag(), p.answer());
            bob.ack2xx(bobDialog, p.answer());
            String orbit = claimOf(p.callId()).getString("orbit");
            Watch lit = orbit.equals("#900") ? w900 : w901;
            org.w3c.dom.Element occupied = notified(lamp, lit.callId());
            assertThat(occupied.getAttribute("version")).isEqualTo("1");
            assertThat(dialogStates(occupied)).containsExactly("confirmed");
            // the lamp shows the state only: nothing of Bob nor of the park's Call-ID
            assertThat(occupied.getElementsByTagNameNS(NS, "remote").getLength())
                    .isZero();
            assertThat(occupied.getElementsByTagNameNS(NS, "identity").getLength())
                    .isZero();
            assertThat(((org.w3c.dom.Element) occupied.getElementsByTagNameNS(NS, "dialog")
                                    .item(0))
                            .getAttribute("id"))
                    .doesNotContain(p.callId().substring(0, 8));

            // Alice retrieves it: the lamp goes out (version 2, no dialog)
            DatagramSocket aliceMedia = rtpSocket();
            String orbitUri = "sip:" + orbit.replace("#", "%23") + "@example.test";
            String aliceTag = TestPhone.newTag();
            var retrieved = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return alice.authenticated(
                            "INVITE",
                            orbitUri,
                            UUID.randomUUID() + "@retrieve",
                            aliceTag,
                            "application/sdp",
                            offer(aliceMedia.getLocalPort()));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            TestPhone.Msg reinvite = bob.await(
                    m -> m.isRequest()
                            && m.method().equals("INVITE")
                            && p.callId().equals(m.callId()),
                    TestPhone.WAIT);
            bob.send(okWithSdp(bob, reinvite, offer(bobMedia.getLocalPort())));
            TestPhone.Msg aliceOk = retrieved.get(15, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(aliceOk.status()).isEqualTo(200);
            org.w3c.dom.Element free = notified(lamp, lit.callId());
            assertThat(free.getAttribute("version")).isEqualTo("2");
            assertThat(dialogStates(free)).isEmpty();

            // a refresh gets the full state again (version 3); Expires: 0 ends it (version 4, terminated)
            assertThat(resubscribe(lamp, lit, 600).status()).isEqualTo(200);
            org.w3c.dom.Element refreshed = notified(lamp, lit.callId());
            assertThat(refreshed.getAttribute("version")).isEqualTo("3");
            assertThat(refreshed.getAttribute("subscription-state")).startsWith("active;expires=");
            assertThat(dialogStates(refreshed)).isEmpty();
            assertThat(resubscribe(lamp, lit, 0).status()).isEqualTo(200);
            org.w3c.dom.Element last = notified(lamp, lit.callId());
            assertThat(last.getAttribute("version")).isEqualTo("4");
            assertThat(last.getAttribute("subscription-state")).startsWith("terminated");
            assertThat(resubscribe(lamp, lit, 600).status()).isEqualTo(481); // gone

            // the other orbit's lamp never lit; it ends too
            Watch dark = lit == w900 ? w901 : w900;
            assertThat(resubscribe(lamp, dark, 0).status()).isEqualTo(200);
            org.w3c.dom.Element darkLast = notified(lamp, dark.callId());
            assertThat(darkLast.getAttribute("version")).isEqualTo("1");
            assertThat(darkLast.getAttribute("subscription-state")).startsWith("terminated");

            // Alice hangs up the retrieved call
            TestPhone.Dialog aliceDialog = alice.callerDialog(orbitUri, aliceTag, aliceOk);
            alice.ack2xx(aliceDialog, aliceOk);
            assertThat(alice.requestInDialog(aliceDialog, "BYE").status()).isEqualTo(200);
            TestPhone.Msg bye = bob.await(
                    m -> m.isRequest() && m.method().equals("BYE") && p.callId().equals(m.callId()), TestPhone.WAIT);
            bob.respond(bye, 200, "OK", null, List.of());
        }
    }

    // ------------------------------------------------------------------ SIPp (bench/sipp/park-*.xml)

    final List<Process> sipps = new ArrayList<>();

    /** SIPp with {@code scenario} at {@code port}; towards the node when {@code uac}. Stopped by its own handle. */
    Process sipp(String binary, java.nio.file.Path dir, String name, String scenario, String inf, int port, boolean uac)
            throws Exception {
        java.nio.file.Path injection = dir.resolve(name + ".csv");
        java.nio.file.Files.writeString(injection, "SEQUENTIAL\n" + inf + "\n");
        List<String> command = new ArrayList<>(List.of(binary));
        if (uac) {
            command.add("127.0.0.1:" + node.sipUdpPort());
        }
        command.addAll(List.of(
                "-sf",
                SippRegistrationTest.repositoryRoot()
                        .resolve("bench/sipp/" + scenario)
                        .toString(),
                "-inf",
                injection.toString(),
                "-p",
                String.valueOf(port),
                "-mp",
                String.valueOf(TestNodes.freePort()),
                "-i",
                "127.0.0.1",
                "-m",
                "1",
                "-nostdin",
                "-trace_err",
                "-error_file",
                dir.resolve(name + "-errors.log").toString(),
                "-trace_logs",
                "-log_file",
                dir.resolve(name + ".log").toString(),
                "-timeout",
                "20s",
                "-timeout_error"));
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".out").toFile())
                .start();
        sipps.add(p);
        return p;
    }

    /** Waits for {@code p} to end successfully (SIPp exits 0 when its one call succeeded). */
    static void succeeds(Process p, java.nio.file.Path dir, String name) throws Exception {
        boolean ended = p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        String out = "";
        for (String f : List.of(name + ".out", name + "-errors.log")) {
            java.nio.file.Path file = dir.resolve(f);
            if (java.nio.file.Files.exists(file)) {
                String text = java.nio.file.Files.readString(file);
                out += "\n--- " + f + ":\n" + text.substring(Math.max(0, text.length() - 3000));
            }
        }
        assertThat(ended).as(name + " still running" + out).isTrue();
        assertThat(p.exitValue()).as(name + out).isZero();
    }

    @AfterAll
    void stopSipps() {
        for (Process p : sipps) {
            p.destroy(); // by its own handle (its PID), never by name
        }
    }

    @Test
    @Order(6)
    void sipp_scenarios_park_tell_the_parker_and_retrieve() throws Exception {
        String binary = SippRegistrationTest.onPath("sipp");
        String ci = System.getenv("CI");
        if (binary == null && ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) {
            org.junit.jupiter.api.Assertions.fail(SippRegistrationTest.NO_SIPP + ". CI must run this test.");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(
                binary != null, SippRegistrationTest.NO_SIPP + " to run this test");
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("park-sipp");
        String aliceAuth = "[authentication username=alice password=alice-secret]";
        String bobAuth = "[authentication username=bob password=bob-secret]";

        // the parker: a binding at SIPp's address (register-digest.xml), then park-parker.xml waits there
        int parkerPort = TestNodes.freePort();
        succeeds(
                sipp(
                        binary,
                        dir,
                        "register",
                        "register-digest.xml",
                        "alice;example.test;" + aliceAuth,
                        parkerPort,
                        true),
                dir,
                "register");
        Process parker = sipp(binary, dir, "parker", "park-parker.xml", "alice", parkerPort, false);
        UdpListeners.await(parkerPort, Duration.ofSeconds(10));

        // the parked caller: INVITE to the park service with Referred-By: alice
        Process caller = sipp(
                binary,
                dir,
                "caller",
                "park-caller.xml",
                "bob;example.test;" + bobAuth + ";park;alice",
                TestNodes.freePort(),
                true);
        succeeds(parker, dir, "parker");
        Matcher told = Pattern.compile("parked at (#90[01])")
                .matcher(java.nio.file.Files.readString(dir.resolve("parker.log")));
        assertThat(told.find()).as("the parker's log").isTrue();
        String orbit = told.group(1);

        // the retriever dials it: the caller's SIPp takes the re-INVITE, then the BYE
        succeeds(
                sipp(
                        binary,
                        dir,
                        "retriever",
                        "park-retriever.xml",
                        "alice;example.test;" + aliceAuth + ";" + orbit.replace("#", "%23"),
                        TestNodes.freePort(),
                        true),
                dir,
                "retriever");
        succeeds(caller, dir, "caller");
        assertThat(session.execute(
                                "SELECT park_id FROM park_orbit_claims WHERE range_name = ? AND orbit = ?",
                                "lobby",
                                orbit)
                        .one())
                .isNull();
    }

    @Test
    @Order(7)
    void removing_the_range_ends_its_orbits_busy_lamps_with_noresource() throws Exception {
        HttpResponse<String> added = AdminHttp.send(
                node.adminPort(),
                "POST",
                "/api/park/orbits",
                TestNodes.TOKEN,
                "application/json",
                "{\"name\":\"spare\",\"range\":\"#800-#800\"}");
        assertThat(added.statusCode()).isEqualTo(201);
        try (TestPhone lamp = new TestPhone("udp", node.sipUdpPort(), "alice", "alice-secret")) {
            Watch w = watch(lamp, "#800");
            assertThat(AdminHttp.send(node.adminPort(), "DELETE", "/api/park/orbits/spare", TestNodes.TOKEN, null, null)
                            .statusCode())
                    .isEqualTo(200);
            // within the ranges' cache time (2 s) and a poll: the last NOTIFY (RFC 6665 section 4.1.3)
            org.w3c.dom.Element last = notified(lamp, w.callId());
            assertThat(last.getAttribute("version")).isEqualTo("1");
            assertThat(last.getAttribute("subscription-state")).isEqualTo("terminated;reason=noresource");
        }
    }

    @Test
    @Order(8)
    void refused_parks_store_nothing_and_are_counted_by_reason() throws Exception {
        int port = rtpSocket().getLocalPort();
        String g722 = "v=0\r\no=bob 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " + port
                + " RTP/AVP 9\r\n";
        record Bad(List<String> headers, String sdp, int status, String outcome) {}
        for (Bad bad : List.of(
                // RFC 3892: without Referred-By nobody can be told the orbit
                new Bad(List.of(), offer(port), 400, "refused-referred-by"),
                new Bad(List.of("Referred-By: <sip:mallory@elsewhere.invalid>"), offer(port), 403, "refused-parker"),
                new Bad(List.of("Referred-By: <sip:alice@example.test>"), g722, 488, "refused-media"))) {
            String callId = UUID.randomUUID() + "@refused";
            TestPhone.Msg answer = bob.authenticated(
                    "INVITE",
                    PARK,
                    callId,
                    TestPhone.newTag(),
                    bad.headers(),
                    "application/sdp",
                    bad.sdp(),
                    "bob",
                    "bob-secret");
            assertThat(answer.status()).as(answer.raw()).isEqualTo(bad.status());
            assertThat(claimOf(callId))
                    .as("nothing stored for %s", bad.outcome())
                    .isNull();
            assertThat(node.metrics().scrape())
                    .contains("switchboard_park_requests_total{outcome=\"" + bad.outcome() + "\",} 1.0");
        }
        // a REFER sent to the park service itself is not a way to park (call-park/README.md, "SIP")
        TestPhone.Msg refer = bob.authenticated(
                "REFER",
                PARK,
                UUID.randomUUID() + "@refer",
                TestPhone.newTag(),
                List.of(
                        "Contact: <" + bob.contact() + ">",
                        "Refer-To: <sip:alice@example.test>",
                        "Referred-By: <sip:bob@example.test>"),
                "",
                "",
                "bob",
                "bob-secret");
        assertThat(refer.status()).as(refer.raw()).isEqualTo(404);
    }
}

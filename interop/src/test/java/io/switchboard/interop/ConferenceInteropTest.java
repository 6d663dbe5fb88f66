package io.switchboard.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.node.AdminHttp;
import io.switchboard.node.SwitchboardNode;
import io.switchboard.node.TestNodes;
import io.switchboard.node.TestPhone;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A conference with linphonec in it (issue 12): linphonec dials the conference URI like any call,
 * the focus bridges it to the mixer (SIPp, {@code bench/sipp/conference-mixer.xml}, as in
 * pool-node's ConferenceSipTest), and the roster shows it connected; a second participant (a test
 * phone) sends a MESSAGE in its call with the focus, which linphonec receives in its own call as
 * the conference's instant message (linphonec registers with a GRUU as its Contact, which the focus
 * resolves through the registrar, RFC 5627 section 5.4; it refuses the CPIM form, and takes the
 * text form); linphonec hanging up leaves the conference and the other participant stays. Also
 * checks the focus's Record-Route: linphonec sends its ACK and BYE by it, as the conference URI's
 * domain does not resolve here.
 */
class ConferenceInteropTest extends InteropTestBase {

    static final Duration WAIT = Duration.ofSeconds(15);
    static final String OFFER = "v=0\r\no=bob 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            + "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

    Process mixer;
    String mixerUri;

    @Override
    String keyspace() {
        return "interop_conference";
    }

    @Override
    String[] binaries() {
        return new String[] {Linphonec.BINARY, "sipp"};
    }

    /** The SIPp mixer first, then the node that checks it (its first OPTIONS then finds it up). */
    @Override
    SwitchboardNode startNodes() {
        try {
            int port = TestNodes.freePort();
            Path work = Files.createDirectories(Path.of("target", "interop", "ConferenceInteropTest-mixer"))
                    .toAbsolutePath();
            Path scenario =
                    Path.of("..", "bench", "sipp", "conference-mixer.xml").toAbsolutePath();
            mixer = new ProcessBuilder(
                            "sipp",
                            "-sf",
                            scenario.toString(),
                            "-i",
                            "127.0.0.1",
                            "-p",
                            String.valueOf(port),
                            "-mp",
                            String.valueOf(TestNodes.freePort()),
                            "-t",
                            "u1",
                            "-aa", // answers the focus's OPTIONS checks 200
                            "-nostdin",
                            "-nd")
                    .directory(work.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(work.resolve("sipp.out").toFile())
                    .start();
            mixerUri = "sip:mixer@127.0.0.1:" + port;
            return TestNodes.start(
                    keyspace(), InteropNode.HOCON + "\nswitchboard.conferencing.mcus = [\"" + mixerUri + "\"]\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    @AfterAll // an override without it is no lifecycle method: JUnit would call neither it nor the base class's
    void stopNode() {
        super.stopNode();
        if (mixer != null) {
            mixer.destroyForcibly();
        }
    }

    @Test
    void linphonec_joins_a_conference_gets_its_messages_and_leaves() throws Exception {
        awaitMixerUp();
        HttpResponse<String> created = AdminHttp.send(
                node.adminPort(),
                "POST",
                "/api/conferences",
                TestNodes.TOKEN,
                "application/json",
                "{\"organizer\":\"sip:alice@example.test\",\"subject\":\"Interop\",\"access\":\"company\","
                        + "\"presenters\":\"everyone\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = JSON.readTree(created.body()).path("id").asText();
        String uri = "sip:conf-" + id + "@example.test";

        Linphonec alice = stopAfter(Linphonec.start(testDir("conference"), "alice", "udp", port("udp"), List.of()));
        alice.awaitRegistered(SHORT);
        alice.dial(uri);
        SipTrace.Message ok = alice.awaitMessage(
                m -> m.incoming() && m.isResponse(200, "INVITE"), WAIT, "the focus's 200 to linphonec's INVITE");
        // RFC 4579 section 5.2: the focus's Contact is the conference URI with isfocus
        assertThat(ok.text()).containsPattern("(?i)Contact:\\s*<sip:conf-" + id + "@[^>]*;isfocus");
        assertThat(ok.text()).as("the mixer's SDP answer").contains("s=conference mixer");
        JsonNode linphoneLeg = awaitParticipant(id, "sip:alice@example.test", "connected");
        assertThat(linphoneLeg.path("role").asText()).isEqualTo("presenter");

        // a second participant writes in its call: linphonec receives it in its own call with the focus
        TestPhone bob = stopAfter(new TestPhone("udp", port("udp"), "bob", "bob-secret"));
        String tag = TestPhone.newTag();
        TestPhone.Msg bobOk =
                bob.authenticated("INVITE", uri, UUID.randomUUID() + "@conf-interop", tag, "application/sdp", OFFER);
        assertThat(bobOk.status()).as(bobOk.raw()).isEqualTo(200);
        TestPhone.Dialog call = bob.callerDialog(uri, tag, bobOk);
        bob.ack2xx(call, bobOk);
        String hello = "hello from bob " + UUID.randomUUID().toString().substring(0, 8);
        String message = bob.inDialog(call, "MESSAGE", call.cseq++, TestPhone.newBranch())
                .replace(
                        "Content-Length: 0\r\n\r\n",
                        "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: " + hello.length() + "\r\n\r\n"
                                + hello);
        assertThat(bob.request(message).status()).isEqualTo(200);
        // linphonec 5.1 refuses the CPIM form (488); the focus sends the text again with the sender in front
        alice.awaitMessage(
                m -> m.incoming() && m.isRequest("MESSAGE") && m.text().contains("bob@example.test: " + hello),
                WAIT,
                "bob's conference message at linphonec as text naming him");
        alice.awaitTrace(
                t -> t.stream().anyMatch(m -> !m.incoming() && m.isResponse(200, "MESSAGE")),
                WAIT,
                "linphonec's 200 to the conference message");

        // linphonec leaves: its leg is gone from the roster, bob's stays
        alice.hangup();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (legOf(show(id), "sip:alice@example.test") != null) {
            if (System.nanoTime() > deadline) {
                fail("linphonec's leg is still in the roster: " + show(id));
            }
            Thread.sleep(100);
        }
        assertThat(legOf(show(id), "sip:bob@example.test").path("status").asText())
                .isEqualTo("connected");
        assertThat(bob.requestInDialog(call, "BYE").status()).isEqualTo(200);
    }

    JsonNode show(String id) throws Exception {
        HttpResponse<String> r = AdminHttp.get(node.adminPort(), "/api/conferences/" + id);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static JsonNode legOf(JsonNode conference, String user) {
        for (JsonNode leg : conference.path("participants")) {
            if (leg.path("uri").asText().equals(user)) {
                return leg;
            }
        }
        return null;
    }

    JsonNode awaitParticipant(String id, String user, String status) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            JsonNode c = show(id);
            JsonNode leg = legOf(c, user);
            if (leg != null && leg.path("status").asText().equals(status)) {
                return leg;
            }
            if (System.nanoTime() > deadline) {
                fail(user + " is not " + status + " in " + c);
            }
            Thread.sleep(100);
        }
    }

    void awaitMixerUp() throws Exception {
        Pattern up = Pattern.compile(
                "switchboard_conference_mixer_up\\{mixer=\"" + Pattern.quote(mixerUri) + "\",?\\} 1\\.0");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!up.matcher(AdminHttp.get(node.adminPort(), "/metrics").body()).find()) {
            if (System.nanoTime() > deadline) {
                fail("the node does not see the SIPp mixer " + mixerUri
                        + " up (target/interop/ConferenceInteropTest-mixer)");
            }
            Thread.sleep(100);
        }
    }
}

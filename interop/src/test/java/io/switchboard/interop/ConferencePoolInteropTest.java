package io.switchboard.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.datastax.oss.driver.api.core.CqlSession;
import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.conference.domain.ConferenceInfo;
import io.switchboard.conference.entity.ConferenceEntity;
import io.switchboard.conference.store.CassandraDialogStore;
import io.switchboard.node.AdminHttp;
import io.switchboard.node.NodeProcess;
import io.switchboard.node.SwitchboardNode;
import io.switchboard.node.TestNodes;
import io.switchboard.node.TestPhone;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.sip.auth.DigestAlgorithm;
import io.switchboard.sip.auth.DigestVerifier;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.sharding.ClusterSharding;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.pattern.Patterns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 12's "Done when": one meeting across a pool of three nodes, real clients, {@code kill -9} of the
 * node that owns it.
 *
 * <p>Nodes 1 and 2 run in this JVM, node 3 is a process of its own (pool-node's {@link NodeProcess}), all
 * on the test run's Cassandra; the conference's entity lives on node 3. The mixers are two SIP sockets
 * ({@link TestPhone}) answering INVITEs with their SDP, so the test can make the first one die.
 *
 * <p>Alice creates the meeting through the users' HTTP interface ({@code /user/conferences}, HTTP Digest):
 * {@code invited} access, Bob and Carol invited, presenters the organizer. Alice joins with linphonec
 * over UDP through node 1 (presenter); Bob (SIPp, UDP) and Carol (SIPp, TCP) join through node 3; Dave
 * (SIPp, UDP, not invited) through node 2 waits in the lobby ({@code pending}, his INVITE held with 180).
 * Alice locks the meeting: Erin, a new joiner, gets 403, while Alice's second device (a presenter) gets
 * in. Two conference-info subscribers, Alice through node 2 and Bob through node 3, parse every full and
 * partial NOTIFY in version order; the roster each shows equals the focus's state ({@code GET
 * /api/conferences/ID}).
 *
 * <p>Then node 3 gets SIGKILL, and item 6 of the issue is checked: roster, roles, lock and lobby as
 * before (less Carol); Bob's subscription goes on in the same dialog from a survivor with a higher
 * version and CSeq; Carol, whose TCP flow died with node 3, leaves the roster and both subscribers show
 * her gone; the first mixer dies, and the survivor that took Bob's UDP call over moves it with a
 * re-INVITE in his dialog; Bob's SIPp answers, then sends its own re-INVITE (hold) and BYE to that node,
 * which work; Alice admits Dave, whose call is answered; both subscribers again equal the focus; Alice
 * ends the meeting and Dave's SIPp gets the BYE.
 */
class ConferencePoolInteropTest extends InteropTestBase {

    /** Failure detection, downing, the entity's restart and the dialogs' takeover, on a loaded machine. */
    static final Duration TAKEOVER = Duration.ofSeconds(90);

    static final Duration WAIT = Duration.ofSeconds(20);
    static final String MIXER_SDP = "v=0\r\no=mixer 7 7 IN IP4 127.0.0.1\r\ns=mixer\r\nc=IN IP4 127.0.0.1\r\n"
            + "t=0 0\r\nm=audio 42000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    static final String MIXER_TWO_SDP =
            MIXER_SDP.replace("o=mixer 7 7", "o=mixer-two 9 9").replace("42000", "43000");
    static final String OFFER = "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            + "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

    SwitchboardNode two;
    Process nodeProcess;
    Path nodeLog;
    int oneCluster;
    int twoCluster;
    int threeCluster;
    int threeSip;
    int threeAdmin;
    TestPhone mixer;
    TestPhone mixerTwo;
    final ConcurrentLinkedQueue<TestPhone.Msg> atMixer = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<TestPhone.Msg> atMixerTwo = new ConcurrentLinkedQueue<>();
    volatile boolean mixerDead;
    volatile boolean stopping;
    CqlSession session;

    @Override
    String keyspace() {
        return "interop_conference_pool";
    }

    @Override
    String[] binaries() {
        return new String[] {Linphonec.BINARY, "sipp"};
    }

    /** The mixers, then nodes 1 and 2 in this JVM and node 3 as a process; returns node 1. */
    @Override
    SwitchboardNode startNodes() {
        try {
            TestCassandra.session(keyspace()); // a fresh keyspace for this class
            mixer = new TestPhone("udp", 9, "mixer", "unused");
            mixerTwo = new TestPhone("udp", 9, "mixer-two", "unused");
            startMixer(mixer, atMixer, MIXER_SDP, () -> mixerDead);
            startMixer(mixerTwo, atMixerTwo, MIXER_TWO_SDP, () -> false);
            String extra = InteropNode.HOCON + """

                    switchboard.conferencing.mcus = ["%s", "%s"]
                    switchboard.conferencing.mcu-check-interval = 1s
                    # SIPp 3.6 answers only an MD5 challenge, and takes the first (the default's, plus SIPp)
                    switchboard.auth.user-agent-algorithms = [
                      { user-agent = "baresip v0.", algorithms = ["MD5"] }
                      { user-agent = "baresip v1.", algorithms = ["MD5"] }
                      { user-agent = "sipsak", algorithms = ["MD5"] }
                      { user-agent = "sipp-interop", algorithms = ["MD5"] }
                    ]
                    """.formatted(mixer.contact(), mixerTwo.contact());
            oneCluster = TestNodes.freePort();
            twoCluster = TestNodes.freePort();
            threeCluster = TestNodes.freePort();
            String seeded = "\nswitchboard.cluster.seed-nodes = [\"127.0.0.1:" + oneCluster + "\"]\n";
            SwitchboardNode one = SwitchboardNode.start(
                    NodeConfig.fromString(TestNodes.config("node-1", keyspace(), oneCluster, extra)));
            node = one; // closed by the base class's @AfterAll, which JUnit runs also when this fails
            two = SwitchboardNode.start(
                    NodeConfig.fromString(TestNodes.config("node-2", keyspace(), twoCluster, extra + seeded)));
            threeSip = TestNodes.freePort();
            threeAdmin = TestNodes.freePort();
            Path work = Files.createDirectories(
                            Path.of("target", "interop", getClass().getSimpleName() + "-node-3"))
                    .toAbsolutePath();
            Path conf = work.resolve("node-3.conf");
            Files.writeString(
                    conf,
                    TestNodes.config(
                            "node-3",
                            keyspace(),
                            threeCluster,
                            extra + seeded + """
                            switchboard.sip { udp-port = %d, tcp-port = %d }
                            switchboard.admin.port = %d
                            """.formatted(threeSip, threeSip, threeAdmin)));
            nodeLog = work.resolve("node-3.log");
            Files.deleteIfExists(nodeLog);
            nodeProcess = NodeProcess.start(conf, nodeLog);
            TestNodes.awaitReady(one);
            TestNodes.awaitReady(two);
            NodeProcess.awaitReady(nodeProcess, threeAdmin, nodeLog);
            awaitPool(3);
            session = CassandraSessions.connect(TestCassandra.settings(keyspace()));
            return one;
        } catch (Exception e) {
            throw new IllegalStateException("pool not started", e); // @AfterAll stops what started
        }
    }

    @Override
    @AfterAll // an override without it is no lifecycle method: JUnit would call neither it nor the base class's
    void stopNode() {
        super.stopNode(); // the clients, then node 1
        stopPool();
    }

    void stopPool() {
        stopping = true;
        if (nodeProcess != null) {
            nodeProcess.destroyForcibly();
        }
        for (AutoCloseable c : new AutoCloseable[] {session, two, mixer, mixerTwo}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // the rest are closed all the same
            }
        }
    }

    @Test
    void a_meeting_across_three_nodes_keeps_its_roster_lobby_and_lock_and_its_calls_through_kill_9_of_its_owner()
            throws Exception {
        // Alice schedules the meeting over HTTP as herself, until its entity is on node 3
        String id = meetingOwnedByNodeThree();
        String uri = "sip:conf-" + id + "@example.test";
        String confUser = "conf-" + id;

        // Alice (organizer): linphonec over UDP through node 1
        Linphonec alice = stopAfter(Linphonec.start(testDir("meeting"), "alice", "udp", port(node, "udp"), List.of()));
        alice.awaitRegistered(SHORT);
        alice.dial(uri);
        alice.awaitMessage(m -> m.incoming() && m.isResponse(200, "INVITE"), WAIT, "the focus's 200 to linphonec");
        awaitStatus(id, "sip:alice@example.test", "connected");

        // two subscribers: Alice through node 2, Bob (invited, not yet in) through node 3
        ConferenceWatcher aliceWatch =
                stopAfter(ConferenceWatcher.subscribe(phone("udp", two.sipUdpPort(), "alice"), uri));
        ConferenceWatcher bobWatch = stopAfter(ConferenceWatcher.subscribe(phone("udp", threeSip, "bob"), uri));

        // Bob (SIPp, UDP) and Carol (SIPp, TCP) through node 3; Dave (SIPp, UDP, not invited) through node 2
        Path sippDir = testDir("sipp");
        SippParticipant bob =
                stopAfter(SippParticipant.start(sippDir, "conference-survivor.xml", "bob", confUser, threeSip, "udp"));
        SippParticipant carol =
                stopAfter(SippParticipant.start(sippDir, "conference-join.xml", "carol", confUser, threeSip, "tcp"));
        awaitStatus(id, "sip:bob@example.test", "connected", bob);
        awaitStatus(id, "sip:carol@example.test", "connected", carol);
        SippParticipant dave = stopAfter(
                SippParticipant.start(sippDir, "conference-join.xml", "dave", confUser, two.sipUdpPort(), "udp"));
        awaitStatus(id, "sip:dave@example.test", "pending", dave);
        awaitTrue(
                () -> dave.messages().contains("SIP/2.0 180 Waiting in the lobby"), WAIT, "Dave's 180 from the lobby");
        assertThat(dave.process.isAlive())
                .as("Dave's call is held, not answered")
                .isTrue();

        // Alice locks it: a new joiner is refused, a presenter still gets in
        HttpResponse<String> locked =
                asUser(node.adminPort(), "POST", "/user/conferences/" + id + "/lock", "alice", null);
        assertThat(locked.statusCode()).as(locked.body()).isEqualTo(200);
        TestPhone erin = phone("udp", node.sipUdpPort(), "erin");
        TestPhone.Msg refused = erin.authenticated(
                "INVITE", uri, UUID.randomUUID() + "@erin", TestPhone.newTag(), "application/sdp", OFFER);
        assertThat(refused.status()).as(refused.raw()).isEqualTo(403);
        assertThat(refused.firstLine()).contains("locked");
        TestPhone aliceDesk = phone("udp", two.sipUdpPort(), "alice");
        String deskTag = TestPhone.newTag();
        TestPhone.Msg deskOk = aliceDesk.authenticated(
                "INVITE", uri, UUID.randomUUID() + "@alice-desk", deskTag, "application/sdp", OFFER);
        assertThat(deskOk.status())
                .as("a presenter joins a locked meeting: " + deskOk.raw())
                .isEqualTo(200);
        TestPhone.Dialog desk = aliceDesk.callerDialog(uri, deskTag, deskOk);
        aliceDesk.ack2xx(desk, deskOk);
        assertThat(aliceDesk.requestInDialog(desk, "BYE").status()).isEqualTo(200);
        JsonNode before = awaitShow(
                id, c -> c.path("participants").size() == 4 && c.path("locked").asBoolean());
        assertThat(legOf(before, "sip:erin@example.test"))
                .as("nothing stored for the refused joiner")
                .isNull();

        // the roster each subscriber sees is the focus's
        awaitSubscribersEqualFocus(id, List.of(aliceWatch, bobWatch));

        // where everything is: the entity and Bob's and Carol's calls on node 3, Dave's and Alice's elsewhere
        assertThat(hosts(node, id) || hosts(two, id))
                .as("the entity is on node 3")
                .isFalse();
        String bobLeg = legOf(before, "sip:bob@example.test").path("leg").asText();
        String carolLeg = legOf(before, "sip:carol@example.test").path("leg").asText();
        CassandraDialogStore dialogs = new CassandraDialogStore(session);
        for (String leg : List.of(bobLeg, carolLeg)) {
            assertThat(dialogs.leg(id, leg)
                            .toCompletableFuture()
                            .get()
                            .orElseThrow()
                            .holder())
                    .as("leg %s held by node 3", leg)
                    .contains(":" + threeCluster + "#");
        }
        assertThat(dialogs.leg(id, carolLeg)
                        .toCompletableFuture()
                        .get()
                        .orElseThrow()
                        .transport())
                .isEqualTo("tcp");
        ConferenceWatcher.Notify bobLast = bobWatch.last();
        assertThat(bobLast.viaPort()).isEqualTo(threeSip);
        Map<ConferenceWatcher, Integer> seenBeforeKill = Map.of(
                aliceWatch,
                aliceWatch.notifies().size(),
                bobWatch,
                bobWatch.notifies().size());

        // ---------------------------------------------------------------- kill -9 of the owning node
        nodeProcess.destroyForcibly().waitFor(); // SIGKILL

        // Bob's subscription goes on from a survivor: the same dialog, a higher version and CSeq
        ConferenceWatcher.Notify resumed = awaitNotify(bobWatch, n -> n.viaPort() != threeSip, TAKEOVER, "resumed");
        assertThat(resumed.viaPort()).isIn(node.sipUdpPort(), two.sipUdpPort());
        assertThat(resumed.fromTag()).isEqualTo(bobWatch.focusTag);
        assertThat(resumed.cseq()).isGreaterThan(bobLast.cseq());
        assertThat(resumed.version()).isGreaterThan(bobLast.version());

        // Carol's TCP flow died with node 3: she leaves the roster; the rest is as it was
        JsonNode after = awaitShow(id, c -> legOf(c, "sip:carol@example.test") == null);
        assertThat(after.path("locked").asBoolean()).as("still locked").isTrue();
        for (String user : List.of("sip:alice@example.test", "sip:bob@example.test", "sip:dave@example.test")) {
            JsonNode was = legOf(before, user);
            JsonNode is = legOf(after, user);
            assertThat(is).as(user).isNotNull();
            assertThat(is.path("leg").asText()).isEqualTo(was.path("leg").asText());
            assertThat(is.path("role").asText())
                    .as("%s's role", user)
                    .isEqualTo(was.path("role").asText());
            assertThat(is.path("status").asText())
                    .as("%s's status", user)
                    .isEqualTo(was.path("status").asText());
        }
        assertThat(legOf(after, "sip:alice@example.test").path("role").asText()).isEqualTo("presenter");
        assertThat(legOf(after, "sip:dave@example.test").path("status").asText())
                .isEqualTo("pending");
        // ... and both subscribers show her gone, everything else as the focus has it
        awaitSubscribersEqualFocus(id, List.of(aliceWatch, bobWatch));
        String carolEndpoint = ConferenceInfo.endpointEntity(carolLeg);
        for (ConferenceWatcher w : List.of(aliceWatch, bobWatch)) {
            List<ConferenceWatcher.Notify> sinceKill =
                    w.notifies().subList(seenBeforeKill.get(w), w.notifies().size());
            assertThat(sinceKill.stream().map(ConferenceWatcher.Notify::body))
                    .as("%s was shown Carol's endpoint disconnected (or a full state without it)", w.phone.user)
                    .anyMatch(b -> b.contains(carolEndpoint) && b.contains("<status>disconnected</status>")
                            || b.contains("state=\"full\"") && !b.contains(carolEndpoint));
        }

        // Bob, on UDP, stays in his call: once a survivor holds it, the mixer dies and that node moves
        // him (its re-INVITE in his dialog); his SIPp then holds and hangs up at that node
        awaitTrue(
                () -> holder(dialogs, id, bobLeg)
                        .map(h -> !h.contains(":" + threeCluster + "#"))
                        .orElse(false),
                TAKEOVER,
                "Bob's call taken over by a survivor");
        mixerDead = true;
        assertThat(bob.awaitExit(TAKEOVER)).as(bob.describe()).isZero();
        String bobMessages = bob.messages();
        assertThat(bobMessages).contains("a=sendonly", "m=audio 43000");
        assertThat(atMixerTwo.stream().filter(m -> m.method().equals("INVITE")))
                .as("Bob's hold reached the live mixer")
                .anyMatch(m -> m.body().contains("a=sendonly"));
        awaitShow(id, c -> legOf(c, "sip:bob@example.test") == null);
        // linphonec, on a survivor, was moved too: the focus's re-INVITE in its call, answered 200
        SipTrace.Message moved = alice.awaitMessage(
                m -> m.incoming() && m.isRequest("INVITE"), WAIT, "the move's re-INVITE at linphonec");
        assertThat(moved.text()).contains("m=audio 43000");
        alice.awaitMessage(
                m -> !m.incoming()
                        && m.isResponse(200, "INVITE")
                        && moved.callId().equals(m.callId()),
                WAIT,
                "linphonec's 200 to the move");
        assertThat(legOf(show(id), "sip:alice@example.test").path("status").asText())
                .isEqualTo("connected");

        // the lobby works from the new owner: Alice admits Dave, whose held call is answered
        String daveLeg = legOf(after, "sip:dave@example.test").path("leg").asText();
        HttpResponse<String> admitted = asUser(
                two.adminPort(),
                "POST",
                "/user/conferences/" + id + "/participants/" + daveLeg + "/admit",
                "alice",
                null);
        assertThat(admitted.statusCode()).as(admitted.body()).isEqualTo(200);
        awaitStatus(id, "sip:dave@example.test", "connected", dave);
        awaitTrue(() -> dave.messages().contains("m=audio 43000"), WAIT, "Dave answered with the live mixer's SDP");
        awaitSubscribersEqualFocus(id, List.of(aliceWatch, bobWatch));
        for (ConferenceWatcher w : List.of(aliceWatch, bobWatch)) {
            assertThat(w.errors()).as("%s's NOTIFYs", w.phone.user).isEmpty();
        }

        // Alice ends it: Dave's call gets BYE (his SIPp's scenario ends with it)
        HttpResponse<String> ended =
                asUser(node.adminPort(), "POST", "/user/conferences/" + id + "/end", "alice", null);
        assertThat(ended.statusCode()).as(ended.body()).isEqualTo(200);
        assertThat(dave.awaitExit(WAIT)).as(dave.describe()).isZero();
    }

    // ------------------------------------------------------------------ the meeting

    /** Alice's meeting ({@code invited}: Bob and Carol), created over HTTP until one's entity is on node 3. */
    String meetingOwnedByNodeThree() throws Exception {
        String body = "{\"subject\":\"Pool interop\",\"access\":\"invited\","
                + "\"invitees\":[\"sip:bob@example.test\",\"sip:carol@example.test\"],\"end\":\""
                + Instant.now().plus(Duration.ofHours(2)) + "\"}";
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> created = asUser(two.adminPort(), "POST", "/user/conferences", "alice", body);
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            JsonNode c = JSON.readTree(created.body());
            assertThat(c.path("organizer").asText()).isEqualTo("sip:alice@example.test");
            String id = c.path("id").asText();
            if (!hosts(node, id) && !hosts(two, id)) {
                return id;
            }
        }
        throw new AssertionError("no meeting of 30 landed on node 3");
    }

    /** Whether {@code n}'s shard region runs the conference entity {@code id}. */
    static boolean hosts(SwitchboardNode n, String id) throws Exception {
        var region = ClusterSharding.get(Adapter.toClassic(n.system())).shardRegion(ConferenceEntity.ENTITY_KEY.name());
        Object state = Patterns.ask(region, ShardRegion.getShardRegionStateInstance(), Duration.ofSeconds(5))
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        for (ShardRegion.ShardState shard : ((ShardRegion.CurrentShardRegionState) state).getShards()) {
            if (shard.getEntityIds().contains(id)) {
                return true;
            }
        }
        return false;
    }

    /** The focus's state, from node 1's or node 2's admin API ({@code conference show}); null while unavailable. */
    JsonNode show(String id) throws Exception {
        for (SwitchboardNode n : List.of(node, two)) {
            HttpResponse<String> r = AdminHttp.get(n.adminPort(), "/api/conferences/" + id);
            if (r.statusCode() == 200) {
                return JSON.readTree(r.body());
            }
        }
        return null; // 503 while the entity restarts elsewhere
    }

    JsonNode awaitShow(String id, java.util.function.Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + TAKEOVER.toNanos();
        JsonNode c = show(id);
        while (c == null || !done.test(c)) {
            if (System.nanoTime() > deadline) {
                fail("the conference never got there; last: " + c);
            }
            Thread.sleep(100); // polling the admin API, with the deadline above
            c = show(id);
        }
        return c;
    }

    void awaitStatus(String id, String user, String status, SippParticipant... clients) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode c = show(id);
        while (c == null
                || legOf(c, user) == null
                || !legOf(c, user).path("status").asText().equals(status)) {
            if (System.nanoTime() > deadline) {
                StringBuilder why = new StringBuilder(user + " is not " + status + " in " + c);
                for (SippParticipant s : clients) {
                    why.append('\n').append(s.describe());
                }
                fail(why.toString());
            }
            Thread.sleep(100); // polling the admin API, with the deadline above
            c = show(id);
        }
    }

    static JsonNode legOf(JsonNode conference, String user) {
        for (JsonNode leg : conference.path("participants")) {
            if (leg.path("uri").asText().equals(user)) {
                return leg;
            }
        }
        return null;
    }

    /**
     * The focus's roster as a subscriber should see it: each leg's endpoint entity with its user, the
     * user's role (presenter when any of its legs presents, RFC 4575 section 5.6.2 per user) and status.
     */
    static Map<String, ConferenceWatcher.Endpoint> focusEndpoints(JsonNode conference) {
        Map<String, String> roles = new HashMap<>();
        for (JsonNode leg : conference.path("participants")) {
            roles.merge(leg.path("uri").asText(), leg.path("role").asText(), (a, b) -> a.equals("presenter") ? a : b);
        }
        Map<String, ConferenceWatcher.Endpoint> out = new HashMap<>();
        for (JsonNode leg : conference.path("participants")) {
            String user = leg.path("uri").asText();
            out.put(
                    ConferenceInfo.endpointEntity(leg.path("leg").asText()),
                    new ConferenceWatcher.Endpoint(
                            user, roles.get(user), leg.path("status").asText()));
        }
        return out;
    }

    /** Polls until every subscriber's parsed roster and lock equal the focus's (read the same moment). */
    void awaitSubscribersEqualFocus(String id, List<ConferenceWatcher> watchers) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            JsonNode c = show(id);
            List<String> differ = new ArrayList<>();
            if (c == null) {
                differ.add("focus unavailable");
            } else {
                Map<String, ConferenceWatcher.Endpoint> focus = focusEndpoints(c);
                for (ConferenceWatcher w : watchers) {
                    if (!w.endpoints().equals(focus)
                            || w.locked() != c.path("locked").asBoolean()) {
                        differ.add(w.describe() + " but the focus has locked=" + c.path("locked") + " " + focus);
                    }
                }
            }
            if (differ.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("subscribers differ from the focus: " + String.join("\n", differ));
            }
            Thread.sleep(100); // polling, with the deadline above
        }
    }

    static ConferenceWatcher.Notify awaitNotify(
            ConferenceWatcher w,
            java.util.function.Predicate<ConferenceWatcher.Notify> what,
            Duration wait,
            String name)
            throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            for (ConferenceWatcher.Notify n : w.notifies()) {
                if (what.test(n)) {
                    return n;
                }
            }
            if (System.nanoTime() > deadline) {
                fail(w.phone.user + ": no " + name + " NOTIFY within " + wait + "; got " + w.notifies());
            }
            Thread.sleep(100); // polling, with the deadline above
        }
    }

    static void awaitTrue(BooleanSupplier what, Duration wait, String name) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!what.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + wait + ": " + name);
            }
            Thread.sleep(100); // polling, with the deadline above
        }
    }

    static java.util.Optional<String> holder(CassandraDialogStore dialogs, String id, String leg) {
        try {
            return dialogs.leg(id, leg).toCompletableFuture().get().map(l -> l.holder());
        } catch (Exception e) {
            return java.util.Optional.empty();
        }
    }

    // ------------------------------------------------------------------ clients

    TestPhone phone(String transport, int port, String user) throws IOException {
        return stopAfter(new TestPhone(transport, port, user, user + "-secret"));
    }

    /** A request to the users' HTTP interface as {@code user}, answering its Digest challenge (as curl --digest). */
    static HttpResponse<String> asUser(int port, String method, String target, String user, String body)
            throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        java.util.function.Function<String, HttpRequest> request = authorization -> {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + target))
                    .timeout(Duration.ofSeconds(30))
                    .method(
                            method,
                            body == null
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofString(body));
            if (authorization != null) {
                b.header("Authorization", authorization);
            }
            return b.build();
        };
        HttpResponse<String> challenged = http.send(request.apply(null), HttpResponse.BodyHandlers.ofString());
        assertThat(challenged.statusCode()).as(challenged.body()).isEqualTo(401);
        String challenge = challenged.headers().firstValue("WWW-Authenticate").orElseThrow();
        Map<String, String> c = new HashMap<>();
        Matcher m = Pattern.compile("(\\w+)=(?:\"([^\"]*)\"|([^,\\s]+))").matcher(challenge);
        while (m.find()) {
            c.put(m.group(1), m.group(2) != null ? m.group(2) : m.group(3));
        }
        DigestAlgorithm algorithm =
                DigestAlgorithm.fromToken(c.get("algorithm")).orElseThrow();
        String ha1 = algorithm.ha1(user, c.get("realm"), user + "-secret");
        String response =
                DigestVerifier.response(algorithm, ha1, c.get("nonce"), "00000001", "0a4f113b", "auth", method, target);
        String authorization = "Digest username=\"" + user + "\", realm=\"" + c.get("realm") + "\", nonce=\""
                + c.get("nonce") + "\", uri=\"" + target + "\", response=\"" + response + "\", algorithm="
                + algorithm.token() + ", qop=auth, nc=00000001, cnonce=\"0a4f113b\"";
        return http.send(request.apply(authorization), HttpResponse.BodyHandlers.ofString());
    }

    // ------------------------------------------------------------------ the mixers and the pool

    /** Answers as a mixer (INVITE: 200 with {@code sdp}; others 200) until the class is done; nothing while {@code dead}. */
    void startMixer(TestPhone m, ConcurrentLinkedQueue<TestPhone.Msg> seen, String sdp, BooleanSupplier dead) {
        Thread t = new Thread(
                () -> {
                    while (!stopping) {
                        try {
                            TestPhone.Msg r = m.await(TestPhone.Msg::isRequest, Duration.ofSeconds(1));
                            if (dead.getAsBoolean()) {
                                continue;
                            }
                            if (!r.method().equals("OPTIONS")) {
                                seen.add(r);
                            }
                            switch (r.method()) {
                                case "INVITE" -> m.sendToVia(r, answer(r, m.contact(), sdp));
                                case "ACK" -> {}
                                default -> m.sendToVia(r, answer(r, m.contact(), null));
                            }
                        } catch (IOException e) {
                            // nothing within a second: look again until the class is done
                        }
                    }
                },
                "mixer-" + m.user);
        t.setDaemon(true);
        t.start();
    }

    /** A 200 to {@code request} (with a To tag, and {@code sdp} when not null), to its Via. */
    static String answer(TestPhone.Msg request, String contact, String sdp) {
        StringBuilder b = new StringBuilder("SIP/2.0 200 OK\r\n");
        for (String via : request.all("via")) {
            b.append("Via: ").append(via).append("\r\n");
        }
        String to = request.header("to");
        if (!to.contains(";tag=")) {
            to = to + ";tag=" + TestPhone.newTag();
        }
        b.append("From: ").append(request.header("from")).append("\r\n");
        b.append("To: ").append(to).append("\r\n");
        b.append("Call-ID: ").append(request.callId()).append("\r\n");
        b.append("CSeq: ").append(request.header("cseq")).append("\r\n");
        if (sdp == null) {
            return b.append("Content-Length: 0\r\n\r\n").toString();
        }
        b.append("Contact: <").append(contact).append(">\r\n");
        b.append("Content-Type: application/sdp\r\n");
        return b.append("Content-Length: ")
                .append(sdp.getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                .append("\r\n\r\n")
                .append(sdp)
                .toString();
    }

    /** Polls node 1's {@code /api/pool} until {@code n} members are all Up. */
    void awaitPool(int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            HttpResponse<String> r = AdminHttp.get(node.adminPort(), "/api/pool");
            if (r.statusCode() == 200 && r.body().contains("\"all_up\":true")) {
                JsonNode members = JSON.readTree(r.body()).path("members");
                if (members.size() == n) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                fail(n + " Up members within 60 s; last /api/pool: " + r.body());
            }
            Thread.sleep(200); // polling, with the deadline above
        }
    }
}

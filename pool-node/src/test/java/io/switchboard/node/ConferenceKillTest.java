package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.conference.domain.AccessType;
import io.switchboard.conference.domain.Actor;
import io.switchboard.conference.domain.Conference;
import io.switchboard.conference.domain.ConferenceIds;
import io.switchboard.conference.domain.Expiry;
import io.switchboard.conference.domain.Participant;
import io.switchboard.conference.domain.ParticipantStatus;
import io.switchboard.conference.domain.Presenters;
import io.switchboard.conference.domain.Role;
import io.switchboard.conference.domain.Roster;
import io.switchboard.conference.entity.ConferenceEntity;
import io.switchboard.conference.store.CassandraConferenceStore;
import io.switchboard.conference.store.CassandraDialogStore;
import io.switchboard.conference.store.DialogStore;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.sharding.ClusterSharding;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.pattern.Patterns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 item 6: a conference survives {@code kill -9} of the node that owns it and took its
 * legs (conferencing-focus/README.md, "Surviving a node"). Two nodes in this JVM and a node
 * process (as ParkThreeNodesTest), all on the test run's Cassandra; the mixer is a real SIP socket
 * ({@link TestPhone}) answering every INVITE with its SDP, so the test sees which dialog and CSeq
 * each of the focus's requests to it uses.
 *
 * <p>The conference's entity lives on the node process, and everyone reaches the pool through it:
 * Alice (organizer) over UDP and over TCP (a second device), Bob (invitee, promoted to presenter)
 * over UDP, Dave (not invited) waiting in the lobby, Carol (invitee) subscribed to its
 * conference-info; the conference is locked. After SIGKILL: roster, roles, lock and lobby are as
 * stored; Carol gets a NOTIFY in her dialog with a version and CSeq above what she had; Alice's
 * TCP leg, whose connection died with the node, shows as disconnected and leaves the roster; Bob's
 * re-INVITE to the conference URI with isfocus, sent to the survivor that did not take his leg,
 * reaches the mixer in the same mixer dialog above its stored CSeq ceiling and gets the mixer's
 * answer (the survivor asked the other to release the leg); Alice's BYE, likewise at the other
 * survivor, leaves and ends her mixer dialog.
 * Last the mixer stops answering: the survivor's checks find it down and move Bob's leg, which it
 * took over, to the second mixer (a re-INVITE to Bob, CSeq above the ceiling, the second mixer's SDP).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConferenceKillTest {

    static final String KEYSPACE = "conference_kill";
    /** Failure detection, the downing and the takeover, on a loaded machine. */
    static final Duration TAKEOVER_WAIT = Duration.ofSeconds(60);

    static final String OFFER = "v=0\r\no=user 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            + "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    static final String MIXER_SDP = "v=0\r\no=mixer 7 7 IN IP4 127.0.0.1\r\ns=mixer\r\nc=IN IP4 127.0.0.1\r\n"
            + "t=0 0\r\nm=audio 42000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    static final String MIXER_TWO_SDP =
            MIXER_SDP.replace("o=mixer 7 7", "o=mixer-two 9 9").replace("42000", "43000");

    SwitchboardNode one;
    SwitchboardNode two;
    int oneCluster;
    int twoCluster;
    int threeCluster;
    int threeSip;
    int threeAdmin;
    Process nodeProcess;
    CqlSession session;
    CassandraConferenceStore conferences;
    CassandraDialogStore dialogs;
    TestPhone mixer;
    /** Every request the mixer got, in order. */
    final ConcurrentLinkedQueue<TestPhone.Msg> atMixer = new ConcurrentLinkedQueue<>();
    /** The second mixer, live but unused until the first dies. */
    TestPhone mixerTwo;

    final ConcurrentLinkedQueue<TestPhone.Msg> atMixerTwo = new ConcurrentLinkedQueue<>();
    /** Set to make the first mixer a dead host: nothing it gets is answered. */
    volatile boolean mixerDead;

    volatile boolean stopping;
    final List<AutoCloseable> closing = new ArrayList<>();
    final SecureRandom random = new SecureRandom();

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        TestCassandra.session(KEYSPACE); // a fresh keyspace for this class
        mixer = new TestPhone("udp", 9, "mixer", "unused");
        closing.add(mixer);
        mixerTwo = new TestPhone("udp", 9, "mixer-two", "unused");
        closing.add(mixerTwo);
        Thread answering = new Thread(() -> answerAsMixer(mixer, atMixer, MIXER_SDP, () -> mixerDead), "kill-mixer");
        answering.setDaemon(true);
        answering.start();
        Thread answeringTwo =
                new Thread(() -> answerAsMixer(mixerTwo, atMixerTwo, MIXER_TWO_SDP, () -> false), "kill-mixer-two");
        answeringTwo.setDaemon(true);
        answeringTwo.start();
        String extra = """

                switchboard.conferencing.mcus = ["%s", "%s"]
                switchboard.conferencing.mcu-check-interval = 1s
                switchboard.bootstrap-users = [
                  { uri = "sip:alice@example.test", password = "alice-secret", name = "Alice" }
                  { uri = "sip:bob@example.test", password = "bob-secret", name = "Bob" }
                  { uri = "sip:carol@example.test", password = "carol-secret", name = "Carol" }
                  { uri = "sip:dave@example.test", password = "dave-secret", name = "Dave" }
                ]
                """.formatted(mixer.contact(), mixerTwo.contact());
        oneCluster = TestNodes.freePort();
        twoCluster = TestNodes.freePort();
        threeCluster = TestNodes.freePort();
        String seeded = "\nswitchboard.cluster.seed-nodes = [\"127.0.0.1:" + oneCluster + "\"]\n";
        one = SwitchboardNode.start(NodeConfig.fromString(TestNodes.config("node-1", KEYSPACE, oneCluster, extra)));
        closing.add(one);
        two = SwitchboardNode.start(
                NodeConfig.fromString(TestNodes.config("node-2", KEYSPACE, twoCluster, extra + seeded)));
        closing.add(two);
        threeSip = TestNodes.freePort();
        threeAdmin = TestNodes.freePort();
        Path conf = dir.resolve("node.conf");
        Files.writeString(
                conf,
                TestNodes.config(
                        "node-3",
                        KEYSPACE,
                        threeCluster,
                        extra + seeded + """
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
        conferences = new CassandraConferenceStore(session);
        dialogs = new CassandraDialogStore(session);
    }

    @AfterAll
    void stop() {
        stopping = true;
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
    void a_conference_survives_kill_9_of_the_node_that_owns_it_and_holds_its_dialogs() throws Exception {
        Conference c = conferenceOwnedByTheProcess();

        TestPhone alice = phone("udp", "alice");
        TestPhone aliceTcp = phone("tcp", "alice");
        TestPhone bob = phone("udp", "bob");
        TestPhone carol = phone("udp", "carol");
        TestPhone dave = phone("udp", "dave");
        Joined a = join(alice, c);
        Joined at = join(aliceTcp, c);
        Joined b = join(bob, c);
        String daveCallId = UUID.randomUUID() + "@kill";
        String daveTag = TestPhone.newTag();
        String daveFirst = dave.initial(
                "INVITE", c.uri(), daveCallId, daveTag, 1, TestPhone.newBranch(), List.of(), "application/sdp", OFFER);
        TestPhone.Msg challenge = dave.request(daveFirst);
        assertThat(challenge.status()).isEqualTo(407);
        dave.ack(daveFirst, challenge);
        String daveInvite = dave.initial(
                "INVITE",
                c.uri(),
                daveCallId,
                daveTag,
                2,
                TestPhone.newBranch(),
                List.of(SipTestClient.authorization(
                                challenge.header("proxy-authenticate"), "dave", "dave-secret", "INVITE", c.uri(), 1)
                        .replaceFirst("^Authorization:", "Proxy-Authorization:")),
                "application/sdp",
                OFFER);
        dave.send(daveInvite);
        assertThat(dave.awaitResponse(180, "INVITE").firstLine()).contains("lobby");

        // Carol follows the conference
        String carolCallId = UUID.randomUUID() + "@kill";
        String carolTag = TestPhone.newTag();
        TestPhone.Msg subscribed = carol.authenticated(
                "SUBSCRIBE",
                c.uri(),
                carolCallId,
                carolTag,
                List.of("Event: conference", "Expires: 600"),
                "",
                "",
                "carol",
                "carol-secret");
        assertThat(subscribed.status()).as(subscribed.raw()).isEqualTo(200);
        String focusTag = TestPhone.tagOf(subscribed.header("to"));
        TestPhone.Msg last = notifyIn(carol, carolCallId, Duration.ofSeconds(10));

        // an operator promotes Bob and locks the conference
        assertThat(this.<ConferenceEntity.ChangeReply>ask(
                        c, r -> new ConferenceEntity.SetRole(new Actor.Operator("test"), b.callId, Role.PRESENTER, r)))
                .isInstanceOf(ConferenceEntity.Done.class);
        assertThat(this.<ConferenceEntity.ChangeReply>ask(
                        c, r -> new ConferenceEntity.SetLocked(new Actor.Operator("test"), true, r)))
                .isInstanceOf(ConferenceEntity.Done.class);
        last = awaitNotify(carol, carolCallId, "<locked>true</locked>", Duration.ofSeconds(10));

        // every dialog is stored, held by the node process
        for (String leg : List.of(a.callId, at.callId, b.callId)) {
            DialogStore.Leg stored =
                    dialogs.leg(c.id(), leg).toCompletableFuture().get().orElseThrow();
            assertThat(stored.holder()).contains(":" + threeCluster + "#");
            assertThat(stored.mixerDialog()).as("the mixer side of %s", leg).isNotNull();
        }
        assertThat(dialogs.leg(c.id(), at.callId)
                        .toCompletableFuture()
                        .get()
                        .orElseThrow()
                        .transport())
                .isEqualTo("tcp");
        assertThat(dialogs.subscription(c.id(), carolCallId)
                        .toCompletableFuture()
                        .get())
                .isPresent();
        Roster before = roster(c);
        String bobMixerCallId = mixerCallIdOf(b.callId);
        String aliceMixerCallId = mixerCallIdOf(a.callId);
        long versionBefore = versionOf(last);

        nodeProcess.destroyForcibly().waitFor(); // SIGKILL

        // Carol's subscription goes on from a survivor: same dialog, higher version and CSeq
        TestPhone.Msg resumed = carol.await(
                m -> m.isRequest() && m.method().equals("NOTIFY") && carolCallId.equals(m.callId()), TAKEOVER_WAIT);
        int taker = viaPort(resumed);
        assertThat(taker).isIn(one.sipUdpPort(), two.sipUdpPort());
        carol.reroute(taker);
        carol.respond(resumed, 200, "OK", null, List.of());
        assertThat(TestPhone.tagOf(resumed.header("from"))).isEqualTo(focusTag);
        assertThat(TestPhone.seqOf(resumed)).isGreaterThan(TestPhone.seqOf(last));
        assertThat(versionOf(resumed)).isGreaterThan(versionBefore);
        assertThat(resumed.body()).contains("state=\"full\"", "<locked>true</locked>");

        // Alice's TCP leg died with its connection: out of the roster, shown disconnected to Carol
        awaitRoster(c, r -> !r.participants().containsKey(at.callId));
        TestPhone.Msg shownTo = resumed;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!showsDisconnected(shownTo.body(), at.callId)) {
            assertThat(System.nanoTime())
                    .as("Alice's TCP endpoint shown disconnected; last: %s", shownTo.body())
                    .isLessThan(deadline);
            TestPhone.Msg next = notifyIn(carol, carolCallId, Duration.ofNanos(deadline - System.nanoTime()));
            assertThat(versionOf(next)).isEqualTo(versionOf(shownTo) + 1);
            assertThat(TestPhone.seqOf(next)).isGreaterThan(TestPhone.seqOf(shownTo));
            shownTo = next;
        }

        // Carol refreshes at the survivor that does not hold her subscription: handed over, answered there,
        // and the full state follows in her dialog with the next version
        String subHolder = dialogs.subscription(c.id(), carolCallId)
                .toCompletableFuture()
                .get()
                .orElseThrow()
                .holder();
        int carolNode = otherSurvivor(subHolder.contains(":" + oneCluster + "#") ? one.sipUdpPort() : two.sipUdpPort());
        carol.reroute(carolNode);
        TestPhone.Dialog carolDialog = carol.callerDialog(c.uri(), carolTag, subscribed);
        carolDialog.cseq = TestPhone.seqOf(subscribed) + 1;
        assertThat(carolDialog.remoteTarget).contains(c.uri() + ";isfocus");
        TestPhone.Msg refreshed = carol.request(carol.inDialog(
                        carolDialog, "SUBSCRIBE", carolDialog.cseq++, TestPhone.newBranch())
                .replace("Content-Length: 0\r\n", "Event: conference\r\nExpires: 300\r\nContent-Length: 0\r\n"));
        assertThat(refreshed.status()).as(refreshed.raw()).isEqualTo(200);
        assertThat(refreshed.header("expires")).isEqualTo("300");
        TestPhone.Msg full = notifyIn(carol, carolCallId, Duration.ofSeconds(10));
        assertThat(viaPort(full)).isEqualTo(carolNode);
        assertThat(full.body()).contains("state=\"full\"");
        // resumed above the stored version ceiling: a full document, so a jump is no gap (RFC 4575 section 4.6)
        assertThat(versionOf(full)).isGreaterThan(versionOf(shownTo));
        assertThat(TestPhone.seqOf(full)).isGreaterThan(TestPhone.seqOf(shownTo));

        // roster, roles, lock and lobby as before the kill (less the TCP leg)
        Roster after = roster(c);
        assertThat(after.locked()).isTrue();
        assertThat(after.participants().get(a.callId))
                .isEqualTo(before.participants().get(a.callId));
        Participant bobAfter = after.participants().get(b.callId);
        assertThat(bobAfter.role()).isEqualTo(Role.PRESENTER);
        assertThat(bobAfter.status()).isEqualTo(ParticipantStatus.CONNECTED);
        assertThat(after.participants().get(daveCallId).status()).isEqualTo(ParticipantStatus.PENDING);
        HttpResponse<String> shown = AdminHttp.get(one.adminPort(), "/api/conferences/" + c.id());
        assertThat(shown.statusCode()).as(shown.body()).isEqualTo(200);
        assertThat(shown.body()).contains("\"locked\":true", "sip:dave@example.test");

        // Bob's re-INVITE (hold) to the conference URI with isfocus, at the survivor NOT holding his leg
        // (any node serves the conference URI): it asks the holder to let the leg go and serves it
        int bobNode = otherSurvivor(sipPortOfHolder(c, b.callId)); // changes once more below
        bob.reroute(bobNode);
        String hold = OFFER.replace("o=user 1 1", "o=user 1 2") + "a=sendonly\r\n";
        String reinvite = bob.inDialog(b.dialog, "INVITE", b.dialog.cseq++, TestPhone.newBranch())
                .replace(
                        "Content-Length: 0\r\n\r\n",
                        "Contact: <" + bob.contact() + ">\r\nContent-Type: application/sdp\r\nContent-Length: "
                                + hold.length() + "\r\n\r\n" + hold);
        assertThat(reinvite).startsWith("INVITE " + c.uri() + ";isfocus ");
        TestPhone.Msg held = bob.request(reinvite);
        assertThat(held.status()).as(held.raw()).isEqualTo(200);
        assertThat(held.body()).contains("m=audio 42000");
        assertThat(sipPortOfHolder(c, b.callId))
                .as("the leg is the node's that served it now")
                .isEqualTo(bobNode);
        // his ACK reaches the other survivor (the pool name may resolve to any node): it is passed to the
        // holder, which would otherwise retransmit its 200 and end the call after 32 s. The proof: the holder
        // lets the leg go (it keeps one whose 2xx is unacknowledged) when Bob's UPDATE at that node asks for it
        int ackNode = otherSurvivor(bobNode);
        bob.reroute(ackNode);
        bob.ack2xx(b.dialog, held);
        TestPhone.Msg updated = bob.requestInDialog(b.dialog, "UPDATE");
        long ackDeadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (updated.status() == 503 && System.nanoTime() < ackDeadline) {
            Thread.sleep(100); // polling: the relayed ACK and the handover travel apart
            updated = bob.requestInDialog(b.dialog, "UPDATE");
        }
        assertThat(updated.status()).as(updated.raw()).isEqualTo(200);
        bobNode = ackNode;
        assertThat(sipPortOfHolder(c, b.callId)).isEqualTo(bobNode);
        TestPhone.Msg toMixer = atMixer.stream()
                .filter(m -> m.method().equals("INVITE") && bobMixerCallId.equals(m.callId()))
                .reduce((x, y) -> y)
                .orElseThrow();
        assertThat(toMixer.body()).as("Bob's new offer in his mixer dialog").contains("a=sendonly");
        assertThat(TestPhone.seqOf(toMixer)).as("above the stored CSeq ceiling").isGreaterThan(100);

        // Alice's BYE at the survivor not holding her leg: she leaves, her mixer dialog ends
        alice.reroute(otherSurvivor(sipPortOfHolder(c, a.callId)));
        TestPhone.Msg bye = alice.requestInDialog(a.dialog, "BYE");
        assertThat(bye.status()).as(bye.raw()).isEqualTo(200);
        assertThat(roster(c).participants()).doesNotContainKey(a.callId);
        awaitMixerRequest("BYE", aliceMixerCallId);
        assertThat(dialogs.leg(c.id(), a.callId).toCompletableFuture().get()).isEmpty();

        // the mixer dies: the survivor's checks find it and move Bob's leg, taken over, to the other one
        mixerDead = true;
        TestPhone.Msg moved = bob.await(
                m -> m.isRequest() && m.method().equals("INVITE") && b.callId.equals(m.callId()),
                Duration.ofSeconds(20));
        assertThat(viaPort(moved)).isEqualTo(bobNode);
        assertThat(TestPhone.tagOf(moved.header("from"))).isEqualTo(b.dialog.remoteTag);
        assertThat(TestPhone.seqOf(moved)).as("above the stored CSeq ceiling").isGreaterThan(100);
        assertThat(moved.header("contact")).contains(c.uri() + ";isfocus");
        assertThat(moved.body()).contains("m=audio 43000");
        bob.sendToVia(moved, ConferenceSipTest.okWithSdp(bob, moved, null, hold));
        TestPhone.Msg ack = bob.await(
                m -> m.isRequest() && m.method().equals("ACK") && b.callId.equals(m.callId()), Duration.ofSeconds(10));
        assertThat(TestPhone.seqOf(ack)).isEqualTo(TestPhone.seqOf(moved));
        assertThat(atMixerTwo.stream().filter(m -> m.method().equals("INVITE")))
                .as("Bob's leg, INVITEd to the live mixer with his last offer")
                .anyMatch(m -> m.body().contains("a=sendonly"));
    }

    // ------------------------------------------------------------------ the conference on the node process

    /**
     * A conference (invited: Bob and Carol; organizer Alice) whose entity lives on the node
     * process: created from node 1 until sharding puts one there (neither in-JVM node hosts it).
     */
    Conference conferenceOwnedByTheProcess() throws Exception {
        for (int i = 0; i < 30; i++) {
            Conference c = new Conference(
                    ConferenceIds.newId(random),
                    "example.test",
                    ConferenceIds.newNumericId(random),
                    "sip:alice@example.test",
                    "Kill test",
                    AccessType.INVITED,
                    Set.of("sip:bob@example.test", "sip:carol@example.test"),
                    Presenters.ORGANIZER_ONLY,
                    false,
                    10,
                    new Expiry.AdHoc(Duration.ofMinutes(5)),
                    Instant.now());
            assertThat(this.<ConferenceEntity.CreateReply>ask(c, r -> new ConferenceEntity.Create(c, r)))
                    .isInstanceOf(ConferenceEntity.Created.class);
            if (!hosts(one, c.id()) && !hosts(two, c.id())) {
                return c;
            }
        }
        throw new AssertionError("no conference of 30 landed on the node process");
    }

    static boolean hosts(SwitchboardNode node, String entityId) throws Exception {
        var region =
                ClusterSharding.get(Adapter.toClassic(node.system())).shardRegion(ConferenceEntity.ENTITY_KEY.name());
        Object state = Patterns.ask(region, ShardRegion.getShardRegionStateInstance(), Duration.ofSeconds(5))
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        for (ShardRegion.ShardState shard : ((ShardRegion.CurrentShardRegionState) state).getShards()) {
            if (shard.getEntityIds().contains(entityId)) {
                return true;
            }
        }
        return false;
    }

    <R> R ask(
            Conference c,
            java.util.function.Function<org.apache.pekko.actor.typed.ActorRef<R>, ConferenceEntity.Command> command)
            throws Exception {
        EntityRef<ConferenceEntity.Command> ref = org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.get(
                        one.system())
                .entityRefFor(ConferenceEntity.ENTITY_KEY, c.id());
        return ref.<R>ask(command::apply, Duration.ofSeconds(10))
                .toCompletableFuture()
                .get();
    }

    Roster roster(Conference c) throws Exception {
        return conferences
                .load(c.id())
                .toCompletableFuture()
                .get()
                .orElseThrow()
                .roster();
    }

    void awaitRoster(Conference c, java.util.function.Predicate<Roster> what) throws Exception {
        long deadline = System.nanoTime() + TAKEOVER_WAIT.toNanos();
        Roster r = roster(c);
        while (!what.test(r) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            r = roster(c);
        }
        assertThat(what.test(r)).as("roster %s", r).isTrue();
    }

    /** The SIP port of the survivor the leg's stored row names as its holder. */
    int sipPortOfHolder(Conference c, String legId) throws Exception {
        String holder = dialogs.leg(c.id(), legId)
                .toCompletableFuture()
                .get()
                .orElseThrow()
                .holder();
        if (holder.contains(":" + oneCluster + "#")) {
            return one.sipUdpPort();
        }
        assertThat(holder).contains(":" + twoCluster + "#");
        return two.sipUdpPort();
    }

    int otherSurvivor(int sipPort) {
        return sipPort == one.sipUdpPort() ? two.sipUdpPort() : one.sipUdpPort();
    }

    String mixerCallIdOf(String legId) {
        // the mixer INVITE carrying the leg's offer came from the node process; its From is the conference
        return atMixer.stream()
                .filter(m -> m.method().equals("INVITE"))
                .filter(m -> joinedMixerCalls.containsKey(m.callId())
                        && joinedMixerCalls.get(m.callId()).equals(legId))
                .map(TestPhone.Msg::callId)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no mixer dialog for " + legId));
    }

    /** Mixer Call-ID to the participant leg it was opened for (recorded in join order). */
    final Map<String, String> joinedMixerCalls = new java.util.concurrent.ConcurrentHashMap<>();

    // ------------------------------------------------------------------ SIP helpers

    record Joined(String callId, TestPhone.Msg ok, TestPhone.Dialog dialog) {}

    TestPhone phone(String transport, String user) throws Exception {
        TestPhone p = new TestPhone(transport, threeSip, user, user + "-secret");
        closing.add(p);
        return p;
    }

    /** INVITE with digest and an offer, through the node process; on 200 the ACK. Records which mixer dialog it got. */
    Joined join(TestPhone phone, Conference c) throws Exception {
        Set<String> mixerCallsBefore = Set.copyOf(mixerInviteCallIds());
        String callId = UUID.randomUUID() + "@kill";
        String tag = TestPhone.newTag();
        TestPhone.Msg answer = phone.authenticated("INVITE", c.uri(), callId, tag, "application/sdp", OFFER);
        assertThat(answer.status()).as(answer.raw()).isEqualTo(200);
        assertThat(answer.header("contact")).contains(c.uri() + ";isfocus");
        TestPhone.Dialog d = phone.callerDialog(c.uri(), tag, answer);
        phone.ack2xx(d, answer);
        List<String> opened = new ArrayList<>(mixerInviteCallIds());
        opened.removeAll(mixerCallsBefore);
        assertThat(opened).as("one mixer dialog for the join").hasSize(1);
        joinedMixerCalls.put(opened.get(0), callId);
        return new Joined(callId, answer, d);
    }

    List<String> mixerInviteCallIds() {
        return atMixer.stream()
                .filter(m -> m.method().equals("INVITE"))
                .map(TestPhone.Msg::callId)
                .distinct()
                .toList();
    }

    /** Answers as a mixer (INVITE: 200 with {@code sdp}; others 200) until the class is done; nothing while {@code dead}. */
    void answerAsMixer(
            TestPhone mixer,
            ConcurrentLinkedQueue<TestPhone.Msg> seen,
            String sdp,
            java.util.function.BooleanSupplier dead) {
        while (!stopping) {
            try {
                TestPhone.Msg m = mixer.await(TestPhone.Msg::isRequest, Duration.ofSeconds(1));
                if (dead.getAsBoolean()) {
                    continue;
                }
                if (!m.method().equals("OPTIONS")) {
                    seen.add(m);
                }
                switch (m.method()) {
                    case "INVITE" -> mixer.sendToVia(m, ConferenceSipTest.okWithSdp(mixer, m, TestPhone.newTag(), sdp));
                    case "ACK" -> {}
                    default -> mixer.sendToVia(m, ok(m));
                }
            } catch (IOException e) {
                // nothing arrived within a second: look again until the class is done
            }
        }
    }

    /** A 200 to a request without a body, sent back to its Via (whichever node sent it). */
    static String ok(TestPhone.Msg request) {
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
        return b.append("Content-Length: 0\r\n\r\n").toString();
    }

    void awaitMixerRequest(String method, String callId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (atMixer.stream().noneMatch(m -> m.method().equals(method) && callId.equals(m.callId()))) {
            assertThat(System.nanoTime())
                    .as("%s in mixer dialog %s", method, callId)
                    .isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** The next NOTIFY in {@code callId}, answered 200. */
    static TestPhone.Msg notifyIn(TestPhone phone, String callId, Duration wait) throws IOException {
        TestPhone.Msg n =
                phone.await(m -> m.isRequest() && m.method().equals("NOTIFY") && callId.equals(m.callId()), wait);
        phone.respond(n, 200, "OK", null, List.of());
        return n;
    }

    /** NOTIFYs in {@code callId} (each answered) until one contains {@code text}. */
    static TestPhone.Msg awaitNotify(TestPhone phone, String callId, String text, Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            TestPhone.Msg n = notifyIn(phone, callId, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (n.body().contains(text)) {
                return n;
            }
        }
    }

    static long versionOf(TestPhone.Msg notify) {
        Matcher m = Pattern.compile("<conference-info[^>]*version=\"(\\d+)\"").matcher(notify.body());
        assertThat(m.find()).as(notify.body()).isTrue();
        return Long.parseLong(m.group(1));
    }

    static int viaPort(TestPhone.Msg request) {
        Matcher via = Pattern.compile("SIP/2.0/UDP [^:]+:(\\d+)").matcher(request.header("via"));
        assertThat(via.find()).as(request.header("via")).isTrue();
        return Integer.parseInt(via.group(1));
    }

    /**
     * Whether a conference-info document shows the leg gone: its endpoint {@code disconnected} (a
     * partial document), or not listed at all (a full one: RFC 4575 section 4.6, the full state has
     * the current endpoints only).
     */
    static boolean showsDisconnected(String body, String legId) {
        String entity = io.switchboard.conference.domain.ConferenceInfo.endpointEntity(legId);
        Matcher endpoint = Pattern.compile(
                        "<endpoint entity=\"" + Pattern.quote(entity) + "\".*?</endpoint>", Pattern.DOTALL)
                .matcher(body);
        if (!endpoint.find()) {
            return body.contains("state=\"full\">") && body.contains("<conference-info") && isFull(body);
        }
        return endpoint.group().contains("<status>disconnected</status>");
    }

    static boolean isFull(String body) {
        return Pattern.compile("<conference-info[^>]*state=\"full\"")
                .matcher(body)
                .find();
    }

    // ------------------------------------------------------------------ the pool

    void awaitUpMembers(int n) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (SwitchboardNode node : List.of(one, two)) {
            while (ParkThreeNodesTest.upMembers(node) < n) {
                assertThat(System.nanoTime()).as("%d Up members", n).isLessThan(until);
                Thread.sleep(100); // polling the membership, with the deadline above
            }
        }
    }
}

package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.conference.domain.AccessType;
import io.switchboard.conference.domain.Actor;
import io.switchboard.conference.domain.Conference;
import io.switchboard.conference.domain.ConferenceIds;
import io.switchboard.conference.domain.Expiry;
import io.switchboard.conference.domain.Joiner;
import io.switchboard.conference.domain.Participant;
import io.switchboard.conference.domain.ParticipantStatus;
import io.switchboard.conference.domain.Presenters;
import io.switchboard.conference.domain.Roster;
import io.switchboard.conference.entity.ConferenceEntity;
import io.switchboard.conference.sip.FocusSip;
import io.switchboard.conference.store.CassandraConferenceStore;
import io.switchboard.conference.store.CassandraDialogStore;
import io.switchboard.conference.store.ConferenceStore;
import io.switchboard.conference.store.DialogStore;
import io.switchboard.storage.testing.TestCassandra;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conferencing focus on one node: the conference entity through sharding and Cassandra, and over SIP: participants (TestPhone, our users with digest)
 * INVITE conference URIs; the focus bridges each to a mixer, played by SIPp
 * ({@code bench/sipp/conference-mixer.xml}); a second "mixer" that answers 500 stands for a
 * failed one; a third, a plain socket, is stopped to show a conference moving off a dead mixer.
 * The roster is read back from Cassandra after each step.
 *
 * <p>Without {@code sipp} on the PATH the tests are skipped on a developer machine and fail in CI.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConferenceSipTest {

    static final String KEYSPACE = "conference_sip";
    static final Duration ASK = Duration.ofSeconds(10);
    static final String OFFER = "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            + "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

    @TempDir
    static Path dir;

    SwitchboardNode node;
    CassandraConferenceStore store;
    Process sipp;
    String sippBinary;
    Path sippOut;
    TestPhone brokenMixer;
    Thread brokenMixerAnswers;
    /** A mixer that answers like one (SDP of its own) until a test stops it. */
    TestPhone mixerA;
    /** A mixer that answers like one and, in one test, ends a leg with BYE. */
    TestPhone mixerC;

    volatile boolean mixerAStopped;
    /**
     * Mixer D, a plain socket that never answers an INVITE: 0 answers its checks 503 (down, so no other test
     * gets it), 1 answers them 200 (up), 2 answers nothing (a dead host).
     */
    volatile int mixerDState;

    TestPhone mixerD;
    int sippMediaPort;
    String sippMixer;
    static final int MIXER_A_MEDIA = 41000, MIXER_C_MEDIA = 43000;
    static final String MIXER_A_SDP = "v=0\r\no=mixer-a 1 1 IN IP4 127.0.0.1\r\ns=mixer a\r\nc=IN IP4 127.0.0.1\r\n"
            + "t=0 0\r\nm=audio " + MIXER_A_MEDIA + " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    /** How often the node checks the mixers here (switchboard.conferencing.mcu-check-interval). */
    static final Duration CHECK = Duration.ofSeconds(1);

    volatile boolean stopping;
    /** The focus's stored dialogs (the node's keyspace). */
    DialogStore dialogStore;

    TestPhone alice;
    TestPhone bob;
    final SecureRandom random = new SecureRandom();

    @BeforeAll
    void start() throws Exception {
        String sippPath = SippRegistrationTest.onPath("sipp");
        String ci = System.getenv("CI");
        if (sippPath == null && ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) {
            fail(SippRegistrationTest.NO_SIPP + ". CI must run this test.");
        }
        CqlSession session = TestCassandra.session(KEYSPACE); // the node's keyspace, empty until it starts
        int sippPort = TestNodes.freePort();
        // a mixer that fails every leg (500), listed second: used only while the first has more legs
        brokenMixer = new TestPhone("udp", 9, "broken-mixer", "unused");
        brokenMixerAnswers = new Thread(
                () -> {
                    while (!stopping) {
                        try {
                            TestPhone.Msg m = brokenMixer.await(TestPhone.Msg::isRequest, Duration.ofSeconds(1));
                            if (m.method().equals("INVITE")) {
                                brokenMixer.respond(m, 500, "Mixer Broken", TestPhone.newTag(), List.of());
                            } else if (m.method().equals("OPTIONS")) {
                                // alive (it is allocated, then fails the leg), not down
                                brokenMixer.respond(m, 200, "OK", TestPhone.newTag(), List.of());
                            }
                        } catch (IOException e) {
                            // nothing arrived within a second: look again until the class is done
                        }
                    }
                },
                "broken-mixer");
        brokenMixerAnswers.setDaemon(true);
        brokenMixerAnswers.start();
        mixerA = new TestPhone("udp", 9, "mixer-a", "unused");
        Thread mixerAnswers = new Thread(() -> answerAsMixer(mixerA, MIXER_A_SDP, () -> mixerAStopped), "mixer-a");
        mixerAnswers.setDaemon(true);
        mixerAnswers.start();
        mixerC = new TestPhone("udp", 9, "mixer-c", "unused");
        String mixerCSdp = MIXER_A_SDP.replace("mixer-a", "mixer-c").replace("" + MIXER_A_MEDIA, "" + MIXER_C_MEDIA);
        Thread mixerCAnswers = new Thread(() -> answerAsMixer(mixerC, mixerCSdp, () -> false), "mixer-c");
        mixerCAnswers.setDaemon(true);
        mixerCAnswers.start();
        mixerD = new TestPhone("udp", 9, "mixer-d", "unused");
        Thread mixerDAnswers = new Thread(
                () -> {
                    while (!stopping) {
                        try {
                            TestPhone.Msg m = mixerD.await(TestPhone.Msg::isRequest, Duration.ofSeconds(1));
                            if (m.method().equals("INVITE")) {
                                mixerD.inviteSeen = m; // and no answer, ever
                            } else if (m.method().equals("OPTIONS") && mixerDState < 2) {
                                int status = mixerDState == 1 ? 200 : 503;
                                mixerD.respond(
                                        m, status, status == 200 ? "OK" : "Not Now", TestPhone.newTag(), List.of());
                            }
                        } catch (IOException e) {
                            // nothing arrived within a second: look again until the class is done
                        }
                    }
                },
                "mixer-d");
        mixerDAnswers.setDaemon(true);
        mixerDAnswers.start();
        sippMixer = "sip:mixer@127.0.0.1:" + sippPort;
        node = TestNodes.start(
                KEYSPACE,
                "switchboard.conferencing.mcus = [\"sip:mixer@127.0.0.1:" + sippPort + "\", \"" + brokenMixer.contact()
                        + "\", \"" + mixerA.contact() + "\", \"" + mixerC.contact() + "\", \"" + mixerD.contact()
                        + "\"]\n"
                        + "switchboard.conferencing.mcu-check-interval = " + CHECK.toMillis() + "ms\n"
                        // carol: the user a presenter dials out to
                        + "switchboard.bootstrap-users = [\n"
                        + "  { uri = \"sip:alice@example.test\", password = \"alice-secret\", name = \"Alice\" }\n"
                        + "  { uri = \"sip:bob@example.test\", password = \"bob-secret\", name = \"Bob\" }\n"
                        + "  { uri = \"sip:carol@example.test\", password = \"carol-secret\", name = \"Carol\" }\n"
                        + "]\n"
                        // the SIPp conference watcher computes MD5 only and reads the first challenge
                        + "switchboard.auth.algorithms = [\"MD5\", \"SHA-256\"]\n");
        store = new CassandraConferenceStore(session);
        dialogStore = new CassandraDialogStore(session);
        alice = new TestPhone("udp", node.sipUdpPort(), "alice", "alice-secret");
        bob = new TestPhone("udp", node.sipUdpPort(), "bob", "bob-secret");
        if (sippPath == null) {
            return; // the SIP tests are skipped (needsSipp); the entity test runs
        }
        sippBinary = sippPath;
        sippOut = dir.resolve("sipp.out");
        sippMediaPort = TestNodes.freePort();
        sipp = new ProcessBuilder(
                        sippPath,
                        "-sf",
                        SippRegistrationTest.repositoryRoot()
                                .resolve("bench/sipp/conference-mixer.xml")
                                .toString(),
                        "-i",
                        "127.0.0.1",
                        "-p",
                        String.valueOf(sippPort),
                        "-mp",
                        String.valueOf(sippMediaPort),
                        "-t",
                        "u1",
                        "-aa", // answers the focus's OPTIONS checks 200
                        "-nostdin",
                        "-trace_err",
                        "-error_file",
                        dir.resolve("sipp-errors.log").toString())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(sippOut.toFile())
                .start();
        UdpListeners.await(sippPort, Duration.ofSeconds(30)); // the first join must not reach a port nobody has yet
        // SIPp started after the node: the node's checks saw it down until it answered an OPTIONS
        for (String mixer : List.of(sippMixer, brokenMixer.contact(), mixerA.contact(), mixerC.contact())) {
            awaitMixerUp(mixer);
        }
        awaitMixer(mixerD.contact(), false); // its checks answer 503 until its own test
    }

    void needsSipp() {
        assumeTrue(sipp != null, SippRegistrationTest.NO_SIPP + " to run this test");
    }

    @AfterAll
    void stop() throws Exception {
        stopping = true;
        for (TestPhone p : new TestPhone[] {alice, bob, brokenMixer, mixerA, mixerC, mixerD}) {
            if (p != null) {
                p.close();
            }
        }
        if (sipp != null) {
            sipp.destroy(); // by its own handle (its PID), never by name
            if (!sipp.waitFor(5, TimeUnit.SECONDS)) {
                sipp.destroyForcibly();
            }
            // what the mixer saw, in the class's test output, for a failure that only a CI machine shows
            for (Path f : new Path[] {sippOut, dir.resolve("sipp-errors.log")}) {
                if (Files.isRegularFile(f)) {
                    System.out.println(
                            "--- " + f.getFileName() + "\n" + Files.readString(f, StandardCharsets.ISO_8859_1));
                }
            }
        }
        if (node != null) {
            node.close();
        }
    }

    // ------------------------------------------------------------------ the tests

    @Test
    void a_user_joins_through_the_mixer_and_leaves_with_bye() throws Exception {
        needsSipp();
        Conference c = create(AccessType.OPEN, 10);
        Joined j = join(alice, c);
        assertThat(j.ok.status()).isEqualTo(200);
        assertThat(j.ok.body()).as("the mixer's SDP answer").contains("o=mixer");
        // RFC 4579 section 5.3: the conference URI with isfocus, not this node's address
        assertThat(j.ok.header("contact")).contains(c.uri() + ";isfocus");
        Participant stored = roster(c).participants().get(j.callId);
        assertThat(stored).isNotNull();
        assertThat(stored.status()).isEqualTo(ParticipantStatus.CONNECTED);
        assertThat(stored.uri()).isEqualTo("sip:alice@example.test");

        TestPhone.Msg bye = alice.requestInDialog(j.dialog, "BYE");
        assertThat(bye.status()).isEqualTo(200);
        assertThat(roster(c).participants()).as("stored before the 200").isEmpty();
        assertSippHealthy();
    }

    @Test
    void a_lobby_leg_rings_until_admitted_and_is_then_answered_by_the_mixer() throws Exception {
        needsSipp();
        // company: an attendee arriving before any presenter waits (conferencing-focus/README.md)
        Conference c = create(AccessType.COMPANY, 10);
        Held held = inviteHeld(bob, c);
        TestPhone.Msg ringing =
                bob.await(m -> !m.isRequest() && m.status() == 180 && held.callId.equals(m.callId()), ASK);
        assertThat(ringing.firstLine()).contains("Waiting in the lobby");
        assertThat(roster(c).participants().get(held.callId).status()).isEqualTo(ParticipantStatus.PENDING);

        ConferenceEntity.ChangeReply admitted = entity(c)
                .<ConferenceEntity.ChangeReply>ask(
                        r -> new ConferenceEntity.Admit(new Actor.Operator("test"), held.callId, r), ASK)
                .toCompletableFuture()
                .get();
        assertThat(admitted).isInstanceOf(ConferenceEntity.Done.class);
        TestPhone.Msg ok = bob.await(m -> !m.isRequest() && m.status() == 200 && held.callId.equals(m.callId()), ASK);
        assertThat(ok.body()).contains("o=mixer");
        TestPhone.Dialog d = bob.callerDialog(c.uri(), held.fromTag, ok);
        bob.ack2xx(d, ok);
        assertThat(roster(c).participants().get(held.callId).status()).isEqualTo(ParticipantStatus.CONNECTED);
        assertThat(bob.requestInDialog(d, "BYE").status()).isEqualTo(200);
        assertThat(roster(c).participants()).isEmpty();
    }

    @Test
    void a_caller_cancelling_in_the_lobby_gets_487_and_leaves_no_trace() throws Exception {
        needsSipp();
        Conference c = create(AccessType.COMPANY, 10);
        Held held = inviteHeld(bob, c);
        bob.await(m -> !m.isRequest() && m.status() == 180 && held.callId.equals(m.callId()), ASK);
        TestPhone.Msg cancelled = bob.request(cancelOf(held.invite));
        assertThat(cancelled.status()).isEqualTo(200);
        TestPhone.Msg terminated =
                bob.await(m -> !m.isRequest() && m.status() == 487 && held.callId.equals(m.callId()), ASK);
        bob.ack(held.invite, terminated);
        awaitRoster(c, r -> r.participants().isEmpty());
    }

    @Test
    void a_full_conference_is_486_an_unknown_one_404_and_neither_changes_the_roster() throws Exception {
        needsSipp();
        Conference c = create(AccessType.OPEN, 1);
        Joined first = join(alice, c);
        assertThat(first.ok.status()).isEqualTo(200);
        long version = roster(c).version();

        Joined second = join(bob, c);
        assertThat(second.ok.status()).isEqualTo(486);
        assertThat(second.ok.firstLine()).contains("Conference full");
        assertThat(roster(c).version()).isEqualTo(version);
        assertThat(roster(c).participants()).containsOnlyKeys(first.callId);

        Joined unknown = join(bob, "sip:conf-" + ConferenceIds.newId(random) + "@example.test");
        assertThat(unknown.ok.status()).isEqualTo(404);

        assertThat(alice.requestInDialog(first.dialog, "BYE").status()).isEqualTo(200);
    }

    @Test
    void a_desk_phone_joins_by_dialing_the_numeric_id_and_a_number_no_conference_holds_stays_a_users()
            throws Exception {
        needsSipp();
        Conference c = create(AccessType.OPEN, 10);
        Joined j = join(alice, "sip:" + c.numericId() + "@example.test");
        assertThat(j.ok.status()).isEqualTo(200);
        assertThat(j.ok.body()).as("the mixer's SDP answer").contains("o=mixer");
        assertThat(j.ok.header("contact")).contains(c.uri() + ";isfocus");
        assertThat(roster(c).participants()).containsKey(j.callId);
        assertThat(alice.requestInDialog(j.dialog, "BYE").status()).isEqualTo(200);
        assertThat(roster(c).participants()).isEmpty();

        String free = ConferenceIds.newNumericId(random);
        while (store.numberOwner(free).toCompletableFuture().get().isPresent()) {
            free = ConferenceIds.newNumericId(random);
        }
        // routed as before, as a user's: our user alice learns there is no such user
        assertThat(join(alice, "sip:" + free + "@example.test").ok.status()).isEqualTo(404);
    }

    @Test
    void a_stranger_cannot_create_a_conference_through_the_factory() throws Exception {
        int before = store.ids().toCompletableFuture().get().size();
        try (SipTestClient stranger = new SipTestClient("udp", "127.0.0.1", node.sipUdpPort())) {
            String invite = strangerInvite(stranger, "sip:conf-factory@example.test", "Subject: free conferencing");
            SipTestClient.Response refused = stranger.request(invite, ASK);
            stranger.ackNon2xx(invite, refused);
            // the factory is a service for our users only, whatever the stranger sends (README, "Who is trusted")
            assertThat(refused.status()).isEqualTo(403);
        }
        assertThat(store.ids().toCompletableFuture().get())
                .as("nothing created")
                .hasSize(before);
    }

    /**
     * A participant's re-INVITE (here: hold, {@code a=sendonly}) goes to the mixer in the mixer dialog, and the
     * mixer's answer comes back in the 200 under the origin the participant has, one version up (RFC 3264
     * section 8); a re-INVITE without an offer gets the current session description unchanged. An UPDATE with an
     * offer does the same in its own 200 (RFC 3311), one without gets a 200 without a body.
     */
    @Test
    void a_participants_reinvite_reaches_the_mixer_and_its_answer_comes_back() throws Exception {
        needsSipp();
        Conference c = create(AccessType.OPEN, 10);
        giveMixer(c, mixerC.contact());
        Joined j = join(alice, c);
        assertThat(j.ok.status()).isEqualTo(200);
        assertThat(j.ok.body()).contains("o=mixer-c 1 1");

        String hold = OFFER.replace("o=alice 1 1", "o=alice 1 2") + "a=sendonly\r\n";
        String reinvite = alice.inDialog(j.dialog, "INVITE", j.dialog.cseq++, TestPhone.newBranch())
                .replace(
                        "Content-Length: 0\r\n\r\n",
                        "Contact: <" + alice.contact() + ">\r\nContent-Type: application/sdp\r\nContent-Length: "
                                + hold.length() + "\r\n\r\n" + hold);
        TestPhone.Msg ok = alice.request(reinvite);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body())
                .as("the mixer's answer under the origin Alice has, one version up")
                .contains("o=mixer-c 1 2", "m=audio " + MIXER_C_MEDIA);
        assertThat(mixerC.inviteSeen.body())
                .as("the mixer got Alice's new offer")
                .contains("a=sendonly");
        alice.ack2xx(j.dialog, ok);

        TestPhone.Msg refresh = alice.requestInDialog(j.dialog, "INVITE");
        assertThat(refresh.status()).isEqualTo(200);
        assertThat(refresh.body()).as("no offer: the session as it is").contains("o=mixer-c 1 2");
        alice.ack2xx(j.dialog, refresh);

        // RFC 3311: resuming by UPDATE is the same offer and answer, in the UPDATE's own 200
        String resume = OFFER.replace("o=alice 1 1", "o=alice 1 3") + "a=sendrecv\r\n";
        String update = alice.inDialog(j.dialog, "UPDATE", j.dialog.cseq++, TestPhone.newBranch())
                .replace(
                        "Content-Length: 0\r\n\r\n",
                        "Contact: <" + alice.contact() + ">\r\nContent-Type: application/sdp\r\nContent-Length: "
                                + resume.length() + "\r\n\r\n" + resume);
        TestPhone.Msg updated = alice.request(update);
        assertThat(updated.status()).as(updated.raw()).isEqualTo(200);
        assertThat(updated.body())
                .as("the mixer's answer, one version up again")
                .contains("o=mixer-c 1 3");
        assertThat(mixerC.inviteSeen.body())
                .as("the mixer got the UPDATE's offer")
                .contains("a=sendrecv");
        assertThat(updated.header("allow")).contains("UPDATE");
        TestPhone.Msg timerRefresh = alice.requestInDialog(j.dialog, "UPDATE");
        assertThat(timerRefresh.status())
                .as("an UPDATE without an offer: 200, the session as it is")
                .isEqualTo(200);
        assertThat(timerRefresh.body()).isEmpty();

        assertThat(alice.requestInDialog(j.dialog, "BYE").status()).isEqualTo(200);
    }

    /**
     * A join waiting for its mixer's answer when that mixer dies: once the checks find it down, the join goes
     * to a live mixer (the conference moves there) instead of waiting out Timer B's 32 s (TestPhone waits
     * 10 s for the final answer, so the old behaviour fails here).
     */
    @Test
    void a_join_waiting_for_a_mixer_that_dies_goes_to_a_live_one() throws Exception {
        needsSipp();
        mixerDState = 1;
        awaitMixerUp(mixerD.contact());
        Conference c = create(AccessType.OPEN, 10);
        giveMixer(c, mixerD.contact());
        mixerD.inviteSeen = null;
        java.util.concurrent.CompletableFuture<Joined> joining =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return join(alice, c);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
        long deadline = System.nanoTime() + ASK.toNanos();
        while (mixerD.inviteSeen == null && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(mixerD.inviteSeen)
                .as("the join's INVITE reached mixer D, which never answers")
                .isNotNull();
        mixerDState = 2; // a dead host from now on

        Joined j = joining.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(j.ok.status()).isEqualTo(200);
        assertThat(j.ok.body()).as("a live mixer's answer").contains("o=");
        assertThat(roster(c).participants().get(j.callId).status()).isEqualTo(ParticipantStatus.CONNECTED);
        assertThat(AdminHttp.get(node.adminPort(), "/api/conferences/" + c.id()).body())
                .as("the conference moved off mixer D")
                .doesNotContain("\"mixer\":\"" + mixerD.contact() + "\"");
        assertThat(alice.requestInDialog(j.dialog, "BYE").status()).isEqualTo(200);
    }

    /** An INVITE with our offer from mallory@elsewhere.example, a stranger: no credentials, another domain. */
    static String strangerInvite(SipTestClient stranger, String target, String... extraHeaders) {
        String contact = stranger.contactUri("mallory");
        StringBuilder b = new StringBuilder("INVITE " + target + " SIP/2.0\r\n");
        b.append("Via: SIP/2.0/UDP ")
                .append(contact.substring(contact.indexOf('@') + 1))
                .append(";branch=z9hG4bK")
                .append(UUID.randomUUID().toString().replace("-", ""))
                .append(";rport\r\n");
        b.append("Max-Forwards: 70\r\n");
        b.append("From: <sip:mallory@elsewhere.example>;tag=")
                .append(TestPhone.newTag())
                .append("\r\n");
        b.append("To: <").append(target).append(">\r\n");
        b.append("Call-ID: ").append(UUID.randomUUID()).append("@elsewhere.example\r\n");
        b.append("CSeq: 1 INVITE\r\n");
        b.append("Contact: <").append(contact).append(">\r\n");
        for (String h : extraHeaders) {
            b.append(h).append("\r\n");
        }
        b.append("Content-Type: application/sdp\r\n");
        return b.append("Content-Length: ")
                .append(OFFER.length())
                .append("\r\n\r\n")
                .append(OFFER)
                .toString();
    }

    /**
     * Every request with a To tag to a conference URI that this node does not hold costs a store read (the
     * dialog may be one a dead node held). A stranger sending such requests from one address gets its reads
     * up to a burst, then 503 with Retry-After and no read; another address is not slowed by it.
     */
    @Test
    void requests_in_dialogs_nobody_holds_are_slowed_per_source_after_a_burst() throws Exception {
        Conference c = create(AccessType.OPEN, 10);
        // own addresses: the other tests' phones are 127.0.0.1, whose bucket this must not empty
        try (SipTestClient mallory = new SipTestClient("udp", "127.0.0.1", node.sipUdpPort(), "127.0.0.13");
                SipTestClient other = new SipTestClient("udp", "127.0.0.1", node.sipUdpPort(), "127.0.0.14")) {
            java.util.Map<Integer, Integer> statuses = new java.util.TreeMap<>();
            SipTestClient.Response slowed = null;
            for (int sent = 0; sent < 4 * FocusSip.LOOKUPS_BURST && slowed == null; sent += 50) {
                for (int i = 0; i < 50; i++) {
                    mallory.send(byeInUnknownDialog(mallory, c.uri()));
                }
                for (int i = 0; i < 50; i++) {
                    SipTestClient.Response r = mallory.awaitFinal(ASK);
                    statuses.merge(r.status(), 1, Integer::sum);
                    if (r.status() == 503 && slowed == null) {
                        slowed = r;
                    }
                }
            }
            assertThat(slowed).as("answers so far: " + statuses).isNotNull();
            assertThat(slowed.reason()).contains("unknown conference dialogs");
            assertThat(Integer.parseInt(slowed.header("retry-after").trim())).isPositive();
            assertThat(statuses.keySet()).containsOnly(481, 503);
            assertThat(statuses.get(481))
                    .as("the burst is looked up: no such dialog")
                    .isGreaterThanOrEqualTo(FocusSip.LOOKUPS_BURST);
            assertThat(other.request(byeInUnknownDialog(other, c.uri()), ASK).status())
                    .as("another address is not slowed")
                    .isEqualTo(481);
        }
        assertThat(roster(c).participants()).isEmpty();
    }

    static String byeInUnknownDialog(SipTestClient from, String conferenceUri) {
        String contact = from.contactUri("mallory");
        return "BYE " + conferenceUri + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP " + contact.substring(contact.indexOf('@') + 1) + ";branch=z9hG4bK"
                + UUID.randomUUID().toString().replace("-", "") + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:mallory@elsewhere.example>;tag=" + TestPhone.newTag() + "\r\n"
                + "To: <" + conferenceUri + ">;tag=" + TestPhone.newTag() + "\r\n"
                + "Call-ID: " + UUID.randomUUID() + "@elsewhere.example\r\n"
                + "CSeq: 2 BYE\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    /**
     * A stranger who dials a company conference's numeric id is not let in by the number: the same rule as for
     * its URI, an anonymous caller joins only open conferences (403), and the roster is untouched.
     */
    @Test
    void a_stranger_dialing_a_company_conferences_number_is_refused_as_at_its_uri() throws Exception {
        needsSipp();
        Conference c = create(AccessType.COMPANY, 10);
        long version = roster(c).version();
        try (SipTestClient stranger = new SipTestClient("udp", "127.0.0.1", node.sipUdpPort())) {
            String invite = strangerInvite(stranger, "sip:" + c.numericId() + "@example.test");
            SipTestClient.Response refused = stranger.request(invite, ASK);
            stranger.ackNon2xx(invite, refused);
            assertThat(refused.status()).isEqualTo(403);
            assertThat(refused.reason()).isEqualTo("Anonymous callers may join only open conferences");
        }
        assertThat(roster(c).participants()).isEmpty();
        assertThat(roster(c).version()).isEqualTo(version);
    }

    /** {@code method target} as {@code user} over HTTP Digest, as a client with curl --digest (two requests). */
    java.net.http.HttpResponse<String> asUser(String method, String target, String user, String body) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.util.function.Function<String, java.net.http.HttpRequest> request = authorization -> {
            var b = java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + node.adminPort() + target))
                    .timeout(Duration.ofSeconds(30))
                    .method(
                            method,
                            body == null
                                    ? java.net.http.HttpRequest.BodyPublishers.noBody()
                                    : java.net.http.HttpRequest.BodyPublishers.ofString(body));
            if (authorization != null) {
                b.header("Authorization", authorization);
            }
            return b.build();
        };
        var challenged = http.send(request.apply(null), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(challenged.statusCode()).isEqualTo(401);
        String challenge = challenged.headers().firstValue("WWW-Authenticate").orElseThrow();
        return http.send(
                request.apply(PresenceUserApiTest.authorization(challenge, user, user + "-secret", method, target)),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Users schedule their own conferences over HTTP with their SIP credentials ({@code /user/conferences},
     * HTTP Digest as {@code /user/presence}): the creator is the organizer, whatever the body says; each user
     * lists and sees only what they organize; ending is the organizer's (the entity's rules), not another
     * user's.
     */
    @Test
    void a_user_schedules_lists_and_ends_their_own_conference_over_http() throws Exception {
        var created = asUser(
                "POST",
                "/user/conferences",
                "alice",
                "{\"subject\":\"Alice's weekly\",\"access\":\"company\",\"end\":\""
                        + Instant.now().plus(Duration.ofDays(1)) + "\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).contains("\"organizer\":\"sip:alice@example.test\"", "Alice's weekly");
        java.util.regex.Matcher idOf =
                java.util.regex.Pattern.compile("\"id\":\"([a-z2-7]{20})\"").matcher(created.body());
        assertThat(idOf.find()).as(created.body()).isTrue();
        String id = idOf.group(1);

        var forged = asUser("POST", "/user/conferences", "alice", "{\"organizer\":\"sip:bob@example.test\"}");
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.body()).contains("organizer");

        assertThat(asUser("GET", "/user/conferences", "alice", null).body()).contains(id);
        assertThat(asUser("GET", "/user/conferences", "bob", null).body()).doesNotContain(id);
        assertThat(asUser("GET", "/user/conferences/" + id, "bob", null).statusCode())
                .as("another's conference is no conference to bob")
                .isEqualTo(404);
        assertThat(asUser("POST", "/user/conferences/" + id + "/end", "bob", null)
                        .statusCode())
                .isEqualTo(403);
        assertThat(asUser("POST", "/user/conferences/" + id + "/end", "alice", null)
                        .statusCode())
                .isEqualTo(200);
        assertThat(AdminHttp.get(node.adminPort(), "/api/conferences/" + id).statusCode())
                .isEqualTo(404);
    }

    @Test
    void a_failing_mixer_is_503_with_a_reason_and_the_roster_stays_as_it_was() throws Exception {
        needsSipp();
        Conference onSipp = create(AccessType.OPEN, 10);
        Joined holding = join(alice, onSipp); // the first mixer now has a leg more than the broken one
        assertThat(holding.ok.status()).isEqualTo(200);

        Conference c = create(AccessType.OPEN, 10);
        Joined failed = join(bob, c);
        assertThat(failed.ok.status()).isEqualTo(503);
        assertThat(failed.ok.firstLine()).contains("Mixer answered 500");
        assertThat(roster(c).participants()).isEmpty();

        assertThat(alice.requestInDialog(holding.dialog, "BYE").status()).isEqualTo(200);
    }

    @Test
    void operators_create_lock_eject_and_end_through_the_api_and_cli_and_the_calls_follow() throws Exception {
        needsSipp();
        var created = AdminHttp.send(
                node.adminPort(),
                "POST",
                "/api/conferences",
                TestNodes.TOKEN,
                "application/json",
                "{\"organizer\":\"sip:alice@example.test\",\"subject\":\"Ops\",\"access\":\"open\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = created.body().replaceAll(".*\"id\":\"([a-z2-7]{20})\".*", "$1");
        String uri = "sip:conf-" + id + "@example.test";
        assertThat(created.body()).contains("\"uri\":\"" + uri + "\"");
        assertThat(AdminHttp.get(node.adminPort(), "/api/conferences").body()).contains(id);

        AdminCliTest.Run lock = cli("conference", "lock", id);
        assertThat(lock.exit()).as(lock.err()).isZero();
        Joined locked = join(bob, uri);
        assertThat(locked.ok.status()).isEqualTo(403);
        assertThat(locked.ok.firstLine()).contains("Conference locked");
        assertThat(cli("conference", "unlock", id).exit()).isZero();

        Joined in = join(bob, uri);
        assertThat(in.ok.status()).isEqualTo(200);
        AdminCliTest.Run show = cli("conference", "show", id);
        assertThat(show.out())
                .contains(in.callId)
                .contains("sip:bob@example.test")
                .contains("attendee")
                .contains("connected");

        AdminCliTest.Run eject = cli("conference", "eject", id, in.callId);
        assertThat(eject.exit()).as(eject.err()).isZero();
        TestPhone.Msg bye =
                bob.await(m -> m.isRequest() && m.method().equals("BYE") && in.callId.equals(m.callId()), ASK);
        bob.respond(bye, 200, "OK", null, List.of());
        var shown = AdminHttp.get(node.adminPort(), "/api/conferences/" + id);
        assertThat(shown.body()).contains("\"participants\":[]");

        var bad = AdminHttp.send(
                node.adminPort(),
                "POST",
                "/api/conferences/" + id + "/participants/nobody/admit",
                TestNodes.TOKEN,
                null,
                null);
        assertThat(bad.statusCode()).isEqualTo(404);
        assertThat(bad.body()).contains("No such participant in the lobby");

        assertThat(cli("conference", "end", id).exit()).isZero();
        assertThat(AdminHttp.get(node.adminPort(), "/api/conferences/" + id).statusCode())
                .isEqualTo(404);
        assertThat(join(bob, uri).ok.status()).isEqualTo(404);
        assertThat(AdminHttp.get(node.adminPort(), "/metrics").body())
                .containsPattern("switchboard_conference_events_total\\{outcome=\"joined\",?\\} [1-9]")
                .contains("switchboard_conference_participants");
    }

    /**
     * Issue 12 item 2: a conference on mixer A (a plain socket that answers like a mixer) moves
     * when A stops answering: the focus's OPTIONS to A go unanswered for a check interval, A is
     * down, and the conference goes to the least-loaded live mixer (SIPp, mixer B): a new INVITE
     * to it with Alice's offer, then a re-INVITE in Alice's dialog with SIPp's SDP under the origin
     * Alice had. {@code conference show} names the new mixer; the metrics show A down.
     */
    @Test
    void a_conference_moves_to_a_live_mixer_when_its_mixer_stops_answering() throws Exception {
        needsSipp();
        Conference c = create(AccessType.OPEN, 10);
        // the conference is given mixer A as a focus gives a conference its least-loaded mixer (the
        // entity keeps the first proposal): here SIPp would be least loaded, so A is proposed first
        giveMixer(c, mixerA.contact());
        Joined j = join(alice, c);
        assertThat(j.ok.status()).isEqualTo(200);
        assertThat(j.ok.body()).as("mixer A's answer").contains("o=mixer-a 1 1", "m=audio " + MIXER_A_MEDIA);
        String focusTag = TestPhone.tagOf(j.ok.header("to"));

        mixerAStopped = true;
        mixerA.close(); // as a dead host: nothing answers on its address any more
        // detected within two check intervals (one OPTIONS out, unanswered for one interval), moved within 5 s of that
        TestPhone.Msg reinvite = alice.await(
                m -> m.isRequest() && m.method().equals("INVITE") && j.callId.equals(m.callId()),
                CHECK.multipliedBy(2).plusSeconds(5));
        assertThat(TestPhone.tagOf(reinvite.header("from")))
                .as("in Alice's dialog: the focus's tag")
                .isEqualTo(focusTag);
        assertThat(TestPhone.tagOf(reinvite.header("to"))).isEqualTo(j.dialog.localTag);
        assertThat(reinvite.header("contact")).contains(c.uri() + ";isfocus");
        assertThat(reinvite.body())
                .as("SIPp's media: it got the INVITE and answered; under the origin Alice had, one version up")
                .contains("m=audio " + sippMediaPort)
                .contains("o=mixer-a 1 2 IN IP4 127.0.0.1")
                .doesNotContain("m=audio " + MIXER_A_MEDIA);
        alice.sendToVia(reinvite, okWithSdp(alice, reinvite, null, OFFER));
        TestPhone.Msg ack =
                alice.await(m -> m.isRequest() && m.method().equals("ACK") && j.callId.equals(m.callId()), ASK);
        assertThat(TestPhone.seqOf(ack)).isEqualTo(TestPhone.seqOf(reinvite));

        var shown = AdminHttp.get(node.adminPort(), "/api/conferences/" + c.id());
        assertThat(shown.body()).contains("\"mixer\":\"" + sippMixer + "\"", "\"media\":\"mixer\"");
        assertThat(AdminHttp.get(node.adminPort(), "/metrics").body())
                .containsPattern("switchboard_conference_mixer_up\\{mixer=\""
                        + java.util.regex.Pattern.quote(mixerA.contact()) + "\",?\\} 0\\.0")
                .containsPattern("switchboard_conference_mixer_up\\{mixer=\"" + java.util.regex.Pattern.quote(sippMixer)
                        + "\",?\\} 1\\.0")
                .containsPattern("switchboard_conference_mixer_failures_total\\{mixer=\""
                        + java.util.regex.Pattern.quote(mixerA.contact()) + "\",reason=\"no-answer\",?\\} [1-9]")
                .containsPattern("switchboard_conference_events_total\\{outcome=\"mixer-moved\",?\\} [1-9]");

        assertThat(alice.requestInDialog(j.dialog, "BYE").status()).isEqualTo(200);
        assertThat(roster(c).participants()).isEmpty();
        assertSippHealthy();
    }

    /**
     * Gives {@code c} {@code mixer} as a focus gives a conference its least-loaded mixer: the entity keeps the
     * first proposal, so the test chooses which mixer the next join uses.
     */
    void giveMixer(Conference c, String mixer) throws Exception {
        assertThat(entity(c)
                        .<ConferenceEntity.MixerReply>ask(r -> new ConferenceEntity.UseMixer(mixer, r), ASK)
                        .toCompletableFuture()
                        .get())
                .isEqualTo(new ConferenceEntity.MixerChosen(mixer));
    }

    void awaitMixerUp(String mixer) throws Exception {
        awaitMixer(mixer, true);
    }

    void awaitMixer(String mixer, boolean isUp) throws Exception {
        java.util.regex.Pattern up = java.util.regex.Pattern.compile("switchboard_conference_mixer_up\\{mixer=\""
                + java.util.regex.Pattern.quote(mixer) + "\",?\\} " + (isUp ? "1" : "0") + "\\.0");
        long deadline = System.nanoTime() + ASK.toNanos();
        while (!up.matcher(AdminHttp.get(node.adminPort(), "/metrics").body()).find()) {
            if (System.nanoTime() > deadline) {
                fail("the node does not see mixer " + mixer + (isUp ? " up" : " down"));
            }
            Thread.sleep(100);
        }
    }

    /**
     * Issue 12 item 2: a mixer's BYE on a participant's leg takes the mixer down, and the
     * conference moves (the participant stays in its call): re-INVITE with SIPp's SDP.
     */
    @Test
    void a_bye_from_the_mixer_moves_the_conference_and_keeps_the_participant_in_its_call() throws Exception {
        needsSipp();
        Conference c = create(AccessType.OPEN, 10);
        giveMixer(c, mixerC.contact());
        Joined j = join(alice, c);
        assertThat(j.ok.status()).isEqualTo(200);
        assertThat(j.ok.body()).contains("o=mixer-c 1 1", "m=audio " + MIXER_C_MEDIA);

        TestPhone.Msg invite = mixerC.inviteSeen; // the focus's INVITE for Alice's leg
        String bye = "BYE " + TestPhone.uriOf(invite.header("contact")) + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP "
                + mixerC.contact().substring(mixerC.contact().indexOf('@') + 1) + ";branch="
                + TestPhone.newBranch() + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: " + invite.header("to") + ";tag=" + mixerC.lastBody + "\r\n"
                + "To: " + invite.header("from") + "\r\n"
                + "Call-ID: " + invite.callId() + "\r\n"
                + "CSeq: 1 BYE\r\n"
                + "Content-Length: 0\r\n\r\n";
        mixerC.sendToVia(invite, bye);

        TestPhone.Msg reinvite =
                alice.await(m -> m.isRequest() && m.method().equals("INVITE") && j.callId.equals(m.callId()), ASK);
        assertThat(reinvite.body()).contains("m=audio " + sippMediaPort, "o=mixer-c 1 2");
        alice.sendToVia(reinvite, okWithSdp(alice, reinvite, null, OFFER));
        alice.await(m -> m.isRequest() && m.method().equals("ACK") && j.callId.equals(m.callId()), ASK);
        assertThat(alice.receivesRequest("BYE", Duration.ofMillis(300)))
                .as("Alice stays in the call")
                .isFalse();
        assertThat(roster(c).participants().get(j.callId).status()).isEqualTo(ParticipantStatus.CONNECTED);
        assertThat(AdminHttp.get(node.adminPort(), "/metrics").body())
                .containsPattern("switchboard_conference_mixer_failures_total\\{mixer=\""
                        + java.util.regex.Pattern.quote(mixerC.contact()) + "\",reason=\"bye\",?\\} [1-9]");
        assertThat(alice.requestInDialog(j.dialog, "BYE").status()).isEqualTo(200);
        awaitMixerUp(mixerC.contact()); // its next OPTIONS answered: allocatable again for the other tests
    }

    /**
     * RFC 4579 section 5.4: an INVITE to the conference factory from one of our users creates an
     * ad-hoc conference (organizer the caller, access company, ad-hoc expiry) and joins the caller,
     * whose 200 names the new conference with isfocus; the dialog continues with the conference.
     */
    @Test
    void an_invite_to_the_conference_factory_creates_an_ad_hoc_conference_and_joins_the_caller() throws Exception {
        needsSipp();
        Joined j = join(alice, "sip:conf-factory@example.test");
        assertThat(j.ok.status()).as(j.ok.firstLine()).isEqualTo(200);
        assertThat(j.ok.body()).as("the mixer's SDP answer").contains("o=mixer");
        String contact = j.ok.header("contact");
        assertThat(contact).matches("<sip:conf-[a-z2-7]{20}@example\\.test;isfocus>");
        String id = contact.replaceAll(".*sip:conf-([a-z2-7]{20})@.*", "$1");
        ConferenceStore.Stored stored =
                store.load(id).toCompletableFuture().get().orElseThrow();
        assertThat(stored.conference().organizer()).isEqualTo("sip:alice@example.test");
        assertThat(stored.conference().access()).isEqualTo(AccessType.COMPANY);
        assertThat(stored.conference().expiry()).isInstanceOf(Expiry.AdHoc.class);
        Participant p = stored.roster().participants().get(j.callId);
        assertThat(p.status()).isEqualTo(ParticipantStatus.CONNECTED);
        assertThat(p.role()).isEqualTo(io.switchboard.conference.domain.Role.PRESENTER);

        // the conference's URI works as any other: Bob joins it
        Joined b = join(bob, "sip:conf-" + id + "@example.test");
        assertThat(b.ok.status()).isEqualTo(200);
        assertThat(bob.requestInDialog(b.dialog, "BYE").status()).isEqualTo(200);
        assertThat(alice.requestInDialog(j.dialog, "BYE").status())
                .as("in the dialog with the conference")
                .isEqualTo(200);
        assertThat(store.load(id)
                        .toCompletableFuture()
                        .get()
                        .orElseThrow()
                        .roster()
                        .participants())
                .isEmpty();
        assertThat(AdminHttp.get(node.adminPort(), "/metrics").body())
                .containsPattern("switchboard_conference_events_total\\{outcome=\"created\",?\\} [1-9]");
    }

    /**
     * Answers as a mixer until {@code stopped}: INVITE 200 with {@code sdp} (the INVITE and our
     * tag kept in the phone's {@code inviteSeen} and {@code lastBody}), anything else 200.
     */
    void answerAsMixer(TestPhone mixer, String sdp, java.util.function.BooleanSupplier stopped) {
        while (!stopping && !stopped.getAsBoolean()) {
            try {
                TestPhone.Msg m = mixer.await(TestPhone.Msg::isRequest, Duration.ofSeconds(1));
                switch (m.method()) {
                    case "INVITE" -> {
                        String tag = TestPhone.newTag();
                        mixer.lastBody = tag;
                        mixer.inviteSeen = m;
                        mixer.sendToVia(m, okWithSdp(mixer, m, tag, sdp));
                    }
                    case "ACK" -> {}
                    default -> mixer.respond(m, 200, "OK", TestPhone.newTag(), List.of());
                }
            } catch (IOException e) {
                // nothing arrived within a second (or the socket is closed): look again until stopped
            }
        }
    }

    /** A 200 to {@code request} (an INVITE) from {@code phone} with an SDP body; {@code toTag} when the To has none. */
    static String okWithSdp(TestPhone phone, TestPhone.Msg request, String toTag, String sdp) {
        StringBuilder b = new StringBuilder("SIP/2.0 200 OK\r\n");
        for (String via : request.all("via")) {
            b.append("Via: ").append(via).append("\r\n");
        }
        String to = request.header("to");
        if (!to.contains(";tag=")) {
            to = to + ";tag=" + toTag;
        }
        b.append("From: ").append(request.header("from")).append("\r\n");
        b.append("To: ").append(to).append("\r\n");
        b.append("Call-ID: ").append(request.callId()).append("\r\n");
        b.append("CSeq: ").append(request.header("cseq")).append("\r\n");
        b.append("Contact: <").append(phone.contact()).append(">\r\n");
        b.append("Content-Type: application/sdp\r\n");
        b.append("Content-Length: ")
                .append(sdp.getBytes(StandardCharsets.UTF_8).length)
                .append("\r\n\r\n");
        return b.append(sdp).toString();
    }

    AdminCliTest.Run cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--node", "http://127.0.0.1:" + node.adminPort(), "--token", TestNodes.TOKEN));
        return AdminCliTest.cliRaw(all.toArray(String[]::new));
    }

    @Test
    void a_message_in_the_dialog_reaches_the_other_participants_naming_the_sender() throws Exception {
        needsSipp();
        Conference c = create(AccessType.OPEN, 10);
        Joined a = join(alice, c);
        Joined b = join(bob, c);
        assertThat(a.ok.status()).isEqualTo(200);
        assertThat(b.ok.status()).isEqualTo(200);

        String text = alice.inDialog(a.dialog, "MESSAGE", a.dialog.cseq++, TestPhone.newBranch())
                .replace(
                        "Content-Length: 0\r\n\r\n",
                        "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 5\r\n\r\nhello");
        assertThat(alice.request(text).status()).isEqualTo(200);

        TestPhone.Msg got = bob.await(m -> m.isRequest() && m.method().equals("MESSAGE"), ASK);
        bob.respond(got, 200, "OK", null, List.of());
        assertThat(got.callId()).as("in bob's dialog with the focus").isEqualTo(b.callId);
        assertThat(got.header("content-type")).isEqualTo("message/cpim");
        assertThat(got.body()).contains("From: <sip:alice@example.test>").contains("hello");
        assertThat(alice.receivesRequest("MESSAGE", Duration.ofMillis(300)))
                .as("the sender gets no copy")
                .isFalse();

        assertThat(alice.requestInDialog(a.dialog, "BYE").status()).isEqualTo(200);
        assertThat(bob.requestInDialog(b.dialog, "BYE").status()).isEqualTo(200);
    }

    /**
     * RFC 4579 section 5.5: a presenter removes a participant with REFER, Refer-To the participant
     * and {@code method=BYE}; an attendee may not (403, nothing changes); a REFER without a
     * Refer-To, with a non-SIP one, naming nobody in the conference, or asking for another method
     * than BYE or INVITE is refused with a reason and changes nothing.
     */
    @Test
    void a_presenter_ejects_by_refer_and_bad_or_unauthorized_refers_change_nothing() throws Exception {
        needsSipp();
        Conference c = create(AccessType.COMPANY, 10); // presenters: the organizer, alice
        Joined a = join(alice, c);
        Joined b = join(bob, c);
        assertThat(a.ok.status()).isEqualTo(200);
        assertThat(b.ok.status()).isEqualTo(200);
        assertThat(roster(c).participants().get(b.callId).status()).isEqualTo(ParticipantStatus.CONNECTED);
        long version = roster(c).version();

        assertThat(refer(bob, b, "<sip:alice@example.test;method=BYE>").status())
                .as("an attendee ejects nobody")
                .isEqualTo(403);
        assertThat(refer(alice, a, null).status()).as("no Refer-To").isEqualTo(400);
        assertThat(refer(alice, a, "<tel:+15551234>").status())
                .as("not a SIP URI")
                .isEqualTo(400);
        TestPhone.Msg nobody = refer(alice, a, "<sip:carol@example.test;method=BYE>");
        assertThat(nobody.status()).as("nobody of that name in it").isEqualTo(404);
        TestPhone.Msg otherMethod = refer(alice, a, "<sip:carol@example.test;method=OPTIONS>");
        assertThat(otherMethod.status()).as("only INVITE and BYE are referred").isEqualTo(501);
        assertThat(roster(c).version())
                .as("nothing stored by the refused REFERs")
                .isEqualTo(version);
        assertThat(roster(c).participants()).hasSize(2);

        TestPhone.Msg accepted = refer(alice, a, "<sip:bob@example.test;method=BYE>");
        assertThat(accepted.status()).as(accepted.raw()).isEqualTo(202);
        TestPhone.Msg outcome =
                alice.await(m -> m.isRequest() && m.method().equals("NOTIFY") && a.callId.equals(m.callId()), ASK);
        alice.respond(outcome, 200, "OK", null, List.of());
        assertThat(outcome.header("event")).startsWith("refer");
        assertThat(outcome.header("subscription-state")).startsWith("terminated");
        assertThat(outcome.body()).startsWith("SIP/2.0 200 OK");
        TestPhone.Msg bye =
                bob.await(m -> m.isRequest() && m.method().equals("BYE") && b.callId.equals(m.callId()), ASK);
        bob.respond(bye, 200, "OK", null, List.of());
        assertThat(roster(c).participants()).containsOnlyKeys(a.callId);
        assertThat(alice.requestInDialog(a.dialog, "BYE").status()).isEqualTo(200);
    }

    static final String CAROL_OFFER = "v=0\r\no=carol 5 5 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            + "m=audio 45000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

    /**
     * Dial-out (RFC 4579 section 5.5, RFC 3515): the organizer REFERs Carol (a phone registered over
     * UDP); the focus answers 202, NOTIFYs {@code 100 Trying}, calls Carol without an offer, sends
     * her offer to the conference's mixer and the mixer's answer in its ACK, shows her {@code
     * dialing-out} then {@code connected}, stores her leg, and NOTIFYs {@code 200 OK} ending the
     * REFER's subscription; her BYE leaves. An attendee's dial-out is 403 with nothing rung or
     * stored; another domain's user 403; Carol declining (486) leaves no roster entry and the last
     * NOTIFY names 486; a user with no registered phone ends with 480.
     */
    @Test
    void a_presenter_dials_out_by_refer_and_the_callee_is_bridged_to_the_mixer() throws Exception {
        needsSipp();
        Conference c = create(AccessType.COMPANY, 10); // presenters: the organizer, alice
        // mixer C (a test phone that answers as a mixer and never stops; A is stopped by another test)
        awaitMixerUp(mixerC.contact());
        giveMixer(c, mixerC.contact());
        Joined a = join(alice, c);
        Joined b = join(bob, c);
        assertThat(a.ok.status()).isEqualTo(200);
        assertThat(b.ok.status()).isEqualTo(200);
        TestPhone carol = new TestPhone("udp", node.sipUdpPort(), "carol", "carol-secret");
        try {
            assertThat(carol.register().status()).isEqualTo(200);
            long version = roster(c).version();
            TestPhone.Msg byAttendee = refer(bob, b, "<sip:carol@example.test>");
            assertThat(byAttendee.status()).as(byAttendee.raw()).isEqualTo(403);
            assertThat(refer(alice, a, "<sip:carol@partner.example>").status())
                    .as("no calls to other domains")
                    .isEqualTo(403);
            assertThat(carol.receivesRequest("INVITE", Duration.ofMillis(500)))
                    .as("nobody rung")
                    .isFalse();
            assertThat(roster(c).version()).as("nothing stored").isEqualTo(version);

            TestPhone.Msg accepted = refer(alice, a, "<sip:carol@example.test>");
            assertThat(accepted.status()).as(accepted.raw()).isEqualTo(202);
            TestPhone.Msg invite = carol.awaitRequest("INVITE");
            assertThat(invite.body()).as("late offer: no SDP in the INVITE").isEmpty();
            assertThat(invite.header("contact")).contains(c.uri()).contains("isfocus");
            String legId = invite.callId();
            assertThat(roster(c).participants().get(legId).status()).isEqualTo(ParticipantStatus.DIALING_OUT);
            assertThat(AdminHttp.get(node.adminPort(), "/api/conferences/" + c.id())
                            .body())
                    .as("the admin API lists her as being dialed")
                    .contains("\"status\":\"dialing-out\"");
            TestPhone.Msg trying = referNotify(alice, a, "SIP/2.0 100");
            assertThat(trying.header("subscription-state")).startsWith("active");

            String carolTag = TestPhone.newTag();
            carol.sendToVia(
                    invite,
                    okWithSdp(carol, invite, carolTag, CAROL_OFFER)
                            .replaceFirst("From: ", "Record-Route: " + invite.header("record-route") + "\r\nFrom: "));
            TestPhone.Msg ack = carol.awaitRequest("ACK");
            assertThat(ack.callId()).isEqualTo(legId);
            assertThat(ack.body()).as("the mixer's answer in our ACK").contains("o=mixer-c");
            assertThat(mixerC.inviteSeen.body())
                    .as("the mixer got carol's offer")
                    .contains("o=carol 5 5");
            TestPhone.Msg done = referNotify(alice, a, "SIP/2.0 200");
            assertThat(done.header("subscription-state")).startsWith("terminated");
            assertThat(done.header("event")).startsWith("refer");
            assertThat(roster(c).participants().get(legId).status()).isEqualTo(ParticipantStatus.CONNECTED);
            assertThat(roster(c).participants().get(legId).uri()).isEqualTo("sip:carol@example.test");
            DialogStore.Leg stored =
                    dialogStore.leg(c.id(), legId).toCompletableFuture().get().orElseThrow();
            assertThat(stored.mixerDialog()).as("both sides stored").isNotNull();

            TestPhone.Dialog carolDialog = carol.calleeDialog(invite, carolTag);
            assertThat(carol.requestInDialog(carolDialog, "BYE").status()).isEqualTo(200);
            awaitRoster(c, r -> !r.participants().containsKey(legId));

            TestPhone.Msg again = refer(alice, a, "<sip:carol@example.test;method=INVITE>");
            assertThat(again.status()).isEqualTo(202);
            referNotify(alice, a, "SIP/2.0 100");
            TestPhone.Msg second = carol.awaitRequest("INVITE");
            carol.respond(second, 486, "Busy Here", TestPhone.newTag(), List.of());
            TestPhone.Msg declined = referNotify(alice, a, "SIP/2.0 486");
            assertThat(declined.header("subscription-state")).startsWith("terminated");
            assertThat(roster(c).participants()).doesNotContainKey(second.callId());
            assertThat(roster(c).participants()).containsOnlyKeys(a.callId, b.callId);

            // a user with no registered phone: accepted, then 480, nothing left in the roster
            assertThat(refer(alice, a, "<sip:dave@example.test>").status()).isEqualTo(202);
            referNotify(alice, a, "SIP/2.0 100");
            TestPhone.Msg unreachable = referNotify(alice, a, "SIP/2.0 480");
            assertThat(unreachable.header("subscription-state")).startsWith("terminated");
            assertThat(roster(c).participants()).containsOnlyKeys(a.callId, b.callId);
            assertThat(AdminHttp.get(node.adminPort(), "/metrics").body())
                    .containsPattern("switchboard_conference_events_total\\{outcome=\"dialed-out\",?\\} [1-9]")
                    .containsPattern("switchboard_conference_events_total\\{outcome=\"dial-out-failed\",?\\} [1-9]");
        } finally {
            carol.register(0);
            carol.close();
        }
        assertThat(alice.requestInDialog(a.dialog, "BYE").status()).isEqualTo(200);
        assertThat(bob.requestInDialog(b.dialog, "BYE").status()).isEqualTo(200);
    }

    /** The NOTIFY of a REFER's outcome in {@code j}'s dialog whose sipfrag starts with {@code statusLine}, answered 200. */
    static TestPhone.Msg referNotify(TestPhone phone, Joined j, String statusLine) throws IOException {
        TestPhone.Msg n = phone.await(
                m -> m.isRequest()
                        && m.method().equals("NOTIFY")
                        && j.callId.equals(m.callId())
                        && m.body().startsWith(statusLine),
                ASK);
        phone.respond(n, 200, "OK", null, List.of());
        return n;
    }

    /** A REFER in {@code j}'s dialog with the focus, with {@code referTo} (none when null); its final answer. */
    static TestPhone.Msg refer(TestPhone phone, Joined j, String referTo) throws IOException {
        String text = phone.inDialog(j.dialog, "REFER", j.dialog.cseq++, TestPhone.newBranch());
        if (referTo != null) {
            text = text.replace("Content-Length: 0\r\n", "Refer-To: " + referTo + "\r\nContent-Length: 0\r\n");
        }
        return phone.request(text);
    }

    /**
     * RFC 4575 at the focus: a SIPp watcher ({@code bench/sipp/conference-watcher.xml}, the
     * organizer, not dialed in) subscribes with digest and gets the full state, then a partial
     * NOTIFY naming Bob connected when he joins and one naming him disconnected when he leaves,
     * versions rising by one, then unsubscribes and gets the terminated NOTIFY. Before it: a user
     * who is no participant gets 403, another event package at the focus 489.
     */
    @Test
    @org.junit.jupiter.api.Timeout(value = 90, unit = TimeUnit.SECONDS)
    void a_sipp_watcher_follows_a_participant_joining_and_leaving_in_rising_versions() throws Exception {
        needsSipp();
        Conference c = create(AccessType.OPEN, 10);
        TestPhone.Msg outsider = bob.authenticated(
                "SUBSCRIBE",
                c.uri(),
                UUID.randomUUID() + "@sub",
                TestPhone.newTag(),
                List.of("Event: conference", "Expires: 600"),
                "",
                "",
                bob.user,
                passwordOf(bob));
        assertThat(outsider.status()).as("bob is no participant yet").isEqualTo(403);
        TestPhone.Msg otherPackage = alice.authenticated(
                "SUBSCRIBE",
                c.uri(),
                UUID.randomUUID() + "@sub",
                TestPhone.newTag(),
                List.of("Event: dialog", "Expires: 600"),
                "",
                "",
                alice.user,
                passwordOf(alice));
        assertThat(otherPackage.status()).isEqualTo(489);
        assertThat(otherPackage.header("allow-events")).isEqualTo("conference");

        Path out = Files.createDirectories(dir.resolve("watcher"));
        Path csv = Files.writeString(
                out.resolve("watcher.csv"),
                "SEQUENTIAL\nalice;example.test;[authentication username=alice password=alice-secret];conf-" + c.id()
                        + "\n");
        Path log = out.resolve("sipp.log");
        Process watcher = new ProcessBuilder(
                        sippBinary,
                        "127.0.0.1:" + node.sipUdpPort(),
                        "-sf",
                        SippRegistrationTest.repositoryRoot()
                                .resolve("bench/sipp/conference-watcher.xml")
                                .toString(),
                        "-inf",
                        csv.toString(),
                        "-t",
                        "u1",
                        "-i",
                        "127.0.0.1",
                        "-p",
                        String.valueOf(TestNodes.freePort()),
                        "-m",
                        "1",
                        "-nostdin",
                        "-trace_err",
                        "-error_file",
                        out.resolve("errors.log").toString(),
                        "-trace_logs",
                        "-log_file",
                        log.toString(),
                        "-timeout",
                        "40s",
                        "-timeout_error")
                .directory(out.toFile())
                .redirectErrorStream(true)
                .redirectOutput(out.resolve("sipp.out").toFile())
                .start();
        try {
            awaitLog(watcher, out, "active version 1 state full");
            Joined b = join(bob, c);
            assertThat(b.ok.status()).isEqualTo(200);
            awaitLog(watcher, out, "user sip:bob@example.test status connected");
            assertThat(bob.requestInDialog(b.dialog, "BYE").status()).isEqualTo(200);
            assertThat(watcher.waitFor(45, TimeUnit.SECONDS))
                    .as("the watcher ends\n%s", watcherReport(out))
                    .isTrue();
            assertThat(watcher.exitValue())
                    .as(
                            "SIPp watcher exit code (0: it saw Bob leave, unsubscribed, got the final NOTIFY)\n%s",
                            watcherReport(out))
                    .isZero();
            List<String> notifies = Files.readAllLines(log, StandardCharsets.ISO_8859_1).stream()
                    .filter(l -> l.contains("NOTIFY alice"))
                    .map(l -> l.substring(l.indexOf("NOTIFY alice")))
                    .toList();
            assertThat(notifies)
                    .containsExactly(
                            "NOTIFY alice active version 1 state full",
                            "NOTIFY alice active version 2 state partial user sip:bob@example.test status connected",
                            "NOTIFY alice active version 3 state partial user sip:bob@example.test status disconnected",
                            "NOTIFY alice terminated version 4");
        } finally {
            watcher.destroyForcibly(); // by its own handle, never by name
        }
    }

    /**
     * Changes that this node's focus did not make (here an operator's lock and end through the
     * entity; the same as a change on another node) reach a subscriber by the focus's poll of the
     * entity; a refresh gets the full state again; the conference's end terminates the
     * subscription with reason noresource. Versions and CSeqs rise by one.
     */
    @Test
    void changes_made_elsewhere_reach_a_subscriber_and_the_end_terminates_its_subscription() throws Exception {
        Conference c = create(AccessType.OPEN, 10);
        String callId = UUID.randomUUID() + "@sub";
        String tag = TestPhone.newTag();
        TestPhone.Msg ok = alice.authenticated(
                "SUBSCRIBE",
                c.uri(),
                callId,
                tag,
                List.of("Event: conference", "Expires: 600"),
                "",
                "",
                alice.user,
                passwordOf(alice));
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.header("contact")).contains(c.uri() + ";isfocus");
        assertThat(ok.header("expires")).isEqualTo("600");
        TestPhone.Msg first = notifyIn(alice, callId);
        assertThat(first.header("content-type")).isEqualTo("application/conference-info+xml");
        assertThat(first.header("event")).isEqualTo("conference");
        assertThat(first.header("subscription-state")).startsWith("active;expires=");
        assertThat(first.body()).contains("state=\"full\"", "version=\"1\"", "<subject>SIP test</subject>");

        assertThat(entity(c)
                        .<ConferenceEntity.ChangeReply>ask(
                                r -> new ConferenceEntity.SetLocked(new Actor.Operator("test"), true, r), ASK)
                        .toCompletableFuture()
                        .get())
                .isInstanceOf(ConferenceEntity.Done.class);
        TestPhone.Msg locked = notifyIn(alice, callId);
        assertThat(locked.body()).contains("state=\"partial\"", "version=\"2\"", "<locked>true</locked>");
        assertThat(TestPhone.seqOf(locked)).isEqualTo(TestPhone.seqOf(first) + 1);

        TestPhone.Dialog d = alice.callerDialog(c.uri(), tag, ok);
        String refresh = alice.inDialog(d, "SUBSCRIBE", d.cseq++, TestPhone.newBranch())
                .replace("Content-Length: 0\r\n", "Event: conference\r\nExpires: 300\r\nContent-Length: 0\r\n");
        TestPhone.Msg refreshed = alice.request(refresh);
        assertThat(refreshed.status()).isEqualTo(200);
        assertThat(refreshed.header("expires")).isEqualTo("300");
        TestPhone.Msg full = notifyIn(alice, callId);
        assertThat(full.body()).contains("state=\"full\"", "version=\"3\"", "<locked>true</locked>");

        assertThat(entity(c)
                        .<ConferenceEntity.ChangeReply>ask(
                                r -> new ConferenceEntity.End(new Actor.Operator("test"), r), ASK)
                        .toCompletableFuture()
                        .get())
                .isInstanceOf(ConferenceEntity.Done.class);
        TestPhone.Msg last = notifyIn(alice, callId);
        assertThat(last.header("subscription-state")).isEqualTo("terminated;reason=noresource");
        assertThat(last.body()).contains("version=\"4\"", "<active>false</active>");
        assertThat(TestPhone.seqOf(last)).isEqualTo(TestPhone.seqOf(full) + 1);
    }

    /** The next NOTIFY in the subscription {@code callId}, answered 200. */
    static TestPhone.Msg notifyIn(TestPhone phone, String callId) throws IOException {
        TestPhone.Msg n =
                phone.await(m -> m.isRequest() && m.method().equals("NOTIFY") && callId.equals(m.callId()), ASK);
        phone.respond(n, 200, "OK", null, List.of());
        return n;
    }

    void awaitLog(Process watcher, Path out, String text) throws Exception {
        long deadline = System.nanoTime() + ASK.toNanos();
        Path log = out.resolve("sipp.log");
        while (!Files.isRegularFile(log)
                || !Files.readString(log, StandardCharsets.ISO_8859_1).contains(text)) {
            if (!watcher.isAlive() || System.nanoTime() > deadline) {
                fail("the SIPp watcher did not log \"" + text + "\"\n" + watcherReport(out));
            }
            Thread.sleep(50);
        }
    }

    static String watcherReport(Path out) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String f : List.of("errors.log", "sipp.log", "sipp.out")) {
            Path p = out.resolve(f);
            b.append("--- ").append(f).append('\n');
            b.append(Files.isRegularFile(p) ? Files.readString(p, StandardCharsets.ISO_8859_1) : "(none)")
                    .append('\n');
        }
        return b.toString();
    }

    /** Moved from ConferenceNodeTest (one node for the entity and its SIP side): sharding and Cassandra. */
    @Test
    void a_conference_is_created_joined_and_read_back_through_sharding() throws Exception {
        Conference c = create(AccessType.COMPANY, Conference.DEFAULT_LIMIT);
        ConferenceEntity.JoinReply waiting = entity(c)
                .<ConferenceEntity.JoinReply>ask(
                        r -> new ConferenceEntity.Join("leg-dave", Joiner.ourUser("sip:dave@example.test"), r), ASK)
                .toCompletableFuture()
                .get();
        assertThat(waiting).isInstanceOf(ConferenceEntity.InLobby.class);
        ConferenceEntity.JoinReply organizer = entity(c)
                .<ConferenceEntity.JoinReply>ask(
                        r -> new ConferenceEntity.Join("leg-alice", Joiner.ourUser("sip:alice@example.test"), r), ASK)
                .toCompletableFuture()
                .get();
        assertThat(((ConferenceEntity.Admitted) organizer).roster().connected()).isEqualTo(2);

        ConferenceEntity.StateReply state = entity(c)
                .<ConferenceEntity.StateReply>ask(ConferenceEntity.GetConference::new, ASK)
                .toCompletableFuture()
                .get();
        ConferenceEntity.Current current = (ConferenceEntity.Current) state;
        assertThat(current.state().orElseThrow().conference()).isEqualTo(c);
        assertThat(current.state().orElseThrow().roster().version()).isEqualTo(3);
        // as stored in Cassandra (its timestamps in milliseconds: compared by version and legs)
        assertThat(roster(c).version()).isEqualTo(3);
        assertThat(roster(c).participants()).containsOnlyKeys("leg-dave", "leg-alice");
    }

    // ------------------------------------------------------------------ helpers

    record Joined(String callId, TestPhone.Msg ok, TestPhone.Dialog dialog) {}

    record Held(String callId, String fromTag, String invite) {}

    Conference create(AccessType access, int limit) throws Exception {
        Conference c = new Conference(
                ConferenceIds.newId(random),
                "example.test",
                ConferenceIds.newNumericId(random),
                "sip:alice@example.test",
                "SIP test",
                access,
                Set.of(),
                Presenters.ORGANIZER_ONLY,
                false,
                limit,
                new Expiry.AdHoc(Duration.ofMinutes(5)),
                Instant.now());
        assertThat(entity(c)
                        .<ConferenceEntity.CreateReply>ask(r -> new ConferenceEntity.Create(c, r), ASK)
                        .toCompletableFuture()
                        .get())
                .isInstanceOf(ConferenceEntity.Created.class);
        return c;
    }

    org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef<ConferenceEntity.Command> entity(Conference c) {
        return ClusterSharding.get(node.system()).entityRefFor(ConferenceEntity.ENTITY_KEY, c.id());
    }

    Roster roster(Conference c) throws Exception {
        return store.load(c.id()).toCompletableFuture().get().orElseThrow().roster();
    }

    void awaitRoster(Conference c, java.util.function.Predicate<Roster> what) throws Exception {
        long deadline = System.nanoTime() + ASK.toNanos();
        Roster r = roster(c);
        while (!what.test(r) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            r = roster(c);
        }
        assertThat(what.test(r)).as("roster %s", r).isTrue();
    }

    Joined join(TestPhone phone, Conference c) throws IOException {
        return join(phone, c.uri());
    }

    /** INVITE with digest and our offer; on 200 the ACK is sent. */
    Joined join(TestPhone phone, String uri) throws IOException {
        String callId = UUID.randomUUID() + "@conf";
        String tag = TestPhone.newTag();
        TestPhone.Msg answer = phone.authenticated("INVITE", uri, callId, tag, "application/sdp", OFFER);
        TestPhone.Dialog d = null;
        if (answer.status() == 200) {
            d = phone.callerDialog(uri, tag, answer);
            phone.ack2xx(d, answer);
        }
        return new Joined(callId, answer, d);
    }

    /** An INVITE with digest whose final answer the test waits for itself (a lobby leg). */
    Held inviteHeld(TestPhone phone, Conference c) throws IOException {
        String callId = UUID.randomUUID() + "@conf";
        String tag = TestPhone.newTag();
        String first = phone.initial(
                "INVITE", c.uri(), callId, tag, 1, TestPhone.newBranch(), List.of(), "application/sdp", OFFER);
        TestPhone.Msg challenge = phone.request(first);
        assertThat(challenge.status()).isEqualTo(407);
        phone.ack(first, challenge);
        List<String> auth = new ArrayList<>();
        auth.add(SipTestClient.authorization(
                        challenge.header("proxy-authenticate"), phone.user, passwordOf(phone), "INVITE", c.uri(), 1)
                .replaceFirst("^Authorization:", "Proxy-Authorization:"));
        String invite =
                phone.initial("INVITE", c.uri(), callId, tag, 2, TestPhone.newBranch(), auth, "application/sdp", OFFER);
        phone.send(invite);
        return new Held(callId, tag, invite);
    }

    static String passwordOf(TestPhone phone) {
        return phone.user + "-secret";
    }

    /** RFC 3261 section 9.1: the INVITE's Request-URI, Via, From, To, Call-ID and CSeq number. */
    static String cancelOf(String invite) {
        StringBuilder b = new StringBuilder();
        for (String line : invite.split("\r\n")) {
            if (line.isEmpty()) {
                break;
            }
            String lower = line.toLowerCase(java.util.Locale.ROOT);
            if (b.length() == 0) {
                b.append(line.replaceFirst("^INVITE", "CANCEL")).append("\r\n");
            } else if (lower.startsWith("via:")
                    || lower.startsWith("from:")
                    || lower.startsWith("to:")
                    || lower.startsWith("call-id:")
                    || lower.startsWith("max-forwards:")) {
                b.append(line).append("\r\n");
            } else if (lower.startsWith("cseq:")) {
                b.append(line.replace("INVITE", "CANCEL")).append("\r\n");
            }
        }
        return b.append("Content-Length: 0\r\n\r\n").toString();
    }

    void assertSippHealthy() throws IOException {
        assertThat(sipp.isAlive())
                .as("SIPp mixer still running; output:\n%s", Files.readString(sippOut))
                .isTrue();
    }
}

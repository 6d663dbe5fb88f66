package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.storage.testing.TestCassandra;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 17, item 3, on a real node over UDP sockets: with one request of each kind in flight at
 * most ({@code availability.admission.*-in-flight = 1}), a second REGISTER, INVITE, MESSAGE,
 * SUBSCRIBE or PUBLISH is answered 503 with Retry-After at once and leaves nothing behind, and the
 * one admitted is served.
 *
 * <p>Deterministic, not a race: the node caches accounts for a millisecond only ({@code auth.account-cache-ttl = 1ms}),
 * so the admitted request needs a Cassandra read before it can be answered, and the test stops the
 * shared Cassandra process ({@code kill -STOP}) before sending it and resumes it only after the
 * second one was shed. The admitted one is seen in flight on the node's
 * {@code switchboard_sip_in_flight} gauge before the second is sent. Needs the forked test
 * Cassandra (our CI); with a container it is skipped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdmissionNodeTest {

    static final String KEYSPACE = "admission_node";
    static final String DOMAIN = "example.test";
    static final Duration WAIT = Duration.ofSeconds(10);
    /** The shed answer comes before any work: well within this even on a loaded machine. */
    static final Duration AT_ONCE = Duration.ofSeconds(3);

    SwitchboardNode node;
    CqlSession cql;
    long cassandraPid;
    final List<SipTestClient> clients = new ArrayList<>();
    boolean stopped;

    @BeforeAll
    void start() {
        assumeTrue(TestCassandra.forkedPid().isPresent(), "needs the forked test Cassandra to stop it for a moment");
        cassandraPid = TestCassandra.forkedPid().getAsLong();
        StringBuilder config = new StringBuilder("""
                switchboard.availability {
                  retry-after = 3s
                  admission {
                    registers-in-flight = 1, invites-in-flight = 1, messages-in-flight = 1
                    subscribes-in-flight = 1, publishes-in-flight = 1
                  }
                }
                switchboard.auth.account-cache-ttl = 1ms
                switchboard.bootstrap-users = [
                """);
        for (String user : List.of("holder", "shed", "callee-invite", "callee-message", "alice")) {
            config.append("  { uri = \"sip:")
                    .append(user)
                    .append('@')
                    .append(DOMAIN)
                    .append("\", password = \"")
                    .append(password(user))
                    .append("\", name = \"")
                    .append(user)
                    .append("\" }\n");
        }
        config.append("]\n");
        cql = TestCassandra.session(
                KEYSPACE); // the node's keyspace, empty until it starts (asking again would drop it)
        node = TestNodes.start(KEYSPACE, config.toString());
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @BeforeEach
    void noClients() throws Exception {
        clients.clear();
        // every bound is 1: a place the previous test's requests still hold (freed when their
        // transaction ends) would shed this test's first request
        for (String workClass : List.of("register", "invite", "message", "subscribe", "publish")) {
            awaitInFlight(workClass, 0);
        }
    }

    @AfterEach
    void resumeAndClose() throws Exception {
        resumeCassandra(); // also when an assertion failed while it was stopped
        for (SipTestClient c : clients) {
            c.close();
        }
    }

    @Test
    void a_second_register_is_shed_and_stores_no_binding() throws Exception {
        SipTestClient holder = client();
        SipTestClient shed = client();
        String challenge = challenge(holder, register(holder, "holder", null));
        String admitted =
                register(holder, "holder", authorization(challenge, "holder", "REGISTER", "sip:" + DOMAIN, false));

        Answers a = holdOneAndSendAnother(holder, admitted, "register", shed, register(shed, "shed", null));

        assertShed(a.shed, "Too many registrations in progress, try again");
        assertThat(a.admitted.status()).as(a.admitted.raw()).isEqualTo(200);
        assertThat(rows("SELECT * FROM bindings WHERE aor = 'sip:holder@" + DOMAIN + "'"))
                .isEqualTo(1);
        assertThat(rows("SELECT * FROM bindings WHERE aor = 'sip:shed@" + DOMAIN + "'"))
                .as("the shed REGISTER stored nothing")
                .isZero();
        assertShedCounted("register-in-flight");
    }

    @Test
    void a_second_publish_is_shed_and_stores_no_publication() throws Exception {
        SipTestClient holder = client();
        SipTestClient shed = client();
        String uri = "sip:holder@" + DOMAIN;
        String challenge = challenge(holder, publish(holder, "holder", null));
        String admitted = publish(holder, "holder", authorization(challenge, "holder", "PUBLISH", uri, true));

        Answers a = holdOneAndSendAnother(holder, admitted, "publish", shed, publish(shed, "shed", null));

        assertShed(a.shed, "Too many publications in progress, try again");
        assertThat(a.admitted.status()).as(a.admitted.raw()).isEqualTo(200);
        assertThat(a.admitted.header("SIP-ETag")).isNotBlank();
        assertThat(rows("SELECT * FROM presence_publications WHERE presentity = '" + uri + "'"))
                .isEqualTo(1);
        assertThat(rows("SELECT * FROM presence_publications WHERE presentity = 'sip:shed@" + DOMAIN + "'"))
                .as("the shed PUBLISH stored nothing")
                .isZero();
        assertShedCounted("publish-in-flight");
    }

    @Test
    void a_second_subscribe_is_shed_and_stores_no_subscription() throws Exception {
        SipTestClient holder = client();
        SipTestClient shed = client();
        String target = "sip:alice@" + DOMAIN;
        String challenge = challenge(holder, subscribe(holder, "holder", null));
        String admitted = subscribe(holder, "holder", authorization(challenge, "holder", "SUBSCRIBE", target, true));

        Answers a = holdOneAndSendAnother(holder, admitted, "subscribe", shed, subscribe(shed, "shed", null));

        assertShed(a.shed, "Too many subscriptions in progress, try again");
        assertThat(a.admitted.status()).as(a.admitted.raw()).isEqualTo(200);
        assertThat(rows("SELECT * FROM presence_subscriptions WHERE watcher = 'sip:holder@" + DOMAIN + "'"))
                .isEqualTo(1);
        assertThat(rows("SELECT * FROM presence_subscriptions WHERE watcher = 'sip:shed@" + DOMAIN + "'"))
                .as("the shed SUBSCRIBE stored nothing")
                .isZero();
        assertShedCounted("subscribe-in-flight");
    }

    @Test
    void a_second_call_is_shed_and_never_reaches_the_callee() throws Exception {
        toTheCallee("INVITE", 486, "Busy Here", "Too many calls in progress, try again", "invite-in-flight");
    }

    @Test
    void a_second_message_is_shed_and_never_reaches_the_callee() throws Exception {
        toTheCallee("MESSAGE", 200, "OK", "Too many messages in progress, try again", "message-in-flight");
    }

    /** The callee's phone answers {@code status}; the admitted request reaches it, the shed one does not. */
    private void toTheCallee(String method, int status, String reason, String shedReason, String metric)
            throws Exception {
        // a callee of its own per test: a binding left by another test would be a second branch to wait for
        String calleeUser = "callee-" + method.toLowerCase(java.util.Locale.ROOT);
        SipTestClient callee = client();
        String calleeChallenge = challenge(callee, register(callee, calleeUser, null));
        assertThat(callee.request(
                                register(
                                        callee,
                                        calleeUser,
                                        authorization(calleeChallenge, calleeUser, "REGISTER", "sip:" + DOMAIN, false)),
                                WAIT)
                        .status())
                .isEqualTo(200);
        SipTestClient holder = client();
        SipTestClient shed = client();
        String target = "sip:" + calleeUser + "@" + DOMAIN;
        String challenge = challenge(holder, toCallee(holder, method, "holder", calleeUser, null));
        String admitted = toCallee(
                holder, method, "holder", calleeUser, authorization(challenge, "holder", method, target, true));

        Answers a = holdOneAndSendAnother(
                holder,
                admitted,
                method.toLowerCase(java.util.Locale.ROOT),
                shed,
                toCallee(shed, method, "shed", calleeUser, null),
                false);

        assertShed(a.shed, shedReason);
        // the admitted one, sent on once Cassandra is back (and no longer in flight then, though not
        // answered yet): the callee's phone gets it and answers
        String forwarded = callee.receiveAny(WAIT);
        assertThat(forwarded)
                .as("the admitted " + method + " reaches the callee")
                .startsWith(method + " ");
        assertThat(callIdOf(forwarded)).isEqualTo(callIdOf(admitted));
        callee.send(answer(forwarded, status, reason));
        SipTestClient.Response relayed = finalOf(holder, WAIT);
        assertThat(relayed.status()).as(relayed.raw()).isEqualTo(status);
        if (method.equals("INVITE")) {
            holder.ackNon2xx(admitted, relayed);
        }
        String more = callee.receiveAny(Duration.ofMillis(500));
        assertThat(more == null || !more.contains(callIdOf(a.shedRequest)))
                .as("the shed " + method + " never reached the callee: " + more)
                .isTrue();
        assertShedCounted(metric);
        if (method.equals("INVITE")) {
            assertThat(AdminHttp.get(node.adminPort(), "/metrics").body())
                    .as("the shed INVITE's ACK was absorbed, not routed and dropped")
                    .doesNotContainPattern("switchboard_proxy_acks_dropped_total\\{reason=\"[a-z-]+\",\\} [1-9]");
        }
    }

    // ---------------------------------------------------------------- the deterministic overload

    private record Answers(SipTestClient.Response admitted, SipTestClient.Response shed, String shedRequest) {}

    /**
     * Stops Cassandra, sends {@code admitted} and waits until the node counts it in flight, sends
     * {@code another} and takes its answer, resumes Cassandra and takes the admitted one's answer.
     */
    private Answers holdOneAndSendAnother(
            SipTestClient holder, String admitted, String workClass, SipTestClient other, String another)
            throws Exception {
        return holdOneAndSendAnother(holder, admitted, workClass, other, another, true);
    }

    /**
     * @param answeredHere whether the node answers the admitted request itself; else (INVITE,
     *     MESSAGE) it is done once sent on, which is awaited instead of an answer
     */
    private Answers holdOneAndSendAnother(
            SipTestClient holder,
            String admitted,
            String workClass,
            SipTestClient other,
            String another,
            boolean answeredHere)
            throws Exception {
        stopCassandra();
        holder.send(admitted);
        awaitInFlight(workClass, 1);
        long sent = System.nanoTime();
        other.send(another);
        SipTestClient.Response shed = finalOf(other, AT_ONCE);
        long tookMs = (System.nanoTime() - sent) / 1_000_000;
        assertThat(inFlight(workClass))
                .as("still held while Cassandra is stopped")
                .isEqualTo(1);
        if (another.startsWith("INVITE ")) {
            // refused statelessly: the node discards this ACK as the one of its own 503, it does
            // not route it as a stray ACK (switchboard_proxy_acks_dropped_total stays empty)
            other.ackNon2xx(another, shed);
        }
        resumeCassandra();
        SipTestClient.Response served = answeredHere ? finalOf(holder, WAIT) : null;
        awaitInFlight(workClass, 0);
        assertThat(tookMs).as("answered without waiting for the store").isLessThan(AT_ONCE.toMillis());
        return new Answers(served, shed, another);
    }

    private void assertShed(SipTestClient.Response r, String reason) {
        assertThat(r.status()).as(r.raw()).isEqualTo(503);
        assertThat(r.reason()).isEqualTo(reason);
        assertThat(r.header("Retry-After")).as(r.raw()).isEqualTo("3");
    }

    private void assertShedCounted(String reason) throws Exception {
        assertThat(AdminHttp.get(node.adminPort(), "/metrics").body())
                .contains("switchboard_sip_shed_total{reason=\"" + reason + "\",} 1.0");
    }

    private void stopCassandra() throws Exception {
        signal("STOP");
        stopped = true;
    }

    private void resumeCassandra() throws Exception {
        if (stopped) {
            signal("CONT");
            stopped = false;
        }
    }

    private void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(cassandraPid))
                .inheritIO()
                .start();
        assertThat(kill.waitFor()).as("kill -" + name).isZero();
    }

    private int inFlight(String workClass) throws Exception {
        String metrics = AdminHttp.get(node.adminPort(), "/metrics").body();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                        "switchboard_sip_in_flight\\{class=\"" + workClass + "\",} ([0-9.]+)")
                .matcher(metrics);
        assertThat(m.find()).as("gauge for " + workClass).isTrue();
        return (int) Double.parseDouble(m.group(1));
    }

    private void awaitInFlight(String workClass, int expected) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (inFlight(workClass) != expected) {
            assertThat(System.nanoTime())
                    .as(workClass + " in flight never became " + expected)
                    .isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private long rows(String cql) {
        return this.cql.execute(cql).all().size();
    }

    // ---------------------------------------------------------------- SIP

    private SipTestClient client() throws IOException {
        SipTestClient c = new SipTestClient("udp", "127.0.0.1", node.sipUdpPort());
        clients.add(c);
        return c;
    }

    private static String password(String user) {
        return user + "-secret";
    }

    /** The challenge header of a request sent without credentials (401 or 407). */
    private String challenge(SipTestClient c, String request) throws Exception {
        SipTestClient.Response r = c.request(request, WAIT);
        assertThat(r.status()).as(r.raw()).isIn(401, 407);
        if (request.startsWith("INVITE ")) {
            c.ackNon2xx(request, r); // else the node retransmits the 407 (RFC 3261 section 17.2.1)
        }
        // with every bound at 1, the challenged request's place is given back just after its 401/407
        // leaves: an answer sent at once could find it still held and be shed (seen once in CI)
        awaitInFlight(request.substring(0, request.indexOf(' ')).toLowerCase(java.util.Locale.ROOT), 0);
        return r.status() == 401 ? r.header("WWW-Authenticate") : r.header("Proxy-Authenticate");
    }

    private static String authorization(String challenge, String user, String method, String uri, boolean proxy) {
        String line = SipTestClient.authorization(challenge, user, password(user), method, uri, 1);
        return proxy ? "Proxy-" + line : line;
    }

    private static String register(SipTestClient c, String user, String credentials) {
        List<String> headers = new ArrayList<>(List.of("Contact: <" + c.contactUri(user) + ">", "Expires: 600"));
        if (credentials != null) {
            headers.add(credentials);
        }
        return c.register(user, DOMAIN, c.nextCseq(), headers);
    }

    private static String publish(SipTestClient c, String user, String credentials) {
        String aor = "sip:" + user + "@" + DOMAIN;
        String pidf = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
                + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"" + aor + "\">"
                + "<tuple id=\"t1\"><status><basic>open</basic></status></tuple></presence>\r\n";
        return request(
                c,
                "PUBLISH",
                aor,
                user,
                aor,
                List.of("Event: presence", "Expires: 600", "Content-Type: application/pidf+xml"),
                credentials,
                pidf);
    }

    private static String subscribe(SipTestClient c, String user, String credentials) {
        String target = "sip:alice@" + DOMAIN;
        return request(
                c,
                "SUBSCRIBE",
                target,
                user,
                target,
                List.of(
                        "Event: presence",
                        "Accept: application/pidf+xml",
                        "Expires: 600",
                        "Contact: <" + c.contactUri(user) + ">"),
                credentials,
                "");
    }

    private static String toCallee(SipTestClient c, String method, String user, String callee, String credentials) {
        String target = "sip:" + callee + "@" + DOMAIN;
        return method.equals("INVITE")
                ? request(
                        c,
                        method,
                        target,
                        user,
                        target,
                        List.of("Contact: <" + c.contactUri(user) + ">"),
                        credentials,
                        "")
                : request(c, method, target, user, target, List.of("Content-Type: text/plain"), credentials, "hello");
    }

    /** A request outside any dialog: a new Call-ID, branch and From tag each time. */
    private static String request(
            SipTestClient c,
            String method,
            String requestUri,
            String user,
            String to,
            List<String> headers,
            String credentials,
            String body) {
        String contact = c.contactUri(user);
        String hostPort = contact.substring(contact.indexOf('@') + 1);
        long r = ThreadLocalRandom.current().nextLong();
        StringBuilder b = new StringBuilder();
        b.append(method).append(' ').append(requestUri).append(" SIP/2.0\r\n");
        b.append("Via: SIP/2.0/UDP ")
                .append(hostPort)
                .append(";branch=z9hG4bK")
                .append(Long.toHexString(r))
                .append(";rport\r\n");
        b.append("Max-Forwards: 70\r\n");
        b.append("From: <sip:")
                .append(user)
                .append('@')
                .append(DOMAIN)
                .append(">;tag=")
                .append(Long.toHexString(r >>> 8))
                .append("\r\n");
        b.append("To: <").append(to).append(">\r\n");
        b.append("Call-ID: ").append(UUID.randomUUID()).append("@admission\r\n");
        b.append("CSeq: ").append(c.nextCseq()).append(' ').append(method).append("\r\n");
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        if (credentials != null) {
            b.append(credentials).append("\r\n");
        }
        byte[] content = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        b.append("Content-Length: ").append(content.length).append("\r\n\r\n").append(body);
        return b.toString();
    }

    /** The first final response on {@code c}, skipping provisional responses and requests (a NOTIFY). */
    private static SipTestClient.Response finalOf(SipTestClient c, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String raw = c.receiveAny(Duration.ofMillis(100));
            if (raw == null || !raw.startsWith("SIP/2.0 ")) {
                continue;
            }
            SipTestClient.Response r = SipTestClient.parse(raw);
            if (r.status() >= 200) {
                return r;
            }
        }
        throw new java.net.SocketTimeoutException("no final response within " + timeout);
    }

    /** A response of the callee's phone to a request the node forwarded (RFC 3261 section 8.2.6). */
    private static String answer(String request, int status, String reason) {
        StringBuilder b = new StringBuilder("SIP/2.0 ")
                .append(status)
                .append(' ')
                .append(reason)
                .append("\r\n");
        for (String line : request.split("\r\n")) {
            if (line.isEmpty()) {
                break;
            }
            String name = line.contains(":")
                    ? line.substring(0, line.indexOf(':')).trim().toLowerCase(java.util.Locale.ROOT)
                    : "";
            switch (name) {
                case "via", "v", "from", "f", "call-id", "i", "cseq", "record-route" ->
                    b.append(line).append("\r\n");
                case "to", "t" -> b.append(line).append(";tag=callee").append("\r\n");
                default -> {}
            }
        }
        b.append("Content-Length: 0\r\n\r\n");
        return b.toString();
    }

    private static String callIdOf(String request) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?im)^(?:Call-ID|i): *([^\r\n]+)")
                .matcher(request);
        assertThat(m.find()).isTrue();
        return m.group(1).trim();
    }
}

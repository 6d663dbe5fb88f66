package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.switchboard.storage.testing.TestCassandra;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, item 5: never two writers for one entity, with real processes. A pool node that owns
 * some users' registrar entities is cut off from the other two (nftables drops what they send to
 * its cluster port) and frozen (SIGSTOP, as in a long GC pause). The other two down it and take the
 * entities over; the users register again there. Requests that reached the frozen node meanwhile (unregisters of those same
 * contacts, a stranger's or a confused phone's) wait in its socket buffer; when it wakes it still
 * believes it owns the entities, handles them and writes. Its writes carry its old owner epoch, so
 * Cassandra keeps the successor's rows: every re-registered contact is still stored, with the
 * successor's expiry (docs/architecture.md, "After a node loss", decision (c); the unit-level
 * control without epochs, where the stale write wins, is {@code FencedOwnerTest} in the registrar).
 */
@Tag("failure")
class StaleOwnerFencingTest {

    static final Path DIR = Path.of("target", "pool-processes", "StaleOwnerFencingTest");
    static final Duration WAIT = Duration.ofSeconds(10);
    static final String KEYSPACE = "stale_owner_fencing";
    static final int FROZEN = 3;

    static final String TABLE = "switchboard_stale_owner_test";

    PoolProcesses pool;
    Long frozenPid;
    String nft;
    boolean cut;

    @AfterEach
    void stop() throws Exception {
        if (frozenPid != null) {
            signal("CONT", frozenPid); // never leave a stopped process behind
        }
        if (pool != null) {
            pool.close();
        }
        if (cut) {
            Nft.run(nft, "delete", "table", "inet", TABLE);
        }
    }

    /** The cut needs root and nftables: skipped on a developer machine without them, failed under CI (.ci/run installs them). */
    void requireNft() {
        nft = Nft.find();
        String missing =
                !"root".equals(System.getProperty("user.name")) ? "root" : nft == null ? "nft (nftables)" : null;
        if (missing != null) {
            String ci = System.getenv("CI");
            if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) {
                org.junit.jupiter.api.Assertions.fail("the cut needs " + missing + "; CI must run this test");
            }
            org.junit.jupiter.api.Assumptions.abort("the cut needs " + missing);
        }
    }

    @Test
    void a_frozen_owner_that_wakes_after_its_takeover_cannot_undo_its_successors_writes() throws Exception {
        requireNft();
        PoolProcesses.wipe(DIR);
        CqlSession cassandra = TestCassandra.session(KEYSPACE);
        pool = PoolProcesses.start(DIR, 3, PoolProcesses.Storage.shared(KEYSPACE));

        // 1. Users register through node 1; each one's new binding shows in the bindings count of the
        //    node whose registrar entity holds it (/api/pool): those of node 3 are the ones to fence.
        List<Phone> owned = new ArrayList<>();
        for (int u = 1; u <= PoolProcesses.USERS && owned.size() < 4; u++) {
            Map<String, Long> before = knownBindingsPerNode();
            Phone phone = new Phone("user" + u, pool.node(1));
            assertThat(phone.register(600).status())
                    .as("REGISTER of %s", phone.user)
                    .isEqualTo(200);
            String owner = awaitOwner(before);
            if (owner.equals(pool.nodeId(FROZEN))) {
                owned.add(phone);
            } else {
                phone.close();
            }
        }
        assertThat(owned)
                .as("users whose registrar entity lives on node %d", FROZEN)
                .isNotEmpty();

        // 2. Node 3 is cut off from the other two (nothing of theirs reaches its cluster port, so it
        //    cannot hear that they removed it) and frozen (so its own resolver does not down it first);
        //    they down it and take its shards over.
        PoolProcesses.NodeAddresses frozen = pool.node(FROZEN);
        Nft.run(nft, "add", "table", "inet", TABLE);
        cut = true;
        Nft.run(nft, "add", "chain", "inet", TABLE, "out", "{ type filter hook output priority 0; policy accept; }");
        Nft.run(
                nft,
                "add",
                "rule",
                "inet",
                TABLE,
                "out",
                "ip",
                "daddr",
                frozen.host(),
                "tcp",
                "dport",
                Integer.toString(frozen.clusterPort()),
                "drop");
        frozenPid = pool.pid(FROZEN);
        signal("STOP", frozenPid);
        awaitMembers(2);

        // 3. The users register again, through node 1: the successor claims a higher epoch and writes.
        for (Phone phone : owned) {
            assertThat(phone.registerUntilAccepted(900).status())
                    .as("REGISTER of %s after the takeover", phone.user)
                    .isEqualTo(200);
        }

        // 4. Unregisters of the same contacts reach the frozen node and wait in its socket buffer.
        List<DatagramSocket> toFrozen = new ArrayList<>();
        for (Phone phone : owned) {
            toFrozen.add(phone.sendUnregisterTo(pool.node(FROZEN)));
        }

        // 5. It wakes, still cut off: until its own resolver downs it (stable-after, 7 s) it believes
        //    it owns the entities, and it handles the unregisters at once.
        signal("CONT", frozenPid);
        frozenPid = null;
        List<String> staleAnswers = new ArrayList<>();
        for (DatagramSocket s : toFrozen) {
            staleAnswers.add(finalAnswer(s));
            s.close();
        }
        System.out.println("the woken node answered the unregisters: " + staleAnswers);

        // 6. Every re-registered contact is stored with the successor's expiry, whatever the woken
        //    node answered: its deletes were stamped below the successor's inserts.
        // the woken node downs itself and exits (ExitWhenDowned): after that it writes nothing more
        long exitBy = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (pool.isAlive(FROZEN) && System.nanoTime() < exitBy) {
            Thread.sleep(100);
        }
        assertThat(pool.isAlive(FROZEN))
                .as("the woken node downed itself and exited")
                .isFalse();
        for (Phone phone : owned) {
            List<Row> rows = cassandra
                    .execute(
                            "SELECT contact, TTL(contact) FROM bindings WHERE aor = ?",
                            "sip:" + phone.user + "@" + PoolProcesses.DOMAIN)
                    .all();
            assertThat(rows)
                    .as("stored bindings of %s (the woken node answered %s)", phone.user, staleAnswers)
                    .anySatisfy(r -> {
                        assertThat(r.getString("contact")).contains(phone.client.contactUri(phone.user));
                        assertThat(r.getInt(1))
                                .as("seconds left of Expires: 900")
                                .isGreaterThan(600);
                    });
            assertThat(pool.adminGet(1, "/api/registrations?aor=sip:" + phone.user + "@" + PoolProcesses.DOMAIN))
                    .startsWith("200")
                    .contains(phone.client.contactUri(phone.user));
            phone.close();
        }
        assertThat(staleAnswers)
                .as("the woken node took at least one unregister as the owner it no longer was: "
                        + "without that, nothing was fenced here")
                .anySatisfy(a -> assertThat(a).startsWith("SIP/2.0 200"));
    }

    /** A phone of one user, registering through one node, keeping its Call-ID and CSeq. */
    final class Phone implements AutoCloseable {
        final String user;
        final SipTestClient client;

        Phone(String user, PoolProcesses.NodeAddresses through) throws Exception {
            this.user = user;
            this.client = new SipTestClient("udp", through.host(), through.sipPort());
        }

        String password() {
            return user + "-secret";
        }

        List<String> headers(long expires) {
            return List.of("Contact: <" + client.contactUri(user) + ">", "Expires: " + expires);
        }

        SipTestClient.Response register(long expires) throws Exception {
            return RegistrarSipTest.registerWith(client, user, password(), headers(expires));
        }

        /** A successor may still answer 503 while it takes the shard over: the phone retries, as phones do. */
        SipTestClient.Response registerUntilAccepted(long expires) throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            SipTestClient.Response r = register(expires);
            while (r.status() != 200 && System.nanoTime() < deadline) {
                Thread.sleep(500);
                r = register(expires);
            }
            return r;
        }

        /**
         * Sends an authenticated unregister of this phone's contact (its own Call-ID, the next CSeq) to
         * {@code node} from a new socket, without waiting: the credentials answer a challenge from
         * node 1 (nonces are the pool's, any node checks them).
         */
        DatagramSocket sendUnregisterTo(PoolProcesses.NodeAddresses node) throws Exception {
            SipTestClient.Response challenge =
                    client.request(client.register(user, PoolProcesses.DOMAIN, client.nextCseq(), headers(0)), WAIT);
            assertThat(challenge.status()).isEqualTo(401);
            List<String> withAuth = new ArrayList<>(headers(0));
            withAuth.add(SipTestClient.authorization(
                    challenge.header("WWW-Authenticate"),
                    user,
                    password(),
                    "REGISTER",
                    "sip:" + PoolProcesses.DOMAIN,
                    1));
            byte[] request = client.register(user, PoolProcesses.DOMAIN, client.nextCseq(), withAuth)
                    .getBytes(StandardCharsets.UTF_8);
            DatagramSocket s = new DatagramSocket(new InetSocketAddress(node.host(), 0));
            s.send(new DatagramPacket(request, request.length, new InetSocketAddress(node.host(), node.sipPort())));
            return s;
        }

        @Override
        public void close() throws Exception {
            client.close();
        }
    }

    /** The first final response's status line on {@code s}, or "none" if none came within 20 s. */
    static String finalAnswer(DatagramSocket s) throws Exception {
        s.setSoTimeout(20_000);
        byte[] buf = new byte[8192];
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                s.receive(p);
            } catch (SocketTimeoutException e) {
                break;
            }
            String first = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8).split("\r\n", 2)[0];
            if (!first.startsWith("SIP/2.0 1")) {
                return first;
            }
        }
        return "none";
    }

    static final Pattern MEMBER = Pattern.compile("\"node\":\"(node-\\d+)\".*?\"bindings\":(\\d+|null)");

    /** Bindings held by each member's registrar entities, as node 1's {@code /api/pool} lists them. */
    Map<String, Long> bindingsPerNode() throws Exception {
        String body = pool.adminGet(1, "/api/pool");
        Map<String, Long> out = new LinkedHashMap<>();
        Matcher m = MEMBER.matcher(body);
        while (m.find()) {
            out.put(m.group(1), m.group(2).equals("null") ? -1 : Long.parseLong(m.group(2)));
        }
        return out;
    }

    /**
     * {@link #bindingsPerNode} once node 1 has every member's count: a member it could not ask just
     * then is listed with none (-1), and a baseline without it would never show that node's rise
     * (seen once in CI: node 3 unknown right after the pool formed).
     */
    Map<String, Long> knownBindingsPerNode() throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Map<String, Long> counts = bindingsPerNode();
        while (counts.size() < 3 || counts.containsValue(-1L)) {
            assertThat(System.nanoTime())
                    .as("node 1 never listed every member's bindings: %s", counts)
                    .isLessThan(deadline);
            Thread.sleep(100);
            counts = bindingsPerNode();
        }
        return counts;
    }

    /** The node whose bindings count rose by one since {@code before}. */
    String awaitOwner(Map<String, Long> before) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Map<String, Long> now = before;
        while (System.nanoTime() < deadline) {
            now = bindingsPerNode();
            List<String> rose = new ArrayList<>();
            for (Map.Entry<String, Long> e : now.entrySet()) {
                if (e.getValue() == before.getOrDefault(e.getKey(), 0L) + 1) {
                    rose.add(e.getKey());
                }
            }
            if (rose.size() == 1) {
                return rose.get(0);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no single node's bindings rose by one: before " + before + ", now " + now);
    }

    /** Waits until node 1 lists exactly {@code count} members, all Up and reachable. */
    void awaitMembers(int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            body = pool.adminGet(1, "/api/pool");
            Matcher m = MEMBER.matcher(body);
            int members = 0;
            while (m.find()) {
                members++;
            }
            if (members == count && body.contains("\"all_up\":true")) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("node 1 did not list " + count + " members, all up, within 60 s: " + body);
    }

    static void signal(String name, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid))
                .redirectErrorStream(true)
                .start();
        kill.waitFor();
    }
}

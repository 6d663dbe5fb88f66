package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 17, item 4, on a real node: ready means ready. A fresh node reports ready on
 * {@code /health/ready} only after its warm-up (Readiness), and the first REGISTERs it gets right
 * after that, a few hundred at a modest rate from several clients, all succeed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadinessNodeTest {

    static final int USERS = 24;
    static final int THREADS = 6;
    static final int REGISTERS_PER_THREAD = 50;
    static final Duration WAIT = Duration.ofSeconds(10);

    SwitchboardNode node;

    @BeforeAll
    void start() {
        StringBuilder users = new StringBuilder("switchboard.bootstrap-users = [\n");
        for (int i = 0; i < USERS; i++) {
            users.append("  { uri = \"sip:u")
                    .append(i)
                    .append("@example.test\", password = \"password-")
                    .append(i)
                    .append("\", name = \"U")
                    .append(i)
                    .append("\" }\n");
        }
        users.append("]\n");
        node = TestNodes.start("readiness_node", users.toString()); // returns once node.ready()
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void ready_reports_every_condition_and_the_first_registers_after_it_all_succeed() throws Exception {
        HttpResponse<String> ready = AdminHttp.get(node.adminPort(), "/health/ready");
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(ready.body())
                .contains("cluster member: up", "storage: connected", "sip: listening", "warm-up: done");

        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                done.add(pool.submit(() -> registerMany(thread, failures)));
            }
            int total = 0;
            for (Future<Integer> f : done) {
                total += f.get();
            }
            assertThat(failures).as("failed REGISTERs").isEmpty();
            assertThat(total).isEqualTo(THREADS * REGISTERS_PER_THREAD);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Thread {@code t} registers its users in turn, each REGISTER with the digest dance; returns how many got 200. */
    int registerMany(int t, ConcurrentLinkedQueue<String> failures) throws Exception {
        int perThread = USERS / THREADS;
        List<SipTestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < perThread; i++) {
                clients.add(new SipTestClient("udp", "127.0.0.1", node.sipUdpPort()));
            }
            int ok = 0;
            for (int n = 0; n < REGISTERS_PER_THREAD; n++) {
                int u = t * perThread + n % perThread;
                SipTestClient c = clients.get(n % perThread);
                String user = "u" + u;
                List<String> headers = List.of("Contact: <" + c.contactUri(user) + ">", "Expires: 600");
                try {
                    SipTestClient.Response challenge =
                            c.request(c.register(user, "example.test", c.nextCseq(), headers), WAIT);
                    if (challenge.status() != 401) {
                        failures.add(user + ": " + challenge.status() + " " + challenge.reason());
                        continue;
                    }
                    List<String> withAuth = new ArrayList<>(headers);
                    withAuth.add(SipTestClient.authorization(
                            challenge.header("WWW-Authenticate"),
                            user,
                            "password-" + u,
                            "REGISTER",
                            "sip:example.test",
                            1));
                    SipTestClient.Response answer =
                            c.request(c.register(user, "example.test", c.nextCseq(), withAuth), WAIT);
                    if (answer.status() == 200) {
                        ok++;
                    } else {
                        failures.add(user + ": " + answer.status() + " " + answer.reason());
                    }
                } catch (java.net.SocketTimeoutException e) {
                    failures.add(user + ": " + e.getMessage());
                }
                Thread.sleep(10); // a modest rate: about 6 x 50 REGISTERs per second at most
            }
            return ok;
        } finally {
            for (SipTestClient c : clients) {
                c.close();
            }
        }
    }
}

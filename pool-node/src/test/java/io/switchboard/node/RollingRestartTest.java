package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.storage.EmbeddedCassandra;
import io.switchboard.storage.testing.TestCassandra;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, item 6: a rolling restart loses nothing. Three pool-node processes over the test run's
 * Cassandra; {@value #USERS} users keep re-registering over UDP while each node in turn gets SIGTERM
 * (it drains: not ready, new dialogs 503 with Retry-After, in-flight transactions finish, shards handed
 * over, cluster left; io.switchboard.node.Drain), exits, and is started again.
 *
 * <p>The users behave as RFC 3263 section 4.3 clients of a pool published as three SRV targets: each
 * starts at its own node and, on a 503 (RFC 3261 section 21.5.4: that server last, and not before its
 * Retry-After has passed) or no answer within 3 s (a node that is down; then that server last for
 * {@value #DOWN_SECONDS} s), tries the next node at once. A registration fails only when every node was
 * tried once without a 200; the
 * test asserts none did, and that every user's binding is present at the end. It prints each node's
 * drain time (from the node's log), the time from SIGTERM to exit, and how often clients failed over.
 * Calls and SUBSCRIBEs are not part of the load: with three node starts the test is at its time budget.
 */
class RollingRestartTest {

    static final Path DIR = Path.of("target", "pool-processes", "RollingRestartTest");
    static final int USERS = PoolProcesses.USERS;
    /** Each user re-registers this often: 24 users, 16 REGISTER flows (32 requests) a second. */
    static final Duration PERIOD = Duration.ofMillis(1500);
    /** How long a client waits for a final response before trying the next node. */
    static final Duration ANSWER_WAIT = Duration.ofSeconds(3);

    static final int DOWN_SECONDS = 30;
    static final Pattern DRAINED = Pattern.compile(
            "drained in (\\d+) ms \\(in-flight transactions (\\d+) ms, shard handover and leaving (\\d+) ms\\)");

    PoolProcesses pool;
    ScheduledExecutorService load;

    @AfterEach
    void stop() throws InterruptedException {
        if (load != null) {
            load.shutdownNow();
            load.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (pool != null) {
            pool.close();
        }
    }

    /** One user's phone: its contact, the nodes it may not use until a time, and its counts. */
    final class Phone {
        final int user;
        final String contact;
        final long[] avoidUntil = new long[4]; // by node number, System.nanoTime()
        final boolean[] refused = new boolean[4]; // avoided after a 503 (else after no answer)

        Phone(int user) {
            this.user = user;
            this.contact = "sip:user" + user + "@127.0.0.1:" + (41000 + user);
        }

        /**
         * One registration: every node once, in this phone's order, those it avoids (after a 503 or no
         * answer) last, until a 200.
         */
        void register() {
            List<Integer> order = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                order.add((user + k) % 3 + 1);
            }
            long now = System.nanoTime();
            List<Integer> tryOrder = new ArrayList<>(
                    order.stream().filter(n -> avoidUntil[n] - now <= 0).toList());
            order.stream()
                    .filter(n -> !tryOrder.contains(n))
                    .sorted(java.util.Comparator.comparingLong(n -> avoidUntil[n]))
                    .forEach(tryOrder::add);
            List<String> tried = new ArrayList<>();
            for (int n : tryOrder) {
                long wait = avoidUntil[n] - System.nanoTime();
                if (refused[n] && wait > 0) {
                    // RFC 3261 section 21.5.4: not that server again before its Retry-After
                    try {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                String outcome = attempt(n);
                tried.add("node-" + n + ": " + outcome);
                if (outcome.equals("200")) {
                    ok.incrementAndGet();
                    acknowledged.put(user, contact);
                    return;
                }
            }
            failures.add("user" + user + " at " + java.time.Instant.now() + " " + tried);
        }

        private String attempt(int n) {
            PoolProcesses.NodeAddresses a = pool.node(n);
            String user = "user" + this.user;
            List<String> headers = List.of("Contact: <" + contact + ">", "Expires: 600");
            try (SipTestClient c = new SipTestClient("udp", a.host(), a.sipPort())) {
                SipTestClient.Response r =
                        c.request(c.register(user, PoolProcesses.DOMAIN, c.nextCseq(), headers), ANSWER_WAIT);
                if (r.status() == 401) {
                    List<String> withAuth = new ArrayList<>(headers);
                    withAuth.add(SipTestClient.authorization(
                            r.header("WWW-Authenticate"),
                            user,
                            user + "-secret",
                            "REGISTER",
                            "sip:" + PoolProcesses.DOMAIN,
                            1));
                    r = c.request(c.register(user, PoolProcesses.DOMAIN, c.nextCseq(), withAuth), ANSWER_WAIT);
                }
                if (r.status() == 503) {
                    String retryAfter = r.header("Retry-After");
                    int seconds = retryAfter == null
                            ? 5
                            : Integer.parseInt(retryAfter.trim().split("[;\\s]")[0]);
                    avoidUntil[n] = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
                    refused[n] = true;
                    unavailable.incrementAndGet();
                    return "503 (Retry-After " + seconds + ")";
                }
                return Integer.toString(r.status());
            } catch (IOException noAnswer) {
                avoidUntil[n] = System.nanoTime() + TimeUnit.SECONDS.toNanos(DOWN_SECONDS);
                refused[n] = false;
                timeouts.incrementAndGet();
                return "no answer (" + noAnswer.getMessage() + ")";
            }
        }
    }

    final Map<Integer, String> acknowledged = new ConcurrentHashMap<>();
    final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger ok = new AtomicInteger();
    final AtomicInteger unavailable = new AtomicInteger();
    final AtomicInteger timeouts = new AtomicInteger();

    @Test
    void sigterm_and_restart_of_each_node_in_turn_under_register_load_fails_no_registration() throws Exception {
        PoolProcesses.wipe(DIR);
        String keyspace = "rolling_restart";
        TestCassandra.session(keyspace); // a fresh, empty keyspace
        EmbeddedCassandra cassandra = TestCassandra.node();
        pool = PoolProcesses.start(
                DIR,
                3,
                PoolProcesses.Storage.of(
                        keyspace,
                        List.of(cassandra.nativeAddress().getHostString() + ":"
                                + cassandra.nativeAddress().getPort()),
                        cassandra.localDc()),
                // node-1 is the first seed: restarted, it forms a cluster of its own unless another seed
                // answers within seed-node-timeout (5 s by default), which a loaded two-core machine can
                // miss (deploy/k8s/README.md, "Cluster formation"); the Kubernetes API bootstrap has no
                // first seed.
                List.of("-Dpekko.cluster.seed-node-timeout=30s"));

        load = Executors.newScheduledThreadPool(6);
        for (int u = 1; u <= USERS; u++) {
            Phone phone = new Phone(u);
            long offset = PERIOD.toMillis() * u / USERS; // spread the users over the period
            load.scheduleWithFixedDelay(phone::register, offset, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        }
        for (int i = 0; i < 300 && acknowledged.size() < USERS; i++) {
            Thread.sleep(100); // the first REGISTERs of a fresh pool start their entities
        }
        assertThat(acknowledged)
                .as("every user registered before the first restart")
                .hasSize(USERS);

        List<String> report = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            int before = ok.get();
            long sigterm = System.nanoTime();
            int exit = pool.terminate(n, Duration.ofSeconds(60));
            long exitMillis = (System.nanoTime() - sigterm) / 1_000_000;
            String log = Files.readString(pool.log(n));
            Matcher m = DRAINED.matcher(log);
            String drained = null;
            while (m.find()) {
                drained = m.group();
            }
            assertThat(drained)
                    .as(
                            "%s logged its drain on SIGTERM (exit code %d); log tail:\n%s",
                            pool.nodeId(n), exit, pool.tail(n))
                    .isNotNull();
            long restart = System.nanoTime();
            pool.restart(n);
            report.add(pool.nodeId(n) + ": " + drained + "; SIGTERM to exit " + exitMillis + " ms, exit code " + exit
                    + "; restarted and agreed in " + (System.nanoTime() - restart) / 1_000_000 + " ms");
            Thread.sleep(1500);
            assertThat(ok.get())
                    .as("registrations went on around %s's restart", pool.nodeId(n))
                    .isGreaterThan(before);
        }
        Thread.sleep(1500);
        load.shutdown();
        assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        System.out.println(
                "[RollingRestartTest] " + ok.get() + " registrations acknowledged; clients failed over after "
                        + unavailable.get() + " 503s and " + timeouts.get() + " unanswered attempts");
        report.forEach(line -> System.out.println("[RollingRestartTest] " + line));
        assertThat(failures).as("registrations that no node acknowledged").isEmpty();
        for (Map.Entry<Integer, String> e : acknowledged.entrySet()) {
            String aor = "sip:user" + e.getKey() + "@" + PoolProcesses.DOMAIN;
            assertThat(pool.adminGet(1 + e.getKey() % 3, "/api/registrations?aor=" + aor))
                    .as("binding of %s after the rolling restart", aor)
                    .startsWith("200")
                    .contains(e.getValue());
        }
    }
}

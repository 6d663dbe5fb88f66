package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.storage.testing.TestCassandra;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 3, failure tests with calls: three pool-node processes, phones registered on every node over
 * UDP and TCP, callers on two nodes placing whole calls (INVITE, 180, 200, ACK, BYE) to every callee
 * and phones re-registering, all the time; then {@code kill -9} of node 2.
 *
 * <p>What must hold: calls keep working to every callee still reachable (UDP phones, wherever they
 * registered, and TCP phones connected to a surviving node), and the longest gap per callee is
 * measured and printed (the aim: under 5 s; the test's bound: 10 s); TCP phones whose
 * connection died with node 2 are unreachable until they register again through another node, and
 * are called successfully right after; node 2 restarts, rejoins, takes a TCP phone, and calls to it
 * (across nodes, through its flow) succeed, while the load goes on succeeding.
 */
@Tag("failure")
class PoolCallFailoverTest {

    static final Path DIR = Path.of("target", "pool-processes", "PoolCallFailoverTest");
    static final int VICTIM = 2;
    static final Duration OUTAGE_BOUND = Duration.ofSeconds(10);

    /** One finished call: who was called, when it started and ended (ns), and its final status. */
    record Call(String callee, long start, long end, int status) {}

    PoolProcesses pool;
    final List<TestPhone> phones = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() {
        phones.forEach(TestPhone::close);
        if (pool != null) {
            pool.close();
        }
    }

    private TestPhone phone(String transport, int node, String user) throws Exception {
        PoolProcesses.NodeAddresses a = pool.node(node);
        TestPhone p = new TestPhone(transport, a.host(), a.sipPort(), user, user + "-secret");
        phones.add(p);
        assertThat(p.register().status())
                .as("REGISTER of %s over %s on node %d", user, transport, node)
                .isEqualTo(200);
        return p;
    }

    @Test
    void calls_survive_the_loss_of_a_node_and_the_node_rejoins() throws Exception {
        PoolProcesses.wipe(DIR);
        String keyspace = "pool_call_failover";
        TestCassandra.session(keyspace);
        pool = PoolProcesses.start(DIR, 3, PoolProcesses.Storage.shared(keyspace));

        // callees user1..user12: on node 1, 2, 3 in turn, odd users over UDP, even over TCP
        Map<String, TestPhone> callees = new LinkedHashMap<>();
        Map<String, Integer> homeNode = new LinkedHashMap<>();
        for (int u = 1; u <= 12; u++) {
            int n = (u - 1) % 3 + 1;
            String user = "user" + u;
            TestPhone p = phone(u % 2 == 1 ? "udp" : "tcp", n, user);
            p.autoAnswer();
            callees.put(user, p);
            homeNode.put(user, n);
        }
        TestPhone caller1 = phone("udp", 1, "user13");
        TestPhone caller3 = phone("udp", 3, "user14");

        List<Call> calls = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> load = new ArrayList<>();
        for (TestPhone caller : List.of(caller1, caller3)) {
            Thread t = new Thread(
                    () -> {
                        List<String> names = new ArrayList<>(callees.keySet());
                        int i = 0;
                        while (running.get()) {
                            String callee = names.get(i++ % names.size());
                            long start = System.nanoTime();
                            int status;
                            try {
                                status = caller.call("sip:" + callee + "@example.test");
                            } catch (Exception e) {
                                status = 0; // no final answer within the phone's wait
                            }
                            calls.add(new Call(callee, start, System.nanoTime(), status));
                        }
                    },
                    "calls-from-" + caller.user);
            t.start();
            load.add(t);
        }
        // REGISTER load: phones on the surviving nodes refresh their bindings all the time
        AtomicInteger registersOk = new AtomicInteger();
        AtomicInteger registersFailed = new AtomicInteger();
        Thread registering = new Thread(
                () -> {
                    List<TestPhone> refreshing = callees.entrySet().stream()
                            .filter(e -> homeNode.get(e.getKey()) != VICTIM)
                            .map(Map.Entry::getValue)
                            .toList();
                    int i = 0;
                    while (running.get()) {
                        try {
                            if (refreshing
                                            .get(i++ % refreshing.size())
                                            .register()
                                            .status()
                                    == 200) {
                                registersOk.incrementAndGet();
                            } else {
                                registersFailed.incrementAndGet();
                            }
                        } catch (Exception e) {
                            registersFailed.incrementAndGet();
                        }
                        pause(100);
                    }
                },
                "registering");
        registering.start();
        load.add(registering);

        pause(5_000);
        long killedAt = System.nanoTime();
        pool.killHard(VICTIM);
        pause(12_000);

        // TCP phones whose connection died with node 2 register again through node 1. A user whose
        // registrar entity lived on node 2 gets 503 until the cluster has moved it (the phone
        // retries, as phones do after a 503 with Retry-After); how long that takes is measured.
        long reRegisterStart = System.nanoTime();
        for (Map.Entry<String, Integer> e : homeNode.entrySet()) {
            int u = Integer.parseInt(e.getKey().substring(4));
            if (e.getValue() == VICTIM && u % 2 == 0) {
                PoolProcesses.NodeAddresses a = pool.node(1);
                TestPhone again = new TestPhone("tcp", a.host(), a.sipPort(), e.getKey(), e.getKey() + "-secret");
                phones.add(again);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                int status;
                while ((status = again.register().status()) != 200 && System.nanoTime() < deadline) {
                    pause(500);
                }
                assertThat(status)
                        .as("%s registers again through node 1", e.getKey())
                        .isEqualTo(200);
                again.autoAnswer();
                callees.get(e.getKey()).close();
            }
        }
        long reRegisteredAt = System.nanoTime();
        pause(5_000);

        long restartAt = System.nanoTime();
        pool.restart(VICTIM);
        long restartedAt = System.nanoTime();
        TestPhone returning = phone("tcp", VICTIM, "user15");
        returning.autoAnswer();
        int crossNode = caller1.call("sip:user15@example.test");
        pause(5_000);
        running.set(false);
        for (Thread t : load) {
            t.join(30_000);
        }

        // --- analysis
        List<Call> all = new ArrayList<>(calls);
        all.sort(Comparator.comparingLong(Call::start));
        List<Call> beforeKill = all.stream().filter(c -> c.end() < killedAt).toList();
        assertThat(beforeKill).as("calls before the kill").isNotEmpty().allMatch(c -> c.status() == 200);

        Map<String, Long> outageMillis = new LinkedHashMap<>();
        for (String callee : callees.keySet()) {
            int u = Integer.parseInt(callee.substring(4));
            boolean flowDied = homeNode.get(callee) == VICTIM && u % 2 == 0;
            long from = flowDied ? reRegisteredAt : killedAt;
            List<Call> mine = all.stream()
                    .filter(c -> c.callee().equals(callee) && c.start() >= from)
                    .toList();
            assertThat(mine)
                    .as("calls to %s after %s", callee, flowDied ? "it registered again" : "the kill")
                    .anyMatch(c -> c.status() == 200);
            // longest span from a failed call's start to the end of the next successful one
            long worst = 0;
            Long firstFailure = null;
            for (Call c : mine) {
                if (c.status() != 200 && firstFailure == null) {
                    firstFailure = c.start();
                } else if (c.status() == 200 && firstFailure != null) {
                    worst = Math.max(worst, c.end() - firstFailure);
                    firstFailure = null;
                }
            }
            // a call that took long but succeeded is an outage too (the caller waited)
            long slowestOk = mine.stream()
                    .filter(c -> c.status() == 200)
                    .mapToLong(c -> c.end() - c.start())
                    .max()
                    .orElse(0);
            outageMillis.put(callee, TimeUnit.NANOSECONDS.toMillis(Math.max(worst, slowestOk)));
        }
        long worstOutage =
                outageMillis.values().stream().mapToLong(Long::longValue).max().orElse(0);
        List<Call> afterRestart =
                all.stream().filter(c -> c.start() > restartedAt).toList();
        long failedAfterRestart =
                afterRestart.stream().filter(c -> c.status() != 200).count();
        long failedAfterKill = all.stream()
                .filter(c -> c.start() >= killedAt
                        && c.start() < reRegisteredAt
                        && c.status() != 200
                        && !(homeNode.get(c.callee()) == VICTIM
                                && Integer.parseInt(c.callee().substring(4)) % 2 == 0))
                .count();

        System.out.printf(
                """
                PoolCallFailoverTest: %d calls (%d before the kill), %d REGISTERs ok / %d failed
                  kill -9 of node %d: longest time a reachable callee could not be called (or a call took), per callee (ms): %s
                  worst: %d ms; failed calls to reachable callees between the kill and the re-registrations: %d
                  restart of node %d until ready and every node lists it Up: %d ms; cross-node call to a TCP phone on the restarted node: %d
                  calls after the restart: %d, failed %d
                  TCP phones of node %d registered again through node 1 after %d ms (kill + 12 s + this)
                """,
                all.size(),
                beforeKill.size(),
                registersOk.get(),
                registersFailed.get(),
                VICTIM,
                outageMillis,
                worstOutage,
                failedAfterKill,
                VICTIM,
                TimeUnit.NANOSECONDS.toMillis(restartedAt - restartAt),
                crossNode,
                afterRestart.size(),
                failedAfterRestart,
                VICTIM,
                TimeUnit.NANOSECONDS.toMillis(reRegisteredAt - reRegisterStart));

        assertThat(worstOutage).as("longest outage of a reachable callee (ms)").isLessThan(OUTAGE_BOUND.toMillis());
        assertThat(crossNode).as("call to a TCP phone on the restarted node").isEqualTo(200);
        assertThat(afterRestart).as("calls after the restart").isNotEmpty();
        assertThat(failedAfterRestart).as("failed calls after the restart").isZero();
        assertThat(registersOk.get()).isPositive();
        for (Map.Entry<String, TestPhone> e : callees.entrySet()) {
            assertThat(pool.adminGet(1, "/api/registrations?aor=sip:" + e.getKey() + "@example.test"))
                    .as("%s's binding after the kill", e.getKey())
                    .startsWith("200")
                    .contains(e.getKey() + "@127.0.0.1");
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

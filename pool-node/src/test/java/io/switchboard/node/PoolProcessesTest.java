package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.storage.testing.TestCassandra;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 3, failure tests, on three real pool-node processes over the test run's Cassandra. The fresh pool's
 * first 100 REGISTERs, 50 a second over its three nodes from the moment all are ready, all get 200 (issue 17,
 * item 4: no cold-start failures, {@link ColdBurst}). Then users register
 * on every node over UDP and TCP; {@code kill -9} of node 2 loses none of the acknowledged bindings, and
 * every AOR (also those whose registrar entity lived on node 2) is answered again by a surviving node
 * within a bounded time, which is measured and printed; node 2 then restarts, rejoins and registers again.
 * From the kill on, every AOR also REGISTERs through the survivors until accepted: the time to each AOR's
 * first 200 is printed (issue 17, item 5: under 5 s), and every binding that got a 200, before or after
 * the kill, must be listed afterwards.
 */
@Tag("failure")
class PoolProcessesTest {

    static final Path DIR = Path.of("target", "pool-processes", "PoolProcessesTest");
    static final Duration WAIT = Duration.ofSeconds(10);
    static final int VICTIM = 2;
    /** The bound the test enforces; the issue's aim (5 s) is what gets measured and reported. */
    static final Duration RECOVERY_BOUND = Duration.ofSeconds(60);

    PoolProcesses pool;

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.close();
        }
    }

    @Test
    void kill_9_of_a_node_loses_no_acknowledged_binding_and_the_node_rejoins() throws Exception {
        PoolProcesses.wipe(DIR);
        String keyspace = "pool_processes";
        TestCassandra.session(keyspace); // a fresh, empty keyspace
        long t0 = System.nanoTime();
        pool = PoolProcesses.start(DIR, 3, PoolProcesses.Storage.shared(keyspace), nodeFlags());
        long startMillis = millisSince(t0);

        // Issue 17, item 4: a freshly formed pool's first REGISTERs, at once after every node is ready
        ColdBurst burst = new ColdBurst(pool);
        burst.run();
        assertThat(burst.failures)
                .as(
                        "the first %d REGISTERs of a fresh pool, %d a second over its 3 nodes",
                        ColdBurst.COUNT, ColdBurst.RATE)
                .isEmpty();

        // Every user registers on one node, round robin, alternating UDP and TCP.
        Map<String, String> acknowledged = new LinkedHashMap<>();
        for (int u = 1; u <= PoolProcesses.USERS; u++) {
            int n = (u - 1) % 3 + 1;
            String transport = (u % 2 == 0) ? "tcp" : "udp";
            String user = "user" + u;
            PoolProcesses.NodeAddresses a = pool.node(n);
            try (SipTestClient c = new SipTestClient(transport, a.host(), a.sipPort())) {
                SipTestClient.Response ok = RegistrarSipTest.registerWith(
                        c, user, user + "-secret", List.of("Contact: <" + c.contactUri(user) + ">"));
                assertThat(ok.status())
                        .as("REGISTER of %s over %s on node %d", user, transport, n)
                        .isEqualTo(200);
                acknowledged.put("sip:" + user + "@" + PoolProcesses.DOMAIN, c.contactUri(user));
            }
        }
        long rssBefore = pool.rssBytes(1) + pool.rssBytes(2) + pool.rssBytes(3);

        long killedAt = System.nanoTime();
        pool.killHard(VICTIM);

        // REGISTERs through the survivors from the kill on, beside the listing below
        RegisterRecovery registers = new RegisterRecovery(acknowledged.keySet(), killedAt);
        Thread registering = new Thread(registers::run, "register-after-kill");
        registering.start();
        Map<String, Long> recoveredAfter = awaitEveryBindingThroughSurvivors(acknowledged, killedAt);
        registering.join(RECOVERY_BOUND.plus(WAIT).toMillis());
        assertThat(registers.firstAccepted.keySet())
                .as("AORs whose REGISTER a surviving node accepted within %s of the kill", RECOVERY_BOUND)
                .containsExactlyInAnyOrderElementsOf(acknowledged.keySet());
        // zero acknowledged loss: every contact that got a 200, before or after the kill, is listed
        Map<String, java.util.Set<String>> everyAcknowledged = new LinkedHashMap<>();
        acknowledged.forEach((aor, contact) -> everyAcknowledged
                .computeIfAbsent(aor, k -> ConcurrentHashMap.newKeySet())
                .add(contact));
        registers.acknowledged.forEach((aor, contacts) -> everyAcknowledged
                .computeIfAbsent(aor, k -> ConcurrentHashMap.newKeySet())
                .addAll(contacts));
        burst.acknowledged.forEach((aor, contacts) -> everyAcknowledged
                .computeIfAbsent(aor, k -> ConcurrentHashMap.newKeySet())
                .addAll(contacts));
        for (Map.Entry<String, java.util.Set<String>> e : everyAcknowledged.entrySet()) {
            String listing = pool.adminGet(1, "/api/registrations?aor=" + e.getKey());
            for (String contact : e.getValue()) {
                assertThat(listing)
                        .as("acknowledged binding %s of %s after the kill", contact, e.getKey())
                        .startsWith("200")
                        .contains(contact);
            }
        }
        List<Long> registerTimes =
                registers.firstAccepted.values().stream().sorted().toList();
        assertThat(recoveredAfter.keySet())
                .as("AORs whose acknowledged binding a surviving node lists within %s", RECOVERY_BOUND)
                .containsExactlyInAnyOrderElementsOf(acknowledged.keySet());
        long slowest = recoveredAfter.values().stream()
                .mapToLong(Long::longValue)
                .max()
                .orElse(0);
        List<Map.Entry<String, Long>> late = recoveredAfter.entrySet().stream()
                .filter(e -> e.getValue() > 1000)
                .sorted(Map.Entry.comparingByValue())
                .toList();

        long restartStart = System.nanoTime();
        pool.restart(VICTIM);
        long restartMillis = millisSince(restartStart);
        for (String transport : List.of("udp", "tcp")) {
            PoolProcesses.NodeAddresses a = pool.node(VICTIM);
            try (SipTestClient c = new SipTestClient(transport, a.host(), a.sipPort())) {
                SipTestClient.Response ok = RegistrarSipTest.registerWith(
                        c, "user1", "user1-secret", List.of("Contact: <" + c.contactUri("user1-again") + ">"));
                assertThat(ok.status())
                        .as("REGISTER over %s through the restarted node", transport)
                        .isEqualTo(200);
                assertThat(pool.adminGet(1, "/api/registrations?aor=sip:user1@example.test"))
                        .startsWith("200")
                        .contains(c.contactUri("user1-again"));
            }
        }
        for (Map.Entry<String, String> e : acknowledged.entrySet()) {
            assertThat(pool.adminGet(VICTIM, "/api/registrations?aor=" + e.getKey()))
                    .as("%s through the restarted node", e.getKey())
                    .startsWith("200")
                    .contains(e.getValue());
        }

        System.out.printf(
                """
                Pool of 3 processes: ready in %d ms; RSS of the 3 node JVMs %d MiB
                  its first %d REGISTERs (%d/s over the 3 nodes, at once after ready): all 200, slowest %d ms
                  kill -9 of node %d: every one of %d acknowledged bindings listed by a surviving node again after at most %d ms
                  AORs unanswered for more than 1 s after the kill (their entity lived on node %d): %d %s
                  REGISTER after the kill (a new attempt per AOR every %d ms through a survivor until one gets 200):
                    first 200 after at most %d ms (the kill itself, until the process is gone, is in every figure);
                    per AOR, slowest last (those of node %d are the slow ones): %s
                    %d REGISTERs acknowledged after the kill, %d answered otherwise (503 or no answer in %s)
                  restart of node %d until /health/ready and every node lists it Up: %d ms
                %s""",
                startMillis,
                rssBefore >> 20,
                ColdBurst.COUNT,
                ColdBurst.RATE,
                burst.slowestMillis.get(),
                VICTIM,
                acknowledged.size(),
                slowest,
                VICTIM,
                late.size(),
                late,
                RegisterRecovery.EVERY_MS,
                registers.firstAccepted.values().stream()
                        .mapToLong(Long::longValue)
                        .max()
                        .orElse(0),
                VICTIM,
                registerTimes,
                registers.accepted.get(),
                registers.refused.get(),
                WAIT,
                VICTIM,
                restartMillis,
                clusterEvents(1));
    }

    /**
     * Issue 17, item 4 ("a freshly formed 3-node pool fails 14 of its first 100 REGISTERs at 50/s with
     * 503"): {@link #COUNT} REGISTERs with digest, open loop at {@link #RATE} a second, over UDP to the
     * three nodes in turn, from the pool's users in turn (a client per user and node, so each user has
     * at most three of these bindings). Every one must get 200: a fresh pool serves at its normal
     * latency from the moment it says ready, and never answers "failed" for a write it made (each
     * 200's contact is checked in the listing at the end of the test).
     */
    static final class ColdBurst {
        static final int COUNT = 100;
        static final int RATE = 50;

        final PoolProcesses pool;
        final Map<String, String> failures = new ConcurrentHashMap<>();
        final Map<String, java.util.Set<String>> acknowledged = new ConcurrentHashMap<>();
        final java.util.concurrent.atomic.AtomicLong slowestMillis = new java.util.concurrent.atomic.AtomicLong();
        private final Map<String, SipTestClient> clients = new ConcurrentHashMap<>();

        ColdBurst(PoolProcesses pool) {
            this.pool = pool;
        }

        void run() throws Exception {
            ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
            java.util.concurrent.ExecutorService work = Executors.newCachedThreadPool();
            List<java.util.concurrent.Future<?>> sent = new java.util.ArrayList<>();
            try {
                for (int k = 0; k < COUNT; k++) {
                    int request = k;
                    sent.add(clock.schedule(
                            () -> work.submit(() -> register(request)), k * 1000L / RATE, TimeUnit.MILLISECONDS));
                }
                for (java.util.concurrent.Future<?> f : sent) {
                    ((java.util.concurrent.Future<?>) f.get()).get(60, TimeUnit.SECONDS);
                }
            } finally {
                clock.shutdownNow();
                work.shutdownNow();
                for (SipTestClient c : clients.values()) {
                    c.close();
                }
            }
        }

        private void register(int k) {
            int u = k % PoolProcesses.USERS + 1;
            int n = k % 3 + 1;
            String user = "user" + u;
            long start = System.nanoTime();
            try {
                PoolProcesses.NodeAddresses a = pool.node(n);
                SipTestClient c = clients.computeIfAbsent(user + "@" + n, key -> {
                    try {
                        return new SipTestClient("udp", a.host(), a.sipPort());
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                SipTestClient.Response ok;
                synchronized (c) { // one REGISTER at a time per client (its CSeq and its answers)
                    ok = RegistrarSipTest.registerWith(
                            c, user, user + "-secret", List.of("Contact: <" + c.contactUri(user) + ">"));
                }
                if (ok.status() != 200) {
                    failures.put("REGISTER " + k + " of " + user + " on node " + n, ok.status() + " " + ok.reason());
                } else {
                    acknowledged
                            .computeIfAbsent(
                                    "sip:" + user + "@" + PoolProcesses.DOMAIN, x -> ConcurrentHashMap.newKeySet())
                            .add(c.contactUri(user));
                }
            } catch (Throwable e) { // an assertion in registerWith (no 401) or no answer at all
                failures.put("REGISTER " + k + " of " + user + " on node " + n, e.toString());
            } finally {
                slowestMillis.accumulateAndGet(millisSince(start), Math::max);
            }
        }
    }

    /**
     * Asks the surviving nodes, every 250 ms and without waiting for earlier answers, for each AOR's bindings
     * until each lists its acknowledged contact; returns milliseconds from the kill to that answer per AOR.
     */
    private Map<String, Long> awaitEveryBindingThroughSurvivors(Map<String, String> acknowledged, long killedAt)
            throws InterruptedException {
        Map<String, Long> recovered = new ConcurrentHashMap<>();
        List<Integer> survivors = Stream.of(1, 2, 3).filter(n -> n != VICTIM).toList();
        AtomicInteger round = new AtomicInteger();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        try {
            ticker.scheduleAtFixedRate(
                    () -> {
                        int node = survivors.get(round.getAndIncrement() % survivors.size());
                        for (Map.Entry<String, String> e : acknowledged.entrySet()) {
                            if (recovered.containsKey(e.getKey())) {
                                continue;
                            }
                            pool.adminGetAsync(node, "/api/registrations?aor=" + e.getKey(), WAIT)
                                    .thenAccept(answer -> {
                                        if (answer.startsWith("200") && answer.contains(e.getValue())) {
                                            recovered.putIfAbsent(e.getKey(), millisSince(killedAt));
                                        }
                                    });
                        }
                    },
                    0,
                    250,
                    TimeUnit.MILLISECONDS);
            long deadline = killedAt + RECOVERY_BOUND.toNanos();
            while (recovered.size() < acknowledged.size() && System.nanoTime() - deadline < 0) {
                Thread.sleep(50);
            }
        } finally {
            ticker.shutdownNow();
        }
        return Map.copyOf(recovered);
    }

    /**
     * From the kill on, starts a REGISTER (digest, UDP, alternating survivors) for every AOR
     * every {@link #EVERY_MS} ms without waiting for earlier ones, until one of that AOR's gets a 200:
     * the time from the kill to the first 200 is the AOR's recovery time as a client sees it, not
     * quantised by the ask timeout of attempts sent while the entity had no home. Every contact that got a
     * 200 is remembered, to be read back afterwards.
     */
    final class RegisterRecovery {
        static final int EVERY_MS = 200;
        final Map<String, Long> firstAccepted = new ConcurrentHashMap<>();
        final Map<String, java.util.Set<String>> acknowledged = new ConcurrentHashMap<>();
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger refused = new AtomicInteger();
        private final java.util.Set<String> aors;
        private final long killedAt;

        RegisterRecovery(java.util.Set<String> aors, long killedAt) {
            this.aors = aors;
            this.killedAt = killedAt;
        }

        void run() {
            List<Integer> survivors =
                    Stream.of(1, 2, 3).filter(n -> n != VICTIM).toList();
            java.util.concurrent.ExecutorService attempts = Executors.newCachedThreadPool();
            AtomicInteger sequence = new AtomicInteger();
            long deadline = killedAt + RECOVERY_BOUND.toNanos();
            try {
                while (firstAccepted.size() < aors.size() && System.nanoTime() - deadline < 0) {
                    for (String aor : aors) {
                        if (firstAccepted.containsKey(aor)) {
                            continue;
                        }
                        int k = sequence.incrementAndGet();
                        int node = survivors.get(k % survivors.size());
                        attempts.execute(() -> attempt(aor, node, k));
                    }
                    Thread.sleep(EVERY_MS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                attempts.shutdown();
                try {
                    attempts.awaitTermination(WAIT.toSeconds() + 5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private void attempt(String aor, int node, int k) {
            String user = aor.substring("sip:".length(), aor.indexOf('@'));
            PoolProcesses.NodeAddresses a = pool.node(node);
            try (SipTestClient c = new SipTestClient("udp", a.host(), a.sipPort())) {
                // one contact per AOR for all its attempts: each 200 refreshes the same binding, whichever
                // attempt it answers, so max-bindings is never reached (RFC 3261 section 10.3, step 7)
                String contact = "sip:" + user + "-after@127.0.0.1:5999";
                SipTestClient.Response r =
                        RegistrarSipTest.registerWith(c, user, user + "-secret", List.of("Contact: <" + contact + ">"));
                if (r.status() == 200) {
                    accepted.incrementAndGet();
                    acknowledged
                            .computeIfAbsent(aor, x -> ConcurrentHashMap.newKeySet())
                            .add(contact);
                    firstAccepted.putIfAbsent(aor, millisSince(killedAt));
                } else {
                    refused.incrementAndGet();
                }
            } catch (Exception | AssertionError e) {
                refused.incrementAndGet(); // no answer in time, or a 503 to the challenge step
            }
        }
    }

    /** The cluster's view of the kill, from a survivor's log: unreachable, SBR decision, removal, shards. */
    private String clusterEvents(int n) throws IOException {
        try (Stream<String> lines = Files.lines(pool.log(n))) {
            return lines.filter(l -> l.contains("nreachable")
                            || l.contains("SBR")
                            || l.contains("Downing")
                            || l.contains("removing")
                            || l.contains("Removed")
                            || l.contains("is JOINING")
                            || l.contains("Starting shard")
                            || l.contains("Marking"))
                    .map(l -> "  " + l + "\n")
                    .reduce("", String::concat);
        }
    }

    /**
     * Extra flags for the node JVMs from {@code -Dpool.node-flags="..."} (space separated), to measure
     * other settings, e.g. {@code -Dswitchboard.cluster.failover.down-crashed-members=false}.
     */
    private static List<String> nodeFlags() {
        String flags = System.getProperty("pool.node-flags", "").trim();
        return flags.isEmpty() ? List.of() : List.of(flags.split("\\s+"));
    }

    private static long millisSince(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }
}

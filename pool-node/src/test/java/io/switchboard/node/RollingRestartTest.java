package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.storage.testing.TestCassandra;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
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
 * Cassandra, with {@code switchboard.sip.pool-fqdn} set; while each node in turn gets SIGTERM (it drains:
 * not ready, new dialogs 503 with Retry-After, in-flight transactions finish, shards handed over, cluster
 * left; io.switchboard.node.Drain), exits, and is started again, the test's {@value #USERS} users keep up
 * a steady load:
 *
 * <ul>
 *   <li>REGISTER: each user re-registers every 1.5 s;</li>
 *   <li>calls: a new one every {@link #CALL_EVERY} between two users (INVITE with digest, the callee
 *       answers, ACK, held {@link #HOLD}, BYE);</li>
 *   <li>presence: {@value #WATCHERS} users each hold a SUBSCRIBE dialog (Event: presence) to another,
 *       refreshed every {@link #REFRESH_EVERY}, every refresh answered with a NOTIFY.</li>
 * </ul>
 *
 * <p>The users ({@link PoolClient}, one UDP socket each) behave as RFC 3263 section 4.3 clients of a pool
 * published as three targets: each request starts at the user's own node and, on a 503 (RFC 3261
 * section 21.5.4: that server last, and not before its Retry-After has passed) or no answer within 3 s
 * (a node that is down; then that server last for {@value #DOWN_SECONDS} s), goes to the next node as a
 * new transaction. In-dialog requests follow the dialog: the Record-Route and the presence Contact name
 * the pool ({@value #POOL_FQDN}), which the clients resolve to the three nodes, so the BYE or refresh of a
 * dialog set up through a node that has since drained and gone reaches another node, which verifies the
 * pool's signed Record-Route and routes it on (io.switchboard.sip.routing.ProxyIdentity). Without the
 * setting those requests would follow the old node's address and get no answer.
 *
 * <p>A registration fails when every node was tried once without a 200; a call when its INVITE or BYE
 * got no 200 after that failover, or its ACK never reached the callee (a lost ACK shows as the callee's
 * 200 again, which the caller ACKs anew through the then first node); a subscription when its refresh
 * got no 200 after failover, a NOTIFY terminated it, or no NOTIFY followed its last refresh. The test
 * asserts none failed and that every user's binding is present at the end, and prints each node's drain
 * time (from the node's log), the time from SIGTERM to exit, the counts of registrations, calls,
 * refreshes and NOTIFYs, and how often in-dialog requests were served by another node than before.
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

    /** The pool's DNS name (switchboard.sip.pool-fqdn), which the clients resolve to the three nodes. */
    static final String POOL_FQDN = "pool.example.test";
    /** A call starts this often (2 a second), between two of the test's users, and is held this long. */
    static final Duration CALL_EVERY = Duration.ofMillis(500);

    static final Duration HOLD = Duration.ofMillis(1500);
    /** Users 1..WATCHERS watch users WATCHERS+1.., each subscription refreshed every REFRESH_EVERY. */
    static final int WATCHERS = 8;

    static final Duration REFRESH_EVERY = Duration.ofSeconds(4);
    static final int SUBSCRIPTION_EXPIRES = 60; // presence.subscription.min-expires

    PoolProcesses pool;
    ScheduledExecutorService load;
    ScheduledExecutorService timers;
    java.util.concurrent.ExecutorService callers;
    final List<PoolClient> clients = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (ExecutorService e : java.util.Arrays.asList(load, callers, timers)) {
            if (e != null) {
                e.shutdownNow();
                e.awaitTermination(10, TimeUnit.SECONDS);
            }
        }
        clients.forEach(PoolClient::close);
        if (pool != null) {
            pool.close();
        }
    }

    final Map<Integer, String> acknowledged = new ConcurrentHashMap<>();
    final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    final List<String> callFailures = java.util.Collections.synchronizedList(new ArrayList<>());
    final List<String> subscriptionFailures = java.util.Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger ok = new AtomicInteger();
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger callsDone = new AtomicInteger();
    final AtomicInteger refreshes = new AtomicInteger();
    final AtomicInteger unavailable = new AtomicInteger();
    final AtomicInteger timeouts = new AtomicInteger();

    /** One registration: every node once, in this phone's order (PoolClient#order), until a 200. */
    void register(PoolClient phone) {
        List<String> tried = new ArrayList<>();
        PoolClient.Attempt attempt = node -> phone.registerAt(node, 600);
        TestPhone.Msg r = phone.withFailover(phone.order(), attempt, tried);
        if (r != null && r.status() == 200) {
            ok.incrementAndGet();
            acknowledged.put(phone.user, phone.contact());
        } else {
            failures.add(phone.name + " at " + java.time.Instant.now() + " " + tried);
        }
    }

    /** Call number {@code k}: from one user to another, spread over all pairs. */
    void call(int k) {
        PoolClient caller = clients.get(k % USERS);
        PoolClient callee = clients.get((k * 7 + 5) % USERS == k % USERS ? (k + 1) % USERS : (k * 7 + 5) % USERS);
        calls.incrementAndGet();
        try {
            String failure = caller.call(callee, HOLD);
            if (failure == null) {
                callsDone.incrementAndGet();
            } else {
                callFailures.add(caller.name + " at " + java.time.Instant.now() + ": " + failure);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            callFailures.add(caller.name + ": " + e);
        }
    }

    void refresh(PoolClient watcher, PoolClient.Watch w) {
        List<String> tried = new ArrayList<>();
        TestPhone.Msg r = watcher.refresh(w, SUBSCRIPTION_EXPIRES, tried);
        if (r != null && r.status() == 200) {
            refreshes.incrementAndGet();
        } else {
            subscriptionFailures.add(watcher.name + " watching " + w.presentity + ": refresh at "
                    + java.time.Instant.now() + " " + tried);
        }
    }

    @Test
    void sigterm_and_restart_of_each_node_in_turn_under_register_call_and_subscribe_load_fails_nothing()
            throws Exception {
        PoolProcesses.wipe(DIR);
        String keyspace = "rolling_restart";
        TestCassandra.session(keyspace); // a fresh, empty keyspace
        pool = PoolProcesses.start(
                DIR,
                3,
                PoolProcesses.Storage.shared(keyspace),
                // node-1 is the first seed: restarted, it forms a cluster of its own unless another seed
                // answers within seed-node-timeout (5 s by default), which a loaded two-core machine can
                // miss (deploy/k8s/README.md, "Cluster formation"); the Kubernetes API bootstrap has no
                // first seed.
                List.of(
                        "-Dpekko.cluster.seed-node-timeout=30s",
                        // Record-Route and presence Contact name the pool, so in-dialog requests fail over
                        "-Dswitchboard.sip.pool-fqdn=" + POOL_FQDN));

        long began = System.nanoTime();
        load = Executors.newScheduledThreadPool(6);
        timers = Executors.newScheduledThreadPool(1);
        callers = Executors.newFixedThreadPool(8);
        for (int u = 1; u <= USERS; u++) {
            clients.add(new PoolClient(u, pool, POOL_FQDN, ANSWER_WAIT, DOWN_SECONDS, timers, unavailable, timeouts));
        }
        for (PoolClient phone : clients) {
            long offset = PERIOD.toMillis() * phone.user / USERS; // spread the users over the period
            load.scheduleWithFixedDelay(() -> register(phone), offset, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        }
        for (int i = 0; i < 300 && acknowledged.size() < USERS; i++) {
            Thread.sleep(100); // the first REGISTERs of a fresh pool start their entities
        }
        assertThat(acknowledged)
                .as("every user registered before the first restart")
                .hasSize(USERS);

        // presence subscriptions, refreshed all through the roll
        long subscribing = System.nanoTime();
        Map<PoolClient.Watch, PoolClient> watches = new java.util.LinkedHashMap<>();
        for (int u = 0; u < WATCHERS; u++) {
            PoolClient watcher = clients.get(u);
            List<String> tried = new ArrayList<>();
            PoolClient.Watch w = watcher.subscribe(clients.get(u + USERS / 2).aor(), SUBSCRIPTION_EXPIRES, tried);
            assertThat(w)
                    .as("%s's SUBSCRIBE before the roll: %s", watcher.name, tried)
                    .isNotNull();
            // the Contact names the pool (switchboard.sip.pool-fqdn), so refreshes reach any node
            assertThat(w.remoteTarget).startsWith("sip:" + POOL_FQDN);
            watches.put(w, watcher);
            long offset = REFRESH_EVERY.toMillis() * u / WATCHERS;
            load.scheduleWithFixedDelay(
                    () -> refresh(watcher, w), offset, REFRESH_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        }
        long subscribed = System.nanoTime();
        // calls, a new one every CALL_EVERY
        AtomicInteger next = new AtomicInteger();
        java.util.concurrent.ScheduledFuture<?> calling = load.scheduleAtFixedRate(
                () -> {
                    int k = next.getAndIncrement();
                    callers.execute(() -> call(k));
                },
                0,
                CALL_EVERY.toMillis(),
                TimeUnit.MILLISECONDS);

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
        calling.cancel(false);
        load.shutdown();
        assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        long rolled = System.nanoTime();
        callers.shutdown();
        assertThat(callers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        // every subscription's last refresh was answered with a NOTIFY (RFC 6665 section 4.2.1.2)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (PoolClient.Watch w : watches.keySet()) {
            while (w.lastNotify - w.lastRefresh < 0 && System.nanoTime() - deadline < 0) {
                Thread.sleep(100);
            }
        }

        // what calls and subscriptions add to the test's time: the SUBSCRIBEs before the roll, and the
        // calls under way and the last refreshes' NOTIFYs after it
        long addedMillis = (subscribed - subscribing + System.nanoTime() - rolled) / 1_000_000;
        int notifies = watches.keySet().stream().mapToInt(w -> w.notifies.get()).sum();
        int byesElsewhere =
                clients.stream().mapToInt(c -> c.byesElsewhere.get()).sum();
        int refreshesElsewhere =
                clients.stream().mapToInt(c -> c.refreshesElsewhere.get()).sum();
        int acksAgain = clients.stream().mapToInt(c -> c.acksAgain.get()).sum();
        System.out.println("[RollingRestartTest] " + ok.get() + " registrations acknowledged; " + callsDone.get()
                + " of " + calls.get() + " calls done (" + byesElsewhere + " BYEs served by another node than the"
                + " INVITE, " + acksAgain + " ACKs sent again); " + watches.size() + " subscriptions refreshed "
                + refreshes.get() + " times (" + refreshesElsewhere + " by another node than before), " + notifies
                + " NOTIFYs; clients failed over after " + unavailable.get() + " 503s and " + timeouts.get()
                + " unanswered attempts; load and checks " + (System.nanoTime() - began) / 1_000_000
                + " ms, of which calls and subscriptions added " + addedMillis + " ms");
        report.forEach(line -> System.out.println("[RollingRestartTest] " + line));
        assertThat(failures).as("registrations that no node acknowledged").isEmpty();
        assertThat(callFailures).as("calls that failed").isEmpty();
        assertThat(subscriptionFailures)
                .as("subscription refreshes that no node answered 200")
                .isEmpty();
        assertThat(callsDone.get()).as("calls done").isGreaterThan(0);
        for (Map.Entry<PoolClient.Watch, PoolClient> e : watches.entrySet()) {
            PoolClient.Watch w = e.getKey();
            assertThat(w.terminated)
                    .as("%s's subscription to %s was not terminated", e.getValue().name, w.presentity)
                    .isNull();
            assertThat(w.lastNotify - w.lastRefresh)
                    .as(
                            "%s's subscription to %s got a NOTIFY after its last refresh (%d NOTIFYs in all)",
                            e.getValue().name, w.presentity, w.notifies.get())
                    .isGreaterThanOrEqualTo(0);
        }
        for (Map.Entry<Integer, String> e : acknowledged.entrySet()) {
            String aor = "sip:user" + e.getKey() + "@" + PoolProcesses.DOMAIN;
            assertThat(pool.adminGet(1 + e.getKey() % 3, "/api/registrations?aor=" + aor))
                    .as("binding of %s after the rolling restart", aor)
                    .startsWith("200")
                    .contains(e.getValue());
        }
    }
}

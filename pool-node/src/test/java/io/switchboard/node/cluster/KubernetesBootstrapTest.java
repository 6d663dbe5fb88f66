package io.switchboard.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.storage.testing.TestPorts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster bootstrap through the Kubernetes API ({@code cluster.discovery = kubernetes-api}) and the
 * split-brain resolver's {@code lease-majority} with the Kubernetes lease, against a stub API server
 * ({@link StubKubernetesApi}: HTTPS with a test CA, a token file per node, the pods of a label selector,
 * Lease custom resources with resourceVersion conflicts), with one set of three node processes
 * ({@link BootstrapNodeMain}: the actor system a node builds, nothing else):
 *
 * <ol>
 *   <li>started two seconds apart, with no seed nodes, they form exactly one cluster;
 *   <li>a real network cut ({@link LoopbackPartition}) isolates node 1 from nodes 2 and 3 and from the API
 *       server: nodes 2 and 3, the majority, take the lease and down node 1; node 1 cannot take it (it cannot
 *       reach the API server), downs itself and exits with {@link ExitWhenDowned#EXIT_STATUS}, so that its pod
 *       is restarted (README, "Cluster settings"); {@code pool status} asked of a survivor lists the two, Up;
 *   <li>node 1 started again while it still cannot reach the API server forms no cluster of its own and joins
 *       nobody (bootstrap finds no pods); once it reaches the API server, it joins the cluster that stayed.
 * </ol>
 */
class KubernetesBootstrapTest {

    private static final String NAMESPACE = "switchboard-test";
    private static final String SELECTOR = "app.kubernetes.io/name=switchboard,app.kubernetes.io/component=pool-node";
    private static final String[] HOSTS = {"127.0.0.41", "127.0.0.42", "127.0.0.43"};
    /** Each node's uid, so the partition can tell their packets apart (LoopbackPartition). */
    private static final int[] UIDS = {61041, 61042, 61043};
    /** switchboard.cluster.lease-majority.lease-name's default */
    private static final String LEASE = "switchboard-pekko-sbr";

    private static final String ADMIN_TOKEN = "bootstrap-test-admin-token";

    private final Process[] nodes = new Process[HOSTS.length];
    private final LoopbackPartition partition = new LoopbackPartition("switchboard_bootstrap_test");
    private StubKubernetesApi api;
    private int[] adminPorts;

    @AfterEach
    void stop() throws Exception {
        try {
            for (Process p : nodes) {
                if (p != null) {
                    p.destroy();
                }
            }
            for (Process p : nodes) {
                if (p != null && !p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        } finally {
            partition.close();
            if (api != null) {
                api.close();
            }
        }
    }

    @Test
    void threeNodesFormOneClusterAndLeaseMajorityKeepsOnlyTheSideWithTheLease(@TempDir Path tmp) throws Exception {
        LoopbackPartition.requireAvailable();
        // the nodes run as other users: they read the CA, token and config files here (Pekko checks that
        // a file exists with access(2), which a capability to read any file does not pass)
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        int[] clusterPorts = new int[HOSTS.length];
        int[] managementPorts = new int[HOSTS.length];
        adminPorts = new int[HOSTS.length];
        for (int i = 0; i < HOSTS.length; i++) {
            clusterPorts[i] = freePort(HOSTS[i]);
            managementPorts[i] = freePort(HOSTS[i]);
            adminPorts[i] = freePort(HOSTS[i]);
        }
        List<String> clients = IntStream.range(0, HOSTS.length)
                .mapToObj(i -> "node-" + (i + 1))
                .toList();
        api = new StubKubernetesApi(tmp, NAMESPACE, SELECTOR, clients);
        api.servePods(podList(managementPorts));

        // 1. formation
        List<BlockingLines> outputs = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < HOSTS.length; i++) {
            if (i > 0) {
                Thread.sleep(2000); // staggered starts, as pods of a StatefulSet come up
            }
            outputs.add(startNode(tmp, i, clusterPorts, managementPorts));
        }
        // every node sees the same three Up members: one cluster, not two that formed apart
        List<Integer> all = IntStream.range(0, HOSTS.length).boxed().toList();
        String three = upLine(all, clusterPorts);
        for (BlockingLines out : outputs) {
            out.awaitLine(three::equals, 90);
        }
        System.out.printf("one cluster of %d after %.1f s from the first start%n", HOSTS.length, seconds(start));
        assertThat(api.requests().keySet())
                .as("pods were listed with each node's service account token")
                .contains(clients.stream()
                        .map(c -> c + " 200 GET /api/v1/namespaces/" + NAMESPACE + "/pods")
                        .toArray(String[]::new));
        assertThat(api.refused()).as("requests the stub refused").isEmpty();
        assertThat(api.leaseOwner(LEASE))
                .as("only a partition asks for the lease")
                .isNull();

        // 2. node 1 cut off from nodes 2 and 3 (their remoting ports, both ways) and from the API server
        partition.drop(List.of(UIDS[0]), List.of(clusterPorts[1], clusterPorts[2], api.port()));
        partition.drop(List.of(UIDS[1], UIDS[2]), List.of(clusterPorts[0]));
        long cut = System.nanoTime();
        assertThat(nodes[0].waitFor(120, TimeUnit.SECONDS))
                .as("the cut-off node exits; its log:\n%s", outputs.get(0).text())
                .isTrue();
        double minorityExit = seconds(cut);
        assertThat(nodes[0].exitValue()).as(outputs.get(0).text()).isEqualTo(ExitWhenDowned.EXIT_STATUS);
        for (int i = 0; i < HOSTS.length; i++) {
            System.out.printf(
                    "node %d's split-brain resolver:%n%s", i + 1, outputs.get(i).linesWith("SBR"));
        }
        assertThat(outputs.get(0).linesWith("SBR"))
                .as("node 1 downed itself because it could not take the lease (Pekko's log)")
                .contains("SBR acquire of lease failed");
        String two = upLine(List.of(1, 2), clusterPorts);
        long alone = 0;
        for (int i = 1; i < HOSTS.length; i++) {
            outputs.get(i).awaitLine(two::equals, 120);
            alone = Math.max(alone, outputs.get(i).lastMatchAt());
        }
        double majorityAlone = (alone - cut) / 1e9;
        // what an operator sees: pool status, asked of a survivor, lists the two, both Up (exit code 0)
        String status = poolStatus(1, 0);
        assertThat(status).contains("2 members, 2 Up");
        assertThat(status).contains("@" + HOSTS[1] + ":" + clusterPorts[1], "@" + HOSTS[2] + ":" + clusterPorts[2]);
        assertThat(status).doesNotContain("@" + HOSTS[0] + ":");
        System.out.printf(
                "after the cut: node 1 exited after %.1f s; nodes 2 and 3 saw only each other Up after %.1f s%n",
                minorityExit, majorityAlone);
        List<String> majority = List.of(hostPort(1, clusterPorts), hostPort(2, clusterPorts));
        List<StubKubernetesApi.LeaseWrite> writes = api.leaseWrites();
        assertThat(api.leaseOwner(LEASE)).as("lease writes: %s", writes).isIn(majority);
        assertThat(writes)
                .as("every lease write came from the majority, and named no one else")
                .isNotEmpty()
                .allSatisfy(w -> {
                    assertThat(w.client()).isIn("node-2", "node-3");
                    assertThat(w.owner())
                            .isIn("", hostPort(Integer.parseInt(w.client().substring(5)) - 1, clusterPorts));
                });
        assertThat(api.requests().keySet())
                .as("node 1 could not reach the API server")
                .noneMatch(r -> r.startsWith("node-1 ") && r.contains("/leases"));

        // 3. node 1 started again, still without the API server: alone, it forms nothing and joins nobody
        partition.heal();
        partition.drop(List.of(UIDS[0]), List.of(api.port()));
        BlockingLines restarted = startNode(tmp, 0, clusterPorts, managementPorts);
        restarted.awaitLine("STARTED"::equals, 90);
        // 6 s: twice what it takes to join once it reaches the API server (2-3 s, measured below)
        restarted.assertNoLine(l -> l.startsWith("UP "), 6);
        for (int i = 1; i < HOSTS.length; i++) {
            outputs.get(i).assertNoLine(l -> l.startsWith("UP "), 0);
        }
        // once it reaches the API server, it joins the cluster that stayed: again one cluster of three
        partition.heal();
        long healed = System.nanoTime();
        restarted.awaitLine(three::equals, 90);
        for (int i = 1; i < HOSTS.length; i++) {
            outputs.get(i).awaitLine(three::equals, 90);
        }
        System.out.printf("node 1 back in the cluster %.1f s after it could reach the API server%n", seconds(healed));
        assertThat(poolStatus(0, 0)).contains("3 members, 3 Up");
        System.out.printf("lease writes: %s; requests: %s%n", writes, api.requests());
    }

    private BlockingLines startNode(Path tmp, int i, int[] clusterPorts, int[] managementPorts) throws IOException {
        Path token = StubKubernetesApi.tokenFile(tmp, "node-" + (i + 1));
        Path ca = StubKubernetesApi.caFile(tmp);
        Path pekko = tmp.resolve("pekko-" + (i + 1) + ".conf");
        Files.writeString(pekko, """
                pekko.discovery.kubernetes-api {
                  api-ca-path = "%s"
                  api-token-path = "%s"
                  api-service-host-env-name = "SWITCHBOARD_TEST_K8S_HOST"
                  api-service-port-env-name = "SWITCHBOARD_TEST_K8S_PORT"
                  pod-namespace = "%s"
                }
                """.formatted(ca, token, NAMESPACE));
        // the split-brain resolver through our own settings, as an operator writes them
        Path switchboard = tmp.resolve("switchboard-" + (i + 1) + ".conf");
        Files.writeString(switchboard, """
                switchboard.admin { bind-address = "%s", port = %d, token = "%s" }
                switchboard.cluster {
                  split-brain-resolver = lease-majority
                  lease-majority {
                    namespace = "%s"
                    api-ca-path = "%s"
                    api-token-path = "%s"
                    api-service-host-env-name = "SWITCHBOARD_TEST_K8S_HOST"
                    api-service-port-env-name = "SWITCHBOARD_TEST_K8S_PORT"
                  }
                }
                """.formatted(HOSTS[i], adminPorts[i], ADMIN_TOKEN, NAMESPACE, ca, token));
        Path javaTmp = Files.createDirectories(tmp.resolve("java-tmp-" + (i + 1)));
        Files.setAttribute(javaTmp, "unix:uid", UIDS[i]);
        List<String> command = new ArrayList<>(LoopbackPartition.asUser(UIDS[i]));
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-XX:TieredStopAtLevel=1",
                "-XX:-UsePerfData",
                "-Djava.io.tmpdir=" + javaTmp,
                "-cp",
                System.getProperty("java.class.path"),
                BootstrapNodeMain.class.getName(),
                HOSTS[i],
                String.valueOf(clusterPorts[i]),
                String.valueOf(managementPorts[i]),
                "3",
                pekko.toString(),
                switchboard.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("SWITCHBOARD_TEST_K8S_HOST", "127.0.0.1");
        pb.environment().put("SWITCHBOARD_TEST_K8S_PORT", String.valueOf(api.port()));
        nodes[i] = pb.start();
        return new BlockingLines(nodes[i], tmp.resolve("node-" + (i + 1) + "-" + System.nanoTime() + ".log"));
    }

    /** {@code switchboard pool status} asked of node {@code i + 1}; checks its exit code. */
    private String poolStatus(int i, int exitCode) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int exit = io.switchboard.node.cli.AdminCli.run(
                new String[] {"pool", "status", "--node", HOSTS[i] + ":" + adminPorts[i], "--token", ADMIN_TOKEN},
                new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        assertThat(exit)
                .as("pool status exit code; %s%s", text, err.toString(StandardCharsets.UTF_8))
                .isEqualTo(exitCode);
        return text;
    }

    /** The line BootstrapNodeMain prints when it sees exactly these nodes Up. */
    private static String upLine(List<Integer> nodes, int[] clusterPorts) {
        TreeSet<String> up = new TreeSet<>();
        for (int i : nodes) {
            up.add("pekko://" + hostPort(i, clusterPorts));
        }
        return "UP " + String.join(",", up);
    }

    /** A node's address as Pekko's lease names its owner ({@code Address.hostPort}). */
    private static String hostPort(int i, int[] clusterPorts) {
        return PekkoSettings.SYSTEM_NAME + "@" + HOSTS[i] + ":" + clusterPorts[i];
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /** The API server's answer to listing the pool's pods: three Running pods with a "management" port. */
    private static String podList(int[] managementPorts) {
        String items = IntStream.range(0, HOSTS.length)
                .mapToObj(i -> """
                        {"metadata": {"name": "switchboard-%d", "namespace": "%s",
                                      "labels": {"app.kubernetes.io/name": "switchboard", "app.kubernetes.io/component": "pool-node"}},
                         "spec": {"containers": [{"name": "pool-node", "ports": [
                            {"name": "sip-udp", "containerPort": 5060, "protocol": "UDP"},
                            {"name": "management", "containerPort": %d, "protocol": "TCP"}]}]},
                         "status": {"phase": "Running", "podIP": "%s",
                                    "containerStatuses": [{"name": "pool-node", "state": {"running": {}}}]}}
                        """.formatted(i, NAMESPACE, managementPorts[i], HOSTS[i]))
                .collect(Collectors.joining(","));
        return "{\"kind\": \"PodList\", \"apiVersion\": \"v1\", \"metadata\": {\"resourceVersion\": \"1\"}, \"items\": ["
                + items + "]}";
    }

    private static int freePort(String host) {
        return TestPorts.tcp(host);
    }

    /** A process's output, copied to a log file, read line by line on a thread of its own. */
    private static final class BlockingLines {
        /** Each line with the time it arrived (System.nanoTime). */
        private final java.util.concurrent.BlockingQueue<Map.Entry<Long, String>> lines =
                new java.util.concurrent.LinkedBlockingQueue<>();

        private volatile long lastMatchAt;
        private final Path log;
        private final Process process;

        BlockingLines(Process p, Path log) {
            this.log = log;
            this.process = p;
            Thread t = new Thread(
                    () -> {
                        try (BufferedReader r =
                                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                            for (String l = r.readLine(); l != null; l = r.readLine()) {
                                Files.writeString(
                                        log,
                                        l + "\n",
                                        java.nio.file.StandardOpenOption.CREATE,
                                        java.nio.file.StandardOpenOption.APPEND);
                                lines.add(Map.entry(System.nanoTime(), l));
                            }
                        } catch (IOException e) {
                            // the process ended
                        }
                    },
                    "node-output");
            t.setDaemon(true);
            t.start();
        }

        String awaitLine(Predicate<String> matches, int seconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                Map.Entry<Long, String> line = lines.poll(200, TimeUnit.MILLISECONDS);
                String l = line == null ? null : line.getValue();
                if (l != null && matches.test(l)) {
                    lastMatchAt = line.getKey();
                    return l;
                }
                if (l == null && !process.isAlive() && lines.isEmpty()) {
                    Thread.sleep(200); // the last lines
                    if (lines.isEmpty()) {
                        throw new AssertionError("the process exited (" + process.exitValue() + "); log:\n" + text());
                    }
                }
            }
            throw new AssertionError("no matching line within " + seconds + " s; log:\n" + text());
        }

        /** Fails if a line that matches arrives within {@code seconds} (0: among the lines already read). */
        void assertNoLine(Predicate<String> matches, int seconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            do {
                Map.Entry<Long, String> line = lines.poll(200, TimeUnit.MILLISECONDS);
                String l = line == null ? null : line.getValue();
                if (l != null && matches.test(l)) {
                    throw new AssertionError("unexpected line " + l + "; log:\n" + text());
                }
            } while (System.nanoTime() < deadline || !lines.isEmpty());
        }

        /** When the line {@link #awaitLine} last returned arrived (System.nanoTime). */
        long lastMatchAt() {
            return lastMatchAt;
        }

        String linesWith(String text) throws IOException {
            return text().lines()
                    .filter(l -> l.contains(text))
                    .map(l -> "  " + l + "\n")
                    .collect(Collectors.joining());
        }

        String text() throws IOException {
            return Files.exists(log) ? Files.readString(log) : "(none)";
        }
    }
}

package io.switchboard.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster bootstrap through the Kubernetes API ({@code cluster.discovery = kubernetes-api}): three
 * node processes, started two seconds apart, find each other through a stub Kubernetes API (HTTPS
 * with a test CA, a bearer token file, the pods of a label selector, as the API server answers
 * {@code GET /api/v1/namespaces/NS/pods?labelSelector=...}) and form exactly one cluster, with no
 * seed nodes configured.
 */
class KubernetesBootstrapTest {

    private static final String NAMESPACE = "switchboard-test";
    private static final String TOKEN = "test-service-account-token";
    private static final String SELECTOR = "app.kubernetes.io/name=switchboard,app.kubernetes.io/component=pool-node";
    private static final String[] HOSTS = {"127.0.0.41", "127.0.0.42", "127.0.0.43"};

    private final List<Process> nodes = new ArrayList<>();
    private HttpsServer api;

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : nodes) {
            p.destroy();
        }
        for (Process p : nodes) {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        if (api != null) {
            api.stop(0);
        }
    }

    @Test
    void threeNodesStartedApartFormExactlyOneCluster(@TempDir Path tmp) throws Exception {
        int[] clusterPorts = new int[HOSTS.length];
        int[] managementPorts = new int[HOSTS.length];
        for (int i = 0; i < HOSTS.length; i++) {
            clusterPorts[i] = freePort(HOSTS[i]);
            managementPorts[i] = freePort(HOSTS[i]);
        }
        AtomicInteger authorizedLists = new AtomicInteger();
        Map<String, Integer> refused = new ConcurrentHashMap<>();
        api = stubApi(tmp, podList(managementPorts), authorizedLists, refused);
        Path overrides = tmp.resolve("k8s.conf");
        Files.writeString(overrides, """
                pekko.discovery.kubernetes-api {
                  api-ca-path = "%s"
                  api-token-path = "%s"
                  api-service-host-env-name = "SWITCHBOARD_TEST_K8S_HOST"
                  api-service-port-env-name = "SWITCHBOARD_TEST_K8S_PORT"
                  pod-namespace = "%s"
                }
                """.formatted(tmp.resolve("ca.crt"), tmp.resolve("token"), NAMESPACE));

        List<BlockingLines> outputs = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < HOSTS.length; i++) {
            if (i > 0) {
                Thread.sleep(2000); // staggered starts, as pods of a StatefulSet come up
            }
            ProcessBuilder pb = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-Xmx128m",
                            "-XX:TieredStopAtLevel=1",
                            "-cp",
                            System.getProperty("java.class.path"),
                            BootstrapNodeMain.class.getName(),
                            HOSTS[i],
                            String.valueOf(clusterPorts[i]),
                            String.valueOf(managementPorts[i]),
                            "3",
                            overrides.toString())
                    .redirectErrorStream(true);
            pb.environment().put("SWITCHBOARD_TEST_K8S_HOST", "127.0.0.1");
            pb.environment()
                    .put(
                            "SWITCHBOARD_TEST_K8S_PORT",
                            String.valueOf(api.getAddress().getPort()));
            Process p = pb.start();
            nodes.add(p);
            outputs.add(new BlockingLines(p, tmp.resolve("node-" + (i + 1) + ".log")));
        }
        // every node sees the same three Up members: one cluster, not two that formed apart
        List<String> views = new ArrayList<>();
        for (BlockingLines out : outputs) {
            views.add(out.awaitLine(l -> l.startsWith("UP ") && l.split(",").length == HOSTS.length, 60));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("one cluster of %d after %.1f s from the first start%n", HOSTS.length, seconds);
        assertThat(views).allSatisfy(v -> assertThat(v).isEqualTo(views.get(0)));
        for (int i = 0; i < HOSTS.length; i++) {
            assertThat(views.get(0)).contains("@" + HOSTS[i] + ":" + clusterPorts[i]);
        }
        assertThat(authorizedLists.get())
                .as("pods were listed with the service account token")
                .isPositive();
        assertThat(refused).as("requests the stub refused: %s", refused).isEmpty();
    }

    /** The API server's answer to listing the pool's pods: three Running pods with a "management" port. */
    private static String podList(int[] managementPorts) {
        StringBuilder items = new StringBuilder();
        for (int i = 0; i < HOSTS.length; i++) {
            if (i > 0) {
                items.append(',');
            }
            items.append("""
                    {"metadata": {"name": "switchboard-%d", "namespace": "%s",
                                  "labels": {"app.kubernetes.io/name": "switchboard", "app.kubernetes.io/component": "pool-node"}},
                     "spec": {"containers": [{"name": "pool-node", "ports": [
                        {"name": "sip-udp", "containerPort": 5060, "protocol": "UDP"},
                        {"name": "management", "containerPort": %d, "protocol": "TCP"}]}]},
                     "status": {"phase": "Running", "podIP": "%s",
                                "containerStatuses": [{"name": "pool-node", "state": {"running": {}}}]}}
                    """.formatted(i, NAMESPACE, managementPorts[i], HOSTS[i]));
        }
        return "{\"kind\": \"PodList\", \"apiVersion\": \"v1\", \"metadata\": {\"resourceVersion\": \"1\"}, \"items\": ["
                + items + "]}";
    }

    /**
     * HTTPS on 127.0.0.1 with a certificate made here (its own CA, IP SAN 127.0.0.1), the token file,
     * and one route: the pods of the namespace for the pool's label selector; anything else is 404,
     * a missing or wrong token 401.
     */
    private static HttpsServer stubApi(
            Path tmp, String pods, AtomicInteger authorizedLists, Map<String, Integer> refused) throws Exception {
        Path keyStore = tmp.resolve("api.p12");
        keytool(
                "-genkeypair",
                "-alias",
                "api",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=kubernetes",
                "-ext",
                "SAN=ip:127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                keyStore.toString(),
                "-storepass",
                "changeit");
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "api",
                "-keystore",
                keyStore.toString(),
                "-storepass",
                "changeit",
                "-file",
                tmp.resolve("ca.crt").toString());
        Files.writeString(tmp.resolve("token"), TOKEN);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(keyStore)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getRawQuery();
            String selector = query == null ? "" : URLDecoder.decode(query, StandardCharsets.UTF_8);
            int status;
            byte[] body;
            if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                status = 401;
                body = "{\"kind\":\"Status\",\"code\":401}".getBytes(StandardCharsets.UTF_8);
            } else if (path.equals("/api/v1/namespaces/" + NAMESPACE + "/pods")
                    && selector.equals("labelSelector=" + SELECTOR)) {
                authorizedLists.incrementAndGet();
                status = 200;
                body = pods.getBytes(StandardCharsets.UTF_8);
            } else {
                status = 404;
                body = "{\"kind\":\"Status\",\"code\":404}".getBytes(StandardCharsets.UTF_8);
            }
            if (status != 200) {
                refused.merge(status + " " + path + "?" + selector, 1, Integer::sum);
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }

    /** A process's output, copied to a log file, read line by line on a thread of its own. */
    private static final class BlockingLines {
        private final java.util.concurrent.BlockingQueue<String> lines =
                new java.util.concurrent.LinkedBlockingQueue<>();
        private final Path log;

        BlockingLines(Process p, Path log) {
            this.log = log;
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
                                lines.add(l);
                            }
                        } catch (IOException e) {
                            // the process ended
                        }
                    },
                    "node-output");
            t.setDaemon(true);
            t.start();
        }

        String awaitLine(java.util.function.Predicate<String> matches, int seconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                String l = lines.poll(200, TimeUnit.MILLISECONDS);
                if (l != null && matches.test(l)) {
                    return l;
                }
            }
            throw new AssertionError("no matching line within " + seconds + " s; log:\n"
                    + (Files.exists(log) ? Files.readString(log) : "(none)"));
        }
    }
}

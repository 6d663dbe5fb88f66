package io.switchboard.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The parts of a Kubernetes API server that a pool node uses, on 127.0.0.1 over HTTPS with a certificate
 * of its own (the test's CA, written to {@code ca.crt}) and bearer tokens (each client its own token file,
 * so that the stub knows who asked):
 *
 * <ul>
 *   <li>{@code GET /api/v1/namespaces/NS/pods?labelSelector=...}: the given pod list (cluster bootstrap);
 *   <li>Lease custom resources ({@code /apis/pekko.apache.org/v1/namespaces/NS/leases/NAME}, Pekko's
 *       lease-kubernetes): {@code GET} (404 when absent), {@code POST} create (409 when present), {@code PUT}
 *       update, which must carry the current {@code metadata.resourceVersion}: a stale one is answered 409
 *       Conflict and changes nothing, as the API server's optimistic concurrency does.
 * </ul>
 *
 * Anything else is 404; a missing or unknown token 401.
 */
final class StubKubernetesApi implements AutoCloseable {

    static final String LEASES = "/apis/pekko.apache.org/v1/namespaces/";

    /** A write the stub accepted: who (the token's client), what, and the lease's owner after it. */
    record LeaseWrite(String client, String method, String lease, String owner, long atNanos) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String namespace;
    private final String selector;
    private final Map<String, String> clientsByToken;
    private final HttpsServer server;
    private final ExecutorService executor;
    private volatile String pods = "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{},\"items\":[]}";
    private final Map<String, ObjectNode> leases = new HashMap<>();
    private final List<LeaseWrite> writes = new ArrayList<>();
    private final AtomicInteger resourceVersion = new AtomicInteger(100);
    private final Map<String, Integer> requests = new ConcurrentHashMap<>();
    private volatile java.util.concurrent.CyclicBarrier putBarrier;
    private volatile long putBarrierMillis;

    /**
     * @param clients the name of each client; its token file is {@code dir/token-NAME}
     */
    StubKubernetesApi(Path dir, String namespace, String selector, List<String> clients) throws Exception {
        this.namespace = namespace;
        this.selector = selector;
        this.clientsByToken = new HashMap<>();
        for (String client : clients) {
            String token = "token-of-" + client + "-" + Long.toHexString(System.nanoTime());
            Files.writeString(tokenFile(dir, client), token);
            clientsByToken.put(token, client);
        }
        Path keyStore = dir.resolve("api.p12");
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
                caFile(dir).toString());
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(keyStore)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        // several threads: one client whose packets are dropped mid-request must not hold up the others
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "stub-kubernetes-api");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * Holds each lease {@code PUT} until {@code parties} of them are waiting (or {@code max} passed), then
     * answers them one after the other: writers that read the same resourceVersion then write at once, as
     * two nodes may. The first is written, the next ones carry a stale resourceVersion.
     */
    void holdConcurrentPuts(int parties, java.time.Duration max) {
        putBarrierMillis = max.toMillis();
        putBarrier = new java.util.concurrent.CyclicBarrier(parties);
    }

    static Path tokenFile(Path dir, String client) {
        return dir.resolve("token-" + client);
    }

    static Path caFile(Path dir) {
        return dir.resolve("ca.crt");
    }

    int port() {
        return server.getAddress().getPort();
    }

    void servePods(String podList) {
        this.pods = podList;
    }

    /** How many requests got each answer, as {@code "client status METHOD path"}. */
    Map<String, Integer> requests() {
        return Map.copyOf(requests);
    }

    /** Requests answered with a status of 400 or more, as {@link #requests()}. */
    Map<String, Integer> refused() {
        Map<String, Integer> refused = new HashMap<>();
        requests.forEach((k, v) -> {
            if (Integer.parseInt(k.split(" ")[1]) >= 400) {
                refused.put(k, v);
            }
        });
        return refused;
    }

    synchronized List<LeaseWrite> leaseWrites() {
        return List.copyOf(writes);
    }

    /** The stored lease's owner ({@code ""} when free), or null when there is no such lease. */
    synchronized String leaseOwner(String name) {
        ObjectNode lease = leases.get(name);
        return lease == null ? null : lease.path("spec").path("owner").asText("");
    }

    private void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        String query = exchange.getRequestURI().getRawQuery();
        String client =
                clientsByToken.get(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"))
                        .replaceFirst("^Bearer ", ""));
        byte[] requestBody = exchange.getRequestBody().readAllBytes();
        int status;
        String body;
        if (client == null) {
            status = 401;
            body = status(401, "Unauthorized");
        } else if (method.equals("GET") && path.equals("/api/v1/namespaces/" + namespace + "/pods")) {
            String asked = query == null ? "" : URLDecoder.decode(query, StandardCharsets.UTF_8);
            status = asked.equals("labelSelector=" + selector) ? 200 : 404;
            body = status == 200 ? pods : status(404, "NotFound");
        } else if (path.startsWith(LEASES + namespace + "/leases")) {
            String rest = path.substring((LEASES + namespace + "/leases").length());
            String name = rest.startsWith("/") ? rest.substring(1) : "";
            java.util.concurrent.CyclicBarrier barrier = putBarrier;
            if (barrier != null && method.equals("PUT")) {
                try {
                    barrier.await(putBarrierMillis, TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    // not all arrived in time: answer anyway
                }
            }
            String[] answer = lease(client, method, name, requestBody);
            status = Integer.parseInt(answer[0]);
            body = answer[1];
        } else {
            status = 404;
            body = status(404, "NotFound");
        }
        requests.merge(client + " " + status + " " + method + " " + path, 1, Integer::sum);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** {status, body} for a request on the leases; {@code name} is empty for the collection. */
    private synchronized String[] lease(String client, String method, String name, byte[] requestBody)
            throws IOException {
        switch (method) {
            case "GET" -> {
                ObjectNode lease = leases.get(name);
                return lease == null
                        ? new String[] {"404", status(404, "NotFound")}
                        : new String[] {"200", lease.toString()};
            }
            case "POST" -> {
                // Pekko posts to the object's own path; the API server's collection path is served too
                JsonNode sent = JSON.readTree(requestBody);
                String named = sent.path("metadata").path("name").asText("");
                if (named.isEmpty() || (!name.isEmpty() && !name.equals(named))) {
                    return new String[] {"400", status(400, "BadRequest")};
                }
                if (leases.containsKey(named)) {
                    return new String[] {"409", status(409, "AlreadyExists")};
                }
                ObjectNode stored = stored(named, sent);
                leases.put(named, stored);
                writes.add(new LeaseWrite(
                        client, "POST", named, stored.path("spec").path("owner").asText(""), System.nanoTime()));
                return new String[] {"201", stored.toString()};
            }
            case "PUT" -> {
                ObjectNode current = leases.get(name);
                if (current == null) {
                    return new String[] {"404", status(404, "NotFound")};
                }
                JsonNode sent = JSON.readTree(requestBody);
                String version = sent.path("metadata").path("resourceVersion").asText("");
                if (!version.equals(
                        current.path("metadata").path("resourceVersion").asText())) {
                    // optimistic concurrency: someone wrote since this client read
                    return new String[] {"409", status(409, "Conflict")};
                }
                ObjectNode stored = stored(name, sent);
                leases.put(name, stored);
                writes.add(new LeaseWrite(
                        client, "PUT", name, stored.path("spec").path("owner").asText(""), System.nanoTime()));
                return new String[] {"200", stored.toString()};
            }
            default -> {
                return new String[] {"405", status(405, "MethodNotAllowed")};
            }
        }
    }

    /** The object as the API server stores it: the sent spec, the server's metadata and a new resourceVersion. */
    private ObjectNode stored(String name, JsonNode sent) {
        ObjectNode lease = JSON.createObjectNode();
        lease.put("apiVersion", "pekko.apache.org/v1");
        lease.put("kind", "Lease");
        ObjectNode metadata = lease.putObject("metadata");
        metadata.put("name", name);
        metadata.put("namespace", namespace);
        metadata.put("resourceVersion", String.valueOf(resourceVersion.incrementAndGet()));
        ObjectNode spec = lease.putObject("spec");
        spec.put("owner", sent.path("spec").path("owner").asText(""));
        spec.put("time", sent.path("spec").path("time").asLong(0));
        return lease;
    }

    private static String status(int code, String reason) {
        return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"" + reason
                + "\",\"code\":" + code + "}";
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

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

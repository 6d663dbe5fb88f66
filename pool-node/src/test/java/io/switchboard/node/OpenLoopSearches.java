package io.switchboard.node;

import io.switchboard.sip.auth.DigestAlgorithm;
import io.switchboard.sip.auth.DigestVerifier;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Address book searches offered at a fixed rate (open loop), as users' clients send them: each query leaves at its
 * scheduled time whether or not earlier ones have been answered, and its latency counts from that scheduled time, so
 * a slow answer cannot hide the queries queued behind it (no coordinated omission). Each request carries HTTP Digest
 * credentials on a nonce the client already holds, with the next nonce count, as a browser or phone does after its
 * first challenge; a nonce is used by one request at a time, so its counts arrive in order (the node rejects a
 * count it has seen, RFC 7616 section 3.4).
 */
public final class OpenLoopSearches {

    /** One run's outcome: latencies in milliseconds, sorted, and the statuses that were not 200. */
    record Result(double[] millis, List<String> failures) {
        double percentile(double p) {
            int index = (int) Math.ceil(p / 100.0 * millis.length) - 1;
            return millis[Math.max(0, Math.min(millis.length - 1, index))];
        }

        String summary(int rate) {
            return String.format(
                    "address book search: %d queries at %d/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms, failed %d",
                    millis.length, rate, percentile(50), percentile(99), percentile(100), failures.size());
        }
    }

    private static final Pattern PARAM = Pattern.compile("(\\w+)=\"?([^\",]*)\"?");

    private final HttpClient http;
    private final List<String> bases;
    private final String user;
    private final String password;
    private final ConcurrentLinkedQueue<Nonce> idle = new ConcurrentLinkedQueue<>();

    /** A nonce held by the client and the last count sent with it. */
    private static final class Nonce {
        final String base;
        final String realm;
        final String value;
        final DigestAlgorithm algorithm;
        int count;

        Nonce(String base, String realm, String value, DigestAlgorithm algorithm) {
            this.base = base;
            this.realm = realm;
            this.value = value;
            this.algorithm = algorithm;
        }
    }

    OpenLoopSearches(HttpClient http, List<String> bases, String user, String password) {
        this.http = http;
        this.bases = bases;
        this.user = user;
        this.password = password;
    }

    /**
     * A mix of what people type into a search box over the generated directory: single letters (tens of thousands
     * of matches to rank), partial and whole names, mail prefixes and phone numbers in local and E.164 form.
     */
    static List<String> queries(int people, int count, long seed) {
        Random random = new Random(seed);
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String n = String.format("%06d", random.nextInt(people));
            out.add(
                    switch (i % 8) {
                        case 0 -> "g";
                        case 1 -> "Given" + n.substring(0, 3);
                        case 2 -> "given" + n;
                        case 3 -> "surname" + n.substring(0, 4);
                        case 4 -> "u" + n + "@example";
                        case 5 -> "020 55" + n.substring(1, 4);
                        case 6 -> "+3120550" + n.substring(1);
                        default -> "Gi";
                    });
        }
        return out;
    }

    /**
     * The same load from outside the test JVM, against nodes running as processes of their own
     * ({@code bench/address-book-search.sh} runs it on the test classpath): {@code --bases URL,URL --user U
     * --password P --people N --count C --rate R [--seed S] [--warmup W [--pause-ms P]]}. With {@code --warmup}, W searches
     * (another seed) go first, unreported, in this same JVM: a fresh client compiles its HTTP and digest code
     * during its first seconds, and that must not count as the node's latency. Prints the summary and one
     * {@code RESULT key=value} line; exits 1 when a search failed, 2 on bad arguments.
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> a = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                System.err.println("expected --name value pairs, got " + args[i]);
                System.exit(2);
            }
            a.put(args[i].substring(2), args[i + 1]);
        }
        for (String required : List.of("bases", "user", "password", "people")) {
            if (!a.containsKey(required)) {
                System.err.println("missing --" + required);
                System.exit(2);
            }
        }
        int count = Integer.parseInt(a.getOrDefault("count", "1000"));
        int rate = Integer.parseInt(a.getOrDefault("rate", "50"));
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        OpenLoopSearches load =
                new OpenLoopSearches(http, List.of(a.get("bases").split(",")), a.get("user"), a.get("password"));
        List<String> queries =
                queries(Integer.parseInt(a.get("people")), count, Long.parseLong(a.getOrDefault("seed", "14")));
        int warmup = Integer.parseInt(a.getOrDefault("warmup", "0"));
        if (warmup > 0) {
            Result warm = load.run(queries(Integer.parseInt(a.get("people")), warmup, 7), rate);
            System.out.println("warm-up, not counted: " + warm.summary(rate));
            System.out.flush();
            // time for a bench script to take its "before" readings of the nodes (--pause-ms)
            Thread.sleep(Long.parseLong(a.getOrDefault("pause-ms", "0")));
        }
        Result result = load.run(queries, rate);
        System.out.println(result.summary(rate));
        result.failures().stream().limit(5).forEach(f -> System.out.println("failed: " + f));
        System.out.printf(
                java.util.Locale.ROOT,
                "RESULT queries=%d rate=%d p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f failed=%d%n",
                result.millis().length,
                rate,
                result.percentile(50),
                result.percentile(90),
                result.percentile(99),
                result.percentile(100),
                result.failures().size());
        System.exit(result.failures().isEmpty() ? 0 : 1);
    }

    /** Sends {@code queries} at {@code perSecond}, round robin over the nodes, and waits for every answer. */
    Result run(List<String> queries, int perSecond) throws Exception {
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        try {
            long start = System.nanoTime() + Duration.ofMillis(200).toNanos();
            long interval = TimeUnit.SECONDS.toNanos(1) / perSecond;
            List<CompletableFuture<double[]>> answers = new ArrayList<>();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            for (int i = 0; i < queries.size(); i++) {
                long due = start + i * interval;
                String base = bases.get(i % bases.size());
                String target =
                        "/user/address-book/search?q=" + URLEncoder.encode(queries.get(i), StandardCharsets.UTF_8);
                CompletableFuture<double[]> answer = new CompletableFuture<>();
                answers.add(answer);
                clock.schedule(
                        () -> send(base, target, due, failures, answer), due - System.nanoTime(), TimeUnit.NANOSECONDS);
            }
            double[] millis = new double[answers.size()];
            for (int i = 0; i < millis.length; i++) {
                millis[i] = answers.get(i).get(60, TimeUnit.SECONDS)[0];
            }
            Arrays.sort(millis);
            return new Result(millis, List.copyOf(failures));
        } finally {
            clock.shutdownNow();
        }
    }

    private void send(
            String base,
            String target,
            long due,
            ConcurrentLinkedQueue<String> failures,
            CompletableFuture<double[]> answer) {
        nonceFor(base)
                .thenCompose(nonce -> {
                    nonce.count++;
                    String nc = String.format("%08x", nonce.count);
                    String ha1 = nonce.algorithm.ha1(user, nonce.realm, password);
                    String response = DigestVerifier.response(
                            nonce.algorithm, ha1, nonce.value, nc, "5e4c1b0d", "auth", "GET", target);
                    String authorization = "Digest username=\"" + user + "\", realm=\"" + nonce.realm
                            + "\", nonce=\"" + nonce.value + "\", uri=\"" + target + "\", response=\"" + response
                            + "\", algorithm=" + nonce.algorithm.token() + ", qop=auth, nc=" + nc
                            + ", cnonce=\"5e4c1b0d\"";
                    HttpRequest request = HttpRequest.newBuilder(URI.create(base + target))
                            .header("Authorization", authorization)
                            .header("Accept-Encoding", "gzip")
                            .GET()
                            .build();
                    return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                            .whenComplete((r, e) -> idle.add(nonce));
                })
                .whenComplete((r, e) -> {
                    double millis = (System.nanoTime() - due) / 1e6;
                    if (e != null) {
                        failures.add(target + ": " + e);
                    } else if (r.statusCode() != 200) {
                        failures.add(target + ": " + r.statusCode());
                    }
                    answer.complete(new double[] {millis});
                });
    }

    /** An idle nonce for this node, or a new one from a challenge (a real client's first request). */
    private CompletableFuture<Nonce> nonceFor(String base) {
        for (Nonce n : idle) {
            if (n.base.equals(base) && idle.remove(n)) {
                return CompletableFuture.completedFuture(n);
            }
        }
        HttpRequest ask = HttpRequest.newBuilder(URI.create(base + "/user/address-book/search?q=a"))
                .GET()
                .build();
        return http.sendAsync(ask, HttpResponse.BodyHandlers.discarding()).thenApply(r -> {
            String challenge = r.headers().allValues("WWW-Authenticate").get(0);
            Map<String, String> c = new java.util.HashMap<>();
            Matcher m = PARAM.matcher(challenge);
            while (m.find()) {
                c.put(m.group(1), m.group(2));
            }
            return new Nonce(
                    base,
                    c.get("realm"),
                    c.get("nonce"),
                    DigestAlgorithm.fromToken(c.get("algorithm")).orElseThrow());
        });
    }
}

package io.switchboard.accounts.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import io.switchboard.accounts.domain.Account;
import io.switchboard.sip.auth.DigestAlgorithm;
import io.switchboard.sip.auth.DigestResponse;
import io.switchboard.sip.auth.DigestVerifier;
import io.switchboard.sip.auth.NonceService;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;

/**
 * Benchmark, not a test (its name keeps it out of surefire's default includes; run it with
 * {@code bench/enumeration-timing.sh}): is the first lookup of a known user slower or faster than
 * that of an unknown one, against the real Cassandra-backed store? Issue 10, item 2.
 *
 * <p>Each sample is the first lookup of a user never looked up before, as a scanner's first try of
 * a name is: through {@link CachingAccountStore} over {@link CassandraAccountStore} on the shared
 * embedded test node, followed by the digest check the node does with the result
 * ({@link DigestVerifier#verify} with a wrong password: the HA1 for a known user, null for an
 * unknown one). Known and unknown samples alternate in a random order, one at a time, so drift of
 * the machine (JIT, GC, other processes) falls on both alike. Four series are reported: a point
 * read of the row (the lookup before decoy rows, for comparison), the store's lookup alone, the
 * lookup through the cache, and cache plus digest check; for each the medians, the
 * difference of the medians with a 95% bootstrap confidence interval, and a two-sided Mann-Whitney
 * U test. Nothing is asserted: wall-clock figures depend on the machine (README, "No user
 * enumeration"; the by-construction checks are the unit tests).
 *
 * <p>Arguments: {@code [samples per kind, default 3000] [warm-up per kind, default 1000]}.
 */
public final class EnumerationTimingBench {

    private static final String KEYSPACE = "enumeration_timing_bench";
    private static final String DOMAIN = "example.test";
    private static final byte[] SECRET = "0123456789abcdef-bench-secret".getBytes(StandardCharsets.UTF_8);

    private EnumerationTimingBench() {}

    public static void main(String[] args) throws Exception {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        CqlSession session = TestCassandra.session(KEYSPACE);
        CassandraSessions.applySchema(session, CassandraAccountStore.SCHEMA_RESOURCE);
        CassandraAccountStore store = CassandraAccountStore.forSessionKeyspace(session);
        store.prepareDomain(DOMAIN).toCompletableFuture().join();
        // the lookup as it was before the decoy rows: a point read, which finds nothing to decode for an unknown user
        PreparedStatement pointRead = session.prepare("SELECT username, display_name, phone, ha1, created_at"
                + " FROM accounts WHERE domain = ? AND bucket = ? AND username = ?");
        int users = 4 * (samples + warmup); // known users for four series, each looked up once
        System.out.printf("inserting %d accounts ...%n", users);
        insert(store, users);

        NonceService nonces = new NonceService(SECRET);
        DigestVerifier verifier = new DigestVerifier(nonces, SECRET);
        Random random = new Random(42);
        int next = 0;
        List<String> report = new ArrayList<>();
        for (String series : List.of("point-read", "store", "cache", "cache+digest")) {
            CachingAccountStore cache =
                    new CachingAccountStore(store, CachingAccountStore.Settings.DEFAULT, Clock.systemUTC());
            long[] known = new long[samples];
            long[] unknown = new long[samples];
            for (int i = -warmup; i < samples; i++) {
                String knownUser = "user" + next;
                String unknownUser = "nobody" + next;
                next++;
                boolean knownFirst = random.nextBoolean();
                long a = time(
                        series,
                        session,
                        pointRead,
                        store,
                        cache,
                        verifier,
                        nonces,
                        knownFirst ? knownUser : unknownUser);
                long b = time(
                        series,
                        session,
                        pointRead,
                        store,
                        cache,
                        verifier,
                        nonces,
                        knownFirst ? unknownUser : knownUser);
                if (i >= 0) {
                    known[i] = knownFirst ? a : b;
                    unknown[i] = knownFirst ? b : a;
                }
            }
            report.add(summary(series, known, unknown, random));
        }
        System.out.println();
        System.out.printf(
                "first lookups, %d known and %d unknown users per series (%d warm-up each)%n",
                samples, samples, warmup);
        report.forEach(System.out::println);
        System.exit(0); // the shared test Cassandra node stops with this JVM
    }

    private static void insert(CassandraAccountStore store, int users) throws InterruptedException {
        Semaphore inFlight = new Semaphore(64);
        Map<DigestAlgorithm, String> ha1 = new EnumMap<>(DigestAlgorithm.class);
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            String user = "user" + i;
            ha1.clear();
            for (DigestAlgorithm a : DigestAlgorithm.values()) {
                ha1.put(a, a.ha1(user, DOMAIN, "secret-" + i));
            }
            inFlight.acquire();
            CompletableFuture<Void> put = store.put(new Account(user, DOMAIN, "User " + i, "", ha1, Instant.now()))
                    .toCompletableFuture();
            put.whenComplete((ok, failure) -> inFlight.release());
            all.add(put);
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    }

    /** Nanoseconds from asking to having the answer (and, for cache+digest, the verdict). */
    private static long time(
            String series,
            CqlSession session,
            PreparedStatement pointRead,
            CassandraAccountStore store,
            CachingAccountStore cache,
            DigestVerifier verifier,
            NonceService nonces,
            String user) {
        DigestAlgorithm md5 = DigestAlgorithm.MD5;
        Instant now = Instant.now();
        String nonce = nonces.issue(DOMAIN, now);
        String uri = "sip:" + DOMAIN;
        String wrong = DigestVerifier.response(
                md5, md5.ha1(user, DOMAIN, "guess"), nonce, "00000001", "c", "auth", "REGISTER", uri);
        DigestResponse response =
                new DigestResponse(user, DOMAIN, nonce, uri, wrong, md5, "auth", "00000001", "c", null);
        long start = System.nanoTime();
        CompletionStage<?> done = switch (series) {
            case "store" -> store.find(DOMAIN, user);
            case "cache" -> cache.find(DOMAIN, user);
            default ->
                cache.find(DOMAIN, user)
                        .thenApply((Optional<Account> account) -> verifier.verify(
                                response,
                                "REGISTER",
                                DOMAIN,
                                account.flatMap(a -> a.ha1(md5)).orElse(null),
                                now));
        };
        done.toCompletableFuture().join();
        return System.nanoTime() - start;
    }

    private static String summary(String series, long[] known, long[] unknown, Random random) {
        double mk = median(known);
        double mu = median(unknown);
        int n = known.length;
        double[] diffs = new double[2000];
        long[] rk = new long[n];
        long[] ru = new long[n];
        for (int b = 0; b < diffs.length; b++) {
            for (int i = 0; i < n; i++) {
                rk[i] = known[random.nextInt(n)];
                ru[i] = unknown[random.nextInt(n)];
            }
            diffs[b] = median(rk) - median(ru);
        }
        Arrays.sort(diffs);
        double low = diffs[(int) (0.025 * diffs.length)];
        double high = diffs[(int) (0.975 * diffs.length) - 1];
        double[] u = mannWhitney(known, unknown);
        return String.format(
                "%-13s median known %7.1f us, unknown %7.1f us, known - unknown %+7.1f us (95%% CI %+7.1f .. %+7.1f);"
                        + " p90 known %7.1f us, unknown %7.1f us; Mann-Whitney z = %+.2f, p = %.3f%n"
                        + "RESULT series=%s median_known_us=%.1f median_unknown_us=%.1f diff_us=%.1f ci_low_us=%.1f ci_high_us=%.1f z=%.2f p=%.3f",
                series,
                mk / 1e3,
                mu / 1e3,
                (mk - mu) / 1e3,
                low / 1e3,
                high / 1e3,
                quantile(known, 0.9) / 1e3,
                quantile(unknown, 0.9) / 1e3,
                u[0],
                u[1],
                series,
                mk / 1e3,
                mu / 1e3,
                (mk - mu) / 1e3,
                low / 1e3,
                high / 1e3,
                u[0],
                u[1]);
    }

    private static double median(long[] values) {
        return quantile(values, 0.5);
    }

    private static double quantile(long[] values, double q) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /**
     * Two-sided Mann-Whitney U test with the normal approximation and tie correction (samples in
     * the thousands): {z, p}. z > 0 means known users tend to take longer.
     */
    private static double[] mannWhitney(long[] a, long[] b) {
        int n1 = a.length;
        int n2 = b.length;
        long[][] all = new long[n1 + n2][];
        for (int i = 0; i < n1; i++) {
            all[i] = new long[] {a[i], 0};
        }
        for (int i = 0; i < n2; i++) {
            all[n1 + i] = new long[] {b[i], 1};
        }
        Arrays.sort(all, (x, y) -> Long.compare(x[0], y[0]));
        double rankSumA = 0;
        double tieTerm = 0;
        int i = 0;
        while (i < all.length) {
            int j = i;
            while (j + 1 < all.length && all[j + 1][0] == all[i][0]) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1;
            int ties = j - i + 1;
            tieTerm += (double) ties * ties * ties - ties;
            for (int k = i; k <= j; k++) {
                if (all[k][1] == 0) {
                    rankSumA += rank;
                }
            }
            i = j + 1;
        }
        double u1 = rankSumA - n1 * (n1 + 1) / 2.0;
        double mean = n1 * (double) n2 / 2.0;
        double n = n1 + n2;
        double sigma = Math.sqrt(n1 * (double) n2 / 12.0 * ((n + 1) - tieTerm / (n * (n - 1))));
        double z = (u1 - mean) / sigma;
        double p = 2 * (1 - normalCdf(Math.abs(z)));
        return new double[] {z, p};
    }

    /** Standard normal CDF (Abramowitz and Stegun 7.1.26 for erf, error below 1.5e-7). */
    private static double normalCdf(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x) / Math.sqrt(2));
        double erf = 1
                - t
                        * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
                        * Math.exp(-x * x / 2);
        double cdf = 0.5 * (1 + erf);
        return x >= 0 ? cdf : 1 - cdf;
    }
}

package io.switchboard.node;

import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The call park bench (bench/park-bench.sh, issue 13 item 9), run against a node that is already
 * up, over UDP with {@link TestPhone}s (real SIP, digest and all).
 *
 * <p>One flow is what a pool does for one parked call: the caller (bob, a fresh phone per flow)
 * INVITEs the park URI with {@code Referred-By} naming the parker (carol, one registered phone
 * that answers every MESSAGE), 407, digest, 200, ACK; the parker's MESSAGE names the orbit (the
 * caller's display name, {@code f<flow>}, tells the flows apart); music on hold plays to the
 * caller for {@code --hold-ms}; the retriever (alice, a fresh phone) dials the orbit, 407, digest;
 * the node re-INVITEs the caller, which answers; the retriever gets 200, ACKs and hangs up; the
 * caller gets the BYE. Flows start open loop at each rate of {@code --rates} for {@code
 * --duration} seconds; per step: flows completed per second, failures by reason, park time (first
 * INVITE to 200) and retrieve time (first INVITE to 200) p50/p99, CPU of the given pids per flow.
 *
 * <p>{@code --memory N}: then the live heap of the node (jcmd GC.class_histogram, which runs a full
 * GC first) with nothing parked and with N calls parked (music playing), after {@code --settle}
 * seconds each so that the transactions of the requests are gone; bytes per parked call and the
 * classes that grew most.
 */
public final class ParkBench {

    static final String PARK = "sip:park@example.test";
    static final String PARKER = "sip:carol@example.test";

    final String host;
    final int port;
    final DatagramSocket sink;
    final Map<String, CompletableFuture<String>> orbits = new ConcurrentHashMap<>();
    final AtomicLong flowIds = new AtomicLong();

    ParkBench(String host, int port) throws IOException {
        this.host = host;
        this.port = port;
        // every call's music goes here, never read: the kernel drops what overflows
        this.sink = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>(Map.of(
                "--host", "127.0.0.1",
                "--rates", "5 10 20",
                "--duration", "20",
                "--hold-ms", "2000",
                "--memory", "0",
                "--settle", "35",
                "--pids", "",
                "--out", "."));
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i], args[i + 1]);
        }
        ParkBench bench = new ParkBench(o.get("--host"), Integer.parseInt(o.get("--port")));
        Map<String, Integer> pids = new java.util.LinkedHashMap<>();
        for (String p : o.get("--pids").split(",")) {
            if (!p.isBlank()) {
                pids.put(p.substring(0, p.indexOf(':')), Integer.parseInt(p.substring(p.indexOf(':') + 1)));
            }
        }
        TestPhone parker = new TestPhone("udp", bench.host, bench.port, "carol", "carol-secret");
        if (parker.register().status() != 200) {
            throw new IllegalStateException("the parker could not register");
        }
        Thread messages = new Thread(() -> bench.answerMessages(parker), "parker");
        messages.setDaemon(true);
        messages.start();
        PrintStream out = System.out;
        long hold = Long.parseLong(o.get("--hold-ms"));
        int duration = Integer.parseInt(o.get("--duration"));
        // warm-up: the first flows load accounts and start the code paths
        bench.step(2, 10, hold, Map.of());
        out.printf(
                "%-6s %-9s %-8s %-7s %-8s %-8s %-8s %-8s %-7s %s%n",
                "rate",
                "flows/s",
                "done",
                "failed",
                "park50",
                "park99",
                "retr50",
                "retr99",
                "parked",
                "cpu ms/flow (" + String.join(", ", pids.keySet()) + ")");
        String rates = o.get("--rates").trim();
        for (String r : rates.isEmpty() ? new String[0] : rates.split("\\s+")) {
            double rate = Double.parseDouble(r);
            Step s = bench.step(rate, duration, hold, pids);
            out.printf(
                    "%-6s %-9.1f %-8d %-7d %-8.1f %-8.1f %-8.1f %-8.1f %-7.0f %s%n",
                    r,
                    s.done / (double) duration,
                    s.done,
                    s.failed(),
                    pct(s.park, 50),
                    pct(s.park, 99),
                    pct(s.retrieve, 50),
                    pct(s.retrieve, 99),
                    rate * hold / 1000.0,
                    s.cpuPerFlow());
            if (!s.failures.isEmpty()) {
                out.println("       failures: " + s.failures);
            }
            out.printf(
                    "RESULT rate=%s flows_per_s=%.1f done=%d failed=%d park_p50_ms=%.1f park_p99_ms=%.1f"
                            + " retrieve_p50_ms=%.1f retrieve_p99_ms=%.1f%n",
                    r,
                    s.done / (double) duration,
                    s.done,
                    s.failed(),
                    pct(s.park, 50),
                    pct(s.park, 99),
                    pct(s.retrieve, 50),
                    pct(s.retrieve, 99));
        }
        int n = Integer.parseInt(o.get("--memory"));
        if (n > 0) {
            bench.memory(n, pids.get("node"), Integer.parseInt(o.get("--settle")), Path.of(o.get("--out")), out);
        }
        System.exit(0);
    }

    // ------------------------------------------------------------------ steps of rates

    static final class Step {
        final ConcurrentLinkedQueue<Double> park = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Double> retrieve = new ConcurrentLinkedQueue<>();
        final Map<String, Integer> failures = new ConcurrentHashMap<>();
        volatile int done;
        String cpu = "";

        int failed() {
            return failures.values().stream().mapToInt(Integer::intValue).sum();
        }

        String cpuPerFlow() {
            return cpu;
        }
    }

    Step step(double rate, int seconds, long holdMs, Map<String, Integer> pids) throws Exception {
        Step s = new Step();
        ExecutorService flows = Executors.newCachedThreadPool();
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        long total = Math.round(rate * seconds);
        long periodNanos = (long) (1e9 / rate);
        Map<String, Long> cpuBefore = cpu(pids);
        List<CompletableFuture<Void>> all = new ArrayList<>();
        java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        CompletableFuture<Void> scheduled = new CompletableFuture<>();
        AtomicLong started = new AtomicLong();
        clock.scheduleAtFixedRate(
                () -> {
                    if (started.getAndIncrement() >= total) {
                        scheduled.complete(null);
                        return;
                    }
                    CompletableFuture<Void> f = CompletableFuture.runAsync(
                            () -> {
                                try {
                                    flow(s, holdMs);
                                    done.incrementAndGet();
                                } catch (Exception e) {
                                    String reason = e.getMessage() == null ? e.toString() : e.getMessage();
                                    s.failures.merge(
                                            reason.length() > 80 ? reason.substring(0, 80) : reason, 1, Integer::sum);
                                }
                            },
                            flows);
                    synchronized (all) {
                        all.add(f);
                    }
                },
                0,
                periodNanos,
                TimeUnit.NANOSECONDS);
        scheduled.get();
        clock.shutdownNow();
        CompletableFuture<?>[] fs;
        synchronized (all) {
            fs = all.toArray(new CompletableFuture<?>[0]);
        }
        CompletableFuture.allOf(fs).get(120, TimeUnit.SECONDS);
        Map<String, Long> cpuAfter = cpu(pids);
        s.done = done.get();
        StringBuilder c = new StringBuilder();
        for (String k : pids.keySet()) {
            long ticks = cpuAfter.get(k) - cpuBefore.get(k);
            c.append(c.length() == 0 ? "" : ", ")
                    .append(String.format("%.1f", ticks * 10.0 / Math.max(1, s.done))); // 100 ticks/s
        }
        s.cpu = c.toString();
        flows.shutdown();
        return s;
    }

    /** One park, hold and retrieve, each step checked; throws naming what went wrong. */
    void flow(Step s, long holdMs) throws Exception {
        String id = "f" + flowIds.incrementAndGet();
        CompletableFuture<String> orbitOf = new CompletableFuture<>();
        orbits.put(id, orbitOf);
        try (TestPhone caller = new TestPhone("udp", host, port, "bob", "bob-secret");
                TestPhone retriever = new TestPhone("udp", host, port, "alice", "alice-secret")) {
            long t0 = System.nanoTime();
            String callId = UUID.randomUUID() + "@park-bench";
            String tag = TestPhone.newTag();
            TestPhone.Msg ok = invite(
                    caller, PARK, callId, tag, "\"" + id + "\" ", List.of("Referred-By: <" + PARKER + ">"), null);
            if (ok.status() != 200) {
                throw new IOException("park " + ok.status());
            }
            s.park.add((System.nanoTime() - t0) / 1e6);
            caller.ack2xx(caller.callerDialog(PARK, tag, ok), ok);
            String orbit = orbitOf.get(10, TimeUnit.SECONDS);
            Thread.sleep(holdMs); // music on hold plays

            long t1 = System.nanoTime();
            String orbitUri = "sip:" + orbit.replace("#", "%23") + "@example.test";
            String rTag = TestPhone.newTag();
            TestPhone.Msg rOk =
                    invite(retriever, orbitUri, UUID.randomUUID() + "@retrieve", rTag, "", List.of(), () -> {
                        TestPhone.Msg reinvite = caller.await(
                                m -> m.isRequest() && m.method().equals("INVITE") && callId.equals(m.callId()),
                                TestPhone.WAIT);
                        caller.send(okWithSdp(reinvite, caller.contact(), offer(sink.getLocalPort())));
                    });
            if (rOk.status() != 200) {
                throw new IOException("retrieve " + rOk.status());
            }
            s.retrieve.add((System.nanoTime() - t1) / 1e6);
            TestPhone.Dialog d = retriever.callerDialog(orbitUri, rTag, rOk);
            retriever.ack2xx(d, rOk);
            String bye = retriever.inDialog(d, "BYE", d.cseq++, TestPhone.newBranch());
            retriever.send(bye);
            TestPhone.Msg callerBye = caller.await(
                    m -> m.isRequest() && m.method().equals("BYE") && callId.equals(m.callId()), TestPhone.WAIT);
            caller.respond(callerBye, 200, "OK", null, List.of());
            String branch = TestPhone.branchOf(bye);
            TestPhone.Msg byeOk = retriever.await(
                    m -> !m.isRequest() && m.status() >= 200 && branch.equals(TestPhone.branchOf(m.header("via"))),
                    TestPhone.WAIT);
            if (byeOk.status() != 200) {
                throw new IOException("BYE " + byeOk.status());
            }
        } finally {
            orbits.remove(id);
        }
    }

    interface Meanwhile {
        void run() throws Exception;
    }

    /**
     * An INVITE from {@code phone} with our offer, its 407 answered with digest; {@code meanwhile}
     * runs after the authenticated INVITE is sent, before its final response is awaited.
     */
    TestPhone.Msg invite(
            TestPhone phone,
            String target,
            String callId,
            String tag,
            String display,
            List<String> extra,
            Meanwhile meanwhile)
            throws Exception {
        String sdp = offer(sink.getLocalPort());
        String first = withDisplay(
                phone.initial("INVITE", target, callId, tag, 1, TestPhone.newBranch(), extra, "application/sdp", sdp),
                display);
        TestPhone.Msg challenge = phone.request(first);
        if (challenge.status() != 407) {
            return challenge;
        }
        phone.ack(first, challenge);
        List<String> withAuth = new ArrayList<>(extra);
        withAuth.add(SipTestClient.authorization(
                        challenge.header("proxy-authenticate"), phone.user, pass(phone), "INVITE", target, 1)
                .replaceFirst("^Authorization:", "Proxy-Authorization:"));
        String second = withDisplay(
                phone.initial(
                        "INVITE", target, callId, tag, 2, TestPhone.newBranch(), withAuth, "application/sdp", sdp),
                display);
        if (meanwhile == null) {
            return phone.request(second);
        }
        phone.send(second);
        meanwhile.run();
        String branch = TestPhone.branchOf(second);
        return phone.await(
                m -> !m.isRequest() && m.status() >= 200 && branch.equals(TestPhone.branchOf(m.header("via"))),
                TestPhone.WAIT);
    }

    /** A G.711 offer to {@code port} (as ParkSipTest's, repeated so that no test class is loaded here). */
    static String offer(int port) {
        return "v=0\r\no=bob 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" + "m=audio " + port
                + " RTP/AVP 0 8\r\n";
    }

    static String okWithSdp(TestPhone.Msg request, String contact, String sdp) {
        return "SIP/2.0 200 OK\r\nVia: " + request.header("via") + "\r\nFrom: " + request.header("from") + "\r\nTo: "
                + request.header("to") + "\r\nCall-ID: " + request.callId() + "\r\nCSeq: " + request.header("cseq")
                + "\r\nContact: <" + contact + ">\r\nContent-Type: application/sdp\r\nContent-Length: "
                + sdp.length() + "\r\n\r\n" + sdp;
    }

    static String pass(TestPhone phone) {
        return phone.user + "-secret";
    }

    static String withDisplay(String request, String display) {
        return display.isEmpty() ? request : request.replaceFirst("\r\nFrom: <", "\r\nFrom: " + display + "<");
    }

    /** The parker's phone: answers each MESSAGE 200 and hands its orbit to the flow it names. */
    void answerMessages(TestPhone parker) {
        Pattern text = Pattern.compile("Call from (\\S+) parked at (\\S+)");
        while (true) {
            try {
                TestPhone.Msg m = parker.await(x -> x.isRequest() && x.method().equals("MESSAGE"), Duration.ofHours(1));
                parker.respond(m, 200, "OK", TestPhone.newTag(), List.of());
                Matcher t = text.matcher(m.body());
                if (t.find()) {
                    CompletableFuture<String> f = orbits.get(t.group(1));
                    if (f != null) {
                        f.complete(t.group(2));
                    }
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    // ------------------------------------------------------------------ memory per parked call

    void memory(int n, Integer nodePid, int settle, Path dir, PrintStream out) throws Exception {
        if (nodePid == null) {
            throw new IllegalArgumentException("--memory needs --pids node:PID");
        }
        Thread.sleep(settle * 1000L);
        Map<String, long[]> before = histogram(nodePid, dir.resolve("histo-none-parked.txt"));
        // n calls parked by 8 phones, each parking one call after another
        int phones = 8;
        ExecutorService pool = Executors.newFixedThreadPool(phones);
        List<TestPhone> held = new ArrayList<>();
        List<java.util.concurrent.Future<Integer>> parked = new ArrayList<>();
        for (int p = 0; p < phones; p++) {
            TestPhone phone = new TestPhone("udp", host, port, "bob", "bob-secret");
            held.add(phone);
            int share = n / phones + (p < n % phones ? 1 : 0);
            parked.add(pool.submit(() -> {
                int ok = 0;
                for (int i = 0; i < share; i++) {
                    String callId = UUID.randomUUID() + "@park-memory";
                    String tag = TestPhone.newTag();
                    TestPhone.Msg answer =
                            invite(phone, PARK, callId, tag, "", List.of("Referred-By: <" + PARKER + ">"), null);
                    if (answer.status() == 200) {
                        phone.ack2xx(phone.callerDialog(PARK, tag, answer), answer);
                        ok++;
                    }
                }
                return ok;
            }));
        }
        int ok = 0;
        for (var f : parked) {
            ok += f.get(10, TimeUnit.MINUTES);
        }
        Thread.sleep(settle * 1000L);
        Map<String, long[]> after = histogram(nodePid, dir.resolve("histo-" + ok + "-parked.txt"));
        long delta = after.get("Total")[1] - before.get("Total")[1];
        out.printf(
                "memory: %d calls parked (of %d); live heap %d -> %d bytes: %d bytes per parked call%n",
                ok, n, before.get("Total")[1], after.get("Total")[1], delta / Math.max(1, ok));
        out.printf("RESULT parked=%d heap_bytes_per_parked_call=%d%n", ok, delta / Math.max(1, ok));
        List<Map.Entry<String, long[]>> grew = new ArrayList<>(after.entrySet());
        grew.removeIf(e -> e.getKey().equals("Total"));
        grew.sort((a, b) -> Long.compare(
                b.getValue()[1] - before.getOrDefault(b.getKey(), new long[2])[1],
                a.getValue()[1] - before.getOrDefault(a.getKey(), new long[2])[1]));
        out.println("grew most (bytes per parked call, instances per parked call, class):");
        for (var e : grew.subList(0, Math.min(15, grew.size()))) {
            long[] b = before.getOrDefault(e.getKey(), new long[2]);
            out.printf(
                    "  %8.0f %6.2f  %s%n",
                    (e.getValue()[1] - b[1]) / (double) ok, (e.getValue()[0] - b[0]) / (double) ok, e.getKey());
        }
        for (TestPhone p : held) {
            p.close();
        }
        pool.shutdownNow();
    }

    /** Class -> {instances, bytes} of the node's live heap (the histogram's full GC first); "Total" too. */
    static Map<String, long[]> histogram(int pid, Path file) throws Exception {
        Process p = new ProcessBuilder("jcmd", String.valueOf(pid), "GC.class_histogram")
                .redirectErrorStream(true)
                .start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Files.writeString(file, text);
        Map<String, long[]> classes = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                classes.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
            } else if (f.length >= 3 && f[0].equals("Total")) {
                classes.put("Total", new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
            }
        }
        if (!classes.containsKey("Total")) {
            throw new IllegalStateException("no histogram from jcmd " + pid + ":\n" + text);
        }
        return classes;
    }

    /** utime + stime of each pid, in clock ticks (/proc/PID/stat fields 14 and 15). */
    static Map<String, Long> cpu(Map<String, Integer> pids) throws IOException {
        Map<String, Long> ticks = new HashMap<>();
        for (var e : pids.entrySet()) {
            String stat = Files.readString(Path.of("/proc/" + e.getValue() + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            ticks.put(e.getKey(), Long.parseLong(f[11]) + Long.parseLong(f[12]));
        }
        return ticks;
    }

    static double pct(java.util.Collection<Double> values, int p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v[Math.min(v.length - 1, (int) Math.ceil(p / 100.0 * v.length) - 1)];
    }
}

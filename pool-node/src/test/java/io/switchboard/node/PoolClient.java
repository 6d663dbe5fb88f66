package io.switchboard.node;

import io.switchboard.node.TestPhone.Msg;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One user's UDP phone as an RFC 3263 client of a pool published as one SRV/A target per node (the
 * {@link PoolProcesses} nodes): it registers, calls and answers calls, subscribes to presence and
 * answers NOTIFYs, all over one socket on {@link #LOCAL_ADDRESS}, and sends each request with failover
 * (RFC 3263 section 4.3): it starts at its own node and, on a 503 (RFC 3261 section 21.5.4: that server
 * last, and not before its Retry-After has passed) or no final answer within {@code answerWait} (a node
 * that is down; then that server last for {@code downSeconds}), tries the next node with a new
 * transaction. In-dialog requests go where the dialog's route set (or remote target, without one) says:
 * a URI naming the pool name ({@code switchboard.sip.pool-fqdn}) resolves to every node, in the same
 * order; one naming a node's address and port to that node only.
 */
final class PoolClient implements AutoCloseable {

    /** The test's own loopback address (others' tests use other 127.x addresses). */
    static final String LOCAL_ADDRESS = "127.0.0.61";

    /** How a request to one node ended: its final response, or null for no answer in time. */
    interface Attempt {
        Msg to(int node) throws IOException;
    }

    /** A call this phone answered (RFC 3261 section 13.3): its To tag, 200 and whether the ACK came. */
    private static final class Answered {
        final String tag = TestPhone.newTag();
        volatile String ok;
        volatile boolean acked;
        volatile boolean byed;
    }

    /** A presence subscription of this phone (RFC 6665 section 4.1), as its watcher sees it. */
    static final class Watch {
        final String presentity;
        final String callId = UUID.randomUUID() + "@watch";
        final String tag = TestPhone.newTag();
        volatile String remoteTag;
        volatile String remoteTarget;
        long cseq = 1;
        final AtomicInteger notifies = new AtomicInteger();
        volatile long lastNotify;
        volatile long lastRefresh;
        volatile String terminated;
        volatile int servedBy;

        Watch(String presentity) {
            this.presentity = presentity;
        }
    }

    final int user;
    final String name;
    private final PoolProcesses pool;
    private final String poolName;
    private final Duration answerWait;
    private final int downSeconds;
    private final ScheduledExecutorService timers;
    private final DatagramSocket socket;
    private final Thread reader;
    private final long[] avoidUntil; // by node number, System.nanoTime()
    private final boolean[] refused; // avoided after a 503 (else after no answer)
    private final Map<String, CompletableFuture<Msg>> pending = new ConcurrentHashMap<>();
    private final Map<String, Answered> answered = new ConcurrentHashMap<>();
    private final Map<String, String> acks = new ConcurrentHashMap<>(); // Call-ID -> our ACK for its 2xx
    private final Map<String, Watch> watches = new ConcurrentHashMap<>();
    private final AtomicInteger nc = new AtomicInteger(1);
    final AtomicInteger unavailable;
    final AtomicInteger timeouts;
    /** Calls whose BYE another node than the INVITE's served; refreshes another node than the last one. */
    final AtomicInteger byesElsewhere = new AtomicInteger();

    final AtomicInteger refreshesElsewhere = new AtomicInteger();
    /** ACKs sent again because the callee's 200 came again (section 13.2.2.4). */
    final AtomicInteger acksAgain = new AtomicInteger();

    private volatile boolean closed;

    PoolClient(
            int user,
            PoolProcesses pool,
            String poolName,
            Duration answerWait,
            int downSeconds,
            ScheduledExecutorService timers,
            AtomicInteger unavailable,
            AtomicInteger timeouts)
            throws IOException {
        this.user = user;
        this.name = "user" + user;
        this.pool = pool;
        this.poolName = poolName;
        this.answerWait = answerWait;
        this.downSeconds = downSeconds;
        this.timers = timers;
        this.unavailable = unavailable;
        this.timeouts = timeouts;
        this.avoidUntil = new long[pool.size() + 1];
        this.refused = new boolean[pool.size() + 1];
        this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(LOCAL_ADDRESS), 0));
        this.reader = new Thread(this::readLoop, "pool-client-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    String aor() {
        return "sip:" + name + "@" + PoolProcesses.DOMAIN;
    }

    String contact() {
        return "sip:" + name + "@" + LOCAL_ADDRESS + ":" + socket.getLocalPort();
    }

    private String password() {
        return name + "-secret";
    }

    // ------------------------------------------------------------------ failover (RFC 3263 section 4.3)

    /** The nodes in this phone's order, those it avoids (after a 503 or no answer) last. */
    synchronized List<Integer> order() {
        List<Integer> own = new ArrayList<>();
        for (int k = 0; k < pool.size(); k++) {
            own.add((user + k) % pool.size() + 1);
        }
        long now = System.nanoTime();
        List<Integer> order = new ArrayList<>(
                own.stream().filter(n -> avoidUntil[n] - now <= 0).toList());
        own.stream()
                .filter(n -> !order.contains(n))
                .sorted(Comparator.comparingLong(n -> avoidUntil[n]))
                .forEach(order::add);
        return order;
    }

    /**
     * Sends one request to every node of {@code nodes} in turn until a final response other than 503,
     * and returns it; null when none gave one ({@code tried} says what each did).
     */
    Msg withFailover(List<Integer> nodes, Attempt attempt, List<String> tried) {
        for (int n : nodes) {
            long wait;
            synchronized (this) {
                wait = refused[n] ? avoidUntil[n] - System.nanoTime() : 0;
            }
            if (wait > 0) {
                // RFC 3261 section 21.5.4: not that server again before its Retry-After
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
            Msg r;
            try {
                r = attempt.to(n);
            } catch (IOException noAnswer) {
                r = null;
            }
            if (r == null) {
                synchronized (this) {
                    avoidUntil[n] = System.nanoTime() + TimeUnit.SECONDS.toNanos(downSeconds);
                    refused[n] = false;
                }
                timeouts.incrementAndGet();
                tried.add("node-" + n + ": no answer");
                continue;
            }
            if (r.status() == 503) {
                String retryAfter = r.header("retry-after");
                int seconds = retryAfter == null
                        ? 5
                        : Integer.parseInt(retryAfter.trim().split("[;\\s(]")[0]);
                synchronized (this) {
                    avoidUntil[n] = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
                    refused[n] = true;
                }
                unavailable.incrementAndGet();
                tried.add("node-" + n + ": 503 (Retry-After " + seconds + ")");
                continue;
            }
            tried.add("node-" + n + ": " + r.status());
            return r;
        }
        return null;
    }

    /** The node that gave the final answer, from {@link #withFailover}'s {@code tried}. */
    private static int answeredBy(List<String> tried) {
        String last = tried.get(tried.size() - 1);
        return Integer.parseInt(last.substring("node-".length(), last.indexOf(':')));
    }

    /**
     * Where a request to {@code uri} (a Route or remote target) may go: every node, in this phone's order,
     * when it names the pool; the one node whose address and port it names otherwise.
     */
    List<Integer> resolve(String uri) {
        Matcher m = Pattern.compile("^sips?:(?:[^@;>]*@)?([^:;>]+)(?::(\\d+))?").matcher(uri);
        if (!m.find()) {
            throw new IllegalArgumentException("not a SIP URI: " + uri);
        }
        String host = m.group(1).toLowerCase(Locale.ROOT);
        if (host.equals(poolName)) {
            return order();
        }
        for (int n = 1; n <= pool.size(); n++) {
            PoolProcesses.NodeAddresses a = pool.node(n);
            if (a.host().equals(host) && m.group(2) != null && Integer.parseInt(m.group(2)) == a.sipPort()) {
                return List.of(n);
            }
        }
        throw new IllegalArgumentException("names no node of the pool: " + uri);
    }

    // ------------------------------------------------------------------ registration

    /** One REGISTER flow (with digest) to {@code node}: its final response, or null for no answer. */
    Msg registerAt(int node, int expires) throws IOException {
        String callId = UUID.randomUUID() + "@reg";
        String tag = TestPhone.newTag();
        List<String> headers = List.of("Contact: <" + contact() + ">", "Expires: " + expires);
        Msg r = transact(
                node, request("REGISTER", "sip:" + PoolProcesses.DOMAIN, aor(), tag, aor(), null, callId, 1, headers));
        if (r != null && r.status() == 401) {
            List<String> auth = new ArrayList<>(headers);
            auth.add(SipTestClient.authorization(
                    r.header("www-authenticate"),
                    name,
                    password(),
                    "REGISTER",
                    "sip:" + PoolProcesses.DOMAIN,
                    nc.getAndIncrement()));
            r = transact(
                    node, request("REGISTER", "sip:" + PoolProcesses.DOMAIN, aor(), tag, aor(), null, callId, 2, auth));
        }
        return r;
    }

    // ------------------------------------------------------------------ calls

    /**
     * One call to {@code callee} (RFC 3261 sections 13 and 15): INVITE with digest through a node chosen
     * like the REGISTERs, ACK along the route set, {@code hold}, BYE along the route set. Returns null
     * when the call worked, else why it failed.
     */
    String call(PoolClient callee, Duration hold) throws InterruptedException {
        String callId = UUID.randomUUID() + "@call";
        String tag = TestPhone.newTag();
        String target = callee.aor();
        long[] cseq = {1};
        List<String> tried = new ArrayList<>();
        Msg ok = withFailover(order(), node -> invite(node, target, callId, tag, cseq), tried);
        if (ok == null || ok.status() != 200) {
            return "INVITE " + callId + " to " + target + ": " + tried;
        }
        List<String> routeSet = new ArrayList<>(ok.all("record-route"));
        Collections.reverse(routeSet);
        if (routeSet.isEmpty()) {
            return "INVITE " + callId + ": the 200 has no Record-Route";
        }
        String remoteTarget = TestPhone.uriOf(ok.header("contact"));
        String remoteTag = TestPhone.tagOf(ok.header("to"));
        long inviteSeq = TestPhone.seqOf(ok);
        String ack = request("ACK", remoteTarget, aor(), tag, target, remoteTag, callId, inviteSeq, routes(routeSet));
        acks.put(callId, ack);
        try {
            sendAck(ack);
        } catch (IOException e) {
            return "ACK " + callId + " not sent: " + e;
        }
        Thread.sleep(hold.toMillis());
        List<String> byeTried = new ArrayList<>();
        Msg byeOk = withFailover(
                resolve(TestPhone.uriOf(routeSet.get(0))),
                node -> transact(
                        node,
                        request(
                                "BYE",
                                remoteTarget,
                                aor(),
                                tag,
                                target,
                                remoteTag,
                                callId,
                                ++cseq[0],
                                routes(routeSet))),
                byeTried);
        acks.remove(callId);
        if (byeOk == null || byeOk.status() != 200) {
            return "BYE " + callId + " (route " + routeSet.get(0) + "): " + byeTried;
        }
        if (answeredBy(byeTried) != answeredBy(tried)) {
            byesElsewhere.incrementAndGet();
        }
        if (!callee.acked(callId)) {
            return "ACK " + callId + " never reached the callee (route " + routeSet.get(0) + ")";
        }
        return null;
    }

    private Msg invite(int node, String target, String callId, String tag, long[] cseq) throws IOException {
        List<String> headers = List.of("Contact: <" + contact() + ">", "Content-Type: application/sdp");
        String first = request("INVITE", target, aor(), tag, target, null, callId, ++cseq[0], headers, sdp());
        Msg r = transact(node, first);
        if (r == null || r.status() != 407) {
            ackNon2xx(node, first, r);
            return r;
        }
        ackNon2xx(node, first, r);
        List<String> auth = new ArrayList<>(headers);
        auth.add(SipTestClient.authorization(
                        r.header("proxy-authenticate"), name, password(), "INVITE", target, nc.getAndIncrement())
                .replaceFirst("^Authorization:", "Proxy-Authorization:"));
        String second = request("INVITE", target, aor(), tag, target, null, callId, ++cseq[0], auth, sdp());
        r = transact(node, second);
        ackNon2xx(node, second, r);
        return r;
    }

    private String sdp() {
        return "v=0\r\no=" + name + " 1 1 IN IP4 " + LOCAL_ADDRESS + "\r\ns=-\r\nc=IN IP4 " + LOCAL_ADDRESS
                + "\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n";
    }

    /** ACK for a non-2xx final to an INVITE (RFC 3261 section 17.1.1.3): hop by hop, to the same node. */
    private void ackNon2xx(int node, String invite, Msg response) throws IOException {
        if (response == null || response.status() < 300) {
            return;
        }
        StringBuilder ack = new StringBuilder();
        for (String line : invite.split("\r\n")) {
            if (line.isEmpty()) {
                break;
            }
            String lower = line.toLowerCase(Locale.ROOT);
            if (ack.length() == 0) {
                ack.append(line.replaceFirst("^INVITE", "ACK")).append("\r\n");
            } else if (lower.startsWith("via:")
                    || lower.startsWith("from:")
                    || lower.startsWith("call-id:")
                    || lower.startsWith("max-forwards:")) {
                ack.append(line).append("\r\n");
            } else if (lower.startsWith("cseq:")) {
                ack.append(line.replace("INVITE", "ACK")).append("\r\n");
            }
        }
        ack.append("To: ").append(response.header("to")).append("\r\n");
        send(node, ack.append("Content-Length: 0\r\n\r\n").toString());
    }

    /**
     * The ACK for a 2xx goes along the route set to the first node this phone does not avoid; it has no
     * response, so a lost one shows as the callee's 200 coming again, which {@link #readLoop} ACKs anew
     * (RFC 3261 section 13.2.2.4) through the then first node.
     */
    private void sendAck(String ack) throws IOException {
        Matcher route = Pattern.compile("(?m)^Route: <([^>]+)>").matcher(ack);
        if (!route.find()) {
            throw new IllegalStateException("an ACK without a Route: " + ack);
        }
        send(resolve(route.group(1)).get(0), ack.replaceFirst("branch=[^;\\r]+", "branch=" + TestPhone.newBranch()));
    }

    private boolean acked(String callId) throws InterruptedException {
        Answered a = answered.get(callId);
        for (int i = 0; i < 20 && a != null && !a.acked; i++) {
            Thread.sleep(100);
        }
        return a != null && a.acked;
    }

    // ------------------------------------------------------------------ presence

    /**
     * A presence subscription to {@code presentity} (RFC 3856) through a node chosen like the REGISTERs;
     * returns it once answered 200, or null ({@code tried} says why).
     */
    Watch subscribe(String presentity, int expires, List<String> tried) {
        Watch w = new Watch(presentity);
        watches.put(w.callId, w);
        long sent = System.nanoTime();
        Msg ok = withFailover(order(), node -> subscribeAt(node, w, expires), tried);
        if (ok == null || ok.status() != 200) {
            watches.remove(w.callId);
            return null;
        }
        w.remoteTag = TestPhone.tagOf(ok.header("to"));
        w.remoteTarget = TestPhone.uriOf(ok.header("contact"));
        w.lastRefresh = sent;
        w.servedBy = answeredBy(tried);
        return w;
    }

    private Msg subscribeAt(int node, Watch w, int expires) throws IOException {
        List<String> headers = List.of("Contact: <" + contact() + ">", "Event: presence", "Expires: " + expires);
        Msg r = transact(
                node, request("SUBSCRIBE", w.presentity, aor(), w.tag, w.presentity, null, w.callId, next(w), headers));
        if (r == null || r.status() != 407) {
            return r;
        }
        List<String> auth = new ArrayList<>(headers);
        auth.add(SipTestClient.authorization(
                        r.header("proxy-authenticate"),
                        name,
                        password(),
                        "SUBSCRIBE",
                        w.presentity,
                        nc.getAndIncrement())
                .replaceFirst("^Authorization:", "Proxy-Authorization:"));
        return transact(
                node, request("SUBSCRIBE", w.presentity, aor(), w.tag, w.presentity, null, w.callId, next(w), auth));
    }

    /** A refresh (RFC 6665 section 4.1.2.2) to the subscription's remote target, with failover: its final answer. */
    Msg refresh(Watch w, int expires, List<String> tried) {
        List<String> headers = List.of("Contact: <" + contact() + ">", "Event: presence", "Expires: " + expires);
        long[] sent = {0};
        Msg ok = withFailover(
                resolve(w.remoteTarget),
                node -> transactAt(
                        sent,
                        node,
                        request(
                                "SUBSCRIBE",
                                w.remoteTarget,
                                aor(),
                                w.tag,
                                w.presentity,
                                w.remoteTag,
                                w.callId,
                                next(w),
                                headers)),
                tried);
        if (ok != null && ok.status() == 200) {
            w.lastRefresh = sent[0]; // its NOTIFY may come before the 200
            int node = answeredBy(tried);
            if (node != w.servedBy) {
                refreshesElsewhere.incrementAndGet();
                w.servedBy = node;
            }
        }
        return ok;
    }

    private static synchronized long next(Watch w) {
        return w.cseq++;
    }

    // ------------------------------------------------------------------ messages

    private static List<String> routes(List<String> routeSet) {
        return routeSet.stream().map(r -> "Route: " + r).toList();
    }

    private String request(
            String method,
            String requestUri,
            String from,
            String fromTag,
            String to,
            String toTag,
            String callId,
            long cseq,
            List<String> headers) {
        return request(method, requestUri, from, fromTag, to, toTag, callId, cseq, headers, "");
    }

    private String request(
            String method,
            String requestUri,
            String from,
            String fromTag,
            String to,
            String toTag,
            String callId,
            long cseq,
            List<String> headers,
            String body) {
        StringBuilder b = new StringBuilder(method + " " + requestUri + " SIP/2.0\r\n");
        b.append("Via: SIP/2.0/UDP ")
                .append(LOCAL_ADDRESS)
                .append(':')
                .append(socket.getLocalPort())
                .append(";branch=")
                .append(TestPhone.newBranch())
                .append(";rport\r\n");
        b.append("Max-Forwards: 70\r\n");
        b.append("From: <").append(from).append(">;tag=").append(fromTag).append("\r\n");
        b.append("To: <")
                .append(to)
                .append('>')
                .append(toTag == null ? "" : ";tag=" + toTag)
                .append("\r\n");
        b.append("Call-ID: ").append(callId).append("\r\n");
        b.append("CSeq: ").append(cseq).append(' ').append(method).append("\r\n");
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return b.append("Content-Length: ")
                .append(bytes.length)
                .append("\r\n\r\n")
                .append(body)
                .toString();
    }

    /** {@link #transact}, noting when the request went out in {@code sent[0]}. */
    private Msg transactAt(long[] sent, int node, String text) throws IOException {
        sent[0] = System.nanoTime();
        return transact(node, text);
    }

    /** Sends a request to {@code node} and waits for its final response: null when none came in time. */
    private Msg transact(int node, String text) throws IOException {
        String branch = TestPhone.branchOf(text);
        CompletableFuture<Msg> answer = new CompletableFuture<>();
        pending.put(branch, answer);
        try {
            send(node, text);
            return answer.get(answerWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        } finally {
            pending.remove(branch);
        }
    }

    private void send(int node, String text) throws IOException {
        send(pool.node(node).sip(), text);
    }

    private void send(InetSocketAddress to, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        socket.send(new DatagramPacket(bytes, bytes.length, to));
    }

    /** A response to {@code request}, to its top Via's sent-by (RFC 3261 section 18.2.2). */
    private String respond(Msg request, int status, String reason, String toTag, List<String> extra, String body)
            throws IOException {
        StringBuilder b = new StringBuilder("SIP/2.0 " + status + " " + reason + "\r\n");
        for (String[] h : request.headers()) {
            if (h[0].equals("via")) {
                b.append("Via: ").append(h[1]).append("\r\n");
            } else if (h[0].equals("record-route") && status >= 200 && status < 300) {
                b.append("Record-Route: ").append(h[1]).append("\r\n");
            }
        }
        b.append("From: ").append(request.header("from")).append("\r\n");
        String to = request.header("to");
        if (!to.contains(";tag=") && toTag != null) {
            to = to + ";tag=" + toTag;
        }
        b.append("To: ").append(to).append("\r\n");
        b.append("Call-ID: ").append(request.callId()).append("\r\n");
        b.append("CSeq: ").append(request.header("cseq")).append("\r\n");
        for (String h : extra) {
            b.append(h).append("\r\n");
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String text = b.append("Content-Length: ")
                .append(bytes.length)
                .append("\r\n\r\n")
                .append(body)
                .toString();
        resend(request, text);
        return text;
    }

    private void resend(Msg request, String response) throws IOException {
        Matcher hp = Pattern.compile("SIP/2.0/UDP ([^:;\\s]+):(\\d+)").matcher(request.header("via"));
        if (!hp.find()) {
            throw new IOException("no UDP sent-by in " + request.header("via"));
        }
        send(new InetSocketAddress(hp.group(1), Integer.parseInt(hp.group(2))), response);
    }

    private void readLoop() {
        byte[] buf = new byte[65535];
        while (!closed) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                socket.receive(p);
                String raw = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
                if (!raw.isBlank()) {
                    handle(Msg.parse(raw));
                }
            } catch (SocketException e) {
                return; // closed
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    System.err.println(name + ": " + e);
                }
            }
        }
    }

    private void handle(Msg m) throws IOException {
        if (!m.isRequest()) {
            if (m.status() < 200) {
                return;
            }
            CompletableFuture<Msg> waiting = pending.get(TestPhone.branchOf(m.header("via")));
            if (waiting != null) {
                waiting.complete(m);
            } else if (m.status() == 200 && m.cseqMethod().equals("INVITE") && acks.containsKey(m.callId())) {
                acksAgain.incrementAndGet();
                sendAck(acks.get(m.callId())); // the callee did not get our ACK: again (section 13.2.2.4)
            }
            return;
        }
        switch (m.method()) {
            case "INVITE" -> answer(m);
            case "ACK" -> {
                Answered a = answered.get(m.callId());
                if (a != null) {
                    a.acked = true;
                }
            }
            case "BYE" -> {
                Answered a = answered.get(m.callId());
                if (a != null) {
                    a.byed = true;
                }
                respond(m, a == null ? 481 : 200, a == null ? "Call Does Not Exist" : "OK", null, List.of(), "");
            }
            case "NOTIFY" -> {
                Watch w = watches.get(m.callId());
                respond(
                        m,
                        w == null ? 481 : 200,
                        w == null ? "Subscription Does Not Exist" : "OK",
                        null,
                        List.of(),
                        "");
                if (w != null) {
                    w.notifies.incrementAndGet();
                    w.lastNotify = System.nanoTime();
                    String state = m.header("subscription-state");
                    if (state != null && state.toLowerCase(Locale.ROOT).startsWith("terminated")) {
                        w.terminated = state;
                    }
                }
            }
            default -> respond(m, 200, "OK", null, List.of(), "");
        }
    }

    /**
     * Answers an INVITE at once with 200 and retransmits the 200 until the ACK comes (RFC 3261 section
     * 13.3.1.4: T1 doubling up to T2); the same Call-ID again (the caller failed over) gets the same
     * dialog.
     */
    private void answer(Msg invite) throws IOException {
        Answered a = answered.computeIfAbsent(invite.callId(), id -> new Answered());
        String ok = respond(
                invite,
                200,
                "OK",
                a.tag,
                List.of("Contact: <" + contact() + ">", "Content-Type: application/sdp"),
                sdp());
        boolean first = a.ok == null;
        a.ok = ok;
        if (first) {
            retransmit(invite, a, 500);
        }
    }

    private void retransmit(Msg invite, Answered a, long afterMillis) {
        if (afterMillis > 4000 || closed) {
            return;
        }
        timers.schedule(
                () -> {
                    if (!a.acked && !a.byed && !closed) {
                        try {
                            resend(invite, a.ok);
                        } catch (IOException e) {
                            // the next one, or the caller's failover
                        }
                        retransmit(invite, a, afterMillis * 2);
                    }
                },
                afterMillis,
                TimeUnit.MILLISECONDS);
    }

    int callsAnswered() {
        return answered.size();
    }

    @Override
    public void close() {
        closed = true;
        socket.close();
    }
}

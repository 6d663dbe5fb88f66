import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Presence load generator for Switchboard (issue 4, item 9), JDK only:
 * {@code java bench/presence/PresenceBench.java MODE [--key value ...]}. See bench/README.md.
 *
 * <p>Speaks SIP over UDP from a few sockets on 127.0.0.1, many dialogs multiplexed by Call-ID.
 * Client transactions retransmit as RFC 3261 section 17.1.2 says (T1 500 ms doubling to T2 4 s,
 * given up after 32 s); retransmissions are counted. A 401/407 is answered with an MD5 digest
 * (qop=auth); the nonce is then reused with a rising nc for the user's next requests, as phones
 * do (RFC 7616 section 3.4.5), and a new challenge is answered again. Every NOTIFY is answered
 * with 200 on the receive thread at once, then matched to its subscription by Call-ID; its CSeq
 * must rise (an equal CSeq is a retransmission, counted apart; a lower one is an error), it must
 * carry Event: presence and a valid Subscription-State. The availability numbers of each
 * presentity in the body (PIDF, or each PIDF part of a multipart/related RLMI body) are what the
 * modes measure.
 *
 * <p>Users are those of bench/make-users.sh: bench000001@example.test with password
 * pw-bench-000001, and so on; they must exist on the node.
 *
 * <p>Ends with a text report and one line starting "RESULT " with key=value pairs; exits 1 on
 * protocol errors (an unparseable or unmatched message, a CSeq going backwards, a bad
 * Subscription-State, a request answered with an unexpected status) or when a mode could not
 * complete, 2 on bad arguments.
 */
public final class PresenceBench {

    // ------------------------------------------------------------------ options

    static final Map<String, String> opts = new LinkedHashMap<>();

    static String opt(String key, String dflt) {
        return opts.getOrDefault(key, dflt);
    }

    static int intOpt(String key, int dflt) {
        return Integer.parseInt(opt(key, Integer.toString(dflt)));
    }

    static final String USAGE = """
            usage: java bench/presence/PresenceBench.java MODE [options]
              modes:
                fanout       --watchers 1000 --publishes 20 --gap-ms 1000
                             watchers bench000002..  subscribe to bench000001, which registers and then
                             PUBLISHes alternately busy / do-not-disturb; per change: time to the LAST watcher's NOTIFY
                notify-rate  --publishers 20 --watchers 500 --duration 30 --warmup 5 --publish-gap-ms 250
                             every watcher subscribes to every publisher; each publisher changes state every gap
                             (0 = as fast as its PUBLISHes are answered); NOTIFY/s received at steady state
                flows        --rates "500 1000 2000" --duration 20 --users 2000 --warmup-rate 100 --max-open 0
                             (0 = 2 x rate) --sub-expires 60
                             flows started per second: SUBSCRIBE (user i to user i+U/2) answered 200 + its first
                             NOTIFY + a PUBLISH by user i answered 200; a warm-up of one flow per user first
                lists        --users 10000 --contacts 50 --publishers 20 --publishes 2 --gap-ms 1000
                             each user subscribes to an ad-hoc resource list (RFC 4826 body) of the next C users;
                             then publishers change state; per change: time to the last list NOTIFY naming it
                conference-fanout --conference sip:conf-ID@example.test --watchers 250 --joins 20 --gap-ms 1000
                             watchers bench000002.. subscribe to the conference's state (RFC 4575, Event: conference;
                             they must be allowed: e.g. presenters "everyone"); bench000001 joins (INVITE with SDP,
                             digest, 200, ACK) and leaves (BYE) once per gap; per join and per leave: time to the LAST
                             watcher's NOTIFY showing it connected / disconnected (one unmeasured join first)
              common: --host 127.0.0.1 --port 15060 --domain example.test --sockets 4 --sub-rate 200 (SUBSCRIBEs/s
                      while setting up) --timeout-s 10 (wait for the NOTIFYs of one change) --label TEXT
                      --cpu-pids "node:PID,cassandra:PID" (Linux: report their CPU during the measurement; PID+ with its descendants)
            """;

    // ------------------------------------------------------------------ counters

    static final LongAdder notifies = new LongAdder();
    static final LongAdder notifyBytes = new LongAdder();
    static final LongAdder notifyRetrans = new LongAdder();
    static final LongAdder retransSent = new LongAdder();
    static final LongAdder challenges = new LongAdder();
    static final LongAdder replayed = new LongAdder();
    static final LongAdder terminatedNotifies = new LongAdder();
    static final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    static final AtomicInteger errorCount = new AtomicInteger();
    static final ConcurrentHashMap<String, LongAdder> failures = new ConcurrentHashMap<>();

    /** Set when a mode could not do what it measures (exit 1, though no protocol error). */
    static volatile String incomplete;

    /**
     * Setup failures (a 503 from an overloaded node, a timeout) are not protocol errors: up to 1%
     * of the subscriptions may fail; they are reported and left out of the measurement.
     */
    static boolean setupOk(int failed, int total) {
        put("setup_failed", failed);
        if (failed * 100 > total) {
            incomplete = failed + " of " + total + " subscriptions failed (more than 1%)";
            return false;
        }
        return true;
    }

    static void protocolError(String what) {
        if (errorCount.incrementAndGet() <= 20) {
            errors.add(what);
        }
    }

    static void failure(String reason) {
        failures.computeIfAbsent(reason, k -> new LongAdder()).increment();
    }

    // ------------------------------------------------------------------ SIP messages

    /** A received message: first line, headers by lower-case (compact forms expanded) name, body. */
    record Msg(String firstLine, Map<String, List<String>> headers, String body) {

        static Msg parse(byte[] data, int len) {
            String text = new String(data, 0, len, StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            if (split < 0) {
                return null;
            }
            String[] lines = text.substring(0, split).split("\r\n");
            Map<String, List<String>> h = new HashMap<>();
            String last = null;
            for (int i = 1; i < lines.length; i++) {
                String line = lines[i];
                if ((line.startsWith(" ") || line.startsWith("\t")) && last != null) { // folded line
                    List<String> vs = h.get(last);
                    vs.set(vs.size() - 1, vs.get(vs.size() - 1) + " " + line.trim());
                    continue;
                }
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    return null;
                }
                String name = canonical(line.substring(0, colon).trim().toLowerCase(Locale.ROOT));
                h.computeIfAbsent(name, k -> new ArrayList<>()).add(line.substring(colon + 1).trim());
                last = name;
            }
            return new Msg(lines[0], h, text.substring(split + 4));
        }

        static String canonical(String n) {
            return switch (n) {
                case "v" -> "via";
                case "f" -> "from";
                case "t" -> "to";
                case "i" -> "call-id";
                case "m" -> "contact";
                case "l" -> "content-length";
                case "c" -> "content-type";
                case "o" -> "event";
                default -> n;
            };
        }

        boolean isRequest() {
            return !firstLine.startsWith("SIP/2.0 ");
        }

        String method() {
            return firstLine.substring(0, firstLine.indexOf(' '));
        }

        int status() {
            return Integer.parseInt(firstLine.substring(8, 11));
        }

        String header(String name) {
            List<String> v = headers.get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        String callId() {
            return header("call-id");
        }

        long cseq() {
            String c = header("cseq");
            return c == null ? -1 : Long.parseLong(c.substring(0, c.indexOf(' ')).trim());
        }

        String cseqMethod() {
            String c = header("cseq");
            return c == null ? "" : c.substring(c.indexOf(' ') + 1).trim();
        }
    }

    static String tagOf(String nameAddr) {
        if (nameAddr == null) {
            return null;
        }
        Matcher m = Pattern.compile(";\\s*tag=([^;>\\s]+)").matcher(nameAddr.substring(Math.max(0, nameAddr.lastIndexOf('>'))));
        return m.find() ? m.group(1) : null;
    }

    static String rand() {
        return Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    }

    // ------------------------------------------------------------------ digest (RFC 7616, MD5 only)

    static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    static String md5(String s) {
        byte[] d = MD5.get().digest(s.getBytes(StandardCharsets.UTF_8));
        StringBuilder b = new StringBuilder(32);
        for (byte x : d) {
            b.append(Character.forDigit((x >> 4) & 15, 16)).append(Character.forDigit(x & 15, 16));
        }
        return b.toString();
    }

    static final Pattern PARAM = Pattern.compile("(\\w+)\\s*=\\s*(\"([^\"]*)\"|[^,\\s]+)");

    /** Credentials a user holds: the last challenge's realm and nonce, and the next nc. */
    static final class Credentials {
        final String realm;
        final String nonce;
        final AtomicLong nc = new AtomicLong();

        Credentials(String realm, String nonce) {
            this.realm = realm;
            this.nonce = nonce;
        }
    }

    /** The MD5 challenge among the values of a WWW-/Proxy-Authenticate header list, as credentials. */
    static Credentials fromChallenge(List<String> values) {
        if (values == null) {
            return null;
        }
        for (String v : values) {
            Map<String, String> p = new HashMap<>();
            Matcher m = PARAM.matcher(v.replaceFirst("^\\s*Digest\\s+", ""));
            while (m.find()) {
                p.put(m.group(1).toLowerCase(Locale.ROOT), m.group(3) != null ? m.group(3) : m.group(2));
            }
            String alg = p.getOrDefault("algorithm", "MD5");
            if (alg.equalsIgnoreCase("MD5") && p.containsKey("nonce")) {
                return new Credentials(p.get("realm"), p.get("nonce"));
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ users

    static String domain;

    static final class User {
        final int index;
        final String name;
        final String password;
        final String aor;
        volatile Credentials creds;
        volatile String etag;
        final Endpoint ep;

        User(int index, Endpoint ep) {
            this.index = index;
            this.name = String.format("bench%06d", index);
            this.password = String.format("pw-bench-%06d", index);
            this.aor = "sip:" + name + "@" + domain;
            this.ep = ep;
        }

        String authorization(String header, String method, String uri) {
            Credentials c = creds;
            if (c == null) {
                return null;
            }
            String nc = String.format("%08x", c.nc.incrementAndGet());
            String cnonce = rand();
            String ha1 = md5(name + ":" + c.realm + ":" + password);
            String ha2 = md5(method + ":" + uri);
            String response = md5(ha1 + ":" + c.nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2);
            return header + ": Digest username=\"" + name + "\", realm=\"" + c.realm + "\", nonce=\"" + c.nonce
                    + "\", uri=\"" + uri + "\", response=\"" + response + "\", algorithm=MD5, qop=auth, nc=" + nc
                    + ", cnonce=\"" + cnonce + "\"";
        }
    }

    static final Map<Integer, User> users = new ConcurrentHashMap<>();
    static Endpoint[] endpoints;

    static User user(int i) {
        return users.computeIfAbsent(i, k -> new User(k, endpoints[k % endpoints.length]));
    }

    // ------------------------------------------------------------------ transport and transactions

    static InetSocketAddress server;
    static final long T1 = 500, T2 = 4000, TIMER_F = 32_000;

    /** A pending client transaction (non-INVITE), keyed by Call-ID and CSeq. */
    static final class Tx {
        final Endpoint ep;
        final byte[] bytes;
        final CompletableFuture<Msg> result = new CompletableFuture<>();
        final long startMs = System.currentTimeMillis();
        long intervalMs = T1;
        long nextMs;
        boolean provisional;

        Tx(Endpoint ep, byte[] bytes) {
            this.ep = ep;
            this.bytes = bytes;
            this.nextMs = startMs + T1;
        }
    }

    static final ConcurrentHashMap<String, Tx> pending = new ConcurrentHashMap<>();

    static final class Endpoint {
        final DatagramSocket socket;
        final int port;

        Endpoint() throws SocketException {
            socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
            socket.setReceiveBufferSize(8 << 20);
            socket.setSendBufferSize(8 << 20);
            port = socket.getLocalPort();
            Thread t = new Thread(this::receive, "recv-" + port);
            t.setDaemon(true);
            t.start();
        }

        void send(byte[] b, InetSocketAddress to) {
            try {
                socket.send(new DatagramPacket(b, b.length, to));
            } catch (IOException e) {
                failure("send: " + e.getMessage());
            }
        }

        void receive() {
            byte[] buf = new byte[65_535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            while (!socket.isClosed()) {
                try {
                    p.setLength(buf.length);
                    socket.receive(p);
                } catch (IOException e) {
                    return;
                }
                if (p.getLength() <= 4) {
                    continue; // keep-alive (RFC 5626 CRLF)
                }
                Msg m = Msg.parse(buf, p.getLength());
                if (m == null) {
                    protocolError("unparseable datagram: " + new String(buf, 0, Math.min(200, p.getLength()), StandardCharsets.UTF_8));
                    continue;
                }
                try {
                    if (m.isRequest()) {
                        onRequest(this, m, (InetSocketAddress) p.getSocketAddress());
                    } else {
                        onResponse(m);
                    }
                } catch (RuntimeException e) {
                    protocolError("handling " + m.firstLine + ": " + e);
                }
            }
        }
    }

    static void onResponse(Msg m) {
        String key = m.callId() + " " + m.cseq() + " " + m.cseqMethod();
        Tx tx = pending.get(key);
        if (tx == null) {
            return; // a retransmitted final response of a finished transaction
        }
        if (m.status() < 200) {
            tx.provisional = true;
            return;
        }
        if (pending.remove(key, tx)) {
            tx.result.complete(m);
        }
    }

    /** Sends a request (its text holds Call-ID and CSeq) and completes with its final response. */
    static CompletableFuture<Msg> send(Endpoint ep, String callId, long cseq, String method, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        Tx tx = new Tx(ep, b);
        pending.put(callId + " " + cseq + " " + method, tx);
        ep.send(b, server);
        return tx.result;
    }

    /** Retransmits pending requests (RFC 3261 Timer E) and gives up after Timer F. */
    static void retransmitLoop() {
        while (true) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.currentTimeMillis();
            for (var e : pending.entrySet()) {
                Tx tx = e.getValue();
                if (now - tx.startMs >= TIMER_F) {
                    if (pending.remove(e.getKey(), tx)) {
                        tx.result.complete(null); // timeout
                    }
                } else if (now >= tx.nextMs) {
                    tx.intervalMs = tx.provisional ? T2 : Math.min(tx.intervalMs * 2, T2);
                    tx.nextMs = now + tx.intervalMs;
                    retransSent.increment();
                    tx.ep.send(tx.bytes, server);
                }
            }
        }
    }

    /**
     * An out-of-dialog request from {@code u}: sent once (with the user's cached credentials if
     * any); a 401/407 is answered once with credentials from the challenge (a second one when the
     * cached nonce was rejected as stale or replayed). Completes with the final response, or null
     * on timeout.
     */
    static CompletableFuture<Msg> authenticated(User u, String method, String uri, String callId, String fromTag,
                                                 String toUri, List<String> extra, String contentType, String body) {
        long seq = ThreadLocalRandom.current().nextInt(1, 1 << 20);
        return attempt(u, method, uri, callId, fromTag, toUri, extra, contentType, body, seq, 0);
    }

    private static CompletableFuture<Msg> attempt(User u, String method, String uri, String callId, String fromTag,
                                                  String toUri, List<String> extra, String contentType, String body,
                                                  long seq, int round) {
        String auth = u.authorization(method.equals("REGISTER") ? "Authorization" : "Proxy-Authorization", method, uri);
        String text = request(u, method, uri, callId, fromTag, toUri, seq, extra, auth, contentType, body);
        return send(u.ep, callId, seq, method, text).thenCompose(r -> {
            if (r != null && method.equals("INVITE") && r.status() >= 300) {
                ackFailure(u, uri, r);
            }
            if (r != null && (r.status() == 401 || r.status() == 407) && round < 2) {
                challenges.increment();
                Credentials c = fromChallenge(r.headers().get(r.status() == 401 ? "www-authenticate" : "proxy-authenticate"));
                if (c == null) {
                    protocolError(method + " challenged without an MD5 challenge: " + r.headers());
                    return CompletableFuture.completedFuture(r);
                }
                u.creds = c;
                return attempt(u, method, uri, callId, fromTag, toUri, extra, contentType, body, seq + 1, round + 1);
            }
            if (r != null && r.status() == 403 && round == 0 && auth != null) {
                // the cached nonce's nc was refused (a node answers a replayed or out-of-order nc
                // with 403; concurrent requests of one user can reach it out of order): start over
                replayed.increment();
                u.creds = null;
                return attempt(u, method, uri, callId, fromTag, toUri, extra, contentType, body, seq + 1, round + 1);
            }
            return CompletableFuture.completedFuture(r);
        });
    }

    /**
     * The ACK of an INVITE's failure (RFC 3261 section 17.1.1.3): part of the INVITE's transaction,
     * so its Via is the INVITE's (the response's), and its To the response's, with the tag.
     */
    static void ackFailure(User u, String uri, Msg r) {
        String ack = "ACK " + uri + " SIP/2.0\r\nVia: " + r.header("via") + "\r\nMax-Forwards: 70\r\nFrom: "
                + r.header("from") + "\r\nTo: " + r.header("to") + "\r\nCall-ID: " + r.callId() + "\r\nCSeq: "
                + r.cseq() + " ACK\r\nContent-Length: 0\r\n\r\n";
        u.ep.send(ack.getBytes(StandardCharsets.UTF_8), server);
    }

    static String request(User u, String method, String uri, String callId, String fromTag, String toUri, long seq,
                          List<String> extra, String auth, String contentType, String body) {
        byte[] bodyBytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder b = new StringBuilder(512 + bodyBytes.length);
        b.append(method).append(' ').append(uri).append(" SIP/2.0\r\n");
        b.append("Via: SIP/2.0/UDP 127.0.0.1:").append(u.ep.port).append(";branch=z9hG4bK").append(rand()).append(";rport\r\n");
        b.append("Max-Forwards: 70\r\n");
        b.append("From: <").append(u.aor).append(">;tag=").append(fromTag).append("\r\n");
        b.append("To: <").append(toUri).append(">\r\n");
        b.append("Call-ID: ").append(callId).append("\r\n");
        b.append("CSeq: ").append(seq).append(' ').append(method).append("\r\n");
        b.append("Contact: <sip:").append(u.name).append("@127.0.0.1:").append(u.ep.port).append(">\r\n");
        b.append("User-Agent: PresenceBench\r\n");
        for (String h : extra) {
            b.append(h).append("\r\n");
        }
        if (auth != null) {
            b.append(auth).append("\r\n");
        }
        if (bodyBytes.length > 0) {
            b.append("Content-Type: ").append(contentType).append("\r\n");
        }
        b.append("Content-Length: ").append(bodyBytes.length).append("\r\n\r\n");
        return b.append(body == null ? "" : body).toString();
    }

    static CompletableFuture<Msg> register(User u, int expires) {
        return authenticated(u, "REGISTER", "sip:" + domain, rand() + "@reg.bench", rand(), u.aor,
                List.of("Expires: " + expires), null, null);
    }

    /** Registers every user (a user with no registration is Offline whatever they publish). */
    static void registerAll(List<User> list) {
        List<CompletableFuture<Msg>> all = new ArrayList<>();
        for (User u : list) {
            all.add(register(u, 3600));
        }
        for (int i = 0; i < all.size(); i++) {
            Msg r = all.get(i).join();
            if (r == null || r.status() != 200) {
                protocolError("REGISTER of " + list.get(i).aor + " answered " + (r == null ? "nothing" : r.firstLine()));
            }
        }
    }

    /** A PIDF body stating {@code token} (see PresenceSipTest.state). */
    static String pidf(User u, String token) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\" "
                + "xmlns:sb=\"urn:switchboard:params:xml:ns:presence\" entity=\"" + u.aor + "\">"
                + "<tuple id=\"t1\"><status><basic>open</basic></status></tuple>"
                + "<dm:person id=\"p1\"><sb:state>" + token + "</sb:state></dm:person></presence>";
    }

    static final Map<String, Integer> AVAILABILITY = Map.of("busy", 6500, "do-not-disturb", 9500, "away", 15500,
            "be-right-back", 12500);

    /**
     * PUBLISH of {@code token} by {@code u}: a modification of the user's publication when it has
     * an entity-tag (RFC 3903 section 4.4), else an initial one; a 412 (tag gone) is retried once
     * as initial. Completes with the final response (null on timeout).
     */
    static CompletableFuture<Msg> publish(User u, String token) {
        String etag = u.etag;
        List<String> extra = new ArrayList<>(List.of("Event: presence", "Expires: 3600"));
        if (etag != null) {
            extra.add("SIP-If-Match: " + etag);
        }
        return authenticated(u, "PUBLISH", u.aor, rand() + "@pub.bench", rand(), u.aor, extra,
                "application/pidf+xml", pidf(u, token)).thenCompose(r -> {
            if (r != null && r.status() == 200) {
                u.etag = r.header("sip-etag");
            } else if (r != null && r.status() == 412 && etag != null) {
                u.etag = null;
                return publish(u, token);
            }
            return CompletableFuture.completedFuture(r);
        });
    }

    // ------------------------------------------------------------------ subscriptions and NOTIFYs

    interface Listener {
        /** One presentity's availability in a NOTIFY of {@code s} (called on a receive thread). */
        void seen(Sub s, String entity, int availability, long nanos);
    }

    static volatile Listener listener = (s, e, a, n) -> { };

    static final class Sub {
        final User watcher;
        /** Its event package: "presence" or "conference" (RFC 4575). */
        final String event;
        /** conference-info only: the last document's version (RFC 4575 section 4.6: partial ones rise by one). */
        long lastVersion;
        final String callId = rand() + "@sub.bench";
        final String fromTag = rand();
        final CompletableFuture<Msg> firstNotify = new CompletableFuture<>();
        long lastCseq = -1;
        volatile boolean terminated;
        /** Set once its SUBSCRIBE got 200 and its first NOTIFY arrived. */
        volatile boolean ok;
        final Map<String, Integer> state = new ConcurrentHashMap<>();
        int seenEvent = -1; // for the modes' bookkeeping

        Sub(User watcher) {
            this(watcher, "presence");
        }

        Sub(User watcher, String event) {
            this.event = event;
            this.watcher = watcher;
        }
    }

    static final ConcurrentHashMap<String, Sub> subs = new ConcurrentHashMap<>();

    static final Pattern ENTITY_PRESENCE = Pattern.compile(
            "<presence\\b[^>]*\\bentity=\"([^\"]+)\"(.*?)</presence>", Pattern.DOTALL);
    static final Pattern AVAIL = Pattern.compile("<sb:availability>(\\d+)</sb:availability>");

    static void onRequest(Endpoint ep, Msg m, InetSocketAddress from) {
        String method = m.method();
        long now = System.nanoTime();
        respond(ep, m, from, method.equals("NOTIFY") ? 200 : 405);
        if (!method.equals("NOTIFY")) {
            protocolError("unexpected request " + m.firstLine);
            return;
        }
        notifies.increment();
        notifyBytes.add(m.body().length());
        Sub s = subs.get(m.callId());
        if (s == null) {
            protocolError("NOTIFY for no known subscription, Call-ID " + m.callId());
            return;
        }
        long seq = m.cseq();
        boolean fresh;
        synchronized (s) {
            fresh = seq > s.lastCseq;
            if (seq == s.lastCseq) {
                notifyRetrans.increment();
            } else if (seq < s.lastCseq) {
                protocolError("NOTIFY CSeq went back from " + s.lastCseq + " to " + seq + " in " + s.callId);
            } else {
                s.lastCseq = seq;
            }
        }
        if (!fresh) {
            return;
        }
        String event = m.header("event");
        if (event == null || !event.toLowerCase(Locale.ROOT).startsWith(s.event)) {
            protocolError("NOTIFY with Event " + event + " in a " + s.event + " subscription");
        }
        String ss = m.header("subscription-state");
        if (ss == null || !ss.matches("(?i)(active|pending|terminated)\\b.*")) {
            protocolError("NOTIFY with Subscription-State " + ss);
        } else if (ss.toLowerCase(Locale.ROOT).startsWith("terminated")) {
            s.terminated = true;
            terminatedNotifies.increment();
        }
        if (s.event.equals("conference")) {
            conferenceInfo(s, m.body(), now);
            s.firstNotify.complete(m);
            return;
        }
        Matcher pm = ENTITY_PRESENCE.matcher(m.body());
        while (pm.find()) {
            Matcher am = AVAIL.matcher(pm.group(2));
            if (am.find()) {
                int a = Integer.parseInt(am.group(1));
                s.state.put(pm.group(1), a);
                listener.seen(s, pm.group(1), a, now);
            }
        }
        s.firstNotify.complete(m);
    }

    interface ConferenceListener {
        /** One user of a conference-info NOTIFY of {@code s}: "connected" when one of its calls is, else "disconnected" or "pending". */
        void seen(Sub s, String user, String status, long nanos);
    }

    static volatile ConferenceListener conferenceListener = (s, u, st, n) -> { };

    static final Pattern INFO_HEAD = Pattern.compile("<conference-info\\b([^>]*)>");
    static final Pattern INFO_VERSION = Pattern.compile("\\bversion=\"(\\d+)\"");
    static final Pattern INFO_STATE = Pattern.compile("\\bstate=\"(\\w+)\"");
    static final Pattern INFO_USER = Pattern.compile("<user\\b[^>]*\\bentity=\"([^\"]+)\"([^>]*)>(.*?)</user>", Pattern.DOTALL);

    /**
     * A conference-info document (RFC 4575): its version must rise, by exactly one for a partial
     * document (section 4.6: a gap means a lost NOTIFY); each user's status goes to the listener.
     */
    static void conferenceInfo(Sub s, String body, long now) {
        Matcher h = INFO_HEAD.matcher(body);
        Matcher v = null;
        Matcher st = null;
        if (h.find()) {
            v = INFO_VERSION.matcher(h.group(1));
            st = INFO_STATE.matcher(h.group(1));
        }
        if (v == null || !v.find() || !st.find()) {
            protocolError("conference NOTIFY without a version and state: " + body.substring(0, Math.min(200, body.length())));
            return;
        }
        long version = Long.parseLong(v.group(1));
        boolean partial = st.group(1).equals("partial");
        synchronized (s) {
            if (version <= s.lastVersion || (partial && version != s.lastVersion + 1)) {
                protocolError("conference-info version " + version + " (" + st.group(1) + ") after " + s.lastVersion
                        + " in " + s.callId);
            }
            s.lastVersion = Math.max(s.lastVersion, version);
        }
        Matcher u = INFO_USER.matcher(body);
        while (u.find()) {
            String inner = u.group(3);
            String status = u.group(2).contains("state=\"deleted\"") ? "disconnected"
                    : inner.contains("<status>connected</status>") ? "connected"
                    : inner.contains("<status>pending</status>") ? "pending" : "disconnected";
            conferenceListener.seen(s, u.group(1), status, now);
        }
    }

    static void respond(Endpoint ep, Msg req, InetSocketAddress from, int status) {
        StringBuilder b = new StringBuilder(300);
        b.append("SIP/2.0 ").append(status).append(status == 200 ? " OK" : " Method Not Allowed").append("\r\n");
        for (String v : req.headers().getOrDefault("via", List.of())) {
            b.append("Via: ").append(v).append("\r\n");
        }
        b.append("From: ").append(req.header("from")).append("\r\n");
        String to = req.header("to");
        b.append("To: ").append(to).append(tagOf(to) == null ? ";tag=" + rand() : "").append("\r\n");
        b.append("Call-ID: ").append(req.callId()).append("\r\n");
        b.append("CSeq: ").append(req.header("cseq")).append("\r\n");
        b.append("Content-Length: 0\r\n\r\n");
        // RFC 3261 section 18.2.2: to the source (the node sent it from its listening port)
        ep.send(b.toString().getBytes(StandardCharsets.UTF_8), from);
    }

    /**
     * A new subscription of {@code w} to {@code target} (a list when {@code listBody} is given).
     * Completes with the SUBSCRIBE's final response; {@code s.firstNotify} with the first NOTIFY.
     */
    static CompletableFuture<Msg> subscribe(Sub s, String target, String listBody, int expires) {
        subs.put(s.callId, s);
        List<String> extra = new ArrayList<>(List.of("Event: " + s.event, "Expires: " + expires));
        if (s.event.equals("conference")) {
            extra.add("Accept: application/conference-info+xml");
        } else if (listBody != null) {
            extra.add("Supported: eventlist");
            extra.add("Accept: application/pidf+xml, application/rlmi+xml, multipart/related");
        } else {
            extra.add("Accept: application/pidf+xml");
        }
        return authenticated(s.watcher, "SUBSCRIBE", target, s.callId, s.fromTag, target, extra,
                "application/resource-lists+xml", listBody);
    }

    static String resourceList(List<User> entries) {
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"><list>");
        for (User u : entries) {
            b.append("<entry uri=\"").append(u.aor).append("\"/>");
        }
        return b.append("</list></resource-lists>").toString();
    }

    /**
     * Subscribes every sub at {@code rate} per second with at most {@code 2 x rate} open; waits
     * for each 200 and first NOTIFY. Returns how many failed.
     */
    static int subscribeAll(List<Sub> list, List<String> targets, List<String> bodies, int rate, int expires)
            throws InterruptedException {
        Semaphore open = new Semaphore(Math.max(10, rate * 2));
        AtomicInteger failed = new AtomicInteger();
        CompletableFuture<?>[] all = new CompletableFuture<?>[list.size()];
        long start = System.nanoTime();
        for (int i = 0; i < list.size(); i++) {
            long due = start + (long) (i * 1e9 / rate);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            open.acquire();
            Sub s = list.get(i);
            all[i] = subscribe(s, targets.get(i), bodies == null ? null : bodies.get(i), expires).thenCompose(r -> {
                if (r == null || r.status() != 200) {
                    failure("SUBSCRIBE " + (r == null ? "timeout" : r.status()));
                    failed.incrementAndGet();
                    return CompletableFuture.completedFuture(null);
                }
                return s.firstNotify.completeOnTimeout(null, 10, TimeUnit.SECONDS).thenApply(n -> {
                    if (n == null) {
                        failure("no first NOTIFY in 10 s");
                        failed.incrementAndGet();
                    } else {
                        s.ok = true;
                    }
                    return n;
                });
            }).whenComplete((x, t) -> open.release());
        }
        CompletableFuture.allOf(all).join();
        return failed.get();
    }

    // ------------------------------------------------------------------ statistics

    static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
    }

    static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static final Map<String, String> result = new LinkedHashMap<>();

    static void put(String key, Object value) {
        result.put(key, String.valueOf(value));
    }

    // ------------------------------------------------------------------ change events (fanout, lists)

    /** One state change being measured: its expected availability and who still has to see it. */
    static final class Change {
        final int id;
        final String entity;
        final int availability;
        final long t0;
        final AtomicInteger remaining;
        final AtomicLong first = new AtomicLong(Long.MAX_VALUE);
        final AtomicLong last = new AtomicLong();
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Change(int id, String entity, int availability, int watchers) {
            this.id = id;
            this.entity = entity;
            this.availability = availability;
            this.remaining = new AtomicInteger(watchers);
            this.t0 = System.nanoTime();
        }

        void seen(Sub s, Map<Sub, Integer> seenBy, long nanos) {
            synchronized (seenBy) {
                Integer prev = seenBy.get(s);
                if (prev != null && prev >= id) {
                    return;
                }
                seenBy.put(s, id);
            }
            first.accumulateAndGet(nanos, Math::min);
            last.accumulateAndGet(nanos, Math::max);
            if (remaining.decrementAndGet() == 0) {
                done.complete(null);
            }
        }
    }

    /**
     * Runs {@code count} state changes of the given publishers one after another, {@code gapMs}
     * apart, each awaited until every watcher in {@code watchersOf} saw the new availability (or
     * the timeout); reports latency to the first and the last watcher.
     */
    static void measureChanges(List<User> publishers, Map<String, List<Sub>> watchersOf, int count, int gapMs,
                               int timeoutS, String prefix) throws InterruptedException {
        Map<String, Change> current = new ConcurrentHashMap<>();
        Map<String, Map<Sub, Integer>> seen = new ConcurrentHashMap<>();
        listener = (s, entity, a, now) -> {
            Change c = current.get(entity);
            if (c != null && a == c.availability && now >= c.t0) {
                c.seen(s, seen.computeIfAbsent(entity, k -> new HashMap<>()), now);
            }
        };
        List<Long> lasts = new ArrayList<>();
        List<Long> firsts = new ArrayList<>();
        List<Double> rates = new ArrayList<>();
        int incomplete = 0;
        long missing = 0;
        String[] tokens = {"busy", "do-not-disturb"};
        int id = 0;
        long n0 = notifies.sum();
        Map<String, Long> cpu0 = cpuTicks();
        long t0 = System.nanoTime();
        for (int k = 0; k < count; k++) {
            for (User p : publishers) {
                String token = tokens[k % 2];
                List<Sub> w = watchersOf.get(p.aor);
                Change c = new Change(id++, p.aor, AVAILABILITY.get(token), w.size());
                current.put(p.aor, c);
                Msg r = publish(p, token).join();
                if (r == null || r.status() != 200) {
                    failure("PUBLISH " + (r == null ? "timeout" : r.status()));
                    protocolError("PUBLISH by " + p.aor + " answered " + (r == null ? "nothing" : r.firstLine()));
                    continue;
                }
                try {
                    c.done.get(timeoutS, TimeUnit.SECONDS);
                } catch (Exception e) {
                    incomplete++;
                    missing += c.remaining.get();
                }
                if (c.remaining.get() == 0) {
                    lasts.add(c.last.get() - c.t0);
                    firsts.add(c.first.get() - c.t0);
                    long spread = c.last.get() - c.first.get();
                    if (spread > 0) {
                        rates.add(w.size() / (spread / 1e9));
                    }
                }
                Thread.sleep(gapMs);
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        String cpu = cpuReport(cpu0, secs, notifies.sum() - n0, "notify");
        if (!cpu.isEmpty()) {
            System.out.println(prefix + " CPU during the changes: " + cpu);
        }
        long[] l = lasts.stream().mapToLong(Long::longValue).sorted().toArray();
        long[] f = firsts.stream().mapToLong(Long::longValue).sorted().toArray();
        double[] r = rates.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "%s changes: %d measured, %d incomplete (%d watcher NOTIFYs missing after %d s)%n",
                prefix, l.length, incomplete, missing, timeoutS);
        System.out.printf(Locale.ROOT, "%s PUBLISH -> last watcher's NOTIFY: p50 %s ms, p99 %s ms, max %s ms%n",
                prefix, ms(pct(l, 50)), ms(pct(l, 99)), ms(pct(l, 100)));
        System.out.printf(Locale.ROOT, "%s PUBLISH -> first watcher's NOTIFY: p50 %s ms%n", prefix, ms(pct(f, 50)));
        double medianRate = r.length == 0 ? 0 : r[r.length / 2];
        System.out.printf(Locale.ROOT, "%s NOTIFY/s within one fan-out (watchers / (last - first)), median: %.0f%n",
                prefix, medianRate);
        System.out.printf(Locale.ROOT, "%s NOTIFYs received during the phase: %d in %.1f s%n", prefix,
                notifies.sum() - n0, secs);
        put("changes", l.length);
        put("incomplete", incomplete);
        put("last_p50_ms", ms(pct(l, 50)));
        put("last_p99_ms", ms(pct(l, 99)));
        put("last_max_ms", ms(pct(l, 100)));
        put("first_p50_ms", ms(pct(f, 50)));
        put("fanout_notify_per_s", String.format(Locale.ROOT, "%.0f", medianRate));
        listener = (s, e, a, n) -> { };
    }


    // ------------------------------------------------------------------ conference-info fan-out

    /** A participant's call with the focus: what its ACK and BYE need (the focus's Contact is the target). */
    record Call(String callId, String fromTag, String to, String target, long cseq) {}

    static String offer(User u) {
        return "v=0\r\no=" + u.name + " 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                + "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    }

    /** {@code u} joins {@code conference}: INVITE with an offer (digest), 200, ACK; null (counted) when refused. */
    static Call join(User u, String conference) {
        String callId = rand() + "@join.bench";
        String tag = rand();
        Msg r = authenticated(u, "INVITE", conference, callId, tag, conference, List.of(), "application/sdp", offer(u))
                .join();
        if (r == null || r.status() != 200) {
            failure("join " + (r == null ? "timeout" : r.status()));
            protocolError("join of " + u.aor + " answered " + (r == null ? "nothing" : r.firstLine()));
            return null;
        }
        String contact = r.header("contact");
        String target = contact.substring(contact.indexOf('<') + 1, contact.indexOf('>'));
        Call c = new Call(callId, tag, r.header("to"), target, r.cseq());
        // RFC 3261 section 13.2.2.4: the ACK of a 2xx is a transaction of its own, to the remote target
        u.ep.send(inCall(u, c, "ACK", c.cseq()).getBytes(StandardCharsets.UTF_8), server);
        return c;
    }

    static String inCall(User u, Call c, String method, long seq) {
        return method + " " + c.target() + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + u.ep.port + ";branch=z9hG4bK"
                + rand() + ";rport\r\nMax-Forwards: 70\r\nFrom: <" + u.aor + ">;tag=" + c.fromTag() + "\r\nTo: "
                + c.to() + "\r\nCall-ID: " + c.callId() + "\r\nCSeq: " + seq + " " + method
                + "\r\nContent-Length: 0\r\n\r\n";
    }

    static boolean leave(User u, Call c) {
        Msg r = send(u.ep, c.callId(), c.cseq() + 1, "BYE", inCall(u, c, "BYE", c.cseq() + 1)).join();
        if (r == null || r.status() != 200) {
            failure("BYE " + (r == null ? "timeout" : r.status()));
            protocolError("BYE of " + u.aor + " answered " + (r == null ? "nothing" : r.firstLine()));
            return false;
        }
        return true;
    }

    /**
     * Issue 12 item 9: the time from a participant's join (its INVITE sent) to the last of the
     * conference's subscribers' NOTIFY showing it connected, and the same for its BYE and
     * "disconnected"; also from the join's 200. Subscribers must be allowed to subscribe (the
     * script creates the conference with presenters "everyone").
     */
    static void conferenceFanout() throws Exception {
        String conference = opt("conference", null);
        if (conference == null) {
            System.err.println("conference-fanout needs --conference sip:conf-ID@DOMAIN");
            System.exit(2);
        }
        int watchers = intOpt("watchers", 250);
        int joins = intOpt("joins", 20);
        int gap = intOpt("gap-ms", 1000);
        int timeoutS = intOpt("timeout-s", 10);
        User joiner = user(1);
        List<Sub> list = subscribeWatchers("conference-fanout", "conference", conference, watchers);
        if (list == null) {
            return;
        }
        int n = list.size();
        AtomicInteger ids = new AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<Change> current = new java.util.concurrent.atomic.AtomicReference<>();
        Map<Sub, Integer> seenBy = new HashMap<>();
        conferenceListener = (s, user, status, now) -> {
            Change c = current.get();
            if (c != null && user.equals(c.entity) && now >= c.t0
                    && (c.availability == 1) == status.equals("connected") && !status.equals("pending")) {
                c.seen(s, seenBy, now);
            }
        };
        // one unmeasured round: the joiner's digest nonce, the mixer's first leg, the code paths
        Call warm = join(joiner, conference);
        if (warm == null) {
            return;
        }
        Thread.sleep(gap);
        leave(joiner, warm);
        Thread.sleep(gap);
        List<Long> joinLast = new ArrayList<>(), joinFrom200 = new ArrayList<>(), leaveLast = new ArrayList<>();
        int missed = 0;
        long n0 = notifies.sum();
        Map<String, Long> cpu0 = cpuTicks();
        long t0 = System.nanoTime();
        for (int k = 0; k < joins; k++) {
            Change in = new Change(ids.incrementAndGet(), joiner.aor, 1, n);
            current.set(in);
            Call c = join(joiner, conference);
            long ok = System.nanoTime();
            if (c == null) {
                continue;
            }
            if (await(in, timeoutS)) {
                joinLast.add(in.last.get() - in.t0);
                joinFrom200.add(Math.max(0, in.last.get() - ok));
            } else {
                missed++;
            }
            Thread.sleep(gap);
            Change out = new Change(ids.incrementAndGet(), joiner.aor, 0, n);
            current.set(out);
            if (leave(joiner, c) && await(out, timeoutS)) {
                leaveLast.add(out.last.get() - out.t0);
            } else {
                missed++;
            }
            Thread.sleep(gap);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        String cpu = cpuReport(cpu0, secs, notifies.sum() - n0, "notify");
        if (!cpu.isEmpty()) {
            System.out.println("conference-fanout CPU during the joins: " + cpu);
        }
        long[] jl = joinLast.stream().mapToLong(Long::longValue).sorted().toArray();
        long[] j2 = joinFrom200.stream().mapToLong(Long::longValue).sorted().toArray();
        long[] ll = leaveLast.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "conference-fanout: %d joins and %d leaves measured, %d incomplete (within %d s)%n",
                jl.length, ll.length, missed, timeoutS);
        System.out.printf(Locale.ROOT, "join INVITE -> last of %d watchers' NOTIFY (connected): p50 %s ms, p99 %s ms, max %s ms%n",
                n, ms(pct(jl, 50)), ms(pct(jl, 99)), ms(pct(jl, 100)));
        System.out.printf(Locale.ROOT, "join 200 -> last watcher's NOTIFY (0: all had it before the 200 came): p50 %s ms, p99 %s ms%n", ms(pct(j2, 50)), ms(pct(j2, 99)));
        System.out.printf(Locale.ROOT, "BYE -> last watcher's NOTIFY (disconnected): p50 %s ms, p99 %s ms, max %s ms%n",
                ms(pct(ll, 50)), ms(pct(ll, 99)), ms(pct(ll, 100)));
        put("joins", jl.length);
        put("incomplete", missed);
        put("join_last_p50_ms", ms(pct(jl, 50)));
        put("join_last_p99_ms", ms(pct(jl, 99)));
        put("join_last_max_ms", ms(pct(jl, 100)));
        put("leave_last_p99_ms", ms(pct(ll, 99)));
        conferenceListener = (s, u, st, x) -> { };
    }

    static boolean await(Change c, int timeoutS) {
        try {
            c.done.get(timeoutS, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Users bench000002.. (as many as {@code watchers}) each subscribe once to {@code target} in
     * {@code event}; the subscriptions that got their 200 and first NOTIFY, or null when setup failed.
     */
    static List<Sub> subscribeWatchers(String mode, String event, String target, int watchers) throws InterruptedException {
        List<Sub> list = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        for (int i = 0; i < watchers; i++) {
            list.add(new Sub(user(2 + i), event));
            targets.add(target);
        }
        System.out.printf("%s: %d watchers (users bench000002..) subscribe to %s%n", mode, watchers, target);
        long t = System.nanoTime();
        int failed = subscribeAll(list, targets, null, intOpt("sub-rate", 200), 3600);
        System.out.printf(Locale.ROOT, "subscribed: %d ok, %d failed in %.1f s%n", watchers - failed, failed,
                (System.nanoTime() - t) / 1e9);
        put("subscribed", watchers - failed);
        if (!setupOk(failed, list.size())) {
            return null;
        }
        list.removeIf(s -> !s.ok);
        return list;
    }

    // ------------------------------------------------------------------ modes

    static void fanout() throws Exception {
        int watchers = intOpt("watchers", 1000);
        int publishes = intOpt("publishes", 20);
        int gap = intOpt("gap-ms", 1000);
        int timeoutS = intOpt("timeout-s", 10);
        User p = user(1);
        List<Sub> list = subscribeWatchers("fanout", "presence", p.aor, watchers);
        if (list == null) {
            return;
        }
        watchers = list.size();
        Map<String, List<Sub>> of = Map.of(p.aor, list);
        // the registration as one measured change (Offline -> Available)
        Map<String, Map<Sub, Integer>> seen = new ConcurrentHashMap<>();
        Change reg = new Change(1_000_000, p.aor, 3500, watchers);
        listener = (s, e, a, n) -> {
            if (e.equals(p.aor) && a == 3500) {
                reg.seen(s, seen.computeIfAbsent(e, k -> new HashMap<>()), n);
            }
        };
        Msg r = register(p, 3600).join();
        if (r == null || r.status() != 200) {
            protocolError("REGISTER of " + p.aor + " answered " + (r == null ? "nothing" : r.firstLine()));
            return;
        }
        try {
            reg.done.get(timeoutS, TimeUnit.SECONDS);
            System.out.printf("REGISTER -> last watcher's NOTIFY (Available): %s ms%n", ms(reg.last.get() - reg.t0));
            put("register_last_ms", ms(reg.last.get() - reg.t0));
        } catch (Exception e) {
            System.out.printf("REGISTER: %d watchers did not see Available within %d s%n", reg.remaining.get(), timeoutS);
            put("register_last_ms", "incomplete");
        }
        Thread.sleep(gap);
        measureChanges(List.of(p), of, publishes, gap, timeoutS, "fanout");
    }

    static void lists() throws Exception {
        int n = intOpt("users", 10000);
        int c = intOpt("contacts", 50);
        int publishers = intOpt("publishers", 20);
        int publishes = intOpt("publishes", 2);
        int gap = intOpt("gap-ms", 1000);
        List<Sub> list = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        List<String> bodies = new ArrayList<>();
        Map<String, List<Sub>> watchersOf = new HashMap<>();
        for (int i = 1; i <= n; i++) {
            User w = user(i);
            List<User> entries = new ArrayList<>();
            for (int k = 1; k <= c; k++) {
                User e = user((i - 1 + k) % n + 1);
                entries.add(e);
            }
            Sub s = new Sub(w);
            list.add(s);
            targets.add(w.aor);
            bodies.add(resourceList(entries));
            for (User e : entries) {
                watchersOf.computeIfAbsent(e.aor, k -> new ArrayList<>()).add(s);
            }
        }
        System.out.printf("lists: %d users subscribe to ad-hoc lists of the next %d users each%n", n, c);
        long n0 = notifies.sum(), b0 = notifyBytes.sum();
        long t = System.nanoTime();
        int failed = subscribeAll(list, targets, bodies, intOpt("sub-rate", 200), 3600);
        double secs = (System.nanoTime() - t) / 1e9;
        long got = notifies.sum() - n0;
        System.out.printf(Locale.ROOT, "subscribed: %d ok, %d failed in %.1f s (%.0f lists/s); %d full-state NOTIFYs, "
                        + "%.1f KB each on average%n", n - failed, failed, secs, (n - failed) / secs, got,
                got == 0 ? 0 : (notifyBytes.sum() - b0) / 1024.0 / got);
        put("subscribed", n - failed);
        put("lists_per_s", String.format(Locale.ROOT, "%.0f", (n - failed) / secs));
        if (!setupOk(failed, list.size())) {
            return;
        }
        // every first NOTIFY must have named all C entries
        watchersOf.values().forEach(l -> l.removeIf(s -> !s.ok));
        long short_ = list.stream().filter(s -> s.ok && s.state.size() < c).count();
        if (short_ > 0) {
            protocolError(short_ + " list subscriptions' first NOTIFYs named fewer than " + c + " resources");
        }
        Thread.sleep(gap);
        List<User> pubs = new ArrayList<>();
        for (int i = 0; i < publishers; i++) {
            pubs.add(user(1 + (int) ((long) i * n / publishers)));
        }
        registerAll(pubs);
        Thread.sleep(gap);
        measureChanges(pubs, watchersOf, publishes, gap, intOpt("timeout-s", 10), "lists");
    }

    static void notifyRate() throws Exception {
        int publishers = intOpt("publishers", 20);
        int watchers = intOpt("watchers", 500);
        int duration = intOpt("duration", 30);
        int warmup = intOpt("warmup", 5);
        int gapMs = intOpt("publish-gap-ms", 250);
        List<User> pubs = new ArrayList<>();
        for (int i = 1; i <= publishers; i++) {
            pubs.add(user(i));
        }
        List<Sub> list = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        // publisher by publisher, so one watcher's SUBSCRIBEs are spread out (one nonce, rising nc)
        for (User p : pubs) {
            for (int w = 0; w < watchers; w++) {
                list.add(new Sub(user(publishers + 1 + w)));
                targets.add(p.aor);
            }
        }
        System.out.printf("notify-rate: %d watchers x %d publishers = %d subscriptions%n", watchers, publishers, list.size());
        long t = System.nanoTime();
        int failed = subscribeAll(list, targets, null, intOpt("sub-rate", 200), 3600);
        System.out.printf(Locale.ROOT, "subscribed: %d ok, %d failed in %.1f s%n", list.size() - failed, failed,
                (System.nanoTime() - t) / 1e9);
        put("subscriptions", list.size() - failed);
        if (!setupOk(failed, list.size())) {
            return;
        }
        registerAll(pubs);
        long end = System.currentTimeMillis() + (warmup + duration) * 1000L;
        LongAdder published = new LongAdder();
        LongAdder pubFailed = new LongAdder();
        List<Thread> threads = new ArrayList<>();
        for (User p : pubs) {
            Thread th = new Thread(() -> {
                int k = 0;
                while (System.currentTimeMillis() < end) {
                    long start = System.currentTimeMillis();
                    Msg r = publish(p, k++ % 2 == 0 ? "busy" : "do-not-disturb").join();
                    if (r == null || r.status() != 200) {
                        pubFailed.increment();
                        failure("PUBLISH " + (r == null ? "timeout" : r.status()));
                    } else {
                        published.increment();
                    }
                    long rest = gapMs - (System.currentTimeMillis() - start);
                    if (rest > 0) {
                        try {
                            Thread.sleep(rest);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            }, "publisher-" + p.name);
            th.start();
            threads.add(th);
        }
        Thread.sleep(warmup * 1000L);
        Map<String, Long> cpu0 = cpuTicks();
        long n0 = notifies.sum(), p0 = published.sum(), t0 = System.nanoTime();
        long min1s = Long.MAX_VALUE, prev = n0;
        for (int s = 0; s < duration; s++) {
            Thread.sleep(1000);
            long now = notifies.sum();
            min1s = Math.min(min1s, now - prev);
            prev = now;
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long got = notifies.sum() - n0;
        long pubs1 = published.sum() - p0;
        String cpu = cpuReport(cpu0, secs, got, "notify");
        for (Thread th : threads) {
            th.join();
        }
        System.out.printf(Locale.ROOT, "steady state (%d s after %d s warm-up): %d NOTIFYs = %.0f NOTIFY/s (slowest second %d); "
                + "%d PUBLISHes = %.0f/s, %d PUBLISH failures%n", duration, warmup, got, got / secs, min1s, pubs1,
                pubs1 / secs, pubFailed.sum());
        if (!cpu.isEmpty()) {
            System.out.println("steady state CPU: " + cpu);
        }
        put("notify_per_s", String.format(Locale.ROOT, "%.0f", got / secs));
        put("min1s", min1s);
        put("publish_per_s", String.format(Locale.ROOT, "%.0f", pubs1 / secs));
        put("publish_failed", pubFailed.sum());
    }

    /**
     * Flows per offered rate: first a warm-up of one flow per user at {@code --warmup-rate} (the
     * first request of a user loads its account, registrar, presence and watcher state from
     * Cassandra), then one step per rate in {@code --rates}, each {@code --duration} seconds.
     */
    static void flows() throws Exception {
        int n = intOpt("users", 2000);
        int duration = intOpt("duration", 20);
        int warmRate = intOpt("warmup-rate", 100);
        String rates = opt("rates", opt("rate", "500 1000 2000"));
        System.out.printf("flows: users 1..%d, SUBSCRIBE Expires %d; warm-up %d flows at %d/s, then %s/s for %d s each%n",
                n, intOpt("sub-expires", 60), n, warmRate, rates, duration);
        System.out.printf("%-7s %-6s %-8s %-7s %-7s %-7s %-8s %-8s %-8s %s%n", "step", "offer", "flows/s", "ok", "failed",
                "unstart", "p50_ms", "p99_ms", "max_ms", "failures");
        int[] counter = {0};
        flowStep("warmup", warmRate, n, n, counter);
        for (String r : rates.trim().split("\\s+")) {
            Thread.sleep(3000);
            int rate = Integer.parseInt(r);
            flowStep("r" + rate, rate, rate * duration, n, counter);
        }
    }

    static void flowStep(String label, int rate, int total, int n, int[] counter) throws Exception {
        int maxOpen = intOpt("max-open", 0);
        int expires = intOpt("sub-expires", 60);
        failures.clear();
        Semaphore open = new Semaphore(maxOpen > 0 ? maxOpen : 2 * rate);
        LongAdder ok = new LongAdder();
        LongAdder bad = new LongAdder();
        AtomicInteger skipped = new AtomicInteger();
        long[] lat = new long[total];
        AtomicInteger latN = new AtomicInteger();
        CompletableFuture<?>[] all = new CompletableFuture<?>[total];
        Map<String, Long> cpu0 = cpuTicks();
        long start = System.nanoTime();
        for (int k = 0; k < total; k++) {
            long due = start + (long) (k * 1e9 / rate);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            if (!open.tryAcquire()) {
                skipped.incrementAndGet(); // not started: too many open (counted as failed)
                failure("not started (max open)");
                all[k] = CompletableFuture.completedFuture(null);
                continue;
            }
            int i = counter[0]++;
            User u = user(i % n + 1);
            User target = user((i % n + n / 2) % n + 1);
            Sub s = new Sub(u);
            long t0 = System.nanoTime();
            CompletableFuture<Boolean> sub = subscribe(s, target.aor, null, expires).thenCompose(r -> {
                if (r == null || r.status() != 200) {
                    failure("SUBSCRIBE " + (r == null ? "timeout" : r.status()));
                    return CompletableFuture.completedFuture(false);
                }
                return s.firstNotify.completeOnTimeout(null, 10, TimeUnit.SECONDS).thenApply(m -> {
                    if (m == null) {
                        failure("no first NOTIFY in 10 s");
                    }
                    return m != null;
                });
            });
            CompletableFuture<Boolean> pub = publish(u, (i / n) % 2 == 0 ? "busy" : "do-not-disturb").thenApply(r -> {
                if (r == null || r.status() != 200) {
                    failure("PUBLISH " + (r == null ? "timeout" : r.status()));
                    return false;
                }
                return true;
            });
            all[k] = sub.thenCombine(pub, (a, b) -> a && b).whenComplete((good, t) -> {
                if (Boolean.TRUE.equals(good)) {
                    ok.increment();
                    lat[latN.getAndIncrement()] = System.nanoTime() - t0;
                } else {
                    bad.increment();
                }
                open.release();
            });
        }
        CompletableFuture.allOf(all).join();
        double secs = (System.nanoTime() - start) / 1e9;
        String cpu = cpuReport(cpu0, secs, ok.sum(), "flow");
        long[] l = Arrays.copyOf(lat, latN.get());
        Arrays.sort(l);
        StringBuilder f = new StringBuilder();
        failures.forEach((k, v) -> f.append(f.length() == 0 ? "" : ",").append(k.replace(' ', '_')).append(':').append(v.sum()));
        String fs = f.length() == 0 ? "none" : f.toString();
        String tput = String.format(Locale.ROOT, "%.0f", ok.sum() / secs);
        System.out.printf("%-7s %-6d %-8s %-7d %-7d %-7d %-8s %-8s %-8s %s%n", label, rate, tput, ok.sum(), bad.sum(),
                skipped.get(), ms(pct(l, 50)), ms(pct(l, 99)), ms(pct(l, 100)), fs);
        if (!cpu.isEmpty()) {
            System.out.println("        CPU: " + cpu);
        }
        put(label + "_flows_per_s", tput);
        put(label + "_ok", ok.sum());
        put(label + "_failed", bad.sum() + skipped.get());
        put(label + "_p99_ms", ms(pct(l, 99)));
        put(label + "_failures", fs);
    }

    // ------------------------------------------------------------------ CPU of other processes (Linux)

    /**
     * utime + stime in clock ticks (1/100 s) of each process named in --cpu-pids "node:PID,cassandra:PID".
     * "name:PID+" counts the process and all its descendants, plus the children it already reaped
     * (cutime + cstime): for servers that fork workers (Kamailio, PostgreSQL).
     */
    static Map<String, Long> cpuTicks() {
        Map<String, Long> out = new LinkedHashMap<>();
        String spec = opt("cpu-pids", "");
        Map<String, String[]> procs = null;
        for (String part : spec.split(",")) {
            if (!part.contains(":")) {
                continue;
            }
            String name = part.substring(0, part.indexOf(':'));
            String pid = part.substring(part.indexOf(':') + 1).trim();
            if (pid.endsWith("+")) {
                procs = procs == null ? allStats() : procs;
                out.put(name, treeTicks(procs, pid.substring(0, pid.length() - 1)));
                continue;
            }
            String[] f = stat(pid);
            out.put(name, f == null ? 0L : Long.parseLong(f[11]) + Long.parseLong(f[12]));
        }
        return out;
    }

    /** The fields of /proc/PID/stat after the command name (state first), or null when it is gone. */
    static String[] stat(String pid) {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", pid, "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static Map<String, String[]> allStats() {
        Map<String, String[]> all = new HashMap<>();
        java.io.File[] dirs = new java.io.File("/proc").listFiles((d, n) -> n.chars().allMatch(Character::isDigit));
        for (java.io.File d : dirs == null ? new java.io.File[0] : dirs) {
            String[] f = stat(d.getName());
            if (f != null) {
                all.put(d.getName(), f);
            }
        }
        return all;
    }

    static long treeTicks(Map<String, String[]> procs, String pid) {
        String[] f = procs.get(pid);
        if (f == null) {
            return 0;
        }
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
        for (var e : procs.entrySet()) {
            if (e.getValue()[1].equals(pid)) { // field 4: ppid
                ticks += treeTicks(procs, e.getKey());
            }
        }
        return ticks;
    }

    /** Cores used and CPU microseconds per unit of work between two cpuTicks() samples. */
    static String cpuReport(Map<String, Long> before, double secs, long units, String unit) {
        Map<String, Long> after = cpuTicks();
        StringBuilder b = new StringBuilder();
        for (var e : before.entrySet()) {
            long ticks = after.getOrDefault(e.getKey(), 0L) - e.getValue();
            String cores = String.format(Locale.ROOT, "%.2f", ticks / 100.0 / secs);
            String per = String.format(Locale.ROOT, "%.0f", units == 0 ? 0 : ticks * 1e4 / units);
            b.append(String.format("%s %s cores, %s us CPU per %s; ", e.getKey(), cores, per, unit));
            put("cpu_" + e.getKey(), cores);
            put("us_per_" + unit + "_" + e.getKey(), per);
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ main

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].startsWith("-")) {
            System.err.print(USAGE);
            System.exit(2);
        }
        String mode = args[0];
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                System.err.println("bad option " + args[i]);
                System.err.print(USAGE);
                System.exit(2);
            }
            opts.put(args[i].substring(2), args[++i]);
        }
        domain = opt("domain", "example.test");
        server = new InetSocketAddress(InetAddress.getByName(opt("host", "127.0.0.1")), intOpt("port", 15060));
        endpoints = new Endpoint[intOpt("sockets", 4)];
        for (int i = 0; i < endpoints.length; i++) {
            endpoints[i] = new Endpoint();
        }
        Thread rt = new Thread(PresenceBench::retransmitLoop, "retransmit");
        rt.setDaemon(true);
        rt.start();
        put("mode", mode);
        long t0 = System.nanoTime();
        boolean known = true;
        switch (mode) {
            case "fanout" -> fanout();
            case "lists" -> lists();
            case "notify-rate" -> notifyRate();
            case "flows" -> flows();
            case "conference-fanout" -> conferenceFanout();
            default -> known = false;
        }
        if (!known) {
            System.err.println("unknown mode " + mode);
            System.err.print(USAGE);
            System.exit(2);
        }
        Thread.sleep(300); // late NOTIFYs and their retransmissions
        System.out.printf(Locale.ROOT, "totals: %d NOTIFYs received (%d retransmissions, %d terminated), %d requests "
                        + "retransmitted by us, %d digest challenges, %d 403s to a reused nonce retried, %.1f s%n",
                notifies.sum(), notifyRetrans.sum(), terminatedNotifies.sum(), retransSent.sum(), challenges.sum(),
                replayed.sum(), (System.nanoTime() - t0) / 1e9);
        if (!failures.isEmpty()) {
            System.out.println("failures: " + failures);
        }
        put("notifies", notifies.sum());
        put("notify_retrans", notifyRetrans.sum());
        put("request_retrans", retransSent.sum());
        put("challenges", challenges.sum());
        put("nonce_403_retried", replayed.sum());
        put("protocol_errors", errorCount.get());
        StringBuilder f = new StringBuilder();
        failures.forEach((k, v) -> f.append(f.length() == 0 ? "" : ",").append(k.replace(' ', '_')).append(':').append(v.sum()));
        put("failures", f.length() == 0 ? "none" : f);
        if (opts.containsKey("label")) {
            put("label", opt("label", ""));
        }
        for (String e : errors) {
            System.out.println("PROTOCOL ERROR: " + e);
        }
        StringBuilder line = new StringBuilder("RESULT");
        result.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
        System.out.println(line);
        if (incomplete != null) {
            System.out.println("INCOMPLETE: " + incomplete);
        }
        System.exit(errorCount.get() > 0 || incomplete != null ? 1 : 0);
    }
}

package io.switchboard.node;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A SIP phone for proxy tests: registers over a real UDP or TCP socket, places and answers calls
 * and MESSAGEs, keeps dialog route sets (RFC 3261 section 12), all as plain text so a test sees
 * every header. A reader thread queues everything that arrives; tests take what they wait for.
 * Requests always go to the phone's own pool node (its outbound proxy, as phones are set up).
 */
public final class TestPhone implements AutoCloseable {

    public static final Duration WAIT = Duration.ofSeconds(10);

    /** A received request or response. */
    public record Msg(String firstLine, List<String[]> headers, String body, String raw) {

        public boolean isRequest() {
            return !firstLine.startsWith("SIP/2.0");
        }

        public String method() {
            return isRequest() ? firstLine.substring(0, firstLine.indexOf(' ')) : cseqMethod();
        }

        public int status() {
            return isRequest() ? 0 : Integer.parseInt(firstLine.split(" ")[1]);
        }

        public String requestUri() {
            return firstLine.split(" ")[1];
        }

        public String header(String name) {
            for (String[] h : headers) {
                if (h[0].equals(name.toLowerCase(Locale.ROOT))) {
                    return h[1];
                }
            }
            return null;
        }

        public List<String> all(String name) {
            List<String> out = new ArrayList<>();
            for (String[] h : headers) {
                if (h[0].equals(name.toLowerCase(Locale.ROOT))) {
                    out.addAll(SipTestClient.splitTopLevel(h[1]));
                }
            }
            return out;
        }

        public String cseqMethod() {
            String c = header("cseq");
            return c == null ? "" : c.substring(c.indexOf(' ') + 1).trim();
        }

        public String callId() {
            return header("call-id");
        }

        static Msg parse(String raw) {
            int split = raw.indexOf("\r\n\r\n");
            String head = split < 0 ? raw : raw.substring(0, split);
            String body = split < 0 ? "" : raw.substring(split + 4);
            String[] lines = head.split("\r\n");
            List<String[]> headers = new ArrayList<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.add(new String[] {
                        canonical(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT)),
                        lines[i].substring(colon + 1).trim()
                    });
                }
            }
            return new Msg(lines[0], headers, body, raw);
        }

        private static String canonical(String compact) {
            return switch (compact) {
                case "m" -> "contact";
                case "v" -> "via";
                case "f" -> "from";
                case "t" -> "to";
                case "i" -> "call-id";
                case "l" -> "content-length";
                case "c" -> "content-type";
                default -> compact;
            };
        }
    }

    /** Dialog state of one side (RFC 3261 section 12.1). */
    public static final class Dialog {
        public final String callId;
        public final String localTag;
        public final String remoteTag;
        public final String localUri;
        public final String remoteUri;
        public final String remoteTarget;
        public final List<String> routeSet;
        public long cseq;

        public Dialog(
                String callId,
                String localTag,
                String remoteTag,
                String localUri,
                String remoteUri,
                String remoteTarget,
                List<String> routeSet,
                long cseq) {
            this.callId = callId;
            this.localTag = localTag;
            this.remoteTag = remoteTag;
            this.localUri = localUri;
            this.remoteUri = remoteUri;
            this.remoteTarget = remoteTarget;
            this.routeSet = List.copyOf(routeSet);
            this.cseq = cseq;
        }
    }

    public final String user;
    public final String domain;
    private final String password;
    private final String transport;
    private volatile InetSocketAddress server;
    /** The address this phone sends from and names in its Via and Contact. */
    private final String localHost;

    private final DatagramSocket udp;
    private final Socket tcp;
    private final int localPort;
    private final LinkedList<Msg> inbox = new LinkedList<>();
    /** Everything that arrived (first line and first branch), for failure messages. */
    private final List<String> seen = new ArrayList<>();

    private final Thread reader;
    private volatile boolean closed;
    /** Scratch space for the threads of a test (what one side saw, for the other to assert). */
    public volatile Msg inviteSeen;

    public volatile String lastBody;
    public volatile Msg lastFinal;
    public volatile Exception failure;
    private long cseq = 1;
    private int nc = 1;

    public TestPhone(String transport, int serverPort, String user, String password) throws IOException {
        this(transport, "127.0.0.1", serverPort, user, password);
    }

    /** A phone whose outbound proxy is the pool node at {@code serverHost:serverPort}. */
    public TestPhone(String transport, String serverHost, int serverPort, String user, String password)
            throws IOException {
        this(transport, "127.0.0.1", serverHost, serverPort, user, password);
    }

    /**
     * A phone on {@code localHost} (an address of this machine other than loopback, e.g. in front of a node in a
     * network namespace: BranchWanNamespacesTest) whose outbound proxy is the node at {@code serverHost:serverPort}.
     */
    public TestPhone(
            String transport, String localHost, String serverHost, int serverPort, String user, String password)
            throws IOException {
        this.localHost = localHost;
        this.transport = transport.toUpperCase(Locale.ROOT);
        this.server = new InetSocketAddress(serverHost, serverPort);
        this.user = user;
        this.domain = "example.test";
        this.password = password;
        if (this.transport.equals("UDP")) {
            udp = new DatagramSocket(0, InetAddress.getByName(localHost));
            tcp = null;
            localPort = udp.getLocalPort();
        } else {
            udp = null;
            tcp = new Socket();
            if (!localHost.equals("127.0.0.1")) {
                tcp.bind(new InetSocketAddress(localHost, 0)); // else as before: the kernel picks (127.0.0.1 on lo)
            }
            tcp.connect(server, 2000);
            localPort = tcp.getLocalPort();
        }
        reader = new Thread(this::readLoop, "phone-" + user + "-" + localPort);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Sends this UDP phone's requests (and responses) to the node at {@code port} from now on, from
     * the same socket: e.g. a node that took a dialog over from the one this phone used.
     */
    public void reroute(int port) {
        if (udp == null) {
            throw new IllegalStateException("a TCP phone's connection is its node");
        }
        server = new InetSocketAddress(server.getAddress(), port);
    }

    /**
     * Whether this TCP phone's connection (its flow, RFC 5626) was closed by the other end: the reader saw the end of
     * the stream, e.g. after the node's process died and its kernel closed the socket.
     */
    public boolean flowClosed() {
        return tcp != null && !closed && !reader.isAlive();
    }

    public String aor() {
        return "sip:" + user + "@" + domain;
    }

    public String contact() {
        return "sip:" + user + "@" + localHost + ":" + localPort + (transport.equals("UDP") ? "" : ";transport=tcp");
    }

    private String via(String branch) {
        return "Via: SIP/2.0/" + transport + " " + localHost + ":" + localPort + ";branch=" + branch + ";rport";
    }

    public static String newBranch() {
        return "z9hG4bK" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    public static String newTag() {
        return Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    // ------------------------------------------------------------------ registration

    /** Registers this phone's contact (with digest) and returns the final response. */
    public Msg register() throws IOException {
        return register(600);
    }

    /** Registers (or with 0, removes) this phone's contact for {@code expires} seconds. */
    public Msg register(int expires) throws IOException {
        String callId = UUID.randomUUID() + "@reg";
        String tag = newTag();
        Msg challenge = request(registerText(callId, tag, List.of(), expires));
        if (challenge.status() != 401) {
            return challenge;
        }
        String auth = SipTestClient.authorization(
                challenge.header("www-authenticate"), user, password, "REGISTER", "sip:" + domain, nc++);
        return request(registerText(callId, tag, List.of(auth), expires));
    }

    private String registerText(String callId, String tag, List<String> extra, int expires) {
        StringBuilder b = new StringBuilder("REGISTER sip:" + domain + " SIP/2.0\r\n");
        b.append(via(newBranch())).append("\r\n");
        b.append("Max-Forwards: 70\r\n");
        b.append("From: <").append(aor()).append(">;tag=").append(tag).append("\r\n");
        b.append("To: <").append(aor()).append(">\r\n");
        b.append("Call-ID: ").append(callId).append("\r\n");
        b.append("CSeq: ").append(cseq++).append(" REGISTER\r\n");
        b.append("Contact: <").append(contact()).append(">\r\n");
        b.append("Expires: ").append(expires).append("\r\n");
        for (String h : extra) {
            b.append(h).append("\r\n");
        }
        return b.append("Content-Length: 0\r\n\r\n").toString();
    }

    // ------------------------------------------------------------------ requests out of dialog

    /** An initial request text from this phone to {@code target}. */
    public String initial(
            String method,
            String target,
            String callId,
            String fromTag,
            long seq,
            String branch,
            List<String> extra,
            String contentType,
            String body) {
        StringBuilder b = new StringBuilder(method + " " + target + " SIP/2.0\r\n");
        b.append(via(branch)).append("\r\n");
        b.append("Max-Forwards: 70\r\n");
        b.append("From: <").append(aor()).append(">;tag=").append(fromTag).append("\r\n");
        b.append("To: <").append(target).append(">\r\n");
        b.append("Call-ID: ").append(callId).append("\r\n");
        b.append("CSeq: ").append(seq).append(' ').append(method).append("\r\n");
        if (method.equals("INVITE") || method.equals("SUBSCRIBE")) {
            b.append("Contact: <").append(contact()).append(">\r\n");
        }
        for (String h : extra) {
            b.append(h).append("\r\n");
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (!body.isEmpty()) {
            b.append("Content-Type: ").append(contentType).append("\r\n");
        }
        return b.append("Content-Length: ")
                .append(bytes.length)
                .append("\r\n\r\n")
                .append(body)
                .toString();
    }

    /**
     * Sends an initial request, answers a 407 with credentials (as {@code asUser}) and returns the
     * final response (provisional ones stay in the inbox for the test to look at).
     */
    public Msg authenticated(
            String method,
            String target,
            String callId,
            String fromTag,
            List<String> extra,
            String contentType,
            String body,
            String asUser,
            String asPassword)
            throws IOException {
        long seq = cseq++;
        String branch = newBranch();
        String first = initial(method, target, callId, fromTag, seq, branch, extra, contentType, body);
        Msg answer = request(first);
        if (answer.status() != 407) {
            return answer;
        }
        if (method.equals("INVITE")) {
            ack(first, answer);
        }
        List<String> withAuth = new ArrayList<>(extra);
        withAuth.add(SipTestClient.authorization(
                        answer.header("proxy-authenticate"), asUser, asPassword, method, target, nc++)
                .replaceFirst("^Authorization:", "Proxy-Authorization:"));
        return request(initial(method, target, callId, fromTag, cseq++, newBranch(), withAuth, contentType, body));
    }

    public Msg authenticated(
            String method, String target, String callId, String fromTag, String contentType, String body)
            throws IOException {
        return authenticated(method, target, callId, fromTag, List.of(), contentType, body, user, password);
    }

    /** ACK for a non-2xx final (same branch as the INVITE, RFC 3261 section 17.1.1.3). */
    public void ack(String invite, Msg response) throws IOException {
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
                    || lower.startsWith("max-forwards:")
                    || lower.startsWith("route:")) {
                ack.append(line).append("\r\n");
            } else if (lower.startsWith("cseq:")) {
                ack.append(line.replace("INVITE", "ACK")).append("\r\n");
            }
        }
        ack.append("To: ").append(response.header("to")).append("\r\n");
        send(ack.append("Content-Length: 0\r\n\r\n").toString());
    }

    // ------------------------------------------------------------------ dialogs

    /** The caller's dialog from its INVITE and the 2xx (route set = Record-Route reversed). */
    public Dialog callerDialog(String target, String fromTag, Msg ok) {
        List<String> rr = new ArrayList<>(ok.all("record-route"));
        java.util.Collections.reverse(rr);
        return new Dialog(
                ok.callId(),
                fromTag,
                tagOf(ok.header("to")),
                aor(),
                target,
                uriOf(ok.header("contact")),
                rr,
                seqOf(ok) + 1);
    }

    /** The callee's dialog from the INVITE it answered with {@code localTag}. */
    public Dialog calleeDialog(Msg invite, String localTag) {
        return new Dialog(
                invite.callId(),
                localTag,
                tagOf(invite.header("from")),
                uriOf(invite.header("to")),
                uriOf(invite.header("from")),
                uriOf(invite.header("contact")),
                invite.all("record-route"),
                1000);
    }

    /** A request inside {@code d} (RFC 3261 section 12.2.1.1: loose routing, Route = route set). */
    public String inDialog(Dialog d, String method, long seq, String branch) {
        StringBuilder b = new StringBuilder(method + " " + d.remoteTarget + " SIP/2.0\r\n");
        b.append(via(branch)).append("\r\n");
        b.append("Max-Forwards: 70\r\n");
        for (String r : d.routeSet) {
            b.append("Route: ").append(r).append("\r\n");
        }
        b.append("From: <")
                .append(d.localUri)
                .append(">;tag=")
                .append(d.localTag)
                .append("\r\n");
        b.append("To: <")
                .append(d.remoteUri)
                .append(">;tag=")
                .append(d.remoteTag)
                .append("\r\n");
        b.append("Call-ID: ").append(d.callId).append("\r\n");
        b.append("CSeq: ").append(seq).append(' ').append(method).append("\r\n");
        return b.append("Content-Length: 0\r\n\r\n").toString();
    }

    /** ACK for a 2xx: a new transaction inside the dialog, with the INVITE's CSeq number. */
    public void ack2xx(Dialog d, Msg ok) throws IOException {
        send(inDialog(d, "ACK", seqOf(ok), newBranch()));
    }

    /** Sends a request inside the dialog and waits for its final response. */
    public Msg requestInDialog(Dialog d, String method) throws IOException {
        return request(inDialog(d, method, d.cseq++, newBranch()));
    }

    // ------------------------------------------------------------------ answering

    /** A response to {@code request}; {@code toTag} is added to To when it has none. */
    public void respond(Msg request, int status, String reason, String toTag, List<String> extra) throws IOException {
        StringBuilder b = new StringBuilder("SIP/2.0 " + status + " " + reason + "\r\n");
        for (String[] h : request.headers()) {
            if (h[0].equals("via") || h[0].equals("record-route") && status > 100 && status < 300) {
                b.append(h[0].equals("via") ? "Via: " : "Record-Route: ")
                        .append(h[1])
                        .append("\r\n");
            }
        }
        b.append("From: ").append(request.header("from")).append("\r\n");
        String to = request.header("to");
        if (!to.contains(";tag=") && toTag != null && status > 100) {
            to = to + ";tag=" + toTag;
        }
        b.append("To: ").append(to).append("\r\n");
        b.append("Call-ID: ").append(request.callId()).append("\r\n");
        b.append("CSeq: ").append(request.header("cseq")).append("\r\n");
        if (request.method().equals("INVITE") && status >= 180 && status < 300) {
            b.append("Contact: <").append(contact()).append(">\r\n");
        }
        for (String h : extra) {
            b.append(h).append("\r\n");
        }
        String text = b.append("Content-Length: 0\r\n\r\n").toString();
        if (udp != null) {
            // RFC 3261 section 18.2.2: over UDP a response goes to the top Via's sent-by (received / rport)
            String via = request.header("via");
            Matcher hp = Pattern.compile("SIP/2.0/UDP ([^:;\\s]+):(\\d+)").matcher(via);
            if (hp.find()) {
                byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                udp.send(new DatagramPacket(
                        bytes, bytes.length, new InetSocketAddress(hp.group(1), Integer.parseInt(hp.group(2)))));
                return;
            }
        }
        send(text);
    }

    /**
     * Answers what arrives from now on like a phone that picks up at once: INVITE gets 180 and
     * 200, BYE / MESSAGE / OPTIONS / INFO 200, CANCEL 200 (and the INVITE 487); ACKs are taken
     * and ignored. Responses stay in the inbox for the test. Stops when the phone closes.
     */
    public void autoAnswer() {
        Thread t = new Thread(
                () -> {
                    while (!closed) {
                        try {
                            Msg m = await(Msg::isRequest, Duration.ofMillis(500));
                            String tag = newTag();
                            switch (m.method()) {
                                case "INVITE" -> {
                                    respond(m, 180, "Ringing", tag, List.of());
                                    respond(m, 200, "OK", tag, List.of());
                                    answered.incrementAndGet();
                                }
                                case "ACK" -> {}
                                default -> respond(m, 200, "OK", tag, List.of());
                            }
                        } catch (IOException e) {
                            // nothing arrived in time: look again
                        }
                    }
                },
                "auto-answer-" + user);
        t.setDaemon(true);
        t.start();
    }

    /** Calls answered by {@link #autoAnswer}. */
    public final java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * A whole call from this phone: INVITE (with 407 handled), ACK, BYE. Returns the INVITE's
     * final status (200 when the call was set up; the BYE must get 200 too, else -1).
     */
    public int call(String target) throws IOException {
        return call(target, "v=0\r\n");
    }

    /** As above with {@code sdp} as the offer: a real softphone (baresip) rejects one without a codec it has (488). */
    public int call(String target, String sdp) throws IOException {
        String callId = UUID.randomUUID() + "@call";
        String tag = newTag();
        Msg ok = authenticated("INVITE", target, callId, tag, "application/sdp", sdp);
        if (ok.status() != 200) {
            return ok.status();
        }
        Dialog d = callerDialog(target, tag, ok);
        ack2xx(d, ok);
        Msg bye = requestInDialog(d, "BYE");
        // drop the provisional responses this call left behind
        synchronized (inbox) {
            inbox.removeIf(m -> !m.isRequest() && callId.equals(m.callId()));
        }
        return bye.status() == 200 ? 200 : -1;
    }

    // ------------------------------------------------------------------ transport

    public Msg request(String text) throws IOException {
        String branch = branchOf(text);
        String method = text.substring(0, text.indexOf(' '));
        send(text);
        // the branch and the CSeq method name the transaction (a CANCEL shares its INVITE's branch)
        return await(
                m -> !m.isRequest()
                        && m.status() >= 200
                        && branch.equals(branchOf(m.header("via")))
                        && m.cseqMethod().equals(method),
                WAIT);
    }

    /**
     * Sends {@code text} (a response to {@code request}) over UDP to the request's top Via sent-by
     * (RFC 3261 section 18.2.2), wherever the request came from: e.g. a node that took a dialog
     * over from the one this phone's outbound proxy was.
     */
    public void sendToVia(Msg request, String text) throws IOException {
        Matcher hp = Pattern.compile("SIP/2.0/UDP ([^:;\\s]+):(\\d+)").matcher(request.header("via"));
        if (udp == null || !hp.find()) {
            throw new IOException("not a UDP request with a sent-by port: " + request.header("via"));
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        udp.send(new DatagramPacket(
                bytes, bytes.length, new InetSocketAddress(hp.group(1), Integer.parseInt(hp.group(2)))));
    }

    public void send(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (udp != null) {
            udp.send(new DatagramPacket(bytes, bytes.length, server));
        } else {
            synchronized (tcp) {
                tcp.getOutputStream().write(bytes);
                tcp.getOutputStream().flush();
            }
        }
    }

    /** Takes the first queued message matching {@code what}, waiting up to {@code timeout}. */
    public Msg await(Predicate<Msg> what, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (inbox) {
            while (true) {
                for (Iterator<Msg> it = inbox.iterator(); it.hasNext(); ) {
                    Msg m = it.next();
                    if (what.test(m)) {
                        it.remove();
                        return m;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException(user + ": nothing matching arrived within " + timeout + "; inbox: "
                            + summary() + "; everything received: " + seen);
                }
                try {
                    inbox.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
        }
    }

    /** The next request of {@code method} that arrives. */
    public Msg awaitRequest(String method) throws IOException {
        return await(m -> m.isRequest() && m.method().equals(method), WAIT);
    }

    /** Whether a request of {@code method} arrives within {@code timeout}. */
    public boolean receivesRequest(String method, Duration timeout) {
        try {
            await(m -> m.isRequest() && m.method().equals(method), timeout);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public Msg awaitResponse(int status, String method) throws IOException {
        return await(
                m -> !m.isRequest() && m.status() == status && m.cseqMethod().equals(method), WAIT);
    }

    private String summary() {
        StringBuilder b = new StringBuilder();
        for (Msg m : inbox) {
            b.append('[')
                    .append(m.firstLine())
                    .append(" / ")
                    .append(m.header("cseq"))
                    .append("] ");
        }
        return b.toString();
    }

    private void readLoop() {
        try {
            InputStream in = tcp == null ? null : new BufferedInputStream(tcp.getInputStream());
            byte[] buf = new byte[65535];
            while (!closed) {
                String raw;
                if (udp != null) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    udp.receive(p);
                    raw = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
                } else {
                    raw = SipTestClient.readMessage(in);
                    if (raw == null) {
                        return;
                    }
                }
                if (raw.isBlank()) {
                    continue;
                }
                synchronized (inbox) {
                    seen.add(raw.substring(0, Math.max(0, raw.indexOf("\r\n"))) + " | " + branchOf(raw));
                    inbox.add(Msg.parse(raw));
                    inbox.notifyAll();
                }
            }
        } catch (SocketException e) {
            // closed
        } catch (IOException e) {
            if (!closed) {
                System.err.println(user + " reader stopped: " + e);
            }
        }
    }

    public static String branchOf(String textOrVia) {
        Matcher m = Pattern.compile("branch=([^;,\\s]+)").matcher(textOrVia == null ? "" : textOrVia);
        return m.find() ? m.group(1) : "";
    }

    public static String tagOf(String header) {
        Matcher m = Pattern.compile(";tag=([^;>\\s]+)").matcher(header == null ? "" : header);
        return m.find() ? m.group(1) : null;
    }

    public static String uriOf(String header) {
        if (header == null) {
            return null;
        }
        int lt = header.indexOf('<');
        if (lt >= 0) {
            return header.substring(lt + 1, header.indexOf('>', lt));
        }
        int semi = header.indexOf(';');
        return (semi < 0 ? header : header.substring(0, semi)).trim();
    }

    public static long seqOf(Msg m) {
        String c = m.header("cseq");
        return Long.parseLong(c.substring(0, c.indexOf(' ')).trim());
    }

    @Override
    public void close() {
        closed = true;
        if (udp != null) {
            udp.close();
        }
        if (tcp != null) {
            try {
                tcp.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}

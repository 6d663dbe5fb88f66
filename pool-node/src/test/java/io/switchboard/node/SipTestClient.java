package io.switchboard.node;

import io.switchboard.sip.auth.DigestAlgorithm;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small SIP user agent for tests that writes requests as text over a real UDP or TCP socket,
 * so a test controls every byte (malformed requests, replayed credentials) and reads every
 * header of the answer.
 */
public final class SipTestClient implements AutoCloseable {

    /** A parsed response. */
    public record Response(int status, String reason, Map<String, List<String>> headers, String raw) {
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        List<String> all(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }

        /** Contact values split into entries (a server may put several in one header line). */
        List<String> contacts() {
            List<String> out = new ArrayList<>();
            for (String line : all("contact")) {
                out.addAll(splitTopLevel(line));
            }
            return out;
        }
    }

    private final String transport;
    private final InetSocketAddress server;
    private final DatagramSocket udp;
    private final Socket tcp;
    private final InputStream tcpIn;
    private final String localHost;
    private final int localPort;
    private long cseq = 1;
    final String callId = UUID.randomUUID() + "@test";
    final String fromTag = Long.toHexString(ThreadLocalRandom.current().nextLong());

    public SipTestClient(String transport, String host, int port) throws IOException {
        this(transport, host, port, "127.0.0.1");
    }

    /**
     * A client whose socket is bound to {@code localAddress}: on Linux every 127.x.y.z reaches the
     * loopback interface, so {@code 127.0.0.2} is a second source address on the same machine.
     */
    public SipTestClient(String transport, String host, int port, String localAddress) throws IOException {
        this.transport = transport.toUpperCase(Locale.ROOT);
        this.server = new InetSocketAddress(host, port);
        if (this.transport.equals("UDP")) {
            udp = new DatagramSocket(0, InetAddress.getByName(localAddress));
            udp.setSoTimeout(200);
            tcp = null;
            tcpIn = null;
            localPort = udp.getLocalPort();
        } else {
            udp = null;
            tcp = new Socket();
            tcp.bind(new InetSocketAddress(localAddress, 0));
            tcp.connect(server, 2000);
            tcp.setSoTimeout(200);
            tcpIn = new BufferedInputStream(tcp.getInputStream());
            localPort = tcp.getLocalPort();
        }
        localHost = localAddress;
    }

    public String contactUri(String user) {
        return "sip:" + user + "@" + localHost + ":" + localPort + (transport.equals("UDP") ? "" : ";transport=tcp");
    }

    public long nextCseq() {
        return cseq++;
    }

    /** A REGISTER; {@code extraHeaders} are full lines such as "Expires: 0". */
    public String register(String user, String domain, long cseq, List<String> extraHeaders) {
        String branch = "z9hG4bK" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        StringBuilder b = new StringBuilder();
        b.append("REGISTER sip:").append(domain).append(" SIP/2.0\r\n");
        b.append("Via: SIP/2.0/")
                .append(transport)
                .append(' ')
                .append(localHost)
                .append(':')
                .append(localPort)
                .append(";branch=")
                .append(branch)
                .append(";rport\r\n");
        b.append("Max-Forwards: 70\r\n");
        b.append("From: <sip:")
                .append(user)
                .append('@')
                .append(domain)
                .append(">;tag=")
                .append(fromTag)
                .append("\r\n");
        b.append("To: <sip:").append(user).append('@').append(domain).append(">\r\n");
        b.append("Call-ID: ").append(callId).append("\r\n");
        b.append("CSeq: ").append(cseq).append(" REGISTER\r\n");
        b.append("User-Agent: switchboard-test\r\n");
        for (String h : extraHeaders) {
            b.append(h).append("\r\n");
        }
        b.append("Content-Length: 0\r\n\r\n");
        return b.toString();
    }

    /**
     * The ACK for a non-2xx final response to {@code invite} (RFC 3261 section 17.1.1.3): same
     * Request-URI, Via branch, From and Call-ID, the response's To (with its tag), CSeq method ACK.
     */
    public void ackNon2xx(String invite, Response response) throws IOException {
        String[] lines = invite.split("\r\n");
        StringBuilder ack = new StringBuilder(lines[0].replaceFirst("^INVITE", "ACK")).append("\r\n");
        for (int i = 1; i < lines.length && !lines[i].isEmpty(); i++) {
            String l = lines[i];
            String name = l.substring(0, l.indexOf(':')).trim().toLowerCase(Locale.ROOT);
            switch (name) {
                case "via", "from", "call-id", "max-forwards" -> ack.append(l).append("\r\n");
                case "cseq" -> ack.append(l.replace("INVITE", "ACK")).append("\r\n");
                default -> {}
            }
        }
        ack.append("To: ").append(response.header("To")).append("\r\n");
        ack.append("Content-Length: 0\r\n\r\n");
        send(ack.toString());
    }

    /** Sends raw text and waits for the first final response (1xx are skipped). */
    public Response request(String text, Duration timeout) throws IOException {
        send(text);
        return awaitFinal(timeout);
    }

    public void send(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (udp != null) {
            udp.send(new DatagramPacket(bytes, bytes.length, server));
        } else {
            tcp.getOutputStream().write(bytes);
            tcp.getOutputStream().flush();
        }
    }

    public Response awaitFinal(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String raw = receive();
            if (raw == null) {
                continue;
            }
            Response r = parse(raw);
            if (r.status() >= 200) {
                return r;
            }
        }
        throw new SocketTimeoutException("no final response within " + timeout);
    }

    /** Reads what arrives within the timeout, or null. */
    public String receiveAny(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String raw = receive();
            if (raw != null) {
                return raw;
            }
        }
        return null;
    }

    private String receive() throws IOException {
        try {
            if (udp != null) {
                byte[] buf = new byte[65535];
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                udp.receive(p);
                return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
            }
            return readTcpMessage();
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    private String readTcpMessage() throws IOException {
        String message = readMessage(tcpIn);
        if (message == null) {
            throw new IOException("connection closed by server");
        }
        return message;
    }

    /**
     * Reads one SIP message from a stream: headers up to CRLFCRLF, then Content-Length bytes; ""
     * for a lone CRLF (a keep-alive pong, RFC 5626 section 4.4.1); null at the end of the stream.
     */
    public static String readMessage(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int c = in.read();
            if (c < 0) {
                return null;
            }
            head.write(c);
            matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1
                    : 0;
            if (head.size() == 2 && matched == 2) {
                return "";
            }
        }
        String headers = head.toString(StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("(?im)^(?:content-length|l)\\s*:\\s*(\\d+)").matcher(headers);
        int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
        return headers + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    public static Response parse(String raw) {
        String[] lines = raw.split("\r\n");
        String[] status = lines[0].split(" ", 3);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length && !lines[i].isEmpty(); i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                String name = canonical(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT));
                headers.computeIfAbsent(name, k -> new ArrayList<>())
                        .add(lines[i].substring(colon + 1).trim());
            }
        }
        return new Response(Integer.parseInt(status[1]), status.length > 2 ? status[2] : "", headers, raw);
    }

    private static String canonical(String compact) {
        return switch (compact) {
            case "m" -> "contact";
            case "v" -> "via";
            case "f" -> "from";
            case "t" -> "to";
            case "i" -> "call-id";
            case "l" -> "content-length";
            case "k" -> "supported";
            default -> compact;
        };
    }

    /** Splits a header value on commas outside quotes and angle brackets. */
    public static List<String> splitTopLevel(String value) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && c == '<') {
                depth++;
            } else if (!quoted && c == '>') {
                depth--;
            } else if (!quoted && depth == 0 && c == ',') {
                out.add(value.substring(start, i).trim());
                start = i + 1;
            }
        }
        out.add(value.substring(start).trim());
        return out;
    }

    /** The parameters of a Digest challenge such as {@code Digest realm="x", nonce="y", qop="auth"}. */
    public static Map<String, String> challengeParams(String header) {
        Map<String, String> p = new LinkedHashMap<>();
        Matcher m = Pattern.compile("([a-zA-Z-]+)=(\"([^\"]*)\"|[^,\\s]+)")
                .matcher(header.substring(header.indexOf(' ') + 1));
        while (m.find()) {
            p.put(m.group(1).toLowerCase(Locale.ROOT), m.group(3) != null ? m.group(3) : m.group(2));
        }
        return p;
    }

    /** An Authorization header answering {@code challenge} (qop=auth, RFC 7616 section 3.4.1). */
    public static String authorization(
            String challenge, String user, String password, String method, String uri, int nc) {
        Map<String, String> c = challengeParams(challenge);
        DigestAlgorithm alg = DigestAlgorithm.fromToken(c.get("algorithm")).orElseThrow();
        String realm = c.get("realm");
        String nonce = c.get("nonce");
        String cnonce = Long.toHexString(ThreadLocalRandom.current().nextLong());
        String ncHex = String.format("%08x", nc);
        String ha1 = alg.ha1(user, realm, password);
        String ha2 = alg.hashHex(method + ":" + uri);
        String response = alg.hashHex(ha1 + ":" + nonce + ":" + ncHex + ":" + cnonce + ":auth:" + ha2);
        return "Authorization: Digest username=\"" + user + "\", realm=\"" + realm + "\", nonce=\"" + nonce
                + "\", uri=\"" + uri + "\", response=\"" + response + "\", algorithm=" + alg.token()
                + ", qop=auth, nc=" + ncHex + ", cnonce=\"" + cnonce + "\"";
    }

    @Override
    public void close() throws IOException {
        if (udp != null) {
            udp.close();
        }
        if (tcp != null) {
            tcp.close();
        }
    }
}

package io.switchboard.node;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SIP part of the warm-up before a node is ready (issue 17, item 4; {@link WarmUp} is the
 * entities' part): REGISTERs without credentials, sent over UDP by the node to its own SIP port,
 * each answered 401 with a challenge. They run the JAIN-SIP stack's parser, server transactions,
 * the edge's classification, the digest challenge and the response's encoding until the JIT has
 * compiled them, so a fresh node's first users do not pay for the compiling (bench/RESULTS.md,
 * "Fresh node": 10,000 first REGISTERs at 800/s lost 70 of them to timeouts with only the
 * entities warmed, none with this too).
 *
 * <p>Each request's Call-ID starts with a random prefix made for this node's run
 * ({@link #callIdPrefix()}); the SIP edge serves those, and only those, while the node is not
 * ready yet (SipFrontEnd.gate). A stranger cannot guess it, so this opens nothing. Nothing is
 * stored: a challenge is computed, not kept (the nonce carries its own time and MAC).
 *
 * <p>Runs on its own thread, never on a JAIN-SIP or actor thread; at most {@link Settings#inFlight()}
 * requests are outstanding, each waited for up to {@link Settings#timeout()}.
 */
final class SipWarmUp {

    private static final Logger LOG = LoggerFactory.getLogger(SipWarmUp.class);

    /**
     * @param requests how many REGISTERs to send (0: no SIP warm-up)
     * @param inFlight how many may wait for their answer at once
     * @param timeoutMillis how long the warm-up waits for an answer before it sends the next ones
     */
    record Settings(int requests, int inFlight, int timeoutMillis) {}

    private final InetSocketAddress target;
    private final String domain;
    private final String user;
    private final Settings settings;
    private final String callIdPrefix;

    /**
     * @param target the node's own UDP SIP listener (an address it can reach: loopback for a
     *     wildcard bind address)
     * @param domain one of the node's domains (a REGISTER for another is refused before the challenge)
     */
    SipWarmUp(InetSocketAddress target, String domain, String user, Settings settings) {
        this.target = target;
        this.domain = domain;
        this.user = user;
        this.settings = settings;
        byte[] random = new byte[12];
        ThreadLocalRandom.current().nextBytes(random);
        this.callIdPrefix = "warm-up-" + Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "-";
    }

    /** The prefix of every warm-up request's Call-ID: the SIP edge lets these through before ready. */
    String callIdPrefix() {
        return callIdPrefix;
    }

    /** Where to send a warm-up: a wildcard bind address is reached on loopback. */
    static InetSocketAddress reachable(String bindAddress, int port) {
        try {
            InetAddress a = InetAddress.getByName(bindAddress);
            return new InetSocketAddress(a.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : a, port);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot resolve the SIP bind address " + bindAddress, e);
        }
    }

    /** Sends the requests on a new daemon thread; completes with how many were answered (never fails). */
    CompletionStage<Integer> start(java.util.function.IntConsumer progress) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        if (settings.requests() <= 0) {
            done.complete(0);
            return done;
        }
        Thread t = new Thread(
                () -> {
                    int answered = 0;
                    try {
                        answered = run(progress);
                    } catch (IOException | RuntimeException e) {
                        LOG.warn("SIP warm-up stopped: {}", e.toString());
                    }
                    done.complete(answered);
                },
                "switchboard-sip-warm-up");
        t.setDaemon(true);
        t.start();
        return done;
    }

    private int run(java.util.function.IntConsumer progress) throws IOException {
        int answered = 0;
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(target.getAddress(), 0))) {
            socket.setSoTimeout(settings.timeoutMillis());
            byte[] buffer = new byte[4096];
            DatagramPacket in = new DatagramPacket(buffer, buffer.length);
            String local = hostPort(socket);
            int sent = 0;
            while (sent < settings.requests()) {
                int batch = Math.min(settings.inFlight(), settings.requests() - sent);
                for (int i = 0; i < batch; i++) {
                    byte[] out = register(local, sent++).getBytes(StandardCharsets.UTF_8);
                    socket.send(new DatagramPacket(out, out.length, target));
                }
                for (int i = 0; i < batch; i++) {
                    try {
                        socket.receive(in);
                        answered++;
                    } catch (SocketTimeoutException e) {
                        break; // lost or slow: the next batch goes out anyway, late answers are read then
                    }
                }
                progress.accept(answered);
            }
        }
        return answered;
    }

    private static String hostPort(DatagramSocket socket) {
        InetAddress a = socket.getLocalAddress();
        String host = a instanceof java.net.Inet6Address ? "[" + a.getHostAddress() + "]" : a.getHostAddress();
        return host + ":" + socket.getLocalPort();
    }

    /** The {@code n}-th warm-up REGISTER, from {@code local} (host:port): a new transaction and Call-ID each. */
    String register(String local, int n) {
        String callId = callIdPrefix + n;
        return "REGISTER sip:" + domain + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP " + local + ";branch=z9hG4bK" + callId + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:" + user + "@" + domain + ">;tag=" + n + "\r\n"
                + "To: <sip:" + user + "@" + domain + ">\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: 1 REGISTER\r\n"
                + "Contact: <sip:" + user + "@" + local + ">\r\n"
                + "Expires: 600\r\n"
                + "User-Agent: switchboard warm-up\r\n"
                + "Content-Length: 0\r\n\r\n";
    }
}

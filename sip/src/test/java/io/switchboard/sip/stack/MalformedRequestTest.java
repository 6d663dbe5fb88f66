package io.switchboard.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;

import gov.nist.javax.sip.message.SIPMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.message.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pins what the RI (plus our parser factory) does with malformed requests, as written down in the
 * module README: the registrar and the node rely on it. Each malformed request is followed by a
 * valid "barrier" request with the same Call-ID (so the RI processes both on one thread, in order);
 * everything received before the barrier's answer is what the malformed request caused.
 */
class MalformedRequestTest {
    private static final RecordingServer SERVER = new RecordingServer();
    private static SipEndpoint server;

    @BeforeAll
    static void start() {
        server = SipEndpoint.start(
                SipStackSettings.defaults("malformed-test", "127.0.0.1", 0, 0).withThreadPoolSize(1), SERVER);
        SERVER.attach(server);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static String options(String transport, int port, int myPort, String callId, int cseq) {
        return "OPTIONS sip:server@127.0.0.1:" + port + " SIP/2.0\r\n"
                + "Via: SIP/2.0/" + transport + " 127.0.0.1:" + myPort + ";branch=z9hG4bK-" + callId + "-" + cseq
                + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:probe@127.0.0.1>;tag=1\r\n"
                + "To: <sip:server@127.0.0.1>\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: " + cseq + " OPTIONS\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    /** What came back over UDP before the barrier's answer. */
    static List<String> udp(String malformed, String callId) throws IOException {
        return udp(
                port -> malformed.replace("MYPORT", Integer.toString(port)).getBytes(StandardCharsets.UTF_8), callId);
    }

    static List<String> udp(IntFunction<byte[]> first, String callId) throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            s.setSoTimeout(10_000);
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", server.udpPort());
            byte[] a = first.apply(s.getLocalPort());
            s.send(new DatagramPacket(a, a.length, to));
            byte[] b = options("UDP", server.udpPort(), s.getLocalPort(), callId, 2)
                    .getBytes(StandardCharsets.UTF_8);
            s.send(new DatagramPacket(b, b.length, to));
            List<String> before = new ArrayList<>();
            while (true) {
                DatagramPacket p = new DatagramPacket(new byte[8192], 8192);
                s.receive(p);
                String msg = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
                if (msg.contains("CSeq: 2 OPTIONS") && msg.contains("Call-ID: " + callId + "\r\n")) {
                    assertThat(msg).startsWith("SIP/2.0 200 OK");
                    return before;
                }
                before.add(msg);
            }
        }
    }

    /** What came back over one TCP connection before the barrier's answer, or "<closed>" last if the stack closed it. */
    static List<String> tcp(String malformed, String callId) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.tcpPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(malformed
                    .replace("MYPORT", Integer.toString(s.getLocalPort()))
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            List<String> before = new ArrayList<>();
            try {
                out.write(options("TCP", server.tcpPort(), s.getLocalPort(), callId, 2)
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException closed) {
                before.add("<closed>");
                return before;
            }
            InputStream in = s.getInputStream();
            StringBuilder buffer = new StringBuilder();
            byte[] chunk = new byte[8192];
            while (true) {
                int n;
                try {
                    n = in.read(chunk);
                } catch (IOException reset) {
                    n = -1;
                }
                if (n < 0) {
                    before.add("<closed>");
                    return before;
                }
                buffer.append(new String(chunk, 0, n, StandardCharsets.UTF_8));
                int end;
                while ((end = buffer.indexOf("\r\n\r\n")) >= 0) {
                    String msg = buffer.substring(0, end + 4);
                    buffer.delete(0, end + 4);
                    if (msg.contains("CSeq: 2 OPTIONS") && msg.contains("Call-ID: " + callId + "\r\n")) {
                        return before;
                    }
                    before.add(msg);
                }
            }
        }
    }

    static String malformed(String transport, String callId, String find, String replace) {
        int port = transport.equals("UDP") ? server.udpPort() : server.tcpPort();
        String m = options(transport, port, 0, callId, 1).replace("127.0.0.1:0;", "127.0.0.1:MYPORT;");
        assertThat(m).contains(find);
        return m.replace(find, replace);
    }

    static Request seen(String callId) {
        return SERVER.requests.stream()
                .filter(r -> callId.equals(((CallIdHeader) r.getHeader(CallIdHeader.NAME)).getCallId())
                        && r.getHeader("CSeq").toString().contains("1 OPTIONS"))
                .findFirst()
                .orElse(null);
    }

    // ---- UDP: the RI's UDPMessageChannel answers 400 itself for bad required headers

    @Test
    void udpBadFromGets400WithAFixedReasonPhrase() throws IOException {
        List<String> got =
                udp(malformed("UDP", "u-from", "From: <sip:probe@127.0.0.1>;tag=1", "From: <<<garbage"), "u-from");
        assertThat(got).singleElement().satisfies(r -> {
            // the RI's automatic 400 (MessageChannel.createBadReqRes) with our phrase, not the parser's text
            assertThat(r).startsWith("SIP/2.0 400 Bad Request (malformed From)\r\n");
            assertThat(r).contains("tag=badreq", "Content-Type: message/sipfrag");
        });
        assertThat(seen("u-from")).isNull();
    }

    @Test
    void udpBadViaOrRequestUriGets400() throws IOException {
        assertThat(udp(malformed("UDP", "u-via", "Via: SIP/2.0/UDP 127.0.0.1", "Via: SIP/2.0/UDP @@@"), "u-via"))
                .singleElement()
                .asString()
                .startsWith("SIP/2.0 400 Bad Request (malformed Via)\r\n");
        assertThat(udp(
                        malformed(
                                "UDP",
                                "u-ruri",
                                "OPTIONS sip:server@127.0.0.1:" + server.udpPort(),
                                "OPTIONS sip:@@@:::"),
                        "u-ruri"))
                .singleElement()
                .asString()
                .startsWith("SIP/2.0 400 Bad Request (malformed Request-Line)\r\n");
        assertThat(seen("u-via")).isNull();
        assertThat(seen("u-ruri")).isNull();
    }

    @Test
    void udpCseqMethodMismatchGets400() throws IOException {
        assertThat(udp(malformed("UDP", "u-cseq", "CSeq: 1 OPTIONS", "CSeq: 1 INVITE"), "u-cseq"))
                .singleElement()
                .asString()
                .startsWith("SIP/2.0 400 Bad request\r\n");
    }

    @Test
    void udpMissingCallIdIsDroppedSilently() throws IOException {
        assertThat(udp(malformed("UDP", "u-nocallid", "Call-ID: u-nocallid\r\n", ""), "u-nocallid-barrier"))
                .isEmpty();
    }

    @Test
    void udpBadOptionalHeaderReachesTheListenerAsUnrecognized() throws IOException {
        assertThat(udp(
                        malformed("UDP", "u-expires", "Content-Length: 0", "Expires: soon\r\nContent-Length: 0"),
                        "u-expires"))
                .singleElement()
                .asString()
                .startsWith("SIP/2.0 200 OK");
        Request r = seen("u-expires");
        assertThat(r.getHeader(ExpiresHeader.NAME)).isNull();
        assertThat(unrecognized(r)).containsExactly("Expires: soon");
    }

    @Test
    void unknownSipVersionGets505OnEveryTransport() throws IOException {
        // the RI's parser reports any SIP/x.y as SIP/2.0; RequestScreen reads the version from the bytes
        assertThat(udp(malformed("UDP", "u-version", "SIP/2.0\r\nVia", "SIP/7.0\r\nVia"), "u-version"))
                .singleElement()
                .asString()
                .startsWith("SIP/2.0 505 Version Not Supported\r\n");
        assertThat(tcp(malformed("TCP", "t-version", "SIP/2.0\r\nVia", "SIP/7.0\r\nVia"), "t-version"))
                .singleElement()
                .asString()
                .startsWith("SIP/2.0 505 Version Not Supported\r\n");
        assertThat(seen("u-version")).isNull();
        assertThat(seen("t-version")).isNull();
    }

    @Test
    void duplicateSingleValuedHeadersCseqRangeAndMaxForwardsGet400OnEveryTransport() throws IOException {
        String[][] cases = {
            {"Call-ID: CALLID\r\n", "Call-ID: CALLID\r\ni: other\r\n", "Bad Request (duplicate Call-ID)"},
            {"CSeq: 1 OPTIONS\r\n", "CSeq: 1 OPTIONS\r\nCSeq: 7 OPTIONS\r\n", "Bad Request (duplicate CSeq)"},
            {
                "To: <sip:server@127.0.0.1>\r\n",
                "To: <sip:server@127.0.0.1>\r\nt: <sip:x@y>\r\n",
                "Bad Request (duplicate To)"
            },
            {
                "Content-Length: 0\r\n",
                "Content-Length: 0\r\nContent-Length: 0\r\n",
                "Bad Request (duplicate Content-Length)"
            },
            {"CSeq: 1 OPTIONS", "CSeq: 2147483648 OPTIONS", "Bad Request (CSeq out of range)"},
            {"Max-Forwards: 70", "Max-Forwards: 300", "Bad Request (invalid Max-Forwards)"},
            {"Max-Forwards: 70", "Max-Forwards: seventy", "Bad Request (invalid Max-Forwards)"},
        };
        int i = 0;
        for (String[] c : cases) {
            for (String transport : List.of("UDP", "TCP")) {
                String id = "dup-" + transport + "-" + i;
                String m = malformed(transport, id, c[0].replace("CALLID", id), c[1].replace("CALLID", id));
                List<String> got = transport.equals("UDP") ? udp(m, id) : tcp(m, id);
                assertThat(got).as(c[1]).singleElement().asString().startsWith("SIP/2.0 400 " + c[2] + "\r\n");
                assertThat(seen(id)).as(c[1]).isNull();
            }
            i++;
        }
    }

    @Test
    void udpRequestWithoutCseqIsDroppedWithoutAnErrorLine() throws IOException {
        // the counters are per JVM and other tests' junk counts too: compare before and after
        long before = MalformedInput.count(MalformedInput.Reason.MISSING_CSEQ);
        long stackErrorsBefore = MalformedInput.count(MalformedInput.Reason.STACK_ERROR);
        assertThat(udp(malformed("UDP", "u-nocseq", "CSeq: 1 OPTIONS\r\n", ""), "u-nocseq"))
                .isEmpty();
        assertThat(MalformedInput.count(MalformedInput.Reason.MISSING_CSEQ)).isEqualTo(before + 1);
        assertThat(MalformedInput.count(MalformedInput.Reason.STACK_ERROR)).isEqualTo(stackErrorsBefore);
    }

    @Test
    void udpStunKeepAliveIsNotAnswered() throws IOException {
        // RFC 5626 section 4.4.2: UDP flows are kept alive with STUN binding requests; the RI has no STUN
        // server on its SIP port, so the edge (or a separate STUN responder) must answer them
        byte[] stun = ByteBuffer.allocate(20)
                .putShort((short) 0x0001)
                .putShort((short) 0)
                .putInt(0x2112A442)
                .putInt(1)
                .putInt(2)
                .putInt(3)
                .array();
        assertThat(udp(port -> stun, "u-stun")).isEmpty();
    }

    // ---- TCP: no automatic 400; malformed required headers are dropped without an answer

    @Test
    void tcpBadFromIsDroppedSilentlyAndTheConnectionStays() throws IOException {
        assertThat(tcp(malformed("TCP", "t-from", "From: <sip:probe@127.0.0.1>;tag=1", "From: <<<garbage"), "t-from"))
                .isEmpty();
        assertThat(seen("t-from")).isNull();
    }

    @Test
    void tcpGarbageRequestLineIsDroppedSilently() throws IOException {
        assertThat(tcp(
                        malformed(
                                "TCP",
                                "t-line",
                                "OPTIONS sip:server@127.0.0.1:" + server.tcpPort() + " SIP/2.0",
                                "HELLO WORLD"),
                        "t-line"))
                .isEmpty();
    }

    @Test
    void tcpCseqMethodMismatchGets400() throws IOException {
        assertThat(tcp(malformed("TCP", "t-cseq", "CSeq: 1 OPTIONS", "CSeq: 1 INVITE"), "t-cseq"))
                .singleElement()
                .asString()
                .startsWith("SIP/2.0 400 Bad request\r\n");
    }

    @Test
    void tcpMissingCallIdOrBadContentLengthClosesTheConnection() throws IOException {
        assertThat(tcp(malformed("TCP", "t-nocallid", "Call-ID: t-nocallid\r\n", ""), "t-nocallid"))
                .containsExactly("<closed>");
        assertThat(tcp(malformed("TCP", "t-cl", "Content-Length: 0", "Content-Length: abc"), "t-cl"))
                .containsExactly("<closed>");
    }

    @Test
    void tcpBadOptionalHeaderReachesTheListenerAsUnrecognizedThanksToOurParser() throws IOException {
        assertThat(tcp(
                        malformed("TCP", "t-expires", "Content-Length: 0", "Expires: soon\r\nContent-Length: 0"),
                        "t-expires"))
                .singleElement()
                .asString()
                .startsWith("SIP/2.0 200 OK");
        Request r = seen("t-expires");
        assertThat(r.getHeader(ExpiresHeader.NAME)).isNull();
        assertThat(unrecognized(r)).containsExactly("Expires: soon");
    }

    @Test
    void tcpBadContactIsKeptSoARegisterCannotTurnIntoAQuery() throws IOException {
        assertThat(tcp(
                        malformed(
                                "TCP",
                                "t-contact",
                                "Content-Length: 0",
                                "Contact: <sip:bob@@@@;;;>>\r\nContent-Length: 0"),
                        "t-contact"))
                .singleElement()
                .asString()
                .startsWith("SIP/2.0 200 OK");
        assertThat(unrecognized(seen("t-contact"))).singleElement().asString().startsWith("Contact:");
    }

    private static List<String> unrecognized(Request r) {
        List<String> out = new ArrayList<>();
        ((SIPMessage) r).getUnrecognizedHeaders().forEachRemaining(h -> out.add(h.strip()));
        return out;
    }
}

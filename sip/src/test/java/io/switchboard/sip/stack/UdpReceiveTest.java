package io.switchboard.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;

import gov.nist.javax.sip.stack.ReusingBufferUdpMessageProcessor;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The UDP listening point that reuses its receive buffer: every datagram arrives whole, whatever
 * the size of the ones before it (a shared buffer must never leak bytes of an earlier packet), and
 * what the stack sends over UDP leaves from the listening socket, as with the RI's own processor.
 */
class UdpReceiveTest {
    private static final RecordingServer SERVER = new RecordingServer();
    private static SipEndpoint server;

    @BeforeAll
    static void start() {
        server = SipEndpoint.start(SipStackSettings.defaults("udp-receive-test", "127.0.0.1", 0, -1), SERVER);
        SERVER.attach(server);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static String options(int port, int myPort, String callId, int padding) {
        return "OPTIONS sip:server@127.0.0.1:" + port + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + myPort + ";branch=z9hG4bK-" + callId + "\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:probe@127.0.0.1>;tag=1\r\n"
                + "To: <sip:server@127.0.0.1>\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: 1 OPTIONS\r\n"
                + "X-Padding: " + "x".repeat(padding) + "\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    @Test
    void theRiUsesOurProcessor() {
        assertThat(server.provider().getListeningPoints())
                .filteredOn(lp -> "UDP".equalsIgnoreCase(lp.getTransport()))
                .extracting(lp -> ((gov.nist.javax.sip.ListeningPointImpl) lp).getMessageProcessor())
                .singleElement()
                .isInstanceOf(ReusingBufferUdpMessageProcessor.class);
    }

    @Test
    void answersLeaveFromTheListeningPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            s.setSoTimeout(5_000);
            byte[] b = options(server.udpPort(), s.getLocalPort(), "udp-source-port", 0)
                    .getBytes(StandardCharsets.UTF_8);
            s.send(new DatagramPacket(b, b.length, new InetSocketAddress("127.0.0.1", server.udpPort())));
            DatagramPacket p = new DatagramPacket(new byte[8192], 8192);
            s.receive(p);
            assertThat(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8))
                    .startsWith("SIP/2.0 200 OK");
            assertThat(p.getPort()).as("source port of the answer").isEqualTo(server.udpPort());
        }
    }

    @Test
    void bigThenSmallThenBigDatagramsAllArriveWhole() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            s.setSoTimeout(5_000);
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", server.udpPort());
            int[] paddings = {20_000, 10, 40_000, 0};
            for (int i = 0; i < paddings.length; i++) {
                byte[] b = options(server.udpPort(), s.getLocalPort(), "udp-recv-" + i, paddings[i])
                        .getBytes(StandardCharsets.UTF_8);
                s.send(new DatagramPacket(b, b.length, to));
                DatagramPacket p = new DatagramPacket(new byte[8192], 8192);
                s.receive(p);
                String answer = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
                assertThat(answer).startsWith("SIP/2.0 200 OK").contains("Call-ID: udp-recv-" + i + "\r\n");
            }
        }
        assertThat(SERVER.errors).isEmpty();
        assertThat(SERVER.requests)
                .hasSize(4)
                .allSatisfy(r -> assertThat(r.getHeader("X-Padding")).isNotNull());
        assertThat(SERVER.requests.get(2).getHeader("X-Padding").toString())
                .hasSize("X-Padding: ".length() + 40_000 + 2);
    }
}

package io.switchboard.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;

import gov.nist.javax.sip.message.SIPMessage;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A request released after its final response still lets the RI's transaction absorb
 * retransmissions: they get the same response again and never reach the listener.
 */
class AnsweredRequestsTest {
    static final List<Request> SEEN = new CopyOnWriteArrayList<>();
    static final List<Throwable> ERRORS = new CopyOnWriteArrayList<>();
    static SipEndpoint server;

    /** Answers every REGISTER 200 statefully, then releases the request as the node does. */
    static final class ReleasingServer implements SipListener {
        @Override
        public void processRequest(RequestEvent event) {
            Request request = event.getRequest();
            SEEN.add(request);
            try {
                ServerTransaction st = ((SipProvider) event.getSource()).getNewServerTransaction(request);
                Response ok = server.messages().createResponse(Response.OK, request);
                ok.addHeader(server.headers().createHeader("Contact", "<sip:alice@192.0.2.1:5062>;expires=600"));
                st.sendResponse(ok);
                AnsweredRequests.release(st.getRequest());
            } catch (Exception e) {
                ERRORS.add(e);
            }
        }

        @Override
        public void processResponse(ResponseEvent event) {}

        @Override
        public void processTimeout(TimeoutEvent event) {}

        @Override
        public void processIOException(IOExceptionEvent event) {}

        @Override
        public void processTransactionTerminated(TransactionTerminatedEvent event) {}

        @Override
        public void processDialogTerminated(DialogTerminatedEvent event) {}
    }

    @BeforeAll
    static void start() {
        server = SipEndpoint.start(
                SipStackSettings.defaults("released-test", "127.0.0.1", 0, -1), new ReleasingServer());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static String register(int port, int myPort) {
        return "REGISTER sip:example.test SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + myPort + ";branch=z9hG4bK-released-1\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:alice@example.test>;tag=77\r\n"
                + "To: <sip:alice@example.test>\r\n"
                + "Call-ID: released-1\r\n"
                + "CSeq: 2 REGISTER\r\n"
                + "Contact: <sip:alice@192.0.2.1:5062>\r\n"
                + "Authorization: Digest username=\"alice\", realm=\"example.test\", nonce=\"abc\", "
                + "uri=\"sip:example.test\", response=\"0123456789abcdef0123456789abcdef\", algorithm=MD5, "
                + "qop=auth, nc=00000001, cnonce=\"xyz\"\r\n"
                + "User-Agent: test\r\n"
                + "Expires: 600\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    @Test
    void retransmissionsOfAReleasedRequestAreAnsweredByTheTransaction() throws IOException {
        List<String> answers = new ArrayList<>();
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            s.setSoTimeout(5_000);
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", server.udpPort());
            byte[] req = register(server.udpPort(), s.getLocalPort()).getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 3; i++) {
                s.send(new DatagramPacket(req, req.length, to));
                DatagramPacket p = new DatagramPacket(new byte[8192], 8192);
                s.receive(p);
                answers.add(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
            }
        }
        assertThat(ERRORS).isEmpty();
        assertThat(answers)
                .hasSize(3)
                .allSatisfy(a -> assertThat(a)
                        .startsWith("SIP/2.0 200 OK")
                        .contains("Contact: <sip:alice@192.0.2.1:5062>;expires=600")
                        .contains("CSeq: 2 REGISTER"));
        assertThat(answers.get(1)).isEqualTo(answers.get(0));
        assertThat(SEEN).as("the listener saw the request once").hasSize(1);

        SIPMessage kept = (SIPMessage) SEEN.get(0);
        List<String> names = new ArrayList<>();
        kept.getHeaderNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrder("Via", "From", "To", "Call-ID", "CSeq", "Content-Length");
    }
}

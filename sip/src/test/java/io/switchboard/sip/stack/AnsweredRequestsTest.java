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
    /** What {@code getRequest()} of a transaction answered after {@link AnsweredRequests#dropOnFinalResponse} returned. */
    static final java.util.Map<String, java.util.Optional<Request>> AFTER_DROP =
            new java.util.concurrent.ConcurrentHashMap<>();

    static SipEndpoint server;

    /**
     * Answers every REGISTER 200 statefully, then releases the request as the node's presence and
     * proxy paths do; a Call-ID starting with "dropped" is answered as the registrar and the SIP
     * edge do, with the RI told to drop the request itself.
     */
    static final class ReleasingServer implements SipListener {
        @Override
        public void processRequest(RequestEvent event) {
            Request request = event.getRequest();
            SEEN.add(request);
            try {
                ServerTransaction st = ((SipProvider) event.getSource()).getNewServerTransaction(request);
                Response ok = server.messages().createResponse(Response.OK, request);
                ok.addHeader(server.headers().createHeader("Contact", "<sip:alice@192.0.2.1:5062>;expires=600"));
                boolean drop = ((javax.sip.header.CallIdHeader) request.getHeader("Call-ID"))
                        .getCallId()
                        .contains("dropped");
                if (drop) {
                    AnsweredRequests.dropOnFinalResponse(st);
                }
                st.sendResponse(ok);
                if (drop) {
                    AFTER_DROP.put(
                            ((javax.sip.header.CallIdHeader) request.getHeader("Call-ID")).getCallId(),
                            java.util.Optional.ofNullable(st.getRequest()));
                }
                AnsweredRequests.release(st.getRequest()); // as the node does: a no-op when dropped
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

    static String register(int myPort, String callId) {
        // an RFC 2543 client's request ("legacy" Call-IDs) has no branch in its Via
        String branch = callId.startsWith("legacy") ? "" : ";branch=z9hG4bK-" + callId;
        return "REGISTER sip:example.test SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + myPort + branch + "\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:alice@example.test>;tag=77\r\n"
                + "To: <sip:alice@example.test>\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: 2 REGISTER\r\n"
                + "Contact: <sip:alice@192.0.2.1:5062>\r\n"
                + "Authorization: Digest username=\"alice\", realm=\"example.test\", nonce=\"abc\", "
                + "uri=\"sip:example.test\", response=\"0123456789abcdef0123456789abcdef\", algorithm=MD5, "
                + "qop=auth, nc=00000001, cnonce=\"xyz\"\r\n"
                + "User-Agent: test\r\n"
                + "Expires: 600\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    /** Sends {@code callId}'s REGISTER three times, as a phone retransmits it; the three answers. */
    static List<String> sendThrice(String callId) throws IOException {
        List<String> answers = new ArrayList<>();
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            s.setSoTimeout(5_000);
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", server.udpPort());
            byte[] req = register(s.getLocalPort(), callId).getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 3; i++) {
                s.send(new DatagramPacket(req, req.length, to));
                DatagramPacket p = new DatagramPacket(new byte[8192], 8192);
                s.receive(p);
                answers.add(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
            }
        }
        return answers;
    }

    static List<Request> seen(String callId) {
        return SEEN.stream()
                .filter(r -> ((javax.sip.header.CallIdHeader) r.getHeader("Call-ID"))
                        .getCallId()
                        .equals(callId))
                .toList();
    }

    static void assertSameTwoHundreds(List<String> answers) {
        assertThat(answers)
                .hasSize(3)
                .allSatisfy(a -> assertThat(a)
                        .startsWith("SIP/2.0 200 OK")
                        .contains("Contact: <sip:alice@192.0.2.1:5062>;expires=600")
                        .contains("CSeq: 2 REGISTER"));
        assertThat(answers.get(1)).isEqualTo(answers.get(0));
        assertThat(answers.get(2)).isEqualTo(answers.get(0));
    }

    @Test
    void retransmissionsOfAReleasedRequestAreAnsweredByTheTransaction() throws IOException {
        List<String> answers = sendThrice("released-1");
        assertThat(ERRORS).isEmpty();
        assertSameTwoHundreds(answers);
        assertThat(seen("released-1")).as("the listener saw the request once").hasSize(1);

        SIPMessage kept = (SIPMessage) seen("released-1").get(0);
        List<String> names = new ArrayList<>();
        kept.getHeaderNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrder("Via", "From", "To", "Call-ID", "CSeq", "Content-Length");
    }

    @Test
    void aTransactionToldToDropItsRequestHoldsNoneAndStillAbsorbsRetransmissions() throws IOException {
        List<String> answers = sendThrice("dropped-1");
        assertThat(ERRORS).isEmpty();
        assertSameTwoHundreds(answers);
        assertThat(seen("dropped-1")).as("the listener saw the request once").hasSize(1);
        assertThat(AFTER_DROP.get("dropped-1"))
                .as("the transaction's request once the 200 was sent")
                .isEmpty();
    }

    @Test
    void anRfc2543RequestIsAnsweredWhileTransactionsWithoutTheirRequestLive() throws IOException {
        assertSameTwoHundreds(sendThrice("dropped-2")); // a transaction without its request, for 32 s
        // the RI matches a request without an RFC 3261 branch against every live transaction by the
        // older rules, which read the transaction's request (LeanServerTransaction)
        List<String> answers = sendThrice("legacy-1");
        assertThat(ERRORS).isEmpty();
        assertSameTwoHundreds(answers);
        assertThat(seen("legacy-1")).as("the listener saw the request once").hasSize(1);
    }

    @Test
    void anRfc2543RequestToldToDropKeepsItsRequestAndItsRetransmissionsAreAbsorbed() throws IOException {
        // the registrar tells every REGISTER transaction to drop its request; one without an RFC
        // 3261 branch must keep it, or the RI could not match its retransmissions (section 17.2.3)
        List<String> answers = sendThrice("legacy-dropped-1");
        assertThat(ERRORS).isEmpty();
        assertSameTwoHundreds(answers);
        assertThat(seen("legacy-dropped-1"))
                .as("the listener saw the request once")
                .hasSize(1);
        assertThat(AFTER_DROP.get("legacy-dropped-1"))
                .as("the RFC 2543 request, kept")
                .isPresent();
    }
}

package io.switchboard.node.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.metrics.NodeMetrics;
import io.switchboard.node.routing.AdmissionRules;
import io.switchboard.registrar.domain.RegistrarPolicy;
import io.switchboard.registrar.sip.Gruus;
import io.switchboard.registrar.sip.RegisterResponses;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sip.SipFactory;
import javax.sip.header.ToHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.Test;

/**
 * The edge's refusal before the SIP stack's parse (issue 17, item 3): under a standing backlog a new
 * request without credentials is answered 503 from its raw bytes, as a worker would have answered
 * it; everything else is left to the workers.
 */
class EarlyRefusalTest {

    static final byte[] SECRET = "a-secret-of-at-least-32-bytes-long!!".getBytes(StandardCharsets.UTF_8);
    static final int PORT = 5062;

    final NodeMetrics metrics = new NodeMetrics();
    final AtomicBoolean draining = new AtomicBoolean();
    final EdgeAdmission edge;

    EarlyRefusalTest() throws Exception {
        MessageFactory messages = SipFactory.getInstance().createMessageFactory();
        RegisterResponses responses = new RegisterResponses(
                messages,
                SipFactory.getInstance().createHeaderFactory(),
                RegistrarPolicy.DEFAULTS,
                new Gruus(SECRET),
                120);
        edge = new EdgeAdmission(responses, metrics, (tx, r) -> {});
        edge.gate(() -> true, 7);
        edge.drainWhen(draining::get);
        edge.admit(
                new Admission(
                        Map.of(), AdmissionRules.LoadLimits.of(50, 250, 100_000).withHeap(70, 80)),
                r -> false);
    }

    static String request(String method, String toParams, String extra) {
        return method + " sip:bob@example.test SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 192.0.2.1:" + PORT + ";branch=z9hG4bK-1\r\n"
                + "From: <sip:alice@example.test>;tag=1\r\n"
                + "To: <sip:bob@example.test>" + toParams + "\r\n"
                + "Call-ID: early-1@192.0.2.1\r\n"
                + "CSeq: 1 " + method + "\r\n"
                + extra
                + "Content-Length: 0\r\n\r\n";
    }

    byte[] refusal(String datagram, long standingMillis) throws Exception {
        byte[] b = datagram.getBytes(StandardCharsets.US_ASCII);
        return edge.refusal(b, b.length, InetAddress.getByName("192.0.2.1"), PORT, standingMillis);
    }

    @Test
    void a_new_request_under_a_backlog_is_answered_as_a_worker_would_and_its_ack_is_recognised() throws Exception {
        assertThat(edge.fromStandingMillis()).isEqualTo(50);
        byte[] answer = refusal(request("INVITE", "", ""), 80);
        assertThat(answer).isNotNull();
        MessageFactory messages = SipFactory.getInstance().createMessageFactory();
        Response r = messages.createResponse(new String(answer, StandardCharsets.US_ASCII));
        assertThat(r.getStatusCode()).isEqualTo(503);
        assertThat(r.getHeader("Retry-After").toString()).contains("7");
        String tag = ((ToHeader) r.getHeader(ToHeader.NAME)).getTag();

        Request ack = messages.createRequest(request("ACK", ";tag=" + tag, ""));
        assertThat(edge.refusedStatelessly(ack))
                .as("the ACK of this 503 is discarded")
                .isTrue();
        Request other = messages.createRequest(request("ACK", ";tag=a-phones-tag", ""));
        assertThat(edge.refusedStatelessly(other)).isFalse();

        assertThat(refusal(request("REGISTER", "", ""), 80)).isNotNull();
        assertThat(metrics.scrape())
                .contains("switchboard_sip_shed_total{reason=\"invite-queue-wait\",} 1.0")
                .contains("switchboard_sip_shed_total{reason=\"register-queue-wait\",} 1.0");
    }

    @Test
    void the_rest_goes_on_to_the_workers() throws Exception {
        assertThat(refusal(request("MESSAGE", "", ""), 40)).as("below the wait").isNull();
        assertThat(refusal(request("MESSAGE", "", "Proxy-Authorization: Digest username=\"a\"\r\n"), 80))
                .as("credentials: the workers check their nonce")
                .isNull();
        assertThat(refusal(request("BYE", ";tag=2", ""), 500)).as("in a dialog").isNull();
        assertThat(refusal(request("INVITE", ";tag=2", ""), 500))
                .as("a re-INVITE")
                .isNull();
        assertThat(refusal(request("ACK", "", ""), 500)).isNull();
        assertThat(refusal(request("CANCEL", "", ""), 500)).isNull();
        byte[] b = request("MESSAGE", "", "").getBytes(StandardCharsets.US_ASCII);
        assertThat(edge.refusal(b, b.length, InetAddress.getByName("192.0.2.1"), 40_000, 80))
                .as("its answer would not go where RFC 3261 section 18.2.2 sends it")
                .isNull();
        draining.set(true);
        assertThat(refusal(request("MESSAGE", "", ""), 80))
                .as("draining: the workers say so")
                .isNull();
        assertThat(metrics.scrape()).doesNotContain("queue-wait");
    }

    @Test
    void a_heap_that_stays_full_after_collections_sheds_new_work_without_credentials() throws Exception {
        MessageFactory messages = SipFactory.getInstance().createMessageFactory();
        Request register = messages.createRequest(request("REGISTER", "", ""));
        edge.heapFrom(() -> 69);
        assertThat(edge.take(null, register, 0)).as("below the mark: taken").isNotNull();
        edge.heapFrom(() -> 80);
        assertThat(edge.take(null, register, 0))
                .as("at the second mark all new work is refused (statelessly; no provider here to send it)")
                .isNull();
        assertThat(metrics.scrape()).contains("switchboard_sip_shed_total{reason=\"register-heap\",} 1.0");
    }
}

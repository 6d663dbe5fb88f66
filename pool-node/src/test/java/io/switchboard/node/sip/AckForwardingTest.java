package io.switchboard.node.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.metrics.NodeMetrics;
import io.switchboard.node.routing.RequestAction;
import io.switchboard.registrar.sip.Gruus;
import javax.sip.message.Request;
import org.junit.jupiter.api.Test;

/**
 * The ACKs that lead nowhere: dropped without a word and counted by reason. (The ACKs forwarded to
 * a GRUU's instance are covered end to end by {@code GruuUdpTest}.)
 */
class AckForwardingTest {

    final NodeMetrics metrics = new NodeMetrics();
    // no proxy: none of these ACKs is forwarded
    final AckForwarding acks = new AckForwarding(null, new Gruus(SipFrontEndTest.SECRET), metrics);

    Request ack(String requestUri) throws Exception {
        return SipFrontEndTest.parse(
                "ACK " + requestUri, "<sip:alice@example.test>", "<sip:bob@example.test>;tag=abc", "");
    }

    @Test
    void a_gr_without_a_value_that_is_no_temporary_gruu_of_ours_names_nobody() throws Exception {
        acks.toGruu(
                ack("sip:made-up@example.test;gr"),
                new RequestAction.AckToGruu("made-up", "sip:made-up@example.test", null));
        // shaped like a temporary GRUU, but not sealed with our key
        String forged = "tgruu.bm90IG91cnMgYXQgYWxsLCBzb3JyeSwgYnV0IGxvbmcgZW5vdWdoIHRvIGJlIGNoZWNrZWQ";
        acks.toGruu(
                ack("sip:" + forged + "@example.test;gr"),
                new RequestAction.AckToGruu(forged, "sip:" + forged + "@example.test", ""));
        assertThat(metrics.scrape()).contains("switchboard_proxy_acks_dropped_total{reason=\"unknown-gruu\",} 2.0");
    }

    @Test
    void a_dropped_ack_is_counted_by_its_reason() throws Exception {
        acks.dropped(ack("sip:bob@192.0.2.20"), "no-route");
        acks.dropped(ack("sip:bob@192.0.2.20"), "no-route");
        assertThat(metrics.scrape()).contains("switchboard_proxy_acks_dropped_total{reason=\"no-route\",} 2.0");
    }
}

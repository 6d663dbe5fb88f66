package io.switchboard.sip.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.sip.flow.FlowTokens;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import javax.sip.SipFactory;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import org.junit.jupiter.api.Test;

/** Our signed Record-Route as JAIN-SIP writes and reads it: made on one node, checked on another. */
class ProxyIdentityTest {

    static final byte[] SECRET = "0123456789abcdef-pool-secret".getBytes(StandardCharsets.UTF_8);

    static ProxyIdentity node(String id, String address, byte[] secret) {
        return new ProxyIdentity(
                id,
                address,
                Map.of("udp", 5060, "tcp", 5060),
                Set.of("example.test"),
                new FlowTokens(secret),
                new RecordRouteSigner(secret));
    }

    final ProxyIdentity node1 = node("node-1", "192.0.2.10", SECRET);
    final ProxyIdentity node2 = node("node-2", "192.0.2.11", SECRET);

    static Request request(String method, String uri, String fromTag, String toTag) throws Exception {
        MessageFactory f = SipFactory.getInstance().createMessageFactory();
        return f.createRequest(method + " " + uri + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:alice@example.test>;tag=" + fromTag + "\r\n"
                + "To: <sip:bob@example.test>" + (toTag == null ? "" : ";tag=" + toTag) + "\r\n"
                + "Call-ID: Mixed-Case-Call-ID@192.0.2.1\r\n"
                + "CSeq: 1 " + method + "\r\n"
                + "Content-Length: 0\r\n\r\n");
    }

    static SipURI parsed(String uri) throws Exception {
        AddressFactory a = SipFactory.getInstance().createAddressFactory();
        return (SipURI) a.createAddress("<" + uri + ">").getURI();
    }

    @Test
    void a_record_route_is_ours_and_signed_for_its_dialog_in_both_directions() throws Exception {
        Request invite = request("INVITE", "sip:bob@example.test", "CallerTag", null);
        String rr = node1.recordRouteUri("udp", "", node1.dialogSignature(invite));
        assertThat(rr).startsWith("sip:192.0.2.10:5060;transport=udp;lr;sbsig=");
        SipURI route = parsed(rr);
        assertThat(node1.isOurs(route)).isTrue();

        assertThat(node1.isSignedForDialog(route, request("BYE", "sip:bob@192.0.2.20", "CallerTag", "CalleeTag")))
                .as("the caller's BYE")
                .isTrue();
        assertThat(node1.isSignedForDialog(route, request("BYE", "sip:alice@192.0.2.1", "CalleeTag", "CallerTag")))
                .as("the callee's BYE")
                .isTrue();
        assertThat(node2.isSignedForDialog(route, request("ACK", "sip:bob@192.0.2.20", "CallerTag", "CalleeTag")))
                .as("another node of the pool (after a failover)")
                .isTrue();
    }

    @Test
    void another_dialog_a_forged_or_a_missing_signature_is_not_signed() throws Exception {
        Request invite = request("INVITE", "sip:bob@example.test", "CallerTag", null);
        String signature = node1.dialogSignature(invite);
        Request otherDialog = request("MESSAGE", "sip:victim@203.0.113.9", "attacker", "x");
        assertThat(node1.isSignedForDialog(parsed(node1.recordRouteUri("udp", "", signature)), otherDialog))
                .isFalse();
        Request sameDialog = request("BYE", "sip:bob@192.0.2.20", "CallerTag", "CalleeTag");
        assertThat(node1.isSignedForDialog(parsed("sip:192.0.2.10:5060;lr"), sameDialog))
                .as("no signature")
                .isFalse();
        assertThat(node1.isSignedForDialog(
                        parsed("sip:192.0.2.10:5060;lr;sbsig=" + signature.toLowerCase()), sameDialog))
                .as("signatures are case-sensitive")
                .isFalse();
        ProxyIdentity otherPool = node("node-1", "192.0.2.10", "another-pool-secret-0123".getBytes());
        assertThat(node1.isSignedForDialog(
                        parsed(otherPool.recordRouteUri("udp", "", otherPool.dialogSignature(invite))), sameDialog))
                .as("another secret")
                .isFalse();
    }

    @Test
    void a_flow_token_record_route_keeps_its_user_part() throws Exception {
        Request invite = request("INVITE", "sip:bob@example.test", "CallerTag", null);
        String rr = node1.recordRouteUri("tcp", "TOKEN123", node1.dialogSignature(invite));
        SipURI route = parsed(rr);
        assertThat(route.getUser()).isEqualTo("TOKEN123");
        assertThat(route.getTransportParam()).isEqualTo("tcp");
        assertThat(node1.isSignedForDialog(route, request("BYE", "sip:x@192.0.2.1", "CalleeTag", "CallerTag")))
                .isTrue();
    }

    static ProxyIdentity pooled(String id, String address) {
        return new ProxyIdentity(
                id,
                address,
                Map.of("udp", 5070, "tcp", 5070),
                Set.of("example.test"),
                new FlowTokens(SECRET),
                new RecordRouteSigner(SECRET),
                "Pool.Example.Test");
    }

    @Test
    void with_a_pool_name_our_record_route_and_contact_name_the_pool_and_every_node_takes_it_as_its_own()
            throws Exception {
        ProxyIdentity a = pooled("node-1", "192.0.2.10");
        ProxyIdentity b = pooled("node-2", "192.0.2.11");
        Request invite = request("INVITE", "sip:bob@example.test", "CallerTag", null);
        String rr = a.recordRouteUri("udp", "", a.dialogSignature(invite));
        assertThat(rr).startsWith("sip:pool.example.test;transport=udp;lr;sbsig=");
        SipURI route = parsed(rr);
        assertThat(b.isOurs(route))
                .as("another node: the route's host is the pool")
                .isTrue();
        assertThat(b.isSignedForDialog(route, request("BYE", "sip:bob@192.0.2.20", "CallerTag", "CalleeTag")))
                .isTrue();
        assertThat(a.contactUri("udp")).isEqualTo("sip:pool.example.test;transport=udp");
        assertThat(b.isOurs(parsed(a.contactUri("tcp")))).isTrue();
        assertThat(b.isOurs(parsed("sip:alice@pool.example.test")))
                .as("a user at the pool name is not the node")
                .isFalse();

        // a flow token names a connection of this node only: its Record-Route keeps naming the node
        assertThat(a.recordRouteUri("tcp", "TOKEN123", a.dialogSignature(invite)))
                .startsWith("sip:TOKEN123@192.0.2.10:5070;transport=tcp;lr;");
        // without a pool name: the node's address and port, as before
        assertThat(node1.contactUri("udp")).isEqualTo("sip:192.0.2.10:5060;transport=udp");
        assertThat(node1.isOurs(parsed("sip:pool.example.test;lr"))).isFalse();
    }
}

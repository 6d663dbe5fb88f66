package io.switchboard.presence.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.presence.domain.CustomStates;
import io.switchboard.presence.domain.SubscribeRules;
import io.switchboard.sip.flow.Flow;
import java.lang.reflect.InvocationHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.sip.ServerTransaction;
import javax.sip.SipFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.Test;

/**
 * The presence edge's answers to requests it refuses before any entity is asked: raw request text
 * in, response out, without a SIP stack or a cluster (the entities are absent, so a request that
 * reached them would throw and fail the test).
 */
class PresenceSipEdgeTest {

    static final String LIST = "<?xml version=\"1.0\"?><resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\">"
            + "<list><entry uri=\"sip:bob@example.test\"/></list></resource-lists>";

    final List<Response> sent = new ArrayList<>();
    final PresenceSip edge = edge();

    static PresenceSip edge() {
        try {
            return new PresenceSip(
                    null,
                    new SubscribeRules(SubscribeRules.Limits.DEFAULTS),
                    CustomStates.NONE,
                    null,
                    Set.of("example.test"),
                    SipFactory.getInstance().createMessageFactory(),
                    SipFactory.getInstance().createHeaderFactory(),
                    r -> new Flow("udp", "192.0.2.1", 5060, "", ""));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Request request(String method, String requestUri, String to, String extra, String body) throws Exception {
        return SipFactory.getInstance()
                .createMessageFactory()
                .createRequest(method + " " + requestUri + " SIP/2.0\r\n"
                        + "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n"
                        + "Max-Forwards: 70\r\n"
                        + "To: " + to + "\r\n"
                        + "Call-ID: 843817637684230@998sdasdh09\r\n"
                        + "CSeq: 1 " + method + "\r\n"
                        + extra
                        + "Content-Length: " + body.length() + "\r\n\r\n" + body);
    }

    static Request subscribe(String extra, String body) throws Exception {
        return request(
                "SUBSCRIBE",
                "sip:bob@example.test",
                "<sip:bob@example.test>",
                "From: <sip:alice@example.test>;tag=1\r\nEvent: presence\r\n" + extra,
                body);
    }

    /**
     * One Via: the PUBLISH came from the phone itself, whose flow names it; more: through a proxy
     * (a branch node), whose flow every phone behind it shares, marked relayed so that one phone's
     * initial PUBLISH never replaces another's (PublishRules).
     */
    @Test
    void a_publish_through_a_proxy_names_the_flow_as_relayed() throws Exception {
        String from = "From: <sip:alice@example.test>;tag=1\r\nEvent: presence\r\n";
        Request direct = request("PUBLISH", "sip:alice@example.test", "<sip:alice@example.test>", from, "");
        Request proxied = request(
                "PUBLISH",
                "sip:alice@example.test",
                "<sip:alice@example.test>",
                from + "Via: SIP/2.0/TCP 10.0.0.7:5060;branch=z9hG4bKphone;received=10.0.0.7\r\n",
                "");

        assertThat(edge.endpointOf(direct)).isEqualTo("udp:192.0.2.1:5060");
        assertThat(io.switchboard.presence.domain.EndpointId.parse(edge.endpointOf(direct))
                        .namesOneDevice())
                .isTrue();
        assertThat(edge.endpointOf(proxied)).isEqualTo("udp:192.0.2.1:5060 relayed");
        assertThat(io.switchboard.presence.domain.EndpointId.parse(edge.endpointOf(proxied))
                        .namesOneDevice())
                .isFalse();
    }

    ServerTransaction transaction(Request request) {
        return (ServerTransaction) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {ServerTransaction.class}, (InvocationHandler)
                        (proxy, method, args) -> {
                            if (method.getName().equals("sendResponse")) {
                                sent.add((Response) args[0]);
                            } else if (method.getName().equals("getRequest")) {
                                return request;
                            }
                            return null;
                        });
    }

    Response subscribed(Request request) {
        edge.subscribe(transaction(request), request, "sip:alice@example.test");
        return only();
    }

    Response only() {
        assertThat(sent).as("one final response").hasSize(1);
        return sent.get(0);
    }

    static String header(Response r, String name) {
        return r.getHeader(name) == null ? null : r.getHeader(name).toString().trim();
    }

    @Test
    void too_brief_is_423_with_min_expires() throws Exception {
        Response r = subscribed(subscribe("Contact: <sip:alice@192.0.2.1>\r\nExpires: 30\r\n", ""));
        assertThat(r.getStatusCode()).isEqualTo(423);
        assertThat(header(r, "Min-Expires")).isEqualTo("Min-Expires: 60");
    }

    @Test
    void no_contact_is_400() throws Exception {
        Response r = subscribed(subscribe("", ""));
        assertThat(r.getStatusCode()).isEqualTo(400);
        assertThat(r.getReasonPhrase()).isEqualTo("SUBSCRIBE needs a Contact");
    }

    @Test
    void no_from_tag_is_400() throws Exception {
        Response r = subscribed(request(
                "SUBSCRIBE",
                "sip:bob@example.test",
                "<sip:bob@example.test>",
                "From: <sip:alice@example.test>\r\nEvent: presence\r\nContact: <sip:alice@192.0.2.1>\r\n",
                ""));
        assertThat(r.getStatusCode()).isEqualTo(400);
        assertThat(r.getReasonPhrase()).isEqualTo("From needs a tag");
    }

    @Test
    void accepting_nothing_we_send_is_406_with_accept() throws Exception {
        Response r = subscribed(subscribe("Contact: <sip:alice@192.0.2.1>\r\nAccept: application/xpidf+xml\r\n", ""));
        assertThat(r.getStatusCode()).isEqualTo(406);
        assertThat(header(r, "Accept")).isEqualTo("Accept: application/pidf+xml");
    }

    @Test
    void a_resource_list_without_eventlist_is_421_with_require() throws Exception {
        Response r = subscribed(
                subscribe("Contact: <sip:alice@192.0.2.1>\r\nContent-Type: application/resource-lists+xml\r\n", LIST));
        assertThat(r.getStatusCode()).isEqualTo(421);
        assertThat(header(r, "Require")).isEqualTo("Require: eventlist");
    }

    @Test
    void a_broken_resource_list_is_400() throws Exception {
        Response r = subscribed(subscribe(
                "Contact: <sip:alice@192.0.2.1>\r\nSupported: eventlist\r\n"
                        + "Content-Type: application/resource-lists+xml\r\n",
                "<resource-lists"));
        assertThat(r.getStatusCode()).isEqualTo(400);
    }

    @Test
    void a_refresh_too_brief_is_423() throws Exception {
        Request request = request(
                "SUBSCRIBE",
                "sip:192.0.2.10:5060",
                "<sip:bob@example.test>;tag=x",
                "From: <sip:alice@example.test>;tag=1\r\nEvent: presence\r\nExpires: 10\r\n",
                "");
        edge.refresh(transaction(request), request);
        assertThat(only().getStatusCode()).isEqualTo(423);
    }

    @Test
    void a_refresh_from_a_tel_uri_is_400() throws Exception {
        Request request = request(
                "SUBSCRIBE",
                "sip:192.0.2.10:5060",
                "<sip:bob@example.test>;tag=x",
                "From: <tel:+15551234567>;tag=1\r\nEvent: presence\r\nExpires: 600\r\n",
                "");
        edge.refresh(transaction(request), request);
        assertThat(only().getStatusCode()).isEqualTo(400);
        assertThat(only().getReasonPhrase()).isEqualTo("From must be a sip: URI with a user");
    }

    Response published(String contentType, String body) throws Exception {
        Request request = request(
                "PUBLISH",
                "sip:alice@example.test",
                "<sip:alice@example.test>",
                "From: <sip:alice@example.test>;tag=1\r\nEvent: presence\r\nExpires: 600\r\n"
                        + (contentType == null ? "" : "Content-Type: " + contentType + "\r\n"),
                body);
        edge.publish(transaction(request), request, "sip:alice@example.test");
        return only();
    }

    @Test
    void a_publish_body_that_is_not_pidf_is_415_with_accept() throws Exception {
        Response r = published("text/plain", "open");
        assertThat(r.getStatusCode()).isEqualTo(415);
        assertThat(header(r, "Accept")).isEqualTo("Accept: application/pidf+xml");
    }

    @Test
    void a_publish_body_over_25_kb_is_413() throws Exception {
        Response r = published("application/pidf+xml", "x".repeat(25 * 1024 + 1));
        assertThat(r.getStatusCode()).isEqualTo(413);
    }

    @Test
    void a_broken_pidf_is_400() throws Exception {
        assertThat(published("application/pidf+xml", "<presence").getStatusCode())
                .isEqualTo(400);
    }

    @Test
    void bad_event_is_489_with_allow_events() throws Exception {
        Request request = subscribe("", "");
        edge.badEvent(transaction(request), request);
        assertThat(only().getStatusCode()).isEqualTo(489);
        assertThat(header(only(), "Allow-Events")).isEqualTo("Allow-Events: presence");
    }

    @Test
    void a_source_beyond_its_new_dialog_rate_gets_503_with_retry_after_and_is_counted() throws Exception {
        List<String> refusals = new ArrayList<>();
        // a burst of 2 and one token per 10 s; the requests are too brief (423), so no entity is needed
        PresenceSip limited = new PresenceSip(
                null,
                new SubscribeRules(SubscribeRules.Limits.DEFAULTS),
                CustomStates.NONE,
                null,
                Set.of("example.test"),
                SipFactory.getInstance().createMessageFactory(),
                SipFactory.getInstance().createHeaderFactory(),
                r -> new Flow("udp", "192.0.2.1", 5060, "", ""),
                new io.switchboard.presence.domain.PresenceLimits(10, 10, 0.1, 2),
                refusals::add);
        for (int i = 0; i < 3; i++) {
            Request request = subscribe("Contact: <sip:alice@192.0.2.1>\r\nExpires: 30\r\n", "");
            limited.subscribe(transaction(request), request, "sip:alice@example.test");
        }
        assertThat(sent).extracting(Response::getStatusCode).containsExactly(423, 423, 503);
        assertThat(sent.get(2).getReasonPhrase()).isEqualTo("Too many new subscriptions from this address");
        assertThat(header(sent.get(2), "Retry-After")).isEqualTo("Retry-After: 10");
        assertThat(refusals).containsExactly(io.switchboard.presence.domain.PresenceLimits.NEW_DIALOGS_PER_SOURCE);
    }
}

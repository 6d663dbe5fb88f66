package io.switchboard.node.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.metrics.NodeMetrics;
import io.switchboard.node.routing.RequestAction;
import io.switchboard.node.routing.RequestClassifier;
import io.switchboard.node.routing.RequestFacts;
import io.switchboard.registrar.domain.RegistrarPolicy;
import io.switchboard.registrar.sip.Gruus;
import io.switchboard.registrar.sip.RegisterHandler;
import io.switchboard.registrar.sip.RegisterResponses;
import io.switchboard.sip.auth.AuthThrottle;
import io.switchboard.sip.auth.DigestChallenger;
import io.switchboard.sip.auth.DigestVerifier;
import io.switchboard.sip.auth.NonceService;
import io.switchboard.sip.flow.FlowTokens;
import io.switchboard.sip.trust.Federation;
import java.lang.reflect.InvocationHandler;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import javax.sip.RequestEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipFactory;
import javax.sip.address.SipURI;
import javax.sip.header.HeaderFactory;
import javax.sip.header.WWWAuthenticateHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The front end's own mapping, without a SIP stack: raw request text in, the facts it reads
 * ({@link RequestFactsReader}) and the routing policy's answer out, and for requests answered
 * before any proxy or entity is involved, the response it sends.
 */
class SipFrontEndTest {

    static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final String NODE_ADDRESS = "192.0.2.10";
    /** This node as the proxy's identity sees it: its address and port 5060. */
    static final Predicate<SipURI> THIS_NODE =
            u -> u.getHost().equals(NODE_ADDRESS) && (u.getPort() == 5060 || u.getPort() < 0);

    static final RequestClassifier CLASSIFIER = new RequestClassifier(List.of("example.test"));

    static Request parse(String requestLine, String from, String to, String extra) throws Exception {
        MessageFactory f = SipFactory.getInstance().createMessageFactory();
        String method = requestLine.substring(0, requestLine.indexOf(' '));
        return f.createRequest(requestLine + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n"
                + "Max-Forwards: 70\r\n"
                + "To: " + to + "\r\n"
                + "From: " + from + ";tag=456248\r\n"
                + "Call-ID: 843817637684230@998sdasdh09\r\n"
                + "CSeq: 1 " + method + "\r\n"
                + "Contact: <sip:someone@192.0.2.1:5060>\r\n"
                + extra
                + "Content-Length: 0\r\n\r\n");
    }

    static Arguments row(
            String name, String requestLine, String from, String to, String extra, RequestAction expected) {
        return Arguments.of(name, requestLine, from, to, extra, expected);
    }

    static Stream<Arguments> readAndClassified() {
        String alice = "<sip:alice@example.test>";
        String carol = "<sip:carol@elsewhere.test>";
        String bob = "<sip:bob@example.test>";
        return Stream.of(
                row(
                        "INVITE from our user: 407 first",
                        "INVITE sip:bob@example.test",
                        alice,
                        bob,
                        "",
                        new RequestAction.Authenticate("example.test")),
                row(
                        "hosts are compared in lower case",
                        "INVITE sip:bob@EXAMPLE.test",
                        "<sip:alice@Example.TEST>",
                        bob,
                        "",
                        new RequestAction.Authenticate("example.test")),
                row(
                        "a To tag and a Route left, but no Record-Route of ours: a stranger gets 403",
                        "BYE sip:bob@192.0.2.20:5070",
                        carol,
                        bob + ";tag=abc",
                        "Route: <sip:192.0.2.30;lr>\r\n",
                        new RequestAction.Reply(403, "Not a dialog of this pool")),
                row(
                        "a To tag and a Route left, but no Record-Route of ours: our user authenticates",
                        "BYE sip:bob@192.0.2.20:5070",
                        alice,
                        bob + ";tag=abc",
                        "Route: <sip:192.0.2.30;lr>\r\n",
                        new RequestAction.Authenticate("example.test")),
                row(
                        "in-dialog presence SUBSCRIBE to this node: refresh (Event read in lower case, id ignored)",
                        "SUBSCRIBE sip:192.0.2.10:5060",
                        alice,
                        bob + ";tag=abc",
                        "Event: Presence;id=7\r\n",
                        new RequestAction.PresenceRefresh()),
                row(
                        "presence SUBSCRIBE from another domain: the pool, if federated, watcher from From",
                        "SUBSCRIBE sip:bob@example.test",
                        carol,
                        bob,
                        "Event: presence\r\n",
                        new RequestAction.ForeignPresenceSubscribe("sip:carol@elsewhere.test", "elsewhere.test")),
                row(
                        "dialog-package SUBSCRIBE from another domain: to the endpoints",
                        "SUBSCRIBE sip:bob@example.test",
                        carol,
                        bob,
                        "Event: dialog\r\n",
                        new RequestAction.ToUser("bob", "sip:bob@example.test", false, null, false)),
                row(
                        "unknown package from another domain: 489",
                        "SUBSCRIBE sip:bob@example.test",
                        carol,
                        bob,
                        "Event: winfo\r\n",
                        new RequestAction.BadEvent()),
                row(
                        "GRUU from another domain (RFC 5627)",
                        "INVITE sip:bob@example.test;gr=urn:uuid:f81d4fae",
                        carol,
                        bob,
                        "",
                        new RequestAction.ToUser("bob", "sip:bob@example.test", true, "urn:uuid:f81d4fae", false)),
                row(
                        "other domain to other domain: 403",
                        "MESSAGE sip:dave@far.test",
                        carol,
                        "<sip:dave@far.test>",
                        "",
                        new RequestAction.Reply(403, "Relaying denied")),
                row(
                        "tel: Request-URI: 416",
                        "INVITE tel:+15551234567",
                        alice,
                        "<tel:+15551234567>",
                        "",
                        new RequestAction.Reply(416, "Only sip: and sips: Request-URIs")),
                row(
                        "tel: From: 400",
                        "INVITE sip:bob@example.test",
                        "<tel:+15551234567>",
                        bob,
                        "",
                        new RequestAction.Reply(400, "From must be a sip: or sips: URI")),
                row(
                        "OPTIONS to this node: 200",
                        "OPTIONS sip:192.0.2.10:5060",
                        carol,
                        "<sip:192.0.2.10>",
                        "",
                        new RequestAction.OptionsToNode()),
                row(
                        "INVITE without a user: 404",
                        "INVITE sip:example.test",
                        alice,
                        "<sip:example.test>",
                        "",
                        new RequestAction.Reply(404, "No user in the Request-URI")),
                row(
                        "CANCEL: never challenged",
                        "CANCEL sip:bob@example.test",
                        alice,
                        bob,
                        "",
                        new RequestAction.Cancel()),
                row(
                        "ACK without a Record-Route of ours: dropped, never challenged",
                        "ACK sip:bob@192.0.2.20",
                        alice,
                        bob + ";tag=abc",
                        "",
                        new RequestAction.DropAck("no-route")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("readAndClassified")
    void reads_the_facts_the_policy_decides_on(
            String name, String requestLine, String from, String to, String extra, RequestAction expected)
            throws Exception {
        Request request = parse(requestLine, from, to, extra);
        boolean looseRouted = RequestClassifier.isLooseRouted(request.getMethod());
        assertThat(CLASSIFIER.classify(RequestFactsReader.factsOf(request, false, looseRouted ? THIS_NODE : null)))
                .isEqualTo(expected);
    }

    @Test
    void requests_along_our_signed_record_route_follow_it() throws Exception {
        Request bye = parse(
                "BYE sip:bob@192.0.2.20:5070",
                "<sip:carol@elsewhere.test>",
                "<sip:bob@example.test>;tag=abc",
                "Route: <sip:192.0.2.30;lr>\r\n");
        var facts = RequestFactsReader.factsOf(bye, false, THIS_NODE, RequestFacts.OwnRoute.SIGNED);
        assertThat(facts.ownRoute()).isEqualTo(RequestFacts.OwnRoute.SIGNED);
        assertThat(CLASSIFIER.classify(facts)).isEqualTo(new RequestAction.Onward());
        Request ack = parse("ACK sip:bob@192.0.2.20", "<sip:alice@example.test>", "<sip:bob@example.test>;tag=abc", "");
        assertThat(CLASSIFIER.classify(RequestFactsReader.factsOf(ack, false, THIS_NODE, RequestFacts.OwnRoute.SIGNED)))
                .isEqualTo(new RequestAction.ForwardAck());
    }

    @Test
    void a_gr_parameter_is_read_only_on_a_proxied_request_uri() throws Exception {
        Request request =
                parse("INVITE sip:bob@example.test;gr", "<sip:alice@example.test>", "<sip:bob@example.test;gr=x>", "");
        var facts = RequestFactsReader.factsOf(request, true, THIS_NODE);
        assertThat(facts.requestUri().gruu()).isTrue();
        assertThat(facts.to().gruu()).as("To is no target").isFalse();
        assertThat(facts.intoFlow()).isTrue();
        assertThat(RequestFactsReader.factsOf(request, false, null).requestUri().gruu())
                .isFalse();
    }

    // ---- whole requests answered at the edge: no proxy, no entity ----

    final NodeMetrics metrics = new NodeMetrics();
    final List<Response> sent = new ArrayList<>();
    final SipFrontEnd frontEnd = frontEnd();

    SipFrontEnd frontEnd() {
        try {
            MessageFactory messages = SipFactory.getInstance().createMessageFactory();
            HeaderFactory headers = SipFactory.getInstance().createHeaderFactory();
            NonceService nonces = new NonceService(SECRET);
            RegisterResponses responses =
                    new RegisterResponses(messages, headers, RegistrarPolicy.DEFAULTS, new Gruus(SECRET), 120);
            // no account store: a request without credentials is challenged before any lookup
            RequestAuthenticator authenticator = new RequestAuthenticator(
                    null,
                    new DigestChallenger(nonces),
                    new DigestVerifier(nonces, SECRET),
                    new AuthThrottle(),
                    headers,
                    metrics,
                    Clock.systemUTC());
            SipFrontEnd f = new SipFrontEnd(
                    "node-1",
                    List.of("example.test"),
                    authenticator,
                    new RegisterHandler(null, responses, metrics, Clock.systemUTC()),
                    responses,
                    headers,
                    new FlowTokens(SECRET),
                    metrics,
                    new Gruus(SECRET),
                    Federation.NONE);
            f.attach(null, null, null); // none of these requests reach the proxy or presence
            return f;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    Response send(Request request) {
        ServerTransaction tx = (ServerTransaction) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {ServerTransaction.class}, (InvocationHandler)
                        (proxy, method, args) -> {
                            switch (method.getName()) {
                                case "sendResponse" -> sent.add((Response) args[0]);
                                case "getRequest" -> {
                                    return request;
                                }
                                // a transaction is an object the edge may keep in a set (InFlightTransactions)
                                case "hashCode" -> {
                                    return System.identityHashCode(proxy);
                                }
                                case "equals" -> {
                                    return proxy == args[0];
                                }
                                default -> {}
                            }
                            return null;
                        });
        frontEnd.processRequest(new RequestEvent(this, tx, null, request));
        assertThat(sent).as("one final response").hasSize(1);
        return sent.get(0);
    }

    @Test
    void register_for_another_domain_is_403_and_counted() throws Exception {
        Response r = send(
                parse("REGISTER sip:elsewhere.test", "<sip:carol@elsewhere.test>", "<sip:carol@elsewhere.test>", ""));
        assertThat(r.getStatusCode()).isEqualTo(403);
        assertThat(r.getReasonPhrase()).isEqualTo("Domain not served here");
        assertThat(metrics.scrape()).contains("switchboard_register_requests_total{status=\"403\",} 1.0");
    }

    @Test
    void register_without_a_to_user_is_400_and_counted_as_bad() throws Exception {
        Response r = send(parse("REGISTER sip:example.test", "<sip:alice@example.test>", "<sip:example.test>", ""));
        assertThat(r.getStatusCode()).isEqualTo(400);
        assertThat(r.getReasonPhrase()).isEqualTo("To must be a sip: URI with a user part");
        assertThat(metrics.scrape()).contains("switchboard_sip_bad_requests_total 1.0");
    }

    @Test
    void register_for_our_domain_is_challenged_in_its_realm() throws Exception {
        Response r = send(parse(
                "REGISTER sip:example.test",
                "<sip:alice@example.test>",
                "<sip:alice@example.test>",
                "Expires: 3600\r\n"));
        assertThat(r.getStatusCode()).isEqualTo(401);
        assertThat(((WWWAuthenticateHeader) r.getHeader(WWWAuthenticateHeader.NAME)).getRealm())
                .isEqualTo("example.test");
    }

    @Test
    void malformed_register_is_400_before_any_account_lookup() throws Exception {
        Request request =
                parse("REGISTER sip:example.test", "<sip:alice@example.test>", "<sip:alice@example.test>", "");
        request.setHeader(SipFactory.getInstance()
                .createHeaderFactory()
                .createHeader("Contact", "<sip:alice@192.0.2.1>;expires=soon"));
        Response r = send(request);
        assertThat(r.getStatusCode()).isEqualTo(400);
        assertThat(r.getReasonPhrase()).isEqualTo("Contact expires must be a non-negative number");
    }

    @Test
    void unknown_method_is_501() throws Exception {
        Response r = send(parse("FROB sip:bob@example.test", "<sip:alice@example.test>", "<sip:bob@example.test>", ""));
        assertThat(r.getStatusCode()).isEqualTo(Response.NOT_IMPLEMENTED);
    }
}

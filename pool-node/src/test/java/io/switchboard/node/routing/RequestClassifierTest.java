package io.switchboard.node.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.routing.RequestAction.AckToGruu;
import io.switchboard.node.routing.RequestAction.Authenticate;
import io.switchboard.node.routing.RequestAction.BadEvent;
import io.switchboard.node.routing.RequestAction.Cancel;
import io.switchboard.node.routing.RequestAction.DropAck;
import io.switchboard.node.routing.RequestAction.ForwardAck;
import io.switchboard.node.routing.RequestAction.IntoFlow;
import io.switchboard.node.routing.RequestAction.Onward;
import io.switchboard.node.routing.RequestAction.OptionsToNode;
import io.switchboard.node.routing.RequestAction.PresencePublish;
import io.switchboard.node.routing.RequestAction.PresenceRefresh;
import io.switchboard.node.routing.RequestAction.PresenceSubscribe;
import io.switchboard.node.routing.RequestAction.Register;
import io.switchboard.node.routing.RequestAction.Reply;
import io.switchboard.node.routing.RequestAction.ToOutside;
import io.switchboard.node.routing.RequestAction.ToUser;
import io.switchboard.node.routing.RequestFacts.OwnRoute;
import io.switchboard.node.routing.RequestFacts.Uri;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Request facts in, what the front end does out: one row per branch of the routing policy. */
class RequestClassifierTest {

    static final RequestClassifier CLASSIFIER = new RequestClassifier(List.of("example.test", "other.example"));

    static final Uri ALICE = Uri.of("alice", "example.test");
    static final Uri BOB = Uri.of("bob", "example.test");
    /** Bob's public GRUU (RFC 5627 section 3.1), as a Request-URI after loose routing. */
    static final Uri BOB_GRUU = new Uri("bob", "example.test", false, true, "urn:uuid:f81d4fae");

    static final Uri CAROL_ELSEWHERE = Uri.of("carol", "elsewhere.test");
    static final Uri DAVE_ELSEWHERE = Uri.of("dave", "far.test");
    /** This node by address and port, as a Record-Route or an OPTIONS ping names it. */
    static final Uri NODE = new Uri(null, "192.0.2.10", true, false, null);
    /** One of our domains without a user: a client's outbound proxy setting. */
    static final Uri OUR_DOMAIN = new Uri(null, "example.test", true, false, null);

    /**
     * A request with no event, no Route left, not into a flow and no Route of ours removed; rows
     * change what they test.
     */
    record R(
            String method,
            Uri requestUri,
            Uri to,
            boolean inDialog,
            Uri from,
            String event,
            boolean intoFlow,
            boolean moreRoutes,
            OwnRoute ownRoute) {

        static R of(String method, Uri requestUri, Uri from) {
            return new R(method, requestUri, requestUri, false, from, null, false, false, OwnRoute.NONE);
        }

        R withTo(Uri u) {
            return new R(method, requestUri, u, inDialog, from, event, intoFlow, moreRoutes, ownRoute);
        }

        R withinDialog() {
            return new R(method, requestUri, to, true, from, event, intoFlow, moreRoutes, ownRoute);
        }

        R withEvent(String e) {
            return new R(method, requestUri, to, inDialog, from, e, intoFlow, moreRoutes, ownRoute);
        }

        R steeredIntoFlow() {
            return new R(method, requestUri, to, inDialog, from, event, true, moreRoutes, ownRoute);
        }

        R withRoute() {
            return new R(method, requestUri, to, inDialog, from, event, intoFlow, true, ownRoute);
        }

        /** Loose routing removed our Record-Route, signed by the pool for this request's dialog. */
        R alongOurRecordRoute() {
            return new R(method, requestUri, to, inDialog, from, event, intoFlow, moreRoutes, OwnRoute.SIGNED);
        }

        /** Loose routing removed Routes naming us, none signed for this dialog (forged, or an outbound proxy setting). */
        R alongUnsignedRoute() {
            return new R(method, requestUri, to, inDialog, from, event, intoFlow, moreRoutes, OwnRoute.UNSIGNED);
        }

        RequestFacts facts() {
            return new RequestFacts(method, requestUri, to, inDialog, from, event, intoFlow, moreRoutes, ownRoute);
        }
    }

    static Arguments row(String name, R request, RequestAction expected) {
        return Arguments.of(name, request, expected);
    }

    static Stream<Arguments> firstDecision() {
        return Stream.of(
                // REGISTER (RFC 3261 section 10.3)
                row(
                        "REGISTER for one of our users: the registrar, challenged in the To domain",
                        R.of("REGISTER", OUR_DOMAIN, ALICE).withTo(ALICE),
                        new Register("example.test")),
                row(
                        "REGISTER for our second domain",
                        R.of("REGISTER", new Uri(null, "other.example", false, false, null), ALICE)
                                .withTo(Uri.of("erin", "other.example")),
                        new Register("other.example")),
                row(
                        "REGISTER to another domain: 403",
                        R.of("REGISTER", Uri.of(null, "elsewhere.test"), CAROL_ELSEWHERE)
                                .withTo(CAROL_ELSEWHERE),
                        new Reply(403, "Domain not served here")),
                row(
                        "REGISTER at our registrar for a user of another domain: 403",
                        R.of("REGISTER", OUR_DOMAIN, ALICE).withTo(CAROL_ELSEWHERE),
                        new Reply(403, "Domain not served here")),
                row(
                        "REGISTER with a tel: Request-URI: 403",
                        R.of("REGISTER", null, ALICE).withTo(ALICE),
                        new Reply(403, "Domain not served here")),
                row(
                        "REGISTER with a To that is not sip: 400",
                        R.of("REGISTER", OUR_DOMAIN, ALICE).withTo(null),
                        new Reply(400, "To must be a sip: URI with a user part")),
                row(
                        "REGISTER with a To without a user: 400",
                        R.of("REGISTER", OUR_DOMAIN, ALICE).withTo(Uri.of(null, "example.test")),
                        new Reply(400, "To must be a sip: URI with a user part")),
                row(
                        "REGISTER with an empty To user: 400",
                        R.of("REGISTER", OUR_DOMAIN, ALICE).withTo(Uri.of("", "example.test")),
                        new Reply(400, "To must be a sip: URI with a user part")),

                // methods nobody defined (RFC 3261 section 8.2.1)
                row("unknown method: 501", R.of("FROB", BOB, ALICE), new Reply(501, null)),
                row("methods are case-sensitive: 501", R.of("invite", BOB, ALICE), new Reply(501, null)),

                // never challenged; an ACK for a 2xx follows the route set (RFC 3261 section 13.2.2.4)
                row(
                        "ACK along our signed Record-Route is forwarded, never challenged",
                        R.of("ACK", BOB, ALICE).withinDialog().alongOurRecordRoute(),
                        new ForwardAck()),
                row(
                        "ACK along our signed Record-Route with more Routes left: forwarded",
                        R.of("ACK", CAROL_ELSEWHERE, DAVE_ELSEWHERE)
                                .withinDialog()
                                .alongOurRecordRoute()
                                .withRoute(),
                        new ForwardAck()),
                // RFC 5627 section 5.4: a GRUU of ours as remote target names an instance, not a host
                row(
                        "ACK along our signed Record-Route to our user's public GRUU: to that instance's binding",
                        R.of("ACK", BOB_GRUU, ALICE).withinDialog().alongOurRecordRoute(),
                        new AckToGruu("bob", "sip:bob@example.test", "urn:uuid:f81d4fae")),
                row(
                        "ACK along our signed Record-Route to a temporary GRUU (gr without a value)",
                        R.of("ACK", new Uri("tgruu.x", "example.test", false, true, ""), ALICE)
                                .withinDialog()
                                .alongOurRecordRoute(),
                        new AckToGruu("tgruu.x", "sip:tgruu.x@example.test", "")),
                row(
                        "ACK to our GRUU steered into one of our flows: the flow carries it",
                        R.of("ACK", BOB_GRUU, ALICE)
                                .withinDialog()
                                .alongOurRecordRoute()
                                .steeredIntoFlow(),
                        new ForwardAck()),
                row(
                        "ACK to our GRUU with more Routes left: the Route set carries it",
                        R.of("ACK", BOB_GRUU, ALICE)
                                .withinDialog()
                                .alongOurRecordRoute()
                                .withRoute(),
                        new ForwardAck()),
                row(
                        "ACK to another domain's GRUU along our Record-Route: forwarded by its Request-URI",
                        R.of("ACK", new Uri("carol", "elsewhere.test", false, true, "urn:uuid:1"), ALICE)
                                .withinDialog()
                                .alongOurRecordRoute(),
                        new ForwardAck()),
                row(
                        "ACK to our GRUU without our signed Record-Route: dropped all the same",
                        R.of("ACK", BOB_GRUU, CAROL_ELSEWHERE).withinDialog().alongUnsignedRoute(),
                        new DropAck("unsigned-route")),
                row(
                        "ACK to our GRUU without a To tag: dropped all the same",
                        R.of("ACK", BOB_GRUU, ALICE).alongOurRecordRoute(),
                        new DropAck("no-to-tag")),
                row("ACK without a To tag: dropped", R.of("ACK", BOB, ALICE), new DropAck("no-to-tag")),
                row(
                        "ACK without a To tag, even along our Record-Route: dropped",
                        R.of("ACK", BOB, ALICE).alongOurRecordRoute(),
                        new DropAck("no-to-tag")),
                row(
                        "ACK with a To tag but no Route of ours: dropped",
                        R.of("ACK", CAROL_ELSEWHERE, ALICE).withinDialog(),
                        new DropAck("no-route")),
                row(
                        "ACK with a To tag and a Route left that is not ours: dropped",
                        R.of("ACK", CAROL_ELSEWHERE, ALICE).withinDialog().withRoute(),
                        new DropAck("no-route")),
                row(
                        "ACK along a Route naming us without a valid signature: dropped",
                        R.of("ACK", CAROL_ELSEWHERE, ALICE).withinDialog().alongUnsignedRoute(),
                        new DropAck("unsigned-route")),
                row(
                        "ACK to this node without any Route: dropped",
                        R.of("ACK", NODE, ALICE).withinDialog(),
                        new DropAck("no-route")),
                row(
                        "CANCEL goes to the proxy, never challenged (RFC 3261 section 22.1)",
                        R.of("CANCEL", BOB, ALICE),
                        new Cancel()),
                row(
                        "into one of our flows (RFC 5626 section 5.3)",
                        R.of("INVITE", BOB, ALICE).steeredIntoFlow(),
                        new IntoFlow()),
                row(
                        "into a flow wins over an in-dialog presence refresh",
                        R.of("SUBSCRIBE", BOB, ALICE)
                                .withinDialog()
                                .withEvent("presence")
                                .steeredIntoFlow(),
                        new IntoFlow()),

                // Request-URI scheme
                row(
                        "tel: Request-URI: 416",
                        R.of("INVITE", null, ALICE),
                        new Reply(416, "Only sip: and sips: Request-URIs")),

                // in-dialog, along our signed Record-Route (RFC 3261 section 16.12)
                row(
                        "in-dialog BYE with a Route left: onward, unchallenged",
                        R.of("BYE", BOB, ALICE)
                                .withinDialog()
                                .alongOurRecordRoute()
                                .withRoute(),
                        new Onward()),
                row(
                        "in-dialog BYE to a contact elsewhere: onward",
                        R.of("BYE", CAROL_ELSEWHERE, ALICE).withinDialog().alongOurRecordRoute(),
                        new Onward()),
                row(
                        "in-dialog BYE between two other domains (call forwarded out): onward",
                        R.of("BYE", DAVE_ELSEWHERE, CAROL_ELSEWHERE)
                                .withinDialog()
                                .alongOurRecordRoute(),
                        new Onward()),
                row(
                        "in-dialog request along our Record-Route that ends at this node: 404 unless OPTIONS",
                        R.of("INFO", NODE, CAROL_ELSEWHERE).withinDialog().alongOurRecordRoute(),
                        new Reply(404, "No user in the Request-URI")),
                row(
                        "in-dialog request along our Record-Route to our AOR: decided as an initial request",
                        R.of("MESSAGE", BOB, CAROL_ELSEWHERE).withinDialog().alongOurRecordRoute(),
                        new ToUser("bob", "sip:bob@example.test", false, null, false)),

                // in-dialog without our signed Record-Route: a To tag earns nothing (no open relay)
                row(
                        "stranger's in-dialog MESSAGE to another domain, no Route: 403",
                        R.of("MESSAGE", DAVE_ELSEWHERE, CAROL_ELSEWHERE).withinDialog(),
                        new Reply(403, "Not a dialog of this pool")),
                row(
                        "stranger's in-dialog request with a Route left that is not ours: 403",
                        R.of("BYE", DAVE_ELSEWHERE, CAROL_ELSEWHERE)
                                .withinDialog()
                                .withRoute(),
                        new Reply(403, "Not a dialog of this pool")),
                row(
                        "stranger's in-dialog request along a Route naming us without a valid signature: 403",
                        R.of("MESSAGE", DAVE_ELSEWHERE, CAROL_ELSEWHERE)
                                .withinDialog()
                                .alongUnsignedRoute(),
                        new Reply(403, "Not a dialog of this pool")),
                row(
                        "stranger's in-dialog request to our user behind an unsigned Route left: 403",
                        R.of("INFO", BOB, CAROL_ELSEWHERE)
                                .withinDialog()
                                .alongUnsignedRoute()
                                .withRoute(),
                        new Reply(403, "Not a dialog of this pool")),
                row(
                        "stranger's in-dialog request to our user's GRUU, no Route: the user, as an initial request",
                        R.of("BYE", new Uri("bob", "example.test", false, true, "urn:uuid:1"), CAROL_ELSEWHERE)
                                .withinDialog(),
                        new ToUser("bob", "sip:bob@example.test", true, "urn:uuid:1", false)),
                row(
                        "in-dialog request with a From of ours to another domain, no signed Route: authenticate",
                        R.of("MESSAGE", DAVE_ELSEWHERE, ALICE).withinDialog(),
                        new Authenticate("example.test")),
                row(
                        "in-dialog request with a From of ours along an unsigned Route of ours: authenticate",
                        R.of("BYE", CAROL_ELSEWHERE, ALICE)
                                .withinDialog()
                                .alongUnsignedRoute()
                                .withRoute(),
                        new Authenticate("example.test")),
                row(
                        "in-dialog request that ends at this node: 404 unless OPTIONS",
                        R.of("INFO", NODE, ALICE).withinDialog(),
                        new Reply(404, "No user in the Request-URI")),
                row(
                        "in-dialog OPTIONS to this node: 200",
                        R.of("OPTIONS", NODE, ALICE).withinDialog(),
                        new OptionsToNode()),
                row(
                        "in-dialog request to one of our AORs without a Route: decided as an initial request",
                        R.of("BYE", BOB, ALICE).withinDialog(),
                        new Authenticate("example.test")),

                // presence refresh and unsubscribe (RFC 6665 section 4.1.2.2)
                row(
                        "in-dialog presence SUBSCRIBE to this node: refresh",
                        R.of("SUBSCRIBE", NODE, ALICE).withinDialog().withEvent("presence"),
                        new PresenceRefresh()),
                row(
                        "in-dialog presence SUBSCRIBE to our user: refresh",
                        R.of("SUBSCRIBE", BOB, ALICE).withinDialog().withEvent("presence"),
                        new PresenceRefresh()),
                row(
                        "in-dialog presence SUBSCRIBE to this node from a stranger: refresh",
                        R.of("SUBSCRIBE", NODE, CAROL_ELSEWHERE).withinDialog().withEvent("presence"),
                        new PresenceRefresh()),
                row(
                        "in-dialog presence SUBSCRIBE with a Route left: onward",
                        R.of("SUBSCRIBE", BOB, ALICE)
                                .withinDialog()
                                .withEvent("presence")
                                .alongOurRecordRoute()
                                .withRoute(),
                        new Onward()),
                row(
                        "in-dialog presence SUBSCRIBE to another domain: onward",
                        R.of("SUBSCRIBE", CAROL_ELSEWHERE, ALICE)
                                .withinDialog()
                                .withEvent("presence")
                                .alongOurRecordRoute(),
                        new Onward()),
                row(
                        "stranger's in-dialog presence SUBSCRIBE to another domain without our Route: 403",
                        R.of("SUBSCRIBE", DAVE_ELSEWHERE, CAROL_ELSEWHERE)
                                .withinDialog()
                                .withEvent("presence"),
                        new Reply(403, "Not a dialog of this pool")),
                row(
                        "in-dialog dialog-package SUBSCRIBE to this node: for the node (404)",
                        R.of("SUBSCRIBE", NODE, ALICE).withinDialog().withEvent("dialog"),
                        new Reply(404, "No user in the Request-URI")),

                // addressed to the node itself
                row("OPTIONS to this node: 200", R.of("OPTIONS", NODE, ALICE), new OptionsToNode()),
                row(
                        "OPTIONS to our domain without a user: 200",
                        R.of("OPTIONS", OUR_DOMAIN, CAROL_ELSEWHERE),
                        new OptionsToNode()),
                row(
                        "INVITE without a user part: 404",
                        R.of("INVITE", Uri.of(null, "elsewhere.test"), ALICE),
                        new Reply(404, "No user in the Request-URI")),
                row(
                        "INVITE to this node: 404",
                        R.of("INVITE", NODE, ALICE),
                        new Reply(404, "No user in the Request-URI")),
                row(
                        "INVITE without a user but with a Route left: goes on to be checked",
                        R.of("INVITE", Uri.of(null, "elsewhere.test"), ALICE).withRoute(),
                        new Authenticate("example.test")),

                // From
                row("From not sip: 400", R.of("INVITE", BOB, null), new Reply(400, "From must be a sip: or sips: URI")),
                row(
                        "From without a user: 400",
                        R.of("INVITE", BOB, Uri.of(null, "example.test")),
                        new Reply(400, "From must be a sip: or sips: URI")),

                // our domain: 407 (RFC 3261 section 22.3)
                row(
                        "INVITE from our domain to our user: authenticate",
                        R.of("INVITE", BOB, ALICE),
                        new Authenticate("example.test")),
                row(
                        "INVITE from our domain to another domain: authenticate",
                        R.of("INVITE", CAROL_ELSEWHERE, ALICE),
                        new Authenticate("example.test")),
                row(
                        "from our second domain: challenged in it",
                        R.of("MESSAGE", BOB, Uri.of("erin", "other.example")),
                        new Authenticate("other.example")),
                row(
                        "preloaded Route from our domain: authenticate",
                        R.of("INVITE", CAROL_ELSEWHERE, ALICE).withRoute(),
                        new Authenticate("example.test")),
                row(
                        "presence SUBSCRIBE from our domain: authenticate",
                        R.of("SUBSCRIBE", BOB, ALICE).withEvent("presence"),
                        new Authenticate("example.test")),

                // another domain: no challenge, no relaying
                row(
                        "other domain to other domain: 403",
                        R.of("INVITE", DAVE_ELSEWHERE, CAROL_ELSEWHERE),
                        new Reply(403, "Relaying denied")),
                row(
                        "other domain to our user with a Route left: 403",
                        R.of("INVITE", BOB, CAROL_ELSEWHERE).withRoute(),
                        new Reply(403, "Relaying denied")),
                row(
                        "other domain to our domain without a user behind a Route: 403",
                        R.of("INVITE", Uri.of(null, "example.test"), CAROL_ELSEWHERE)
                                .withRoute(),
                        new Reply(403, "Relaying denied")),
                row(
                        "other domain to our user: to the user's bindings, no challenge",
                        R.of("INVITE", BOB, CAROL_ELSEWHERE),
                        new ToUser("bob", "sip:bob@example.test", false, null, false)),
                row(
                        "other domain to our user by GRUU (RFC 5627)",
                        R.of("INVITE", new Uri("bob", "example.test", false, true, "urn:uuid:1"), CAROL_ELSEWHERE),
                        new ToUser("bob", "sip:bob@example.test", true, "urn:uuid:1", false)),
                row(
                        "other domain presence SUBSCRIBE to our user: the pool, if that domain is federated",
                        R.of("SUBSCRIBE", BOB, CAROL_ELSEWHERE).withEvent("presence"),
                        new RequestAction.ForeignPresenceSubscribe("sip:carol@elsewhere.test", "elsewhere.test")),
                row(
                        "other domain PUBLISH for our user: 403 (only the presentity publishes)",
                        R.of("PUBLISH", BOB, CAROL_ELSEWHERE).withEvent("presence"),
                        new Reply(403, "Only the user may publish their own presence")),
                row(
                        "other domain SUBSCRIBE for an unknown package: 489",
                        R.of("SUBSCRIBE", BOB, CAROL_ELSEWHERE).withEvent("winfo"),
                        new BadEvent()),
                row(
                        "other domain dialog-package SUBSCRIBE: to the endpoints",
                        R.of("SUBSCRIBE", BOB, CAROL_ELSEWHERE).withEvent("dialog"),
                        new ToUser("bob", "sip:bob@example.test", false, null, false)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("firstDecision")
    void classifies(String name, R request, RequestAction expected) {
        assertThat(CLASSIFIER.classify(request.facts())).isEqualTo(expected);
    }

    static Stream<Arguments> afterAuthentication() {
        return Stream.of(
                row(
                        "From is not the authenticated user: 403",
                        R.of("INVITE", BOB, ALICE).withEvent(null),
                        new Reply(403, "From does not match the authenticated user")),
                row(
                        "INVITE to our user: the user's bindings",
                        R.of("INVITE", BOB, ALICE),
                        new ToUser("bob", "sip:bob@example.test", false, null, true)),
                row(
                        "INVITE to a GRUU without a value (a temporary GRUU)",
                        R.of("INVITE", new Uri("bob", "example.test", false, true, ""), ALICE),
                        new ToUser("bob", "sip:bob@example.test", true, "", true)),
                row(
                        "INVITE to another domain: the outbound proxy",
                        R.of("INVITE", CAROL_ELSEWHERE, ALICE),
                        new ToOutside()),
                row(
                        "INVITE with a Route left: onward",
                        R.of("INVITE", CAROL_ELSEWHERE, ALICE).withRoute(),
                        new Onward()),
                row(
                        "in-dialog request without our signed Route, with a Route left: onward (preloaded)",
                        R.of("BYE", CAROL_ELSEWHERE, ALICE).withinDialog().withRoute(),
                        new Onward()),
                row(
                        "in-dialog request without our signed Route to another domain: the outbound proxy",
                        R.of("MESSAGE", CAROL_ELSEWHERE, ALICE).withinDialog(),
                        new ToOutside()),
                row(
                        "presence SUBSCRIBE with a Route left: onward, not the pool",
                        R.of("SUBSCRIBE", BOB, ALICE).withEvent("presence").withRoute(),
                        new Onward()),
                row(
                        "presence SUBSCRIBE to our user: the pool, watcher is the authenticated user",
                        R.of("SUBSCRIBE", BOB, ALICE).withEvent("presence"),
                        new PresenceSubscribe("sip:alice@example.test")),
                row(
                        "presence SUBSCRIBE to oneself (a contact list, RFC 4662)",
                        R.of("SUBSCRIBE", ALICE, ALICE).withEvent("presence"),
                        new PresenceSubscribe("sip:alice@example.test")),
                row(
                        "presence SUBSCRIBE to another domain: the outbound proxy",
                        R.of("SUBSCRIBE", CAROL_ELSEWHERE, ALICE).withEvent("presence"),
                        new ToOutside()),
                row(
                        "PUBLISH by the presentity itself (RFC 3903 section 6)",
                        R.of("PUBLISH", ALICE, ALICE).withEvent("presence"),
                        new PresencePublish("sip:alice@example.test")),
                row(
                        "PUBLISH for someone else: 403",
                        R.of("PUBLISH", BOB, ALICE).withEvent("presence"),
                        new Reply(403, "Only the user may publish their own presence")),
                row(
                        "PUBLISH of another package: 489",
                        R.of("PUBLISH", ALICE, ALICE).withEvent("dialog"),
                        new BadEvent()),
                row(
                        "SUBSCRIBE without an Event header: 489 (presence is not the default)",
                        R.of("SUBSCRIBE", BOB, ALICE),
                        new BadEvent()),
                row(
                        "SUBSCRIBE to an unknown package: 489",
                        R.of("SUBSCRIBE", BOB, ALICE).withEvent("winfo"),
                        new BadEvent()),
                row(
                        "MESSAGE to our user: the user's bindings",
                        R.of("MESSAGE", BOB, ALICE),
                        new ToUser("bob", "sip:bob@example.test", false, null, true)),
                row("NOTIFY to another domain: out", R.of("NOTIFY", CAROL_ELSEWHERE, ALICE), new ToOutside()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("afterAuthentication")
    void decides_after_authentication(String name, R request, RequestAction expected) {
        String aor = name.startsWith("From is not") ? "sip:bob@example.test" : "sip:alice@example.test";
        assertThat(CLASSIFIER.authenticated(request.facts(), aor)).isEqualTo(expected);
    }

    /** Packages the user's endpoints serve: the pool forwards the SUBSCRIBE instead of answering it. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "dialog",
                "message-summary",
                "conference",
                "kpml",
                "ua-profile",
                "refer",
                "as-feature-event",
                "line-seize",
                "call-info",
                "hold",
                "talk"
            })
    void endpoint_packages_go_to_the_endpoints(String event) {
        assertThat(CLASSIFIER.authenticated(
                        R.of("SUBSCRIBE", BOB, ALICE).withEvent(event).facts(), "sip:alice@example.test"))
                .isEqualTo(new ToUser("bob", "sip:bob@example.test", false, null, true));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "INVITE",
                "ACK",
                "BYE",
                "OPTIONS",
                "PRACK",
                "SUBSCRIBE",
                "NOTIFY",
                "PUBLISH",
                "INFO",
                "REFER",
                "MESSAGE",
                "UPDATE"
            })
    void proxied_methods_are_loose_routed(String method) {
        assertThat(RequestClassifier.isLooseRouted(method)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"REGISTER", "CANCEL", "FROB"})
    void register_cancel_and_unknown_methods_are_not(String method) {
        assertThat(RequestClassifier.isLooseRouted(method)).isFalse();
    }

    @Test
    void a_gruu_parameter_is_ignored_when_the_target_is_not_ours() {
        assertThat(CLASSIFIER.authenticated(
                        R.of("INVITE", new Uri("carol", "elsewhere.test", false, true, "x"), ALICE)
                                .facts(),
                        "sip:alice@example.test"))
                .isEqualTo(new ToOutside());
    }
    /**
     * Issue 10, "No user enumeration": the proxy answers a stranger the same for a non-existent
     * user as for an unreachable one, so what reaches it must say whether the requester
     * authenticated. Every method a stranger may send to one of our users, both ways.
     */
    @ParameterizedTest
    @ValueSource(strings = {"INVITE", "OPTIONS", "MESSAGE", "SUBSCRIBE dialog", "SUBSCRIBE message-summary", "INFO"})
    void only_an_authenticated_requester_may_learn_that_a_user_does_not_exist(String what) {
        String[] parts = what.split(" ");
        R request = R.of(parts[0], BOB, CAROL_ELSEWHERE).withEvent(parts.length > 1 ? parts[1] : null);
        assertThat(CLASSIFIER.classify(request.facts()))
                .as("from another domain, unauthenticated")
                .isEqualTo(new ToUser("bob", "sip:bob@example.test", false, null, false));
        R ours = R.of(parts[0], BOB, ALICE).withEvent(parts.length > 1 ? parts[1] : null);
        assertThat(CLASSIFIER.classify(ours.facts())).isEqualTo(new Authenticate("example.test"));
        assertThat(CLASSIFIER.authenticated(ours.facts(), "sip:alice@example.test"))
                .as("after authentication as one of our users")
                .isEqualTo(new ToUser("bob", "sip:bob@example.test", false, null, true));
    }

    /** A branch node (README, "Sites and branches"): presence is the pool's, for its own users too. */
    static final RequestClassifier BRANCH = new RequestClassifier(List.of("example.test"), true);

    static Stream<Arguments> atABranch() {
        return Stream.of(
                row(
                        "presence SUBSCRIBE to a user of our domains (a pool user or one of the branch's): to the pool",
                        R.of("SUBSCRIBE", BOB, ALICE).withEvent("presence"),
                        new RequestAction.ToPool()),
                row(
                        "presence SUBSCRIBE to oneself (a contact list, RFC 4662): to the pool",
                        R.of("SUBSCRIBE", ALICE, ALICE).withEvent("presence"),
                        new RequestAction.ToPool()),
                row(
                        "PUBLISH by the presentity: to the pool, the state compositor",
                        R.of("PUBLISH", ALICE, ALICE).withEvent("presence"),
                        new RequestAction.ToPool()),
                row(
                        "SUBSCRIBE to a package the branch does not know: the pool decides",
                        R.of("SUBSCRIBE", BOB, ALICE).withEvent("presence.winfo"),
                        new RequestAction.ToPool()),
                row(
                        "a dialog SUBSCRIBE (a busy lamp) still goes to the user or, unknown here, on to the pool",
                        R.of("SUBSCRIBE", BOB, ALICE).withEvent("dialog"),
                        new ToUser("bob", "sip:bob@example.test", false, null, true)),
                row(
                        "presence SUBSCRIBE to another domain: the outbound proxy (the pool) as before",
                        R.of("SUBSCRIBE", CAROL_ELSEWHERE, ALICE).withEvent("presence"),
                        new ToOutside()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("atABranch")
    void a_branch_sends_presence_to_the_pool(String name, R request, RequestAction expected) {
        assertThat(BRANCH.classify(request.facts())).isEqualTo(new Authenticate("example.test"));
        assertThat(BRANCH.authenticated(request.facts(), "sip:alice@example.test"))
                .isEqualTo(expected);
    }

    @Test
    void a_branch_neither_serves_presence_refreshes_nor_relays_presence_for_strangers() {
        // an in-dialog presence SUBSCRIBE to a user is no subscription of the branch's: judged like an initial one
        assertThat(BRANCH.classify(R.of("SUBSCRIBE", BOB, ALICE)
                        .withEvent("presence")
                        .withinDialog()
                        .facts()))
                .isEqualTo(new Authenticate("example.test"));
        // another domain's watcher: the pool serves federated watchers itself; a branch relays for its own users only
        assertThat(BRANCH.classify(R.of("SUBSCRIBE", BOB, CAROL_ELSEWHERE)
                        .withEvent("presence")
                        .facts()))
                .isEqualTo(new Reply(403, "Presence is served by the pool, not by a branch node"));
    }
}

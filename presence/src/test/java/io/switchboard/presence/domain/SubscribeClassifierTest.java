package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.presence.domain.SubscribeDecision.Kind;
import io.switchboard.presence.domain.SubscribeDecision.Refresh;
import io.switchboard.presence.domain.SubscribeDecision.Subscribe;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A SUBSCRIBE's facts in, the edge's refusal or the kind of subscription out (RFC 6665 sections
 * 4.1, 4.2.1, 4.4.3; RFC 4662 section 5; RFC 3856).
 */
class SubscribeClassifierTest {

    static final SubscribeClassifier CLASSIFIER =
            new SubscribeClassifier(new SubscribeRules(new SubscribeRules.Limits(60, 3600, 7200, 2)));
    static final String BOB = "sip:bob@example.test";
    static final String ALICE = "sip:alice@example.test";
    static final String LIST = "<?xml version=\"1.0\"?><resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\">"
            + "<list><entry uri=\"sip:bob@example.test\"/><entry uri=\"sip:carol@example.test\"/></list></resource-lists>";
    static final String TOO_LONG =
            "<?xml version=\"1.0\"?><resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\">"
                    + "<list><entry uri=\"sip:a@example.test\"/><entry uri=\"sip:b@example.test\"/>"
                    + "<entry uri=\"sip:c@example.test\"/></list></resource-lists>";

    /** Alice subscribes to Bob for an hour, with Contact, From tag, no Accept, no eventlist, no body. */
    record S(
            String resource,
            long expires,
            boolean contact,
            boolean fromTag,
            List<String> accept,
            boolean eventlist,
            String bodyType,
            String body) {

        static S toBob() {
            return new S(BOB, 3600, true, true, List.of(), false, null, null);
        }

        S resource(String r) {
            return new S(r, expires, contact, fromTag, accept, eventlist, bodyType, body);
        }

        S expires(long e) {
            return new S(resource, e, contact, fromTag, accept, eventlist, bodyType, body);
        }

        S noContact() {
            return new S(resource, expires, false, fromTag, accept, eventlist, bodyType, body);
        }

        S noFromTag() {
            return new S(resource, expires, contact, false, accept, eventlist, bodyType, body);
        }

        S accept(String... types) {
            return new S(resource, expires, contact, fromTag, List.of(types), eventlist, bodyType, body);
        }

        S withEventlist() {
            return new S(resource, expires, contact, fromTag, accept, true, bodyType, body);
        }

        S body(String type, String text) {
            return new S(resource, expires, contact, fromTag, accept, eventlist, type, text);
        }

        SubscribeRequest request() {
            return new SubscribeRequest(
                    resource,
                    ALICE,
                    expires,
                    contact,
                    fromTag,
                    accept,
                    eventlist,
                    bodyType,
                    body == null ? null : body.getBytes(StandardCharsets.UTF_8));
        }
    }

    static Arguments row(String name, S s, SubscribeDecision expected) {
        return Arguments.of(name, s, expected);
    }

    static Subscribe plain(long expires) {
        return new Subscribe(Kind.PLAIN, expires, List.of(BOB), null);
    }

    static Stream<Arguments> initial() {
        EdgeRefusal notAcceptable = new EdgeRefusal(
                406, "Presence is sent as application/pidf+xml", Map.of("Accept", "application/pidf+xml"));
        EdgeRefusal extensionRequired = new EdgeRefusal(421, "Extension Required", Map.of("Require", "eventlist"));
        return Stream.of(
                // kinds
                row("RFC 3856: one presentity", S.toBob(), plain(3600)),
                row("RFC 3856 s6.4: no Expires, the presence default", S.toBob().expires(-1), plain(3600)),
                row("RFC 6665 s4.2.1.1: above the maximum, shortened", S.toBob().expires(100_000), plain(7200)),
                row("RFC 6665 s4.4.3: Expires 0 is a fetch", S.toBob().expires(0), plain(0)),
                row(
                        "RFC 4662 s4: one's own URI with eventlist is one's contact list",
                        S.toBob().resource(ALICE).withEventlist(),
                        new Subscribe(Kind.CONTACT_LIST, 3600, List.of(), ALICE)),
                row(
                        "RFC 4662: a fetch of one's contact list",
                        S.toBob().resource(ALICE).withEventlist().expires(0),
                        new Subscribe(Kind.CONTACT_LIST, 0, List.of(), ALICE)),
                row(
                        "one's own URI without eventlist: one's own presence",
                        S.toBob().resource(ALICE),
                        new Subscribe(Kind.PLAIN, 3600, List.of(ALICE), null)),
                row(
                        "someone else's URI with eventlist: still one presentity",
                        S.toBob().withEventlist(),
                        plain(3600)),
                row(
                        "RFC 4662 s5: ad-hoc list in a resource-lists body",
                        S.toBob().withEventlist().body("application/resource-lists+xml", LIST),
                        new Subscribe(Kind.AD_HOC_LIST, 3600, List.of(BOB, "sip:carol@example.test"), BOB)),
                row(
                        "ad-hoc list with Accept multipart/related",
                        S.toBob()
                                .withEventlist()
                                .accept("multipart/related", "application/rlmi+xml")
                                .body("application/resource-lists+xml", LIST),
                        new Subscribe(Kind.AD_HOC_LIST, 3600, List.of(BOB, "sip:carol@example.test"), BOB)),
                row("a body that is no resource list is not read", S.toBob().body("text/plain", "hello"), plain(3600)),
                row(
                        "an empty resource-lists body is no list",
                        S.toBob().withEventlist().body("application/resource-lists+xml", ""),
                        plain(3600)),

                // refusals, in the order they are checked
                row(
                        "RFC 6665 s4.2.1.1: below the minimum, 423 with Min-Expires",
                        S.toBob().expires(59),
                        new EdgeRefusal(423, null, Map.of("Min-Expires", "60"))),
                row(
                        "423 comes before any other check",
                        S.toBob().expires(1).noContact().accept("text/plain"),
                        new EdgeRefusal(423, null, Map.of("Min-Expires", "60"))),
                row(
                        "RFC 6665 s4.1.2.1: no Contact, 400",
                        S.toBob().noContact(),
                        EdgeRefusal.of(400, "SUBSCRIBE needs a Contact")),
                row("no From tag, 400", S.toBob().noFromTag(), EdgeRefusal.of(400, "From needs a tag")),
                row(
                        "RFC 4662 s5: a resource list without eventlist, 421 Require: eventlist",
                        S.toBob().body("application/resource-lists+xml", LIST),
                        extensionRequired),
                row(
                        "421 also for a list that would not parse",
                        S.toBob().body("application/resource-lists+xml", "<x"),
                        extensionRequired),
                row(
                        "a resource list over the limit, 400",
                        S.toBob().withEventlist().body("application/resource-lists+xml", TOO_LONG),
                        EdgeRefusal.of(400, "Resource list has more than 2 entries")),

                // Accept (RFC 3856 s6.5: pidf is the default; RFC 6665 s4.2.1.1: 406 otherwise)
                row("Accept pidf", S.toBob().accept("application/pidf+xml"), plain(3600)),
                row("Accept application/*", S.toBob().accept("application/*"), plain(3600)),
                row("Accept */*", S.toBob().accept("*/*"), plain(3600)),
                row(
                        "RFC 4662 s5: Accept multipart/related (list NOTIFYs)",
                        S.toBob().accept("multipart/related"),
                        plain(3600)),
                row(
                        "one acceptable type among others is enough",
                        S.toBob().accept("text/plain", "application/pidf+xml"),
                        plain(3600)),
                row("Accept of nothing we send, 406", S.toBob().accept("application/xpidf+xml"), notAcceptable),
                row("Accept of RLMI alone, 406", S.toBob().accept("application/rlmi+xml"), notAcceptable),
                row(
                        "406 comes before 421",
                        S.toBob().accept("text/plain").body("application/resource-lists+xml", LIST),
                        notAcceptable));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("initial")
    void classifies_an_initial_subscribe(String rule, S request, SubscribeDecision expected) {
        assertThat(CLASSIFIER.initial(request.request())).isEqualTo(expected);
    }

    static Stream<Arguments> inDialog() {
        return Stream.of(
                Arguments.of("RFC 6665 s4.1.2.2: refresh for the time asked", 1800L, new Refresh(1800)),
                Arguments.of("RFC 6665 s4.1.2.2: refresh without Expires, the package default", -1L, new Refresh(3600)),
                Arguments.of("RFC 6665 s4.2.1.1: refresh above the maximum is shortened", 9000L, new Refresh(7200)),
                Arguments.of("RFC 6665 s4.1.2.3: Expires 0 unsubscribes", 0L, new Refresh(0)),
                Arguments.of(
                        "RFC 6665 s4.2.1.1: a refresh too brief gets 423",
                        30L,
                        new EdgeRefusal(423, null, Map.of("Min-Expires", "60"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inDialog")
    void classifies_an_in_dialog_subscribe(String rule, long expires, SubscribeDecision expected) {
        assertThat(CLASSIFIER.inDialog(expires)).isEqualTo(expected);
    }

    @org.junit.jupiter.api.Test
    void decisions_say_what_they_are() {
        assertThat(plain(0).isFetch()).isTrue();
        assertThat(plain(3600).isFetch()).isFalse();
        assertThat(plain(3600).isList()).isFalse();
        assertThat(new Subscribe(Kind.CONTACT_LIST, 3600, List.of(), ALICE).followsContacts())
                .isTrue();
        assertThat(new Subscribe(Kind.AD_HOC_LIST, 3600, List.of(BOB), BOB).followsContacts())
                .isFalse();
        assertThat(new Subscribe(Kind.AD_HOC_LIST, 3600, List.of(BOB), BOB).isList())
                .isTrue();
        assertThat(new Refresh(0).isUnsubscribe()).isTrue();
        assertThat(new Refresh(60).isUnsubscribe()).isFalse();
    }

    @org.junit.jupiter.api.Test
    void list_entries_of_our_users_are_canonical_and_the_others_kept_as_written_to_be_rejected() {
        SubscribeClassifier withDomains = new SubscribeClassifier(
                new SubscribeRules(new SubscribeRules.Limits(60, 3600, 7200, 10)), java.util.Set.of("example.test"));
        String body = "<?xml version=\"1.0\"?><resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\">"
                + "<list><entry uri=\"sip:Bob@EXAMPLE.test\"/><entry uri=\"sip:victim@elsewhere.test\"/>"
                + "<entry uri=\"pres:bob@example.test\"/></list></resource-lists>";
        assertThat(withDomains.initial(S.toBob()
                        .withEventlist()
                        .body("application/resource-lists+xml", body)
                        .request()))
                .isEqualTo(new Subscribe(
                        Kind.AD_HOC_LIST,
                        3600,
                        List.of("sip:Bob@example.test", "sip:victim@elsewhere.test", BOB),
                        BOB));
    }
}

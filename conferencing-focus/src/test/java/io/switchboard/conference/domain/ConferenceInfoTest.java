package io.switchboard.conference.domain;

import static io.switchboard.conference.domain.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/** RFC 4575 documents: full and partial, versions, entities, escaping; every document is parsed back. */
class ConferenceInfoTest {

    static final Conference OPEN = conference(AccessType.OPEN);
    static final Conference COMPANY = conference(AccessType.COMPANY);

    /** Alice (organizer, presenter) and Dave (attendee) connected, Erin (federated) in the lobby. */
    static Roster three() {
        Roster r = join(COMPANY, empty(), "leg-alice", Joiner.ourUser(ALICE));
        r = join(COMPANY, r, "leg-dave", Joiner.ourUser(DAVE));
        return join(COMPANY, r, "leg-erin", Joiner.federated(ERIN));
    }

    @Test
    void the_full_document_describes_the_conference_and_every_user() throws Exception {
        Roster r = three();
        Document d = parse(ConferenceInfo.full(COMPANY, r, 1));
        assertThat(x(d, "/conference-info/@entity")).isEqualTo("sip:conf-" + ID + "@example.test");
        assertThat(x(d, "/conference-info/@state")).isEqualTo("full");
        assertThat(x(d, "/conference-info/@version")).isEqualTo("1");
        assertThat(x(d, "/conference-info/conference-description/subject")).isEqualTo("Weekly sync");
        assertThat(x(d, "/conference-info/conference-description/maximum-user-count"))
                .isEqualTo("250");
        assertThat(x(d, "/conference-info/conference-description/available-media/entry/type"))
                .isEqualTo("audio");
        assertThat(x(d, "/conference-info/conference-state/user-count")).isEqualTo("2");
        assertThat(x(d, "/conference-info/conference-state/active")).isEqualTo("true");
        assertThat(x(d, "/conference-info/conference-state/locked")).isEqualTo("false");
        assertThat(count(d, "/conference-info/users/user")).isEqualTo(3);
        assertThat(user(d, ALICE, "display-text")).isEqualTo("alice");
        assertThat(user(d, ALICE, "roles/entry")).isEqualTo("presenter");
        assertThat(user(d, ALICE, "endpoint/status")).isEqualTo("connected");
        assertThat(user(d, ALICE, "endpoint/@entity")).isEqualTo(ConferenceInfo.endpointEntity("leg-alice"));
        assertThat(user(d, DAVE, "roles/entry")).isEqualTo("attendee");
        assertThat(user(d, ERIN, "endpoint/status")).as("the lobby").isEqualTo("pending");
        assertThat(user(d, ERIN, "endpoint/joining-info/when"))
                .as("not joined yet")
                .isEmpty();
        assertThat(ConferenceInfo.full(COMPANY, r, 1)).doesNotContain("leg-").as("Call-IDs are not shown");
    }

    @Test
    void an_empty_conference_is_inactive_with_no_users() throws Exception {
        Document d = parse(ConferenceInfo.full(OPEN, empty(), 7));
        assertThat(x(d, "/conference-info/@version")).isEqualTo("7");
        assertThat(x(d, "/conference-info/conference-state/user-count")).isEqualTo("0");
        assertThat(x(d, "/conference-info/conference-state/active")).isEqualTo("false");
        assertThat(count(d, "/conference-info/users/user")).isZero();
    }

    /** One change each: what the partial document says (user, endpoint status, conference-state). */
    static Stream<Arguments> changes() {
        Roster base = three();
        Roster joined = join(COMPANY, base, "leg-bob", Joiner.ourUser(BOB));
        Roster left = apply(RosterRules.leave(COMPANY, base, "leg-dave", NOW));
        Roster admitted = apply(RosterRules.admit(COMPANY, base, new Actor.Operator("ops"), "leg-erin", NOW));
        Roster denied = apply(RosterRules.deny(COMPANY, base, new Actor.Operator("ops"), "leg-erin", NOW));
        Roster ejected = apply(RosterRules.eject(COMPANY, base, new Actor.Operator("ops"), "leg-dave", NOW));
        Roster promoted =
                apply(RosterRules.setRole(COMPANY, base, new Actor.Operator("ops"), "leg-dave", Role.PRESENTER, NOW));
        Roster locked = apply(RosterRules.setLocked(COMPANY, base, new Actor.Operator("ops"), true, NOW));
        Roster second = join(COMPANY, base, "leg-dave-2", Joiner.ourUser(DAVE));
        return Stream.of(
                // change, roster after, user named, its endpoint statuses, user-count (null: no conference-state)
                Arguments.of("join", joined, BOB, "connected", "3", "attendee"),
                Arguments.of("leave", left, DAVE, "disconnected", "1", "attendee"),
                Arguments.of("lobby admit", admitted, ERIN, "connected", "3", "attendee"),
                Arguments.of("lobby deny", denied, ERIN, "disconnected", null, "attendee"),
                Arguments.of("eject", ejected, DAVE, "disconnected", "1", "attendee"),
                Arguments.of("promote", promoted, DAVE, "connected", null, "presenter"),
                Arguments.of("second device", second, DAVE, "connected connected", null, "attendee"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changes")
    void a_partial_document_names_the_user_that_changed(
            String change, Roster after, String user, String statuses, String userCount, String role) throws Exception {
        Document d = parse(ConferenceInfo.partial(COMPANY, three(), after, 2).orElseThrow());
        assertThat(x(d, "/conference-info/@state")).isEqualTo("partial");
        assertThat(x(d, "/conference-info/@version")).isEqualTo("2");
        assertThat(count(d, "/conference-info/conference-description"))
                .as("the definition does not change")
                .isZero();
        assertThat(count(d, "/conference-info/users/user"))
                .as("only the user that changed")
                .isEqualTo(1);
        assertThat(user(d, user, "@state")).isEqualTo("full");
        assertThat(user(d, user, "roles/entry")).isEqualTo(role);
        NodeList endpoints = (NodeList) XPathFactory.newInstance()
                .newXPath()
                .evaluate(
                        "/conference-info/users/user[@entity='" + user + "']/endpoint/status",
                        d,
                        XPathConstants.NODESET);
        StringBuilder seen = new StringBuilder();
        for (int i = 0; i < endpoints.getLength(); i++) {
            seen.append(i == 0 ? "" : " ").append(endpoints.item(i).getTextContent());
        }
        assertThat(seen.toString()).isEqualTo(statuses);
        if (userCount == null) {
            assertThat(count(d, "/conference-info/conference-state")).isZero();
        } else {
            assertThat(x(d, "/conference-info/conference-state/user-count")).isEqualTo(userCount);
        }
    }

    @Test
    void locking_is_a_partial_document_with_only_the_conference_state() throws Exception {
        Roster base = three();
        Roster locked = apply(RosterRules.setLocked(COMPANY, base, new Actor.Operator("ops"), true, NOW));
        Document d = parse(ConferenceInfo.partial(COMPANY, base, locked, 5).orElseThrow());
        assertThat(x(d, "/conference-info/conference-state/locked")).isEqualTo("true");
        assertThat(count(d, "/conference-info/users")).isZero();
    }

    @Test
    void several_changes_between_two_notifications_are_one_document() throws Exception {
        Roster base = three();
        Roster r = join(COMPANY, base, "leg-bob", Joiner.ourUser(BOB));
        r = apply(RosterRules.leave(COMPANY, r, "leg-dave", NOW));
        Document d = parse(ConferenceInfo.partial(COMPANY, base, r, 3).orElseThrow());
        assertThat(count(d, "/conference-info/users/user")).isEqualTo(2);
        assertThat(user(d, BOB, "endpoint/status")).isEqualTo("connected");
        assertThat(user(d, DAVE, "endpoint/status")).isEqualTo("disconnected");
        assertThat(x(d, "/conference-info/@version")).isEqualTo("3");
    }

    @Test
    void a_change_nobody_sees_is_no_document() {
        Roster base = three();
        assertThat(ConferenceInfo.partial(COMPANY, base, base, 2)).isEqualTo(Optional.empty());
        // a new roster version with the same visible state (the lobby reason is not shown)
        Roster same =
                new Roster(base.version() + 1, base.locked(), base.ended(), base.emptySince(), base.participants());
        assertThat(ConferenceInfo.partial(COMPANY, base, same, 2)).isEmpty();
    }

    @Test
    void versions_start_at_1() {
        assertThatThrownBy(() -> ConferenceInfo.full(OPEN, empty(), 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anonymous_callers_are_never_shown_with_the_address_they_claimed() throws Exception {
        Roster r = join(OPEN, empty(), "leg-a1", Joiner.anonymous("sip:ceo@example.test"));
        r = join(OPEN, r, "leg-a2", Joiner.anonymous("sip:ceo@example.test"));
        String doc = ConferenceInfo.full(OPEN, r, 1);
        Document d = parse(doc);
        assertThat(doc).doesNotContain("ceo");
        assertThat(count(d, "/conference-info/users/user"))
                .as("two callers, two users")
                .isEqualTo(2);
        assertThat(x(d, "/conference-info/users/user[1]/@entity"))
                .matches("sip:anonymous-[0-9a-f]{8}@anonymous\\.invalid");
        assertThat(x(d, "/conference-info/users/user[1]/display-text")).isEqualTo("Anonymous");
    }

    static Stream<Arguments> escaping() {
        return Stream.of(
                Arguments.of("Q&A <all hands>", "Q&amp;A &lt;all hands&gt;"),
                Arguments.of("\"quoted\" 'single'", "&quot;quoted&quot; &apos;single&apos;"),
                Arguments.of("</subject><evil/>", "&lt;/subject&gt;&lt;evil/&gt;"),
                Arguments.of("bell\u0007 nul\u0000 tab\tend", "bell nul tab\tend"),
                Arguments.of("Grüße \uD83D\uDE00", "Grüße \uD83D\uDE00"),
                Arguments.of("lone \uD800 surrogate \uFFFF", "lone  surrogate "),
                Arguments.of("", ""));
    }

    @ParameterizedTest
    @MethodSource("escaping")
    void text_from_users_is_escaped(String raw, String escaped) throws Exception {
        assertThat(ConferenceInfo.escape(raw)).isEqualTo(escaped);
        Conference c = new Conference(
                ID,
                "example.test",
                "4711001",
                ALICE,
                raw,
                AccessType.OPEN,
                Set.of(),
                Presenters.ORGANIZER_ONLY,
                false,
                10,
                new Expiry.AdHoc(Duration.ofMinutes(5)),
                NOW);
        Document d = parse(ConferenceInfo.full(c, empty(), 1));
        assertThat(x(d, "/conference-info/conference-description/subject"))
                .isEqualTo(escaped.replace("&amp;", "&")
                        .replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&quot;", "\"")
                        .replace("&apos;", "'"));
    }

    @Test
    void a_user_uri_with_markup_is_escaped_in_its_entity() throws Exception {
        String odd = "sip:o\"<x>&y@partner.example";
        Roster r = join(OPEN, empty(), "leg-odd", Joiner.federated(odd));
        Document d = parse(ConferenceInfo.full(OPEN, r, 1));
        assertThat(x(d, "/conference-info/users/user/@entity")).isEqualTo(odd);
    }

    // ------------------------------------------------------------------ helpers

    static Roster apply(RosterChange change) {
        return ((RosterChange.Applied) change).next();
    }

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        // not namespace aware, so that the XPaths need no prefixes; the namespace is checked here
        Document d = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        assertThat(d.getDocumentElement().getAttribute("xmlns")).isEqualTo(ConferenceInfo.NAMESPACE);
        return d;
    }

    static String x(Document d, String path) throws Exception {
        return XPathFactory.newInstance().newXPath().evaluate(path, d);
    }

    static int count(Document d, String path) throws Exception {
        return ((Number)
                        XPathFactory.newInstance().newXPath().evaluate("count(" + path + ")", d, XPathConstants.NUMBER))
                .intValue();
    }

    static String user(Document d, String entity, String path) throws Exception {
        return x(d, "/conference-info/users/user[@entity='" + entity + "']/" + path);
    }
}

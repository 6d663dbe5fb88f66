package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.presence.domain.PidfParser.Ok;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The NOTIFY body (RFC 3863 + RFC 4480 + sb extension): exact shape, mapping table, escaping, round trip. */
class PidfWriterTest {

    static final String ALICE = "sip:alice@example.test";
    static final Instant T0 = Instant.parse("2026-11-21T09:00:00.123456Z");

    static PresenceView view(Availability a, String activity, String note, List<String> phones) {
        return new PresenceView(ALICE, a, activity, note, phones, T0);
    }

    static PidfDocument reparse(String xml) {
        PidfParser.Result r = PidfParser.parse(xml.getBytes(StandardCharsets.UTF_8));
        assertThat(r).as("parse of %s", xml).isInstanceOf(Ok.class);
        return ((Ok) r).document();
    }

    /** Every element (namespace, local name) of the document, read by a plain StAX reader: proves well-formedness. */
    static List<String> elements(String xml) throws XMLStreamException {
        XMLInputFactory f = XMLInputFactory.newDefaultFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        XMLStreamReader r = f.createXMLStreamReader(new StringReader(xml));
        List<String> out = new ArrayList<>();
        while (r.hasNext()) {
            if (r.next() == XMLStreamConstants.START_ELEMENT) {
                out.add("{" + r.getNamespaceURI() + "}" + r.getLocalName());
            }
        }
        return out;
    }

    @Test
    void exactShape() {
        String xml = PidfWriter.write(view(
                Availability.BUSY_IDLE,
                "in-a-call",
                "Back at 3",
                List.of("tel:+31201234567", "sip:alice-desk@example.test")));
        assertThat(xml).isEqualTo("""
                <?xml version="1.0" encoding="UTF-8"?>
                <presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" \
                xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" xmlns:sb="urn:switchboard:params:xml:ns:presence" \
                entity="sip:alice@example.test">
                <tuple id="sb-presence"><status><basic>open</basic></status><timestamp>2026-11-21T09:00:00.123Z</timestamp></tuple>
                <tuple id="sb-phone-1"><status><basic>open</basic></status><contact>tel:+31201234567</contact></tuple>
                <tuple id="sb-phone-2"><status><basic>open</basic></status><contact>sip:alice-desk@example.test</contact></tuple>
                <dm:person id="sb-person"><rpid:activities><rpid:busy/><rpid:on-the-phone/></rpid:activities>\
                <sb:availability>7500</sb:availability><sb:state>busy-idle</sb:state><sb:activity>in-a-call</sb:activity>\
                <rpid:user-input>idle</rpid:user-input><dm:note>Back at 3</dm:note></dm:person>
                </presence>""");
    }

    @Test
    void minimalOfflineView() {
        String xml = PidfWriter.write(PresenceView.offline(ALICE, Instant.parse("2026-11-21T09:00:00Z")));
        assertThat(xml).isEqualTo("""
                <?xml version="1.0" encoding="UTF-8"?>
                <presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" \
                xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" xmlns:sb="urn:switchboard:params:xml:ns:presence" \
                entity="sip:alice@example.test">
                <tuple id="sb-presence"><status><basic>closed</basic></status><timestamp>2026-11-21T09:00:00Z</timestamp></tuple>
                <dm:person id="sb-person"><sb:availability>18500</sb:availability><sb:state>offline</sb:state></dm:person>
                </presence>""");
    }

    static Stream<Arguments> mappingCases() {
        return Stream.of(
                // availability, activity, basic, RPID activities, user-input
                Arguments.of(Availability.AVAILABLE, null, "open", Set.of(), null),
                Arguments.of(Availability.AVAILABLE_IDLE, null, "open", Set.of(), "idle"),
                Arguments.of(Availability.BUSY, null, "open", Set.of("busy"), null),
                Arguments.of(Availability.BUSY_IDLE, null, "open", Set.of("busy"), "idle"),
                Arguments.of(Availability.DO_NOT_DISTURB, null, "open", Set.of("busy"), null),
                Arguments.of(Availability.BE_RIGHT_BACK, null, "open", Set.of("away"), null),
                Arguments.of(Availability.AWAY, null, "open", Set.of("away"), null),
                Arguments.of(Availability.OFFLINE, null, "closed", Set.of(), null),
                Arguments.of(Availability.BUSY, "in-a-call", "open", Set.of("busy", "on-the-phone"), null),
                Arguments.of(Availability.BUSY, "in-a-meeting", "open", Set.of("busy", "meeting"), null),
                Arguments.of(Availability.AVAILABLE, "in-a-call", "open", Set.of("on-the-phone"), null),
                Arguments.of(Availability.DO_NOT_DISTURB, "In-A-Meeting", "open", Set.of("busy", "meeting"), null),
                Arguments.of(Availability.AVAILABLE, "Working from home", "open", Set.of(), null),
                Arguments.of(Availability.AWAY, "Lunch", "open", Set.of("away"), null));
    }

    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("mappingCases")
    void mapping(Availability a, String activity, String basic, Set<String> activities, String userInput)
            throws XMLStreamException {
        String xml = PidfWriter.write(view(a, activity, null, List.of()));
        PidfDocument d = reparse(xml);
        assertThat(d.basic()).isEqualTo(basic);
        assertThat(d.activities()).isEqualTo(activities);
        assertThat(d.userInput()).isEqualTo(userInput);
        assertThat(d.state()).isEqualTo(a.token());
        assertThat(xml).contains("<sb:availability>" + a.number() + "</sb:availability>");
        assertThat(elements(xml).stream().filter(e -> e.endsWith("}activities")).count())
                .isEqualTo(activities.isEmpty() ? 0 : 1);
        if (activity != null) {
            assertThat(xml).contains("<sb:activity>" + activity + "</sb:activity>");
        } else {
            assertThat(xml).doesNotContain("sb:activity");
        }
    }

    /** Round trip: what the parser reads back from every state is what the view said. */
    @ParameterizedTest
    @EnumSource(Availability.class)
    void roundTrip(Availability a) {
        List<String> phones = List.of("tel:+31201234567", "sip:alice-desk@example.test;user=phone");
        PresenceView v = view(a, "in-a-meeting", "Room 4.12, then lunch", phones);
        PidfDocument d = reparse(PidfWriter.write(v));
        assertThat(d.entity()).isEqualTo(ALICE);
        assertThat(d.basic()).isEqualTo(a == Availability.OFFLINE ? "closed" : "open");
        assertThat(d.contacts()).isEqualTo(phones);
        assertThat(d.activities()).contains("meeting");
        assertThat(d.note()).isEqualTo("Room 4.12, then lunch");
        assertThat(d.state()).isEqualTo(a.token());
        assertThat(Availability.ofToken(d.state())).isEqualTo(a);
        assertThat(d.customState()).isNull();
    }

    @Test
    void offlineWithPhonesStaysClosedForTupleOringWatchers() {
        PidfDocument d = reparse(PidfWriter.write(view(Availability.OFFLINE, null, null, List.of("tel:+3120"))));
        assertThat(d.basic()).isEqualTo("closed");
        assertThat(d.contacts()).containsExactly("tel:+3120");
    }

    @Test
    void noNoteElementWithoutNote() {
        assertThat(PidfWriter.write(view(Availability.AVAILABLE, null, null, List.of())))
                .doesNotContain("note");
        assertThat(PidfWriter.write(view(Availability.AVAILABLE, null, "", List.of())))
                .doesNotContain("note");
        assertThat(PidfWriter.write(view(Availability.AVAILABLE, " ", " ", List.of())))
                .doesNotContain("sb:activity");
    }

    static Stream<Arguments> escapingCases() {
        return Stream.of(
                Arguments.of("markup", "a<b>&c \"quoted\" 'single' ]]> end"),
                Arguments.of("entity look-alike", "&amp; &lt; &#60;"),
                Arguments.of("line breaks and tabs", "line 1\nline 2\r\nline\t3"),
                Arguments.of("non-ASCII", "Caf\u00e9 \u2615 \ud83d\ude00 \u4e2d\u6587"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("escapingCases")
    void escapedTextAndAttributesSurviveARoundTrip(String name, String s) throws XMLStreamException {
        String entity = "sip:o'brien&\"co\"<x>@example.test";
        String xml = PidfWriter.write(
                new PresenceView(entity, Availability.AVAILABLE, s, "note " + s, List.of("sip:" + s), T0));
        elements(xml); // well-formed
        PidfDocument d = reparse(xml);
        assertThat(d.entity()).isEqualTo(entity);
        assertThat(d.note()).isEqualTo(("note " + s).trim());
        assertThat(d.contacts()).containsExactly("sip:" + s);
    }

    @Test
    void markupCharactersAreEscapedLiterally() {
        String xml = PidfWriter.write(
                new PresenceView("sip:a&b\"<'>@h", Availability.AVAILABLE, null, "<b>Tom & Jerry</b>", List.of(), T0));
        assertThat(xml).contains("entity=\"sip:a&amp;b&quot;&lt;&apos;&gt;@h\"");
        assertThat(xml).contains("<dm:note>&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;</dm:note>");
    }

    @Test
    void attributeWhitespaceIsNotNormalizedAway() throws XMLStreamException {
        String entity = "sip:a\tb\nc@h";
        String xml = PidfWriter.write(PresenceView.offline(entity, T0));
        XMLStreamReader r = XMLInputFactory.newDefaultFactory().createXMLStreamReader(new StringReader(xml));
        r.nextTag();
        assertThat(r.getAttributeValue(null, "entity")).isEqualTo(entity);
    }

    @Test
    void charactersXmlCannotCarryAreReplacedNotEmitted() throws XMLStreamException {
        String bad = "bell\u0007 nul\u0000 lone\ud800 fffe\ufffe";
        String xml = PidfWriter.write(new PresenceView(ALICE, Availability.AVAILABLE, null, bad, List.of(), T0));
        elements(xml); // still well-formed
        assertThat(reparse(xml).note()).isEqualTo("bell\ufffd nul\ufffd lone\ufffd fffe\ufffd");
    }

    @Test
    void outputIsWellFormedWithTheExpectedElements() throws XMLStreamException {
        String pidf = "{urn:ietf:params:xml:ns:pidf}";
        String dm = "{urn:ietf:params:xml:ns:pidf:data-model}";
        String rpid = "{urn:ietf:params:xml:ns:pidf:rpid}";
        String sb = "{urn:switchboard:params:xml:ns:presence}";
        List<String> got = elements(PidfWriter.write(view(Availability.AWAY, null, "n", List.of("tel:1"))));
        assertThat(got)
                .containsExactly(
                        pidf + "presence",
                        pidf + "tuple",
                        pidf + "status",
                        pidf + "basic",
                        pidf + "timestamp",
                        pidf + "tuple",
                        pidf + "status",
                        pidf + "basic",
                        pidf + "contact",
                        dm + "person",
                        rpid + "activities",
                        rpid + "away",
                        sb + "availability",
                        sb + "state",
                        dm + "note");
    }
}

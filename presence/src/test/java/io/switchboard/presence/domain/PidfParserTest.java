package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.presence.domain.PidfParser.Invalid;
import io.switchboard.presence.domain.PidfParser.Ok;
import io.switchboard.presence.domain.PidfParser.Result;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** RFC 3863 (PIDF), RFC 4479 (data model), RFC 4480 (RPID) and our extension: one row per rule. */
class PidfParserTest {

    static final String ALICE = "sip:alice@example.test";
    static final String NS = "xmlns=\"urn:ietf:params:xml:ns:pidf\""
            + " xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\""
            + " xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\""
            + " xmlns:sb=\"urn:switchboard:params:xml:ns:presence\"";

    /** A presence document for Alice with the usual prefixes and {@code inner} as its content. */
    static String pidf(String inner) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<presence " + NS + " entity=\"" + ALICE + "\">" + inner
                + "</presence>";
    }

    static Result parse(String xml) {
        return PidfParser.parse(xml.getBytes(StandardCharsets.UTF_8));
    }

    static PidfDocument ok(String xml) {
        Result r = parse(xml);
        assertThat(r).as("result for %s", xml).isInstanceOf(Ok.class);
        return ((Ok) r).document();
    }

    static String tuple(String basic) {
        return "<tuple id=\"t\"><status><basic>" + basic + "</basic></status></tuple>";
    }

    // ---------------------------------------------------------------- basic status (RFC 3863 4.1.4)

    static Stream<Arguments> basicCases() {
        return Stream.of(
                Arguments.of("no tuple", "", null),
                Arguments.of("tuple without basic", "<tuple id=\"t\"><status/></tuple>", null),
                Arguments.of("one open", tuple("open"), "open"),
                Arguments.of("one closed", tuple("closed"), "closed"),
                Arguments.of("open wins over closed", tuple("closed") + tuple("open"), "open"),
                Arguments.of("all closed", tuple("closed") + tuple("closed"), "closed"),
                Arguments.of(
                        "closed and one without basic",
                        "<tuple id=\"a\"><status/></tuple>" + tuple("closed"),
                        "closed"),
                Arguments.of("whitespace and case tolerated", tuple(" Open\n"), "open"),
                Arguments.of("basic outside a tuple ignored", "<status><basic>open</basic></status>", null),
                Arguments.of(
                        "basic of another namespace ignored",
                        "<tuple id=\"t\"><status><x:basic xmlns:x=\"urn:other\">open</x:basic></status></tuple>",
                        null),
                Arguments.of(
                        "tuple of another namespace ignored",
                        "<x:tuple xmlns:x=\"urn:other\"><status><basic>open</basic></status></x:tuple>",
                        null),
                Arguments.of(
                        "tuple inside person is not a tuple",
                        "<dm:person id=\"p\"><tuple id=\"t\"><status><basic>open</basic></status></tuple></dm:person>",
                        null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("basicCases")
    void basicStatus(String name, String inner, String expected) {
        assertThat(ok(pidf(inner)).basic()).isEqualTo(expected);
    }

    // ---------------------------------------------------------------- contacts

    static Stream<Arguments> contactCases() {
        return Stream.of(
                Arguments.of("none", tuple("open"), List.of()),
                Arguments.of(
                        "one, trimmed",
                        "<tuple id=\"t\"><status><basic>open</basic></status>"
                                + "<contact priority=\"0.8\"> sip:alice@192.0.2.1 </contact></tuple>",
                        List.of("sip:alice@192.0.2.1")),
                Arguments.of(
                        "document order, duplicates dropped",
                        "<tuple id=\"a\"><contact>tel:+3120</contact></tuple>"
                                + "<tuple id=\"b\"><contact>sip:a@h</contact></tuple>"
                                + "<tuple id=\"c\"><contact>tel:+3120</contact></tuple>",
                        List.of("tel:+3120", "sip:a@h")),
                Arguments.of("empty contact skipped", "<tuple id=\"t\"><contact>  </contact></tuple>", List.of()),
                Arguments.of("contact outside a tuple ignored", "<contact>sip:x@h</contact>", List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contactCases")
    void contacts(String name, String inner, List<String> expected) {
        assertThat(ok(pidf(inner)).contacts()).containsExactlyElementsOf(expected);
    }

    // ---------------------------------------------------------------- RPID activities (RFC 4480 3.2)

    static Stream<Arguments> activityCases() {
        return Stream.of(
                Arguments.of("none", "<dm:person id=\"p\"/>", Set.of()),
                Arguments.of(
                        "busy in person",
                        "<dm:person id=\"p\"><rpid:activities><rpid:busy/></rpid:activities></dm:person>",
                        Set.of("busy")),
                Arguments.of(
                        "several, lower-cased",
                        "<dm:person id=\"p\"><rpid:activities><rpid:on-the-phone/><rpid:Meeting/>"
                                + "</rpid:activities></dm:person>",
                        Set.of("on-the-phone", "meeting")),
                Arguments.of(
                        "other and note are not tokens",
                        "<dm:person id=\"p\"><rpid:activities><rpid:note>at lunch</rpid:note>"
                                + "<rpid:other>lunch</rpid:other><rpid:away/></rpid:activities></dm:person>",
                        Set.of("away")),
                Arguments.of(
                        "extension activity of another namespace counts by local name",
                        "<dm:person id=\"p\"><rpid:activities><x:Gardening xmlns:x=\"urn:x\"><x:sub/></x:Gardening>"
                                + "</rpid:activities></dm:person>",
                        Set.of("gardening")),
                Arguments.of(
                        "activities in a tuple (and inside its status) count",
                        "<tuple id=\"t\"><status><basic>open</basic><rpid:activities><rpid:away/></rpid:activities>"
                                + "</status></tuple><tuple id=\"u\"><rpid:activities><rpid:busy/></rpid:activities></tuple>",
                        Set.of("away", "busy")),
                Arguments.of(
                        "activities of two persons merge",
                        "<dm:person id=\"p\"><rpid:activities><rpid:busy/></rpid:activities></dm:person>"
                                + "<dm:person id=\"q\"><rpid:activities><rpid:meeting/></rpid:activities></dm:person>",
                        Set.of("busy", "meeting")),
                Arguments.of(
                        "activities outside person and tuple ignored",
                        "<rpid:activities><rpid:busy/></rpid:activities>",
                        Set.of()),
                Arguments.of(
                        "activities in a device ignored (RFC 4480: a person attribute)",
                        "<dm:device id=\"d\"><rpid:activities><rpid:busy/></rpid:activities></dm:device>",
                        Set.of()),
                Arguments.of(
                        "activities of another namespace ignored",
                        "<dm:person id=\"p\"><x:activities xmlns:x=\"urn:x\"><rpid:busy/></x:activities></dm:person>",
                        Set.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("activityCases")
    void activities(String name, String inner, Set<String> expected) {
        assertThat(ok(pidf(inner)).activities()).isEqualTo(expected);
    }

    // ---------------------------------------------------------------- RPID user-input (RFC 4480 3.14)

    static Stream<Arguments> userInputCases() {
        return Stream.of(
                Arguments.of("absent", "<dm:person id=\"p\"/>", null),
                Arguments.of(
                        "idle in person",
                        "<dm:person id=\"p\"><rpid:user-input>idle</rpid:user-input></dm:person>",
                        "idle"),
                Arguments.of(
                        "active with attributes and spaces",
                        "<dm:person id=\"p\"><rpid:user-input idle-threshold=\"600\"> Active </rpid:user-input></dm:person>",
                        "active"),
                Arguments.of(
                        "active device beats idle person",
                        "<dm:person id=\"p\"><rpid:user-input>idle</rpid:user-input></dm:person>"
                                + "<dm:device id=\"d\"><rpid:user-input>active</rpid:user-input></dm:device>",
                        "active"),
                Arguments.of("in a tuple", "<tuple id=\"t\"><rpid:user-input>idle</rpid:user-input></tuple>", "idle"),
                Arguments.of(
                        "outside person, device and tuple ignored", "<rpid:user-input>idle</rpid:user-input>", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("userInputCases")
    void userInput(String name, String inner, String expected) {
        assertThat(ok(pidf(inner)).userInput()).isEqualTo(expected);
    }

    // ---------------------------------------------------------------- notes

    static Stream<Arguments> noteCases() {
        String person = "<dm:person id=\"p\"><dm:note>person</dm:note></dm:person>";
        String presence = "<note>presence</note>";
        String tupleNote = "<tuple id=\"t\"><note>tuple</note></tuple>";
        return Stream.of(
                Arguments.of("no note element", tuple("open"), null),
                Arguments.of("person beats presence and tuple", tupleNote + presence + person, "person"),
                Arguments.of("presence beats tuple", tupleNote + presence, "presence"),
                Arguments.of("tuple alone", tupleNote, "tuple"),
                Arguments.of(
                        "first of several person notes",
                        "<dm:person id=\"p\"><dm:note xml:lang=\"en\">one</dm:note><dm:note xml:lang=\"nl\">een</dm:note>"
                                + "</dm:person>",
                        "one"),
                Arguments.of("trimmed", "<note>\n  gone fishing \t</note>", "gone fishing"),
                Arguments.of(
                        "empty person note clears, beats presence note",
                        "<dm:person id=\"p\"><dm:note/></dm:person>" + presence,
                        ""),
                Arguments.of("blank note is empty", "<note>   </note>", ""),
                Arguments.of(
                        "pidf-namespace note in person counts as person note",
                        presence + "<dm:person id=\"p\"><note>lax</note></dm:person>",
                        "lax"),
                Arguments.of(
                        "entities, CDATA and comments",
                        "<note>Fish &amp; chips <![CDATA[<now>]]><!-- hidden --> &#233;&lt;</note>",
                        "Fish & chips <now> \u00e9<"),
                Arguments.of(
                        "device notes are not the user's",
                        "<dm:device id=\"d\"><dm:note>pc</dm:note></dm:device>",
                        null),
                Arguments.of(
                        "rpid note inside activities is not the user's note",
                        "<dm:person id=\"p\"><rpid:activities><rpid:note>x</rpid:note><rpid:busy/></rpid:activities>"
                                + "</dm:person>",
                        null),
                Arguments.of(
                        "non-ASCII kept",
                        "<note>Caf\u00e9 \u2615 \ud83d\ude00</note>",
                        "Caf\u00e9 \u2615 \ud83d\ude00"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("noteCases")
    void note(String name, String inner, String expected) {
        assertThat(ok(pidf(inner)).note()).isEqualTo(expected);
    }

    // ---------------------------------------------------------------- Switchboard extension

    static Stream<Arguments> stateCases() {
        return Stream.of(
                Arguments.of("absent", "", null, null),
                Arguments.of(
                        "state trimmed and lower-cased",
                        "<dm:person id=\"p\"><sb:state> Do-Not-Disturb </sb:state></dm:person>",
                        "do-not-disturb",
                        null),
                Arguments.of("empty state element", "<dm:person id=\"p\"><sb:state/></dm:person>", "", null),
                Arguments.of(
                        "custom state",
                        "<dm:person id=\"p\"><sb:state>busy</sb:state>"
                                + "<sb:custom-state> 3 </sb:custom-state></dm:person>",
                        "busy",
                        3),
                Arguments.of(
                        "custom state 1",
                        "<dm:person id=\"p\"><sb:custom-state>1</sb:custom-state></dm:person>",
                        null,
                        1),
                Arguments.of(
                        "custom state 4",
                        "<dm:person id=\"p\"><sb:custom-state>4</sb:custom-state></dm:person>",
                        null,
                        4),
                Arguments.of(
                        "first state wins",
                        "<dm:person id=\"p\"><sb:state>away</sb:state><sb:state>busy</sb:state></dm:person>",
                        "away",
                        null),
                Arguments.of(
                        "other extension elements ignored",
                        "<dm:person id=\"p\"><sb:availability>6500</sb:availability><sb:activity>in-a-call</sb:activity>"
                                + "</dm:person>",
                        null,
                        null),
                Arguments.of(
                        "state of another namespace ignored",
                        "<dm:person id=\"p\"><x:state xmlns:x=\"urn:x\">busy</x:state></dm:person>",
                        null,
                        null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stateCases")
    void switchboardState(String name, String inner, String state, Integer custom) {
        PidfDocument d = ok(pidf(inner));
        assertThat(d.state()).isEqualTo(state);
        assertThat(d.customState()).isEqualTo(custom);
    }

    // ---------------------------------------------------------------- prefixes do not matter

    static Stream<Arguments> prefixCases() {
        return Stream.of(
                Arguments.of(
                        "default namespaces switched per element",
                        "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.test\">"
                                + "<tuple id=\"t\"><status><basic>open</basic></status><contact>sip:a@h</contact></tuple>"
                                + "<person xmlns=\"urn:ietf:params:xml:ns:pidf:data-model\" id=\"p\">"
                                + "<activities xmlns=\"urn:ietf:params:xml:ns:pidf:rpid\"><busy/></activities>"
                                + "<user-input xmlns=\"urn:ietf:params:xml:ns:pidf:rpid\">idle</user-input>"
                                + "<state xmlns=\"urn:switchboard:params:xml:ns:presence\">Busy</state>"
                                + "<custom-state xmlns=\"urn:switchboard:params:xml:ns:presence\">2</custom-state>"
                                + "<note>hi</note></person></presence>"),
                Arguments.of(
                        "every element prefixed, odd prefixes",
                        "<p:presence xmlns:p=\"urn:ietf:params:xml:ns:pidf\" xmlns:q=\"urn:ietf:params:xml:ns:pidf:data-model\""
                                + " xmlns:r=\"urn:ietf:params:xml:ns:pidf:rpid\" xmlns:z=\"urn:switchboard:params:xml:ns:presence\""
                                + " entity=\"sip:alice@example.test\">"
                                + "<p:tuple id=\"t\"><p:status><p:basic>open</p:basic></p:status><p:contact>sip:a@h</p:contact>"
                                + "</p:tuple><q:person id=\"p\"><r:activities><r:busy/></r:activities>"
                                + "<r:user-input>idle</r:user-input><z:state>busy</z:state><z:custom-state>2</z:custom-state>"
                                + "<q:note>hi</q:note></q:person></p:presence>"),
                Arguments.of(
                        "prefix names swapped between namespaces",
                        "<rpid:presence xmlns:rpid=\"urn:ietf:params:xml:ns:pidf\" xmlns:dm=\"urn:ietf:params:xml:ns:pidf:rpid\""
                                + " xmlns:pidf=\"urn:ietf:params:xml:ns:pidf:data-model\" entity=\"sip:alice@example.test\">"
                                + "<rpid:tuple id=\"t\"><rpid:status><rpid:basic>open</rpid:basic></rpid:status>"
                                + "<rpid:contact>sip:a@h</rpid:contact></rpid:tuple>"
                                + "<pidf:person id=\"p\"><dm:activities><dm:busy/></dm:activities>"
                                + "<dm:user-input>idle</dm:user-input>"
                                + "<sb:state xmlns:sb=\"urn:switchboard:params:xml:ns:presence\">busy</sb:state>"
                                + "<x:custom-state xmlns:x=\"urn:switchboard:params:xml:ns:presence\">2</x:custom-state>"
                                + "<pidf:note>hi</pidf:note></pidf:person></rpid:presence>"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("prefixCases")
    void prefixesAreArbitrary(String name, String xml) {
        assertThat(ok(xml))
                .isEqualTo(
                        new PidfDocument(ALICE, "open", List.of("sip:a@h"), Set.of("busy"), "idle", "hi", "busy", 2));
    }

    // ---------------------------------------------------------------- a realistic client document

    @Test
    void rfc4480StyleDocumentWithUnknownExtensions() {
        String xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- published by a softphone -->
                <presence xmlns="urn:ietf:params:xml:ns:pidf"
                    xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"
                    xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid"
                    xmlns:c="urn:ietf:params:xml:ns:pidf:cipid"
                    xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10"
                    entity="pres:alice@example.test">
                  <tuple id="bs35r9">
                    <status><basic>open</basic></status>
                    <dm:deviceID>urn:x-mac:0003ba4811e3</dm:deviceID>
                    <contact priority="0.8">sip:alice@192.0.2.10;transport=tcp</contact>
                    <timestamp>2026-11-21T09:00:00Z</timestamp>
                  </tuple>
                  <?app-hint something?>
                  <dm:person id="p1">
                    <rpid:activities from="2026-11-21T09:00:00Z"><rpid:on-the-phone/></rpid:activities>
                    <rpid:place-type><rpid:office/></rpid:place-type>
                    <c:homepage>http://example.test/alice</c:homepage>
                    <gp:geopriv><gp:location-info><civicAddress/></gp:location-info></gp:geopriv>
                    <dm:note>On a call until 10</dm:note>
                  </dm:person>
                  <dm:device id="pc"><rpid:user-input last-input="2026-11-21T08:59:00Z">active</rpid:user-input>
                    <dm:deviceID>urn:x-mac:0003ba4811e3</dm:deviceID></dm:device>
                </presence>
                """;
        assertThat(ok(xml))
                .isEqualTo(new PidfDocument(
                        "pres:alice@example.test",
                        "open",
                        List.of("sip:alice@192.0.2.10;transport=tcp"),
                        Set.of("on-the-phone"),
                        "active",
                        "On a call until 10",
                        null,
                        null));
    }

    @Test
    void otherEncodingsAreDecoded() {
        String xml = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\""
                + " entity=\"sip:alice@example.test\"><note>caf\u00e9</note></presence>";
        Result r = PidfParser.parse(xml.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(((Ok) r).document().note()).isEqualTo("caf\u00e9");
    }

    static Stream<Arguments> encodingCases() {
        String xml = "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.test\">"
                + "<note>caf\u00e9 \u2615</note></presence>";
        byte[] utf8 = xml.getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[utf8.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(utf8, 0, withBom, 3, utf8.length);
        String declared16 = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>" + xml;
        return Stream.of(
                Arguments.of("UTF-8 without declaration", utf8),
                Arguments.of("UTF-8 with BOM", withBom),
                Arguments.of("UTF-16 big-endian with BOM", declared16.getBytes(StandardCharsets.UTF_16)),
                Arguments.of(
                        "UTF-16 little-endian with BOM", ("\ufeff" + declared16).getBytes(StandardCharsets.UTF_16LE)),
                Arguments.of(
                        "declared windows-1252",
                        ("<?xml version='1.0' encoding='windows-1252'?>" + xml.replace("\u2615", "\u20ac"))
                                .replace("\u20ac", "&#x2615;")
                                .getBytes(Charset.forName("windows-1252"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("encodingCases")
    void encodings(String name, byte[] body) {
        Result r = PidfParser.parse(body);
        assertThat(r).isInstanceOf(Ok.class);
        assertThat(((Ok) r).document().note()).isEqualTo("caf\u00e9 \u2615");
    }

    /** The JDK reader prints "[Fatal Error]" to stderr on bad bytes; we decode first so clients cannot. */
    @Test
    void badBytesPrintNothing() {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            PidfParser.parse(pidf("<note>\u00ff\u00fe</note>").getBytes(StandardCharsets.ISO_8859_1));
            PidfParser.parse(new byte[] {'<', 'a', '>', (byte) 0xC3, '<', '/', 'a', '>'});
        } finally {
            System.setErr(saved);
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void entityIsTrimmed() {
        String xml = "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\" sip:alice@example.test \"/>";
        assertThat(ok(xml)).isEqualTo(new PidfDocument(ALICE, null, List.of(), Set.of(), null, null, null, null));
    }

    // ---------------------------------------------------------------- Invalid, with the reason a 400 carries

    static final String ROOT = "PIDF: root element must be presence (urn:ietf:params:xml:ns:pidf)";
    static final String NO_ENTITY = "PIDF: presence element has no entity attribute";
    static final String DOCTYPE = "PIDF: DOCTYPE is not allowed";
    static final String MALFORMED = "PIDF: malformed XML";

    static Stream<Arguments> invalidCases() {
        String person = "<dm:person id=\"p\">%s</dm:person>";
        return Stream.of(
                Arguments.of("empty", "", "PIDF: empty body"),
                Arguments.of("only whitespace", " \r\n\t", "PIDF: empty body"),
                Arguments.of("not XML", "open", MALFORMED),
                Arguments.of(
                        "unclosed element",
                        "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"x\"><tuple>",
                        MALFORMED),
                Arguments.of("mismatched end tag", pidf("<note>a</tuple>"), MALFORMED),
                Arguments.of("garbage after the root", pidf("") + "<x/>", MALFORMED),
                Arguments.of("undeclared prefix", pidf("<x:foo/>"), MALFORMED),
                Arguments.of("undeclared entity", pidf("<note>&nbsp;</note>"), MALFORMED),
                Arguments.of(
                        "bad UTF-8",
                        "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"x\"><note>\u00ff",
                        "PIDF: body is not valid UTF-8"),
                Arguments.of(
                        "unknown encoding",
                        "<?xml version=\"1.0\" encoding=\"x-klingon\"?>" + pidf(""),
                        "PIDF: unsupported encoding x-klingon"),
                Arguments.of(
                        "illegal encoding name",
                        "<?xml version='1.0' encoding='a b'?>" + pidf(""),
                        "PIDF: unsupported encoding a b"),
                Arguments.of("wrong root", "<foo xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"x\"/>", ROOT),
                Arguments.of("presence without namespace", "<presence entity=\"x\"/>", ROOT),
                Arguments.of("presence in another namespace", "<presence xmlns=\"urn:x\" entity=\"x\"/>", ROOT),
                Arguments.of(
                        "resource-lists sent as PIDF",
                        "<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"/>",
                        ROOT),
                Arguments.of("no entity", "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"/>", NO_ENTITY),
                Arguments.of(
                        "blank entity", "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"  \"/>", NO_ENTITY),
                Arguments.of(
                        "entity only as a qualified attribute",
                        "<p:presence xmlns:p=\"urn:ietf:params:xml:ns:pidf\" p:entity=\"x\"/>",
                        NO_ENTITY),
                Arguments.of("doctype alone", "<!DOCTYPE presence>" + pidf(""), DOCTYPE),
                Arguments.of(
                        "doctype after declaration",
                        "<?xml version=\"1.0\"?><!DOCTYPE presence [<!ELEMENT presence ANY>]>"
                                + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"x\"/>",
                        DOCTYPE),
                Arguments.of(
                        "external entity (XXE)",
                        "<?xml version=\"1.0\"?><!DOCTYPE presence [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
                                + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"x\"><note>&xxe;</note></presence>",
                        DOCTYPE),
                Arguments.of(
                        "external DTD",
                        "<!DOCTYPE presence SYSTEM \"http://192.0.2.1/evil.dtd\"><presence xmlns=\"urn:ietf:params:xml:ns:pidf\""
                                + " entity=\"x\"/>",
                        DOCTYPE),
                Arguments.of(
                        "entity expansion bomb",
                        "<!DOCTYPE presence [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
                                + "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]>"
                                + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"x\"><note>&d;&d;&d;</note></presence>",
                        DOCTYPE),
                Arguments.of(
                        "basic neither open nor closed", pidf(tuple("maybe")), "PIDF: basic must be open or closed"),
                Arguments.of("empty basic", pidf(tuple("")), "PIDF: basic must be open or closed"),
                Arguments.of(
                        "note holding elements", pidf("<note>a<b>c</b></note>"), "PIDF: note must contain only text"),
                Arguments.of("basic holding elements", pidf(tuple("<x/>open")), "PIDF: basic must contain only text"),
                Arguments.of(
                        "user-input neither active nor idle",
                        pidf(person.formatted("<rpid:user-input>asleep</rpid:user-input>")),
                        "PIDF: user-input must be active or idle"),
                Arguments.of(
                        "custom-state 0",
                        pidf(person.formatted("<sb:custom-state>0</sb:custom-state>")),
                        "PIDF: custom-state must be 1 to 4"),
                Arguments.of(
                        "custom-state 5",
                        pidf(person.formatted("<sb:custom-state>5</sb:custom-state>")),
                        "PIDF: custom-state must be 1 to 4"),
                Arguments.of(
                        "custom-state 12",
                        pidf(person.formatted("<sb:custom-state>12</sb:custom-state>")),
                        "PIDF: custom-state must be 1 to 4"),
                Arguments.of(
                        "custom-state -1",
                        pidf(person.formatted("<sb:custom-state>-1</sb:custom-state>")),
                        "PIDF: custom-state must be 1 to 4"),
                Arguments.of(
                        "custom-state text",
                        pidf(person.formatted("<sb:custom-state>two</sb:custom-state>")),
                        "PIDF: custom-state must be 1 to 4"),
                Arguments.of(
                        "custom-state empty",
                        pidf(person.formatted("<sb:custom-state/>")),
                        "PIDF: custom-state must be 1 to 4"),
                Arguments.of(
                        "second custom-state invalid",
                        pidf(person.formatted(
                                "<sb:custom-state>1</sb:custom-state><sb:custom-state>9</sb:custom-state>")),
                        "PIDF: custom-state must be 1 to 4"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidCases")
    void invalid(String name, String body, String reason) {
        byte[] bytes = name.equals("bad UTF-8")
                ? body.getBytes(StandardCharsets.ISO_8859_1)
                : body.getBytes(StandardCharsets.UTF_8);
        Result r = PidfParser.parse(bytes);
        assertThat(r).isInstanceOf(Invalid.class);
        String got = ((Invalid) r).reason();
        if (reason.equals(MALFORMED)) {
            assertThat(got).startsWith(MALFORMED);
        } else {
            assertThat(got).isEqualTo(reason);
        }
        // Usable as a SIP reason phrase (RFC 3261 section 25.1): one line, and we keep it ASCII.
        assertThat(got).matches("[\\x20-\\x7e]+").hasSizeLessThan(200);
    }

    @Test
    void nullBodyIsEmpty() {
        assertThat(PidfParser.parse(null)).isEqualTo(new Invalid("PIDF: empty body"));
    }

    @Test
    void malformedReasonSaysWhere() {
        Result r = parse("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"x\">\n<tuple>\n</presence>");
        assertThat(((Invalid) r).reason()).startsWith("PIDF: malformed XML at line 3");
    }

    /** The factory is shared by every thread that parses (JAIN-SIP and entity threads). */
    @Test
    void sharedFactoryIsSafeAcrossThreads() throws Exception {
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    int good = 0;
                    for (int i = 0; i < 300; i++) {
                        String note = "thread " + id + " round " + i;
                        String xml = pidf("<dm:person id=\"p\"><dm:note>" + note + "</dm:note></dm:person>"
                                + (i % 3 == 0 ? "<broken>" : ""));
                        Result r = parse(xml);
                        boolean ok = i % 3 == 0
                                ? r instanceof Invalid
                                : r instanceof Ok o && o.document().note().equals(note);
                        good += ok ? 1 : 0;
                    }
                    return good;
                }));
            }
            for (Future<Integer> f : done) {
                assertThat(f.get()).isEqualTo(300);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void deeplyNestedUnknownElementsDoNotOverflow() {
        int depth = 20_000;
        String inner = "<x:a xmlns:x=\"urn:x\">".repeat(depth) + "</x:a>".repeat(depth);
        assertThat(ok(pidf(inner + tuple("open"))).basic()).isEqualTo("open");
    }
}

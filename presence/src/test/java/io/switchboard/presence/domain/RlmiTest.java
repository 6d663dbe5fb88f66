package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.presence.domain.Rlmi.Body;
import io.switchboard.presence.domain.Rlmi.Resource;
import java.io.StringReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 4662 section 5 NOTIFY bodies, taken apart the way a watcher would (RFC 2046, RFC 2387). */
class RlmiTest {

    static final String LIST = "sip:alice-buddies@example.test";
    static final String BOUNDARY = "50UBfW7LSCVLtggUPe5z";
    static final Pattern CONTENT_ID = Pattern.compile("<[A-Za-z0-9_-]+@sb>");

    static String pidf(String user, Availability a) {
        return PidfWriter.write(new PresenceView(
                "sip:" + user + "@example.test",
                a,
                null,
                "note of " + user,
                List.of(),
                Instant.parse("2026-11-21T09:00:00Z")));
    }

    static Resource active(String user, String id) {
        return new Resource("sip:" + user + "@example.test", id, "active", null, pidf(user, Availability.AVAILABLE));
    }

    // ------------------------------------------------------------ a watcher's view of the body

    record Part(Map<String, String> headers, String content) {}

    /** Splits a multipart body exactly as RFC 2046 section 5.1.1 defines it, failing on any deviation. */
    static List<Part> split(String text, String boundary) {
        String delimiter = "--" + boundary;
        String close = "\r\n" + delimiter + "--\r\n";
        assertThat(text).as("no preamble").startsWith(delimiter + "\r\n");
        assertThat(text).as("close-delimiter").endsWith(close);
        String inner = text.substring(delimiter.length() + 2, text.length() - close.length());
        List<Part> parts = new ArrayList<>();
        for (String raw : inner.split(Pattern.quote("\r\n" + delimiter + "\r\n"), -1)) {
            int blank = raw.indexOf("\r\n\r\n");
            assertThat(blank).as("headers end with a blank line in %s", raw).isPositive();
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line : raw.substring(0, blank).split("\r\n")) {
                int colon = line.indexOf(':');
                assertThat(colon).as("header line %s", line).isPositive();
                assertThat(headers.put(
                                line.substring(0, colon),
                                line.substring(colon + 1).trim()))
                        .isNull();
            }
            parts.add(new Part(headers, raw.substring(blank + 4)));
        }
        return parts;
    }

    record Instance(String resourceUri, String id, String state, String reason, String cid) {}

    record RlmiList(String uri, String version, String fullState, List<Instance> instances) {}

    static RlmiList parseRlmi(String xml) throws XMLStreamException {
        XMLInputFactory f = XMLInputFactory.newDefaultFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        XMLStreamReader r = f.createXMLStreamReader(new StringReader(xml));
        String uri = null;
        String version = null;
        String fullState = null;
        String resource = null;
        List<Instance> instances = new ArrayList<>();
        while (r.hasNext()) {
            if (r.next() != XMLStreamConstants.START_ELEMENT) {
                continue;
            }
            assertThat(r.getNamespaceURI()).isEqualTo("urn:ietf:params:xml:ns:rlmi");
            switch (r.getLocalName()) {
                case "list" -> {
                    uri = r.getAttributeValue(null, "uri");
                    version = r.getAttributeValue(null, "version");
                    fullState = r.getAttributeValue(null, "fullState");
                }
                case "resource" -> resource = r.getAttributeValue(null, "uri");
                case "instance" ->
                    instances.add(new Instance(
                            resource,
                            r.getAttributeValue(null, "id"),
                            r.getAttributeValue(null, "state"),
                            r.getAttributeValue(null, "reason"),
                            r.getAttributeValue(null, "cid")));
                default -> throw new AssertionError("unexpected element " + r.getLocalName());
            }
        }
        return new RlmiList(uri, version, fullState, instances);
    }

    /** Every structural promise of the body, checked for one build. */
    static RlmiList checkStructure(
            Body body, String boundary, String listUri, int version, boolean fullState, List<Resource> resources)
            throws XMLStreamException {
        Matcher ct = Pattern.compile("multipart/related;type=\"application/rlmi\\+xml\";start=\"(<[^\"]+>)\";"
                        + "boundary=\"" + Pattern.quote(boundary) + "\"")
                .matcher(body.contentType());
        assertThat(ct.matches()).as("content type %s", body.contentType()).isTrue();
        String start = ct.group(1);

        List<Part> parts = split(body.text(), boundary);
        long withState = resources.stream().filter(r -> r.pidf() != null).count();
        assertThat(parts).hasSize(1 + (int) withState);

        Part root = parts.get(0);
        assertThat(root.headers())
                .containsEntry("Content-ID", start)
                .containsEntry("Content-Type", "application/rlmi+xml;charset=\"UTF-8\"")
                .containsEntry("Content-Transfer-Encoding", "binary");
        Set<String> contentIds = new HashSet<>();
        for (Part p : parts) {
            assertThat(p.headers().get("Content-ID")).matches(CONTENT_ID);
            assertThat(contentIds.add(p.headers().get("Content-ID")))
                    .as("Content-IDs unique")
                    .isTrue();
        }

        RlmiList list = parseRlmi(root.content());
        assertThat(list.uri()).isEqualTo(listUri);
        assertThat(list.version()).isEqualTo(Integer.toString(version));
        assertThat(list.fullState()).isEqualTo(Boolean.toString(fullState));
        assertThat(list.instances()).hasSameSizeAs(resources);

        Map<String, Part> byCid = new LinkedHashMap<>();
        for (Part p : parts.subList(1, parts.size())) {
            assertThat(p.headers())
                    .containsEntry("Content-Type", "application/pidf+xml;charset=\"UTF-8\"")
                    .containsEntry("Content-Transfer-Encoding", "binary");
            String id = p.headers().get("Content-ID");
            byCid.put(id.substring(1, id.length() - 1), p);
        }
        for (int i = 0; i < resources.size(); i++) {
            Resource want = resources.get(i);
            Instance got = list.instances().get(i);
            assertThat(got.resourceUri()).isEqualTo(want.uri());
            assertThat(got.id()).isEqualTo(want.instanceId());
            assertThat(got.state()).isEqualTo(want.state());
            assertThat(got.reason()).isEqualTo(want.reason());
            if (want.pidf() == null) {
                assertThat(got.cid()).as("no cid without a body part").isNull();
            } else {
                assertThat(byCid).as("part for cid %s", got.cid()).containsKey(got.cid());
                assertThat(byCid.get(got.cid()).content()).isEqualTo(want.pidf());
            }
        }
        return list;
    }

    static Stream<Arguments> scenarios() {
        return Stream.of(
                Arguments.of(
                        "full state, all active", true, List.of(active("bob", "bob-1"), active("carol", "carol-1"))),
                Arguments.of("partial: one change", false, List.of(active("carol", "carol-1"))),
                Arguments.of("empty list", true, List.of()),
                Arguments.of(
                        "pending and terminated carry no part",
                        true,
                        List.of(
                                active("bob", "bob-1"),
                                new Resource("sip:dave@partner.test", "dave-1", "pending", null, null),
                                new Resource("sip:erin@example.test", "erin-1", "terminated", "rejected", null),
                                new Resource("sip:fred@example.test", "fred-1", "terminated", null, null))),
                Arguments.of(
                        "instance ids that clash once made safe",
                        true,
                        List.of(active("a", "x y"), active("b", "x/y"), active("c", "X-Y"), active("d", "x:y"))),
                Arguments.of(
                        "instance id named like the RLMI part",
                        true,
                        List.of(active("a", "rlmi"), active("b", "RLMI"))),
                Arguments.of(
                        "instance ids with markup and non-ASCII",
                        false,
                        List.of(
                                active("a", "<id&\"1\">"),
                                active("b", "caf\u00e9\u2615"),
                                active("c", "a".repeat(200)))),
                Arguments.of(
                        "terminated with a body (final state)",
                        false,
                        List.of(new Resource(
                                "sip:bob@example.test",
                                "bob-1",
                                "terminated",
                                "deactivated",
                                pidf("bob", Availability.OFFLINE)))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void structure(String name, boolean fullState, List<Resource> resources) throws XMLStreamException {
        Body body = Rlmi.build(LIST, 7, fullState, resources, BOUNDARY);
        checkStructure(body, BOUNDARY, LIST, 7, fullState, resources);
    }

    @Test
    void exactFirstPart() {
        Body body = Rlmi.build(
                LIST,
                0,
                true,
                List.of(
                        new Resource("sip:bob@example.test", "b1", "active", null, "<presence/>"),
                        new Resource("sip:eve@example.test", "e1", "terminated", "noresource", null)),
                BOUNDARY);
        assertThat(body.contentType())
                .isEqualTo("multipart/related;type=\"application/rlmi+xml\";start=\"<rlmi@sb>\";boundary=\"" + BOUNDARY
                        + "\"");
        assertThat(body.text())
                .isEqualTo("--" + BOUNDARY + "\r\n"
                        + "Content-Transfer-Encoding: binary\r\n"
                        + "Content-ID: <rlmi@sb>\r\n"
                        + "Content-Type: application/rlmi+xml;charset=\"UTF-8\"\r\n"
                        + "\r\n"
                        + "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
                        + "<list xmlns=\"urn:ietf:params:xml:ns:rlmi\" uri=\"" + LIST
                        + "\" version=\"0\" fullState=\"true\">\r\n"
                        + "<resource uri=\"sip:bob@example.test\"><instance id=\"b1\" state=\"active\" cid=\"b1@sb\"/></resource>\r\n"
                        + "<resource uri=\"sip:eve@example.test\"><instance id=\"e1\" state=\"terminated\" reason=\"noresource\"/>"
                        + "</resource>\r\n"
                        + "</list>\r\n"
                        + "--" + BOUNDARY + "\r\n"
                        + "Content-Transfer-Encoding: binary\r\n"
                        + "Content-ID: <b1@sb>\r\n"
                        + "Content-Type: application/pidf+xml;charset=\"UTF-8\"\r\n"
                        + "\r\n"
                        + "<presence/>\r\n"
                        + "--" + BOUNDARY + "--\r\n");
    }

    @Test
    void clashingInstanceIdsGetDistinctContentIds() {
        Body body = Rlmi.build(
                LIST, 1, true, List.of(active("a", "rlmi"), active("b", "x y"), active("c", "x/y")), BOUNDARY);
        assertThat(body.text())
                .contains(
                        "Content-ID: <rlmi@sb>",
                        "Content-ID: <rlmi-2@sb>",
                        "Content-ID: <x-y@sb>",
                        "Content-ID: <x-y-2@sb>");
    }

    @Test
    void listUriAndReasonAreEscaped() throws XMLStreamException {
        String uri = "sip:list@example.test;x=\"a&b\"";
        List<Resource> resources = List.of(new Resource("sip:b@h;p=<1>", "i", "terminated", "a&b", null));
        RlmiList list =
                checkStructure(Rlmi.build(uri, 3, false, resources, BOUNDARY), BOUNDARY, uri, 3, false, resources);
        assertThat(list.instances().get(0).reason()).isEqualTo("a&b");
    }

    @Test
    void newBoundaryIsRandomAndUsable() throws XMLStreamException {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            String b = Rlmi.newBoundary();
            assertThat(b).matches("[A-Za-z0-9]{32}");
            assertThat(seen.add(b)).isTrue();
        }
        String b = Rlmi.newBoundary();
        List<Resource> resources = List.of(active("bob", "bob-1"));
        checkStructure(Rlmi.build(LIST, 1, true, resources, b), b, LIST, 1, true, resources);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"a", "'()+_,-./:=? x", "0123456789012345678901234567890123456789012345678901234567890123456789"})
    void boundariesRfc2046Allows(String boundary) throws XMLStreamException {
        List<Resource> resources = List.of(active("bob", "bob-1"));
        checkStructure(Rlmi.build(LIST, 2, true, resources, boundary), boundary, LIST, 2, true, resources);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "ends in space ",
                "has\"quote",
                "semi;colon",
                "line\r\nbreak",
                "01234567890123456789012345678901234567890123456789012345678901234567890"
            })
    void boundariesRfc2046Refuses(String boundary) {
        assertThatThrownBy(() -> Rlmi.build(LIST, 1, true, List.of(), boundary))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPartContainingTheBoundaryIsRefused() {
        Resource r = new Resource("sip:b@h", "i", "active", null, "x\r\n--" + BOUNDARY + "\r\nevil");
        assertThatThrownBy(() -> Rlmi.build(LIST, 1, true, List.of(r), BOUNDARY))
                .isInstanceOf(IllegalArgumentException.class);
    }

    static Stream<Arguments> badResources() {
        return Stream.of(
                Arguments.of(null, "i", "active", null),
                Arguments.of(" ", "i", "active", null),
                Arguments.of("sip:b@h", null, "active", null),
                Arguments.of("sip:b@h", "", "active", null),
                Arguments.of("sip:b@h", "i", "Active", null),
                Arguments.of("sip:b@h", "i", "gone", null),
                Arguments.of("sip:b@h", "i", null, null),
                Arguments.of("sip:b@h", "i", "active", "timeout"),
                Arguments.of("sip:b@h", "i", "pending", "timeout"));
    }

    @ParameterizedTest
    @MethodSource("badResources")
    void resourceArgumentsAreChecked(String uri, String id, String state, String reason) {
        assertThatThrownBy(() -> new Resource(uri, id, state, reason, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void buildArgumentsAreChecked() {
        assertThatThrownBy(() -> Rlmi.build(LIST, -1, true, List.of(), BOUNDARY))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rlmi.build(" ", 1, true, List.of(), BOUNDARY))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rlmi.build(LIST, 1, true, List.of(), null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

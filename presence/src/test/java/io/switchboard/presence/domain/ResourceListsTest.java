package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.presence.domain.ResourceLists.Invalid;
import io.switchboard.presence.domain.ResourceLists.Ok;
import io.switchboard.presence.domain.ResourceLists.Result;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** RFC 4826 resource-lists as a SUBSCRIBE body or stored contact list: one row per rule. */
class ResourceListsTest {

    static String doc(String inner) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\">" + inner + "</resource-lists>";
    }

    static String entry(String uri) {
        return "<entry uri=\"" + uri + "\"/>";
    }

    static Result parse(String xml, int max) {
        return ResourceLists.parse(xml.getBytes(StandardCharsets.UTF_8), max);
    }

    static Stream<Arguments> okCases() {
        return Stream.of(
                Arguments.of("no list", doc(""), List.of()),
                Arguments.of("empty list", doc("<list name=\"friends\"/>"), List.of()),
                Arguments.of(
                        "one list, document order",
                        doc("<list>" + entry("sip:bob@example.test") + entry("sips:carol@example.test")
                                + entry("pres:dave@example.test") + "</list>"),
                        List.of("sip:bob@example.test", "sips:carol@example.test", "pres:dave@example.test")),
                Arguments.of(
                        "RFC 4826 style entries with display names",
                        doc("<list name=\"friends\"><display-name>Friends</display-name>"
                                + "<entry uri=\"sip:bob@example.test\"><display-name>Bob</display-name></entry>"
                                + "<entry uri=\"sip:joe@example.test\"><display-name xml:lang=\"en\">Joe</display-name>"
                                + "</entry></list>"),
                        List.of("sip:bob@example.test", "sip:joe@example.test")),
                Arguments.of(
                        "nested lists and several top-level lists",
                        doc("<list>" + entry("sip:a@h") + "<list name=\"inner\">" + entry("sip:b@h")
                                + "<list>" + entry("sip:c@h") + "</list></list>" + entry("sip:d@h") + "</list>"
                                + "<list>" + entry("sip:e@h") + "</list>"),
                        List.of("sip:a@h", "sip:b@h", "sip:c@h", "sip:d@h", "sip:e@h")),
                Arguments.of(
                        "duplicates dropped across lists",
                        doc("<list>" + entry("sip:a@h") + entry("sip:b@h") + "</list><list>" + entry("sip:a@h")
                                + "</list>"),
                        List.of("sip:a@h", "sip:b@h")),
                Arguments.of(
                        "uri trimmed, scheme case-insensitive",
                        doc("<list>" + entry(" SIP:a@h ") + "</list>"),
                        List.of("SIP:a@h")),
                Arguments.of(
                        "entry-ref and external ignored",
                        doc("<list>" + entry("sip:a@h")
                                + "<entry-ref ref=\"resource-lists/users/sip:bob@example.test/index/~~/resource-lists/list%5b@name=%22l1%22%5d/entry%5b1%5d\"/>"
                                + "<external anchor=\"http://xcap.example.test/resource-lists/users/sip:a@example.test/index/~~/resource-lists/list%5b@name=%22mkting%22%5d\"/>"
                                + "</list>"),
                        List.of("sip:a@h")),
                Arguments.of(
                        "entries outside a list ignored",
                        doc(entry("sip:x@h") + "<list>" + entry("sip:a@h") + "</list>"),
                        List.of("sip:a@h")),
                Arguments.of(
                        "elements of other namespaces ignored, even if named list or entry",
                        doc("<x:list xmlns:x=\"urn:x\"><x:entry uri=\"sip:x@h\"/>" + entry("sip:y@h") + "</x:list>"
                                + "<list><x:ext xmlns:x=\"urn:x\">" + entry("sip:z@h") + "</x:ext>" + entry("sip:a@h")
                                + "<x:entry xmlns:x=\"urn:x\" uri=\"http://not-checked\"/></list>"),
                        List.of("sip:a@h")),
                Arguments.of(
                        "prefixed",
                        "<rl:resource-lists xmlns:rl=\"urn:ietf:params:xml:ns:resource-lists\">"
                                + "<rl:list><rl:entry uri=\"sip:a@h\"/></rl:list></rl:resource-lists>",
                        List.of("sip:a@h")),
                Arguments.of(
                        "default namespace switched on the list",
                        "<q:resource-lists xmlns:q=\"urn:ietf:params:xml:ns:resource-lists\">"
                                + "<list xmlns=\"urn:ietf:params:xml:ns:resource-lists\"><entry uri=\"sip:a@h\"/></list>"
                                + "</q:resource-lists>",
                        List.of("sip:a@h")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("okCases")
    void ok(String name, String xml, List<String> uris) {
        assertThat(parse(xml, 100)).isEqualTo(new Ok(uris));
    }

    static final String ROOT =
            "Resource list: root element must be resource-lists (urn:ietf:params:xml:ns:resource-lists)";
    static final String MALFORMED = "Resource list: malformed XML";

    static Stream<Arguments> invalidCases() {
        return Stream.of(
                Arguments.of("empty", "", "Resource list: empty body"),
                Arguments.of("blank", "\r\n ", "Resource list: empty body"),
                Arguments.of("not XML", "sip:a@h", MALFORMED),
                Arguments.of("truncated", doc("<list>" + entry("sip:a@h")).replace("</resource-lists>", ""), MALFORMED),
                Arguments.of(
                        "bad UTF-8 (a Latin-1 body without declaration)",
                        doc("<list>" + entry("sip:j\u00f6rg@h") + "</list>"),
                        "Resource list: body is not valid UTF-8"),
                Arguments.of("wrong root", "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"x\"/>", ROOT),
                Arguments.of("no namespace", "<resource-lists><list/></resource-lists>", ROOT),
                Arguments.of("list as root", "<list xmlns=\"urn:ietf:params:xml:ns:resource-lists\"/>", ROOT),
                Arguments.of("doctype", "<!DOCTYPE resource-lists>" + doc(""), "Resource list: DOCTYPE is not allowed"),
                Arguments.of(
                        "external entity",
                        "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                                + doc("<list>" + entry("sip:&x;") + "</list>"),
                        "Resource list: DOCTYPE is not allowed"),
                Arguments.of("entry without uri", doc("<list><entry/></list>"), "Resource list: entry without uri"),
                Arguments.of(
                        "entry with blank uri",
                        doc("<list>" + entry(" ") + "</list>"),
                        "Resource list: entry without uri"),
                Arguments.of(
                        "uri only namespace-qualified",
                        doc("<list><entry xmlns:x=\"urn:x\" x:uri=\"sip:a@h\"/></list>"),
                        "Resource list: entry without uri"),
                Arguments.of(
                        "http uri",
                        doc("<list>" + entry("http://example.test/") + "</list>"),
                        "Resource list: entry uri 'http://example.test/' is not a sip:, sips: or pres: URI"),
                Arguments.of(
                        "tel uri",
                        doc("<list>" + entry("tel:+3120") + "</list>"),
                        "Resource list: entry uri 'tel:+3120' is not a sip:, sips: or pres: URI"),
                Arguments.of(
                        "scheme only",
                        doc("<list>" + entry("sip:") + "</list>"),
                        "Resource list: entry uri 'sip:' is not a sip:, sips: or pres: URI"),
                Arguments.of(
                        "no scheme",
                        doc("<list>" + entry("bob@example.test") + "</list>"),
                        "Resource list: entry uri 'bob@example.test' is not a sip:, sips: or pres: URI"),
                Arguments.of(
                        "bad uri in a nested list",
                        doc("<list>" + entry("sip:a@h") + "<list>" + entry("mailto:a@h") + "</list></list>"),
                        "Resource list: entry uri 'mailto:a@h' is not a sip:, sips: or pres: URI"),
                Arguments.of(
                        "line break in a bad uri cannot split the reason",
                        doc("<list>" + entry("x&#13;&#10;Via: evil") + "</list>"),
                        "Resource list: entry uri 'x??Via: evil' is not a sip:, sips: or pres: URI"),
                Arguments.of(
                        "long bad uri is cut",
                        doc("<list>" + entry("http://" + "a".repeat(300)) + "</list>"),
                        "Resource list: entry uri 'http://" + "a".repeat(73)
                                + "...' is not a sip:, sips: or pres: URI"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidCases")
    void invalid(String name, String xml, String reason) {
        Result r = name.startsWith("bad UTF-8")
                ? ResourceLists.parse(xml.getBytes(StandardCharsets.ISO_8859_1), 100)
                : parse(xml, 100);
        assertThat(r).isInstanceOf(Invalid.class);
        String got = ((Invalid) r).reason();
        if (reason.equals(MALFORMED)) {
            assertThat(got).startsWith(MALFORMED);
        } else {
            assertThat(got).isEqualTo(reason);
        }
        assertThat(got).matches("[\\x20-\\x7e]+").hasSizeLessThan(200);
    }

    static String entries(int n) {
        return doc("<list>"
                + IntStream.rangeClosed(1, n)
                        .mapToObj(i -> entry("sip:u" + i + "@h"))
                        .collect(Collectors.joining()) + "</list>");
    }

    static Stream<Arguments> limitCases() {
        return Stream.of(
                // entries, limit, accepted
                Arguments.of(0, 0, true),
                Arguments.of(1, 0, false),
                Arguments.of(5, 5, true),
                Arguments.of(6, 5, false),
                Arguments.of(1000, 1000, true),
                Arguments.of(1001, 1000, false));
    }

    @ParameterizedTest(name = "{0} entries, limit {1}")
    @MethodSource("limitCases")
    void limit(int n, int max, boolean accepted) {
        Result r = parse(entries(n), max);
        if (accepted) {
            assertThat(((Ok) r).uris()).hasSize(n);
        } else {
            assertThat(r).isEqualTo(new Invalid("Resource list has more than " + max + " entries"));
        }
    }

    @Test
    void duplicatesDoNotCountAgainstTheLimit() {
        String xml = doc("<list>" + entry("sip:a@h").repeat(10) + entry("sip:b@h") + "</list>");
        assertThat(parse(xml, 2)).isEqualTo(new Ok(List.of("sip:a@h", "sip:b@h")));
    }

    @Test
    void negativeLimitIsAProgrammingError() {
        assertThatThrownBy(() -> parse(doc(""), -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nullBodyIsEmpty() {
        assertThat(ResourceLists.parse(null, 10)).isEqualTo(new Invalid("Resource list: empty body"));
    }
}

package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which bodies a subscriber takes (406) and which PUBLISH bodies are read (413, 415). */
class PresenceMediaTest {

    static Stream<Arguments> accepts() {
        return Stream.of(
                Arguments.of("RFC 3856 s6.5: no Accept means pidf", List.of(), true),
                Arguments.of("pidf", List.of("application/pidf+xml"), true),
                Arguments.of("application/*", List.of("application/*"), true),
                Arguments.of("*/*", List.of("*/*"), true),
                Arguments.of(
                        "RFC 4662 s5: multipart/related carries list NOTIFYs",
                        List.of("multipart/related", "application/rlmi+xml"),
                        true),
                Arguments.of("any acceptable one among several", List.of("text/html", "application/pidf+xml"), true),
                Arguments.of("xpidf only", List.of("application/xpidf+xml"), false),
                Arguments.of("rlmi only", List.of("application/rlmi+xml"), false),
                Arguments.of("text/* does not cover pidf", List.of("text/*"), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepts")
    void subscriber_accepts(String rule, List<String> accept, boolean expected) {
        assertThat(PresenceMedia.subscriberAccepts(accept)).isEqualTo(expected);
    }

    static Stream<Arguments> publishBodies() {
        EdgeRefusal unsupported = new EdgeRefusal(415, null, Map.of("Accept", "application/pidf+xml"));
        EdgeRefusal tooLarge = EdgeRefusal.of(413, "Presence document larger than 25 KB");
        return Stream.of(
                Arguments.of("pidf, small", "application/pidf+xml", 4000, Optional.empty()),
                Arguments.of("pidf, exactly 25 KB", "application/pidf+xml", 25 * 1024, Optional.empty()),
                Arguments.of(
                        "pidf, one byte over 25 KB: 413", "application/pidf+xml", 25 * 1024 + 1, Optional.of(tooLarge)),
                Arguments.of(
                        "RFC 3903 s6: not pidf, 415 with Accept",
                        "application/xpidf+xml",
                        100,
                        Optional.of(unsupported)),
                Arguments.of("no Content-Type, 415", null, 100, Optional.of(unsupported)),
                Arguments.of("size is checked before type", "text/plain", 30_000, Optional.of(tooLarge)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("publishBodies")
    void publish_bodies(String rule, String type, int length, Optional<EdgeRefusal> expected) {
        assertThat(PresenceMedia.checkPublishBody(type, length)).isEqualTo(expected);
    }
}

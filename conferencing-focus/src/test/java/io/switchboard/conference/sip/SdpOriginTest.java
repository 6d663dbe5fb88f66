package io.switchboard.conference.sip;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SdpOriginTest {

    static final String A = "v=0\r\no=mixer-a 4711 7 IN IP4 10.0.0.1\r\ns=a\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
            + "m=audio 30000 RTP/AVP 0\r\n";
    static final String B = "v=0\r\no=mixer-b 99 1 IN IP4 10.0.0.2\r\ns=b\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\n"
            + "m=audio 31000 RTP/AVP 0\r\n";

    static String continuing(String previous, String next) {
        byte[] out = SdpOrigin.continuing(
                previous == null ? null : previous.getBytes(StandardCharsets.UTF_8),
                next.getBytes(StandardCharsets.UTF_8));
        return new String(out, StandardCharsets.UTF_8);
    }

    @Test
    void the_new_mixers_media_under_the_origin_the_participant_has_one_version_up() {
        assertThat(continuing(A, B))
                .isEqualTo(B.replace("o=mixer-b 99 1 IN IP4 10.0.0.2", "o=mixer-a 4711 8 IN IP4 10.0.0.1"))
                .contains("c=IN IP4 10.0.0.2", "m=audio 31000");
    }

    @Test
    void bare_line_feeds_are_kept() {
        assertThat(continuing(A.replace("\r\n", "\n"), B.replace("\r\n", "\n")))
                .isEqualTo(B.replace("\r\n", "\n")
                        .replace("o=mixer-b 99 1", "o=mixer-a 4711 8")
                        .replace("IN IP4 10.0.0.2\ns=", "IN IP4 10.0.0.1\ns="));
    }

    @Test
    void without_a_usable_origin_the_new_sdp_goes_as_it_is() {
        assertThat(continuing(null, B)).isEqualTo(B);
        assertThat(continuing("v=0\r\ns=-\r\n", B)).isEqualTo(B);
        assertThat(continuing(A.replace(" 7 IN", " seven IN"), B)).isEqualTo(B);
        assertThat(continuing(A, "v=0\r\ns=-\r\n")).isEqualTo("v=0\r\ns=-\r\n");
    }
}

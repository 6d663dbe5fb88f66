package io.switchboard.park.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SdpTest {

    static String offer(String sessionC, String m, String mediaC, String attr) {
        return "v=0\r\no=bob 1 1 IN IP4 192.0.2.9\r\ns=-\r\n" + (sessionC.isEmpty() ? "" : "c=" + sessionC + "\r\n")
                + "t=0 0\r\n" + "m=" + m + "\r\n" + (mediaC.isEmpty() ? "" : "c=" + mediaC + "\r\n")
                + (attr.isEmpty() ? "" : attr + "\r\n");
    }

    @ParameterizedTest(name = "{0} | {1} | {2} -> {4}:{5} {6}")
    @CsvSource(
            delimiter = '|',
            value = {
                "IN IP4 192.0.2.9 | audio 4000 RTP/AVP 0 8 101 |                  | | 192.0.2.9 | 4000 | PCMU",
                "IN IP4 192.0.2.9 | audio 4000 RTP/AVP 8 0     |                  | | 192.0.2.9 | 4000 | PCMA",
                "IN IP4 192.0.2.9 | audio 4000 RTP/AVP 18 8    |                  | | 192.0.2.9 | 4000 | PCMA",
                "IN IP4 192.0.2.9 | audio 4002 RTP/AVP 0       | IN IP4 198.51.100.1 | | 198.51.100.1 | 4002 | PCMU",
                "                 | audio 4002 RTP/AVP 0       | IN IP4 198.51.100.1 | | 198.51.100.1 | 4002 | PCMU",
            })
    void the_first_g711_codec_and_the_media_address(
            String sessionC, String m, String mediaC, String attr, String host, int port, Codec codec) {
        var audio = Sdp.audioOf(offer(n(sessionC), m, n(mediaC), n(attr))).orElseThrow();
        assertThat(audio.host()).isEqualTo(host);
        assertThat(audio.port()).isEqualTo(port);
        assertThat(audio.codec()).isEqualTo(codec);
        assertThat(audio.sendsToUs()).isTrue();
    }

    @ParameterizedTest(name = "{1} -> none")
    @CsvSource(
            delimiter = '|',
            value = {
                "IN IP4 192.0.2.9 | audio 4000 RTP/AVP 18 101", // no G.711: 488
                "IN IP4 192.0.2.9 | audio 0 RTP/AVP 0", // stream refused
                "                 | audio 4000 RTP/AVP 0", // no address
                "IN IP4 192.0.2.9 | video 4000 RTP/AVP 96", // no audio
            })
    void offers_without_a_usable_audio_stream(String sessionC, String m) {
        assertThat(Sdp.audioOf(offer(n(sessionC), m, "", ""))).isEmpty();
    }

    @Test
    void no_body_is_no_offer_and_recvonly_is_noted() {
        assertThat(Sdp.audioOf(null)).isEqualTo(Optional.empty());
        assertThat(Sdp.audioOf(offer("IN IP4 192.0.2.9", "audio 4000 RTP/AVP 0", "", "a=recvonly"))
                        .orElseThrow()
                        .sendsToUs())
                .isFalse();
    }

    @Test
    void the_answer_is_one_send_only_stream_that_reads_back() {
        String answer = Sdp.answer("127.0.0.1", 40000, Codec.PCMA, 77);
        assertThat(answer)
                .contains(
                        "c=IN IP4 127.0.0.1\r\n",
                        "m=audio 40000 RTP/AVP 8\r\n",
                        "a=rtpmap:8 PCMA/8000\r\n",
                        "a=sendonly\r\n");
        var back = Sdp.audioOf(answer).orElseThrow();
        assertThat(back.port()).isEqualTo(40000);
        assertThat(back.codec()).isEqualTo(Codec.PCMA);
    }

    private static String n(String s) {
        return s == null ? "" : s.trim();
    }
}

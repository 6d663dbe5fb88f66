package io.switchboard.park.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a takeover changes in a caller's hold and where the music is after a while. */
class CallerHoldTest {

    static final Instant AT = Instant.parse("2026-12-05T08:00:00Z");

    static CallerHold hold(String transport) {
        return new CallerHold(
                "node-a",
                transport,
                "c@1",
                "ours",
                "theirs",
                "sip:park@example.test",
                "sip:bob@example.test",
                "sip:bob@192.0.2.7",
                List.of(),
                CallerHold.CSEQ_BLOCK,
                "192.0.2.7",
                4000,
                0,
                "v=0",
                AT,
                480,
                "192.0.2.1",
                9,
                9);
    }

    @Test
    void a_takeover_moves_to_the_next_cseq_block_and_sdp_version_and_keeps_the_dialog() {
        CallerHold first = hold("udp");
        assertThat(first.firstCseq()).isEqualTo(1);
        CallerHold taken = first.takenBy("node-b");
        assertThat(taken.holder()).isEqualTo("node-b");
        assertThat(taken.firstCseq()).isEqualTo(first.cseqCeiling() + 1); // above every CSeq stored before
        assertThat(taken.sdpVersion()).isEqualTo(10);
        assertThat(taken.sdpSessionId()).isEqualTo(9);
        assertThat(taken.localTag()).isEqualTo("ours");
        assertThat(taken.remoteTarget()).isEqualTo("sip:bob@192.0.2.7");
        assertThat(taken.mohAt()).isEqualTo(AT);
    }

    @Test
    void only_udp_legs_can_be_taken_over() {
        assertThat(hold("udp").connectionOriented()).isFalse();
        assertThat(hold("UDP").connectionOriented()).isFalse();
        assertThat(hold("tcp").connectionOriented()).isTrue();
        assertThat(hold("tls").connectionOriented()).isTrue();
    }

    @Test
    void the_music_position_follows_the_clock_in_whole_packets_and_wraps() {
        CallerHold h = hold("udp");
        assertThat(h.mohPositionAt(AT, 38_400)).isEqualTo(480);
        assertThat(h.mohPositionAt(AT.plusMillis(19), 38_400)).isEqualTo(480);
        assertThat(h.mohPositionAt(AT.plusMillis(20), 38_400)).isEqualTo(640);
        assertThat(h.mohPositionAt(AT.plusSeconds(1), 38_400)).isEqualTo(480 + 8000);
        assertThat(h.mohPositionAt(AT.plusMillis(4800), 38_400)).isEqualTo(480); // one whole loop
        assertThat(h.mohPositionAt(AT.minusSeconds(1), 38_400)).isEqualTo(480); // a clock behind: no rewind
    }
}

package io.switchboard.park.media;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The packets of music on hold: 20 ms of G.711, numbered and timed per RFC 3550 and RFC 3551. */
class MohStreamTest {

    @Test
    void packets_are_20_ms_of_g711_with_consecutive_numbers_and_timestamps() {
        HoldMusic music = HoldMusic.generatedDefault();
        MohStream s = new MohStream(music, Codec.PCMU, 0x1234_5678, 65534, 0xFFFF_FF00L, 0);
        RtpPacket a = s.next();
        RtpPacket b = s.next();
        RtpPacket c = s.next();
        assertThat(a.marker()).isTrue();
        assertThat(b.marker()).isFalse();
        assertThat(a.payloadType()).isZero();
        assertThat(a.payload()).hasSize(160);
        assertThat(a.ssrc()).isEqualTo(0x1234_5678);
        // both counters wrap
        assertThat(new int[] {a.sequence(), b.sequence(), c.sequence()}).containsExactly(65534, 65535, 0);
        assertThat(new long[] {a.timestamp(), b.timestamp(), c.timestamp()})
                .containsExactly(0xFFFF_FF00L, 0xFFFF_FFA0L, 0x40L);
        // the payload is the music, companded
        for (int i = 0; i < 160; i++) {
            assertThat(b.payload()[i]).isEqualTo(G711.ulaw(music.sampleAt(160 + i)));
        }
        assertThat(s.position()).isEqualTo(480);
    }

    @Test
    void pcma_uses_payload_type_8_and_a_law() {
        HoldMusic music = HoldMusic.generatedDefault();
        RtpPacket p = new MohStream(music, Codec.PCMA, 1, 0, 0, 1000).next();
        assertThat(p.payloadType()).isEqualTo(8);
        assertThat(p.payload()[0]).isEqualTo(G711.alaw(music.sampleAt(1000)));
        assertThat(Codec.ofPayloadType(8)).isEqualTo(Codec.PCMA);
        assertThat(Codec.ofPayloadType(18)).isNull();
    }

    @Test
    void a_takeover_resumes_the_music_where_it_was_and_the_loop_wraps() {
        HoldMusic music = HoldMusic.generatedDefault();
        assertThat(music.length()).isEqualTo(16 * 2400); // 16 notes of 300 ms
        MohStream first = new MohStream(music, Codec.PCMU, 1, 100, 1000, music.length() - 160);
        first.next();
        assertThat(first.position()).isZero(); // end of the loop: back to the start
        first.next();
        // another node: new SSRC and counters, same music from the stored position
        MohStream resumed = new MohStream(music, Codec.PCMU, 2, 7, 99, first.position());
        RtpPacket expected = first.next();
        RtpPacket got = resumed.next();
        assertThat(got.payload()).isEqualTo(expected.payload());
        assertThat(got.ssrc()).isNotEqualTo(expected.ssrc());
    }

    @Test
    void the_wire_format_is_rfc_3550s_fixed_header() {
        RtpPacket p = new RtpPacket(8, true, 0xBEEF, 0xCAFEBABEL, 0x01020304, new byte[] {1, 2, 3});
        byte[] wire = p.bytes();
        assertThat(wire).hasSize(15);
        assertThat(wire[0] & 0xFF).isEqualTo(0x80); // V=2, P=0, X=0, CC=0
        assertThat(wire[1] & 0xFF).isEqualTo(0x88); // M=1, PT=8
        assertThat(wire[2] & 0xFF).isEqualTo(0xBE);
        assertThat(wire[3] & 0xFF).isEqualTo(0xEF);
        assertThat(wire[4] & 0xFF).isEqualTo(0xCA);
        assertThat(wire[11] & 0xFF).isEqualTo(0x04);
        RtpPacket back = RtpPacket.parse(wire, wire.length);
        assertThat(back.sequence()).isEqualTo(0xBEEF);
        assertThat(back.timestamp()).isEqualTo(0xCAFEBABEL);
        assertThat(back.payload()).containsExactly(1, 2, 3);
    }

    @Test
    void the_generated_music_is_not_silence_and_not_clipped() {
        HoldMusic music = HoldMusic.generatedDefault();
        int peak = 0;
        for (int i = 0; i < music.length(); i++) {
            peak = Math.max(peak, Math.abs(music.sampleAt(i)));
        }
        assertThat(peak).isBetween(4000, 16000);
        assertThat(music.sampleAt(0)).isZero(); // each note starts from silence: no click at the loop
    }
}

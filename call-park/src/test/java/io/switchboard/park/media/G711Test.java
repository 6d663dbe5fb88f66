package io.switchboard.park.media;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** G.711 against its defining values, and the quantization error of a round trip. */
class G711Test {

    @ParameterizedTest(name = "{0} -> mu-law {1}, A-law {2}")
    @CsvSource({
        // silence, full scale, and the sign: the values every G.711 implementation agrees on
        "0,      0xFF, 0xD5",
        "32767,  0x80, 0xAA",
        "-32768, 0x00, 0x2A",
        "-1,     0x7F, 0x55",
        "8,      0xFE, 0xD5",
    })
    void encodes_the_defining_values(short sample, String ulaw, String alaw) {
        assertThat(G711.ulaw(sample) & 0xFF).isEqualTo(Integer.decode(ulaw));
        assertThat(G711.alaw(sample) & 0xFF).isEqualTo(Integer.decode(alaw));
    }

    @Test
    void a_round_trip_stays_within_half_a_step_of_the_segment() {
        for (int s = -32768; s <= 32767; s += 7) {
            short sample = (short) s;
            int mu = G711.ulawToLinear(G711.ulaw(sample));
            int a = G711.alawToLinear(G711.alaw(sample));
            int magnitude = Math.abs(s);
            // steps double per segment: 1/16 of the segment's start, i.e. at most about 1/32 of the value, plus the
            // smallest step near zero (mu-law 8 and A-law 16 after the 16-bit scaling) and the clipping at full scale
            assertThat(Math.abs(mu - s)).as("mu-law %d", s).isLessThanOrEqualTo(Math.max(8, magnitude / 16) + 140);
            assertThat(Math.abs(a - s)).as("A-law %d", s).isLessThanOrEqualTo(Math.max(16, magnitude / 16) + 8);
        }
    }

    @Test
    void decoding_is_monotonic() {
        int previousMu = Integer.MIN_VALUE;
        int previousA = Integer.MIN_VALUE;
        for (int s = -32768; s <= 32767; s++) {
            int mu = G711.ulawToLinear(G711.ulaw((short) s));
            int a = G711.alawToLinear(G711.alaw((short) s));
            assertThat(mu).isGreaterThanOrEqualTo(previousMu);
            assertThat(a).isGreaterThanOrEqualTo(previousA);
            previousMu = mu;
            previousA = a;
        }
    }
}

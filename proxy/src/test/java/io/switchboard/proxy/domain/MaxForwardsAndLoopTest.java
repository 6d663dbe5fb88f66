package io.switchboard.proxy.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MaxForwardsAndLoopTest {

    @ParameterizedTest(name = "received {0} -> forward with {1}")
    @CsvSource({"-1, 70", "70, 69", "1, 0", "0, -1"})
    void max_forwards(int received, int forwarded) {
        // RFC 3261 16.3 step 3: 0 is 483 Too Many Hops (-1 here); 16.6 step 3: absent means we add 70
        assertThat(MaxForwards.next(received)).isEqualTo(forwarded);
    }

    @Test
    void the_same_request_back_is_a_loop_a_changed_one_a_spiral() {
        String hash = LoopDetection.hash(
                "sip:bob@example.test", "ft", null, "c1", 1, "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKx");
        String branch = LoopDetection.branch(hash, "1234");
        assertThat(branch).startsWith("z9hG4bK");
        assertThat(LoopDetection.isLoop(branch, hash)).isTrue();
        String retargeted = LoopDetection.hash(
                "sip:bob@10.0.0.9", "ft", null, "c1", 1, "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKx");
        assertThat(LoopDetection.isLoop(branch, retargeted)).isFalse();
        assertThat(LoopDetection.isLoop("z9hG4bKsomeoneelse", hash)).isFalse();
        assertThat(LoopDetection.isLoop(null, hash)).isFalse();
    }

    @Test
    void every_field_counts() {
        String base = LoopDetection.hash("u", "f", "t", "c", 1, "v");
        assertThat(LoopDetection.hash("u", "f", "t", "c", 2, "v")).isNotEqualTo(base);
        assertThat(LoopDetection.hash("u", "f", "t", "c2", 1, "v")).isNotEqualTo(base);
        assertThat(LoopDetection.hash("u", "f", "t", "c", 1, "v2")).isNotEqualTo(base);
        assertThat(LoopDetection.hash("u", "f", "t2", "c", 1, "v")).isNotEqualTo(base);
    }
}

package io.switchboard.proxy.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * RFC 3261 section 16.3 steps 3 and 4 as a table: the received Max-Forwards (-1: absent), the
 * Request-URI, the Vias (top first) and the verdict.
 *
 * <p>Vias: {@code them} is another hop's; {@code us@URI} is ours, with the branch we gave the
 * request when its Request-URI was URI (and the Vias below it were as listed); {@code us-other}
 * has our sent-by but a branch we did not make; {@code lookalike@URI} has our kind of branch but
 * another hop's sent-by.
 */
class LoopGuardTest {

    private static final String BOB = "sip:bob@example.test";

    @ParameterizedTest(name = "[{index}] Max-Forwards {0}, {1}, Vias {2} -> {3}")
    @CsvSource(delimiterString = "|", textBlock = """
            70 | sip:bob@example.test | them                                     | forward 69
            -1 | sip:bob@example.test | them                                     | forward 70
            1  | sip:bob@example.test | them                                     | forward 0
            0  | sip:bob@example.test | them                                     | refuse 483
            # Max-Forwards is checked first (step 3 before step 4)
            0  | sip:bob@example.test | us@sip:bob@example.test them             | refuse 483
            # the very request came back: a loop
            70 | sip:bob@example.test | us@sip:bob@example.test them             | refuse 482
            70 | sip:bob@example.test | them us@sip:bob@example.test them        | refuse 482
            70 | sip:bob@example.test | us@sip:bob@example.test                  | refuse 482
            # it came back changed (retargeted by us or another proxy): a spiral, allowed
            70 | sip:bob@10.0.0.9     | us@sip:bob@example.test them             | forward 69
            70 | sip:bob@10.0.0.9     | them us@sip:bob@example.test them        | forward 69
            # only a Via that is ours, with a branch we made, counts
            70 | sip:bob@example.test | lookalike@sip:bob@example.test them      | forward 69
            70 | sip:bob@example.test | us-other them                            | forward 69
            """)
    void verdict(int maxForwards, String requestUri, String vias, String expected) {
        LoopGuard.Verdict verdict =
                LoopGuard.check(maxForwards, key(requestUri), vias(vias.trim().split("\\s+")));
        String rendered = verdict instanceof LoopGuard.Forward f
                ? "forward " + f.maxForwards()
                : "refuse " + ((LoopGuard.Refuse) verdict).status();
        assertThat(rendered).isEqualTo(expected);
    }

    @Test
    void the_hash_we_forward_with_makes_the_same_request_a_loop_when_it_returns() {
        List<LoopGuard.Via> received = List.of(them(1));
        LoopGuard.Forward first = (LoopGuard.Forward) LoopGuard.check(70, key(BOB), received);

        List<LoopGuard.Via> back = new ArrayList<>();
        back.add(us(LoopDetection.branch(first.loopHash(), "1a2b")));
        back.addAll(received);
        assertThat(LoopGuard.check(69, key(BOB), back)).isEqualTo(new LoopGuard.Refuse(482));
        assertThat(LoopGuard.check(69, key("sip:bob@10.0.0.9"), back)).isInstanceOf(LoopGuard.Forward.class);
        assertThat(LoopGuard.check(69, new LoopGuard.RequestKey(BOB, "ft", null, "call-1", 2), back))
                .as("a new CSeq is a new request")
                .isInstanceOf(LoopGuard.Forward.class);
    }

    @Test
    void no_vias_still_forwards() {
        assertThat(LoopGuard.check(70, key(BOB), List.of())).isInstanceOf(LoopGuard.Forward.class);
    }

    private static LoopGuard.RequestKey key(String requestUri) {
        return new LoopGuard.RequestKey(requestUri, "ft", null, "call-1", 1);
    }

    /** Builds the Vias bottom up: an {@code us@URI} branch hashes the Via below it. */
    private static List<LoopGuard.Via> vias(String[] spec) {
        List<LoopGuard.Via> out = new ArrayList<>();
        for (int i = spec.length - 1; i >= 0; i--) {
            String s = spec[i];
            String below = out.isEmpty() ? "" : out.get(0).text();
            LoopGuard.Via via;
            if (s.equals("them")) {
                via = them(i);
            } else if (s.equals("us-other")) {
                via = us("z9hG4bKsomeoneelse" + i);
            } else if (s.startsWith("us@")) {
                via = us(LoopDetection.branch(key(s.substring(3)).hash(below), "b" + i));
            } else if (s.startsWith("lookalike@")) {
                String branch = LoopDetection.branch(key(s.substring(10)).hash(below), "b" + i);
                via = new LoopGuard.Via("SIP/2.0/UDP 10.0.0.1:5070;branch=" + branch, false, branch);
            } else {
                throw new IllegalArgumentException(s);
            }
            out.add(0, via);
        }
        return out;
    }

    private static LoopGuard.Via them(int n) {
        String branch = "z9hG4bKthem" + n;
        return new LoopGuard.Via("SIP/2.0/UDP 192.0.2.7:5060;branch=" + branch, false, branch);
    }

    private static LoopGuard.Via us(String branch) {
        return new LoopGuard.Via("SIP/2.0/UDP 10.0.0.1:5060;branch=" + branch, true, branch);
    }
}

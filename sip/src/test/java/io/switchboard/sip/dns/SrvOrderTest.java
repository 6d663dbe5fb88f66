package io.switchboard.sip.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.sip.dns.DnsRecords.Srv;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 2782 "Usage rules": priority ascending, weighted random within a priority. */
class SrvOrderTest {

    private static Srv srv(int priority, int weight, String target) {
        return new Srv(priority, weight, 5060, target + ".");
    }

    /** A scripted draw: the given numbers, in turn. */
    private static IntUnaryOperator draws(int... values) {
        Deque<Integer> queue = new ArrayDeque<>();
        for (int v : values) {
            queue.add(v);
        }
        return sum -> queue.isEmpty() ? 0 : queue.poll();
    }

    private static List<String> names(List<Srv> ordered) {
        return ordered.stream().map(Srv::target).toList();
    }

    @Test
    void lowerPriorityFirstWhateverTheWeights() {
        List<Srv> in = List.of(srv(20, 100, "c"), srv(10, 0, "a"), srv(30, 50, "d"), srv(10, 0, "b"));
        assertThat(names(SrvOrder.order(in, draws()))).containsExactly("a", "b", "c", "d");
    }

    /**
     * Weights 10, 30, 60 (running sums 10, 40, 100): the draw picks the first whose running sum is
     * at least the number drawn; the chosen one leaves and the sums are recomputed.
     */
    @ParameterizedTest(name = "draws {0},{1} -> {2}")
    @CsvSource({
        "0,   0,  a b c", // 0 <= 10: a; then b(30), c(90): 0 -> b
        "10,  0,  a b c", // 10 <= 10: a
        "11,  0,  b a c", // 11 > 10, <= 40: b; then a(10), c(70): 0 -> a
        "40,  11, b c a", // b; then a(10) c(70): 11 -> c
        "41,  0,  c a b", // c; then a(10) b(40): 0 -> a
        "100, 40, c b a", // c; then 40 > 10 -> b
    })
    void weightedChoiceFollowsTheRunningSums(int first, int second, String expected) {
        List<Srv> in = List.of(srv(10, 10, "a"), srv(10, 30, "b"), srv(10, 60, "c"));
        assertThat(String.join(" ", names(SrvOrder.order(in, draws(first, second)))))
                .isEqualTo(expected);
    }

    @Test
    void zeroWeightsComeFirstInTheirGroupAndAreChosenOnlyByAZeroDraw() {
        List<Srv> in = List.of(srv(10, 5, "a"), srv(10, 0, "z"));
        // z is moved to the front; drawing 0 selects it (running sum 0 >= 0)
        assertThat(names(SrvOrder.order(in, draws(0)))).containsExactly("z", "a");
        // drawing 5 passes it (running sums 0, 5)
        assertThat(names(SrvOrder.order(in, draws(5)))).containsExactly("a", "z");
    }

    @Test
    void aDotTargetMeansNotAvailable() {
        assertThat(SrvOrder.order(List.of(new Srv(0, 0, 0, ".")), draws())).isEmpty();
    }

    @Test
    void drawsOutsideTheRangeAreClamped() {
        List<Srv> in = List.of(srv(10, 1, "a"), srv(10, 1, "b"));
        assertThat(names(SrvOrder.order(in, sum -> 1000))).containsExactly("b", "a");
        assertThat(names(SrvOrder.order(in, sum -> -5))).containsExactly("a", "b");
    }

    @Test
    void withAUniformDrawTheFirstChoiceFollowsTheWeights() {
        Random random = new Random(42);
        List<Srv> in = List.of(srv(10, 1, "a"), srv(10, 3, "b"));
        Map<String, Integer> first = new HashMap<>();
        for (int i = 0; i < 4000; i++) {
            first.merge(
                    SrvOrder.order(new ArrayList<>(in), sum -> random.nextInt(sum + 1))
                            .get(0)
                            .target(),
                    1,
                    Integer::sum);
        }
        // RFC 2782 draws from [0, sum] inclusive, so a is chosen for 0 and 1 of 0..4: 2/5
        assertThat(first.get("a")).isBetween(1400, 1800);
        assertThat(first.get("b")).isBetween(2200, 2600);
    }
}

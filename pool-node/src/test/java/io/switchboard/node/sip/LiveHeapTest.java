package io.switchboard.node.sip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.MemoryUsage;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LiveHeapTest {

    static MemoryUsage used(long bytes) {
        return new MemoryUsage(0, bytes, bytes, -1);
    }

    @Test
    void the_heap_pools_in_use_after_a_collection_count_and_nothing_else() {
        LiveHeap heap = new LiveHeap(1000, Set.of("G1 Eden Space", "G1 Survivor Space", "G1 Old Gen"));
        assertThat(heap.percent()).as("before the first collection").isZero();
        heap.collected(Map.of(
                "G1 Eden Space", used(0),
                "G1 Survivor Space", used(50),
                "G1 Old Gen", used(600),
                "Metaspace", used(300),
                "CodeHeap 'non-nmethods'", used(100)));
        assertThat(heap.percent()).isEqualTo(65);
        heap.collected(Map.of("G1 Old Gen", used(2000)));
        assertThat(heap.percent()).as("capped").isEqualTo(100);
        assertThatThrownBy(() -> new LiveHeap(0, Set.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void this_jvm_s_collections_are_seen() throws Exception {
        try (LiveHeap heap = LiveHeap.watch()) {
            // 4% of this JVM's heap that survives the collection, whatever the heap's size
            byte[][] live = new byte[(int) Math.max(1, Runtime.getRuntime().maxMemory() / 25 / (1 << 20))][];
            for (int i = 0; i < live.length; i++) {
                live[i] = new byte[1 << 20];
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (heap.percent() == 0 && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(50); // notifications come on the JMX service thread
            }
            assertThat(live[live.length - 1]).hasSize(1 << 20);
            assertThat(heap.percent()).isBetween(1, 100);
        }
    }
}

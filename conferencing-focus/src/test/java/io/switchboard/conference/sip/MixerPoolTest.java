package io.switchboard.conference.sip;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MixerPoolTest {

    static final String A = "sip:mcu@10.0.0.1", B = "sip:mcu@10.0.0.2", C = "sip:mcu@10.0.0.3";

    @Test
    void none_configured_offers_none() {
        MixerPool pool = new MixerPool(List.of());
        assertThat(pool.configured()).isFalse();
        assertThat(pool.leastLoaded()).isEmpty();
    }

    @Test
    void the_least_loaded_by_our_own_count_ties_in_configured_order() {
        MixerPool pool = new MixerPool(List.of(A, B, C));
        assertThat(pool.leastLoaded()).contains(A);
        pool.taken(A);
        assertThat(pool.leastLoaded()).contains(B);
        pool.taken(B);
        pool.taken(C);
        pool.taken(C);
        assertThat(pool.leastLoaded()).contains(A);
        pool.released(C);
        pool.released(C);
        assertThat(pool.leastLoaded()).contains(C);
        pool.released(C); // never below zero
        assertThat(pool.legs(C)).isZero();
    }

    @Test
    void a_mixer_another_node_chose_is_counted_but_never_offered() {
        MixerPool pool = new MixerPool(List.of(A));
        pool.taken("sip:other@10.9.9.9");
        assertThat(pool.legs("sip:other@10.9.9.9")).isEqualTo(1);
        assertThat(pool.leastLoaded()).contains(A);
    }

    @Test
    void a_down_mixer_is_never_allocated_and_is_again_once_up() {
        MixerPool pool = new MixerPool(List.of(A, B));
        assertThat(pool.isUp(A)).as("up until a check says otherwise").isTrue();
        pool.taken(B);
        assertThat(pool.setUp(A, false)).as("a change").isTrue();
        assertThat(pool.setUp(A, false)).as("no change").isFalse();
        assertThat(pool.isUp(A)).isFalse();
        assertThat(pool.leastLoaded()).as("B although it has more legs").contains(B);
        pool.setUp(B, false);
        assertThat(pool.leastLoaded()).as("none is up").isEmpty();
        assertThat(pool.configured()).isTrue();
        assertThat(pool.setUp(A, true)).isTrue();
        assertThat(pool.leastLoaded()).contains(A);
    }
}

package io.switchboard.entity.due;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What every {@link DueIndex} does; the in-memory fake and Cassandra both pass it. */
abstract class DueIndexContract {

    /** A fresh type name per test, so tests share one table without seeing each other's rows. */
    abstract DueIndex index();

    abstract String type();

    static final Instant T = Instant.parse("2026-12-04T09:00:30Z");

    static List<DueIndex.Due> await(java.util.concurrent.CompletionStage<List<DueIndex.Due>> s) throws Exception {
        return s.toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    static void done(java.util.concurrent.CompletionStage<Void> s) throws Exception {
        s.toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void finds_rows_due_in_the_range_oldest_first_across_minutes() throws Exception {
        DueIndex index = index();
        String type = type();
        DueIndex.Due a = new DueIndex.Due(type, "sip:a@example.test", T);
        DueIndex.Due b = new DueIndex.Due(type, "sip:b@example.test", T.plusSeconds(45)); // the next minute
        DueIndex.Due c = new DueIndex.Due(type, "sip:c@example.test", T.plusSeconds(200));
        DueIndex.Due other = new DueIndex.Due(type + "-other", "sip:a@example.test", T.plusSeconds(1));
        for (DueIndex.Due d : List.of(c, a, b, other)) {
            done(index.add(d));
        }
        assertThat(await(index.due(type, T.minusSeconds(1), T.plusSeconds(60)))).containsExactly(a, b);
        assertThat(await(index.due(type, T, T.plusSeconds(300))))
                .as("from is exclusive")
                .containsExactly(b, c);
        assertThat(await(index.due(type, T.plusSeconds(300), T.plusSeconds(400))))
                .isEmpty();
    }

    @Test
    void adding_twice_keeps_one_row_and_removal_is_idempotent() throws Exception {
        DueIndex index = index();
        String type = type();
        DueIndex.Due a = new DueIndex.Due(type, "sip:a@example.test", T);
        done(index.add(a));
        done(index.add(a));
        assertThat(await(index.due(type, T.minusSeconds(1), T))).containsExactly(a);
        done(index.remove(a));
        done(index.remove(a));
        assertThat(await(index.due(type, T.minusSeconds(1), T))).isEmpty();
    }

    @Test
    void one_entity_may_have_several_rows_and_each_is_removed_alone() throws Exception {
        DueIndex index = index();
        String type = type();
        DueIndex.Due early = new DueIndex.Due(type, "sip:a@example.test", T);
        DueIndex.Due later = new DueIndex.Due(type, "sip:a@example.test", T.plusSeconds(5));
        done(index.add(early));
        done(index.add(later));
        done(index.remove(early));
        assertThat(await(index.due(type, T.minusSeconds(1), T.plusSeconds(10)))).containsExactly(later);
    }
}

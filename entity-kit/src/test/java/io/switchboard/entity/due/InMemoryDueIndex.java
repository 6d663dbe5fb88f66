package io.switchboard.entity.due;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentSkipListSet;

/** A {@link DueIndex} in memory, for unit tests only; {@code failNextQuery} makes the next {@code due} fail. */
public final class InMemoryDueIndex implements DueIndex {

    private final ConcurrentSkipListSet<Due> rows = new ConcurrentSkipListSet<>(
            Comparator.comparing(Due::type).thenComparing(Due::at).thenComparing(Due::key));
    private volatile boolean failNextQuery;
    private volatile boolean failAdds;

    @Override
    public CompletionStage<Void> add(Due due) {
        if (failAdds) {
            return CompletableFuture.failedFuture(new IllegalStateException("due index down"));
        }
        rows.add(due);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<List<Due>> due(String type, Instant from, Instant to) {
        if (failNextQuery) {
            failNextQuery = false;
            return CompletableFuture.failedFuture(new IllegalStateException("due index down"));
        }
        return CompletableFuture.completedFuture(rows.stream()
                .filter(d -> d.type().equals(type) && d.at().isAfter(from) && !d.at().isAfter(to))
                .toList());
    }

    @Override
    public CompletionStage<Void> remove(Due due) {
        rows.remove(due);
        return CompletableFuture.completedFuture(null);
    }

    public List<Due> rows() {
        return List.copyOf(rows);
    }

    public void failNextQuery() {
        failNextQuery = true;
    }

    public void failAdds(boolean fail) {
        failAdds = fail;
    }
}

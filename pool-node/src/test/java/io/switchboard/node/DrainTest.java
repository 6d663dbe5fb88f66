package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.client.CollectorRegistry;
import io.switchboard.node.config.DrainConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The drain's order without a node (Drain): not ready first, then in-flight transactions, then the handover. */
class DrainTest {

    final List<String> steps = new CopyOnWriteArrayList<>();
    final CollectorRegistry registry = new CollectorRegistry(true);

    Drain drain(Duration timeout, Duration inFlightTimeout, AtomicInteger inFlight, CompletableFuture<Void> leave) {
        return new Drain(
                "node-t",
                new DrainConfig(timeout, inFlightTimeout),
                () -> steps.add("not ready"),
                () -> {
                    int n = inFlight.get();
                    steps.add("in flight " + n);
                    return n;
                },
                () -> {
                    steps.add("hand over and leave");
                    return leave;
                },
                registry);
    }

    @Test
    void waits_for_the_transactions_in_flight_before_handing_shards_over_and_runs_once() throws Exception {
        AtomicInteger inFlight = new AtomicInteger(2);
        CompletableFuture<Void> leave = new CompletableFuture<>();
        Drain d = drain(Duration.ofSeconds(30), Duration.ofSeconds(20), inFlight, leave);
        CompletableFuture<Duration> done = d.start();
        assertThat(d.start()).as("a second drain joins the first").isSameAs(done);
        awaitStep("in flight 2");
        assertThat(steps).doesNotContain("hand over and leave");
        inFlight.set(0);
        awaitStep("hand over and leave");
        assertThat(steps.get(0)).isEqualTo("not ready");
        assertThat(steps.indexOf("in flight 0")).isLessThan(steps.indexOf("hand over and leave"));
        assertThat(done).isNotDone();
        leave.complete(null);
        assertThat(done.get(10, TimeUnit.SECONDS)).isPositive();
        assertThat(registry.getSampleValue("switchboard_draining")).isEqualTo(1.0);
        assertThat(registry.getSampleValue("switchboard_drain_seconds")).isNotNull();
        assertThat(steps).containsOnlyOnce("not ready", "hand over and leave");
    }

    @Test
    void hands_over_regardless_when_transactions_outlast_the_in_flight_timeout_and_ends_at_the_timeout()
            throws Exception {
        AtomicInteger inFlight = new AtomicInteger(1); // never answered
        CompletableFuture<Void> leave = new CompletableFuture<>(); // never completes
        Drain d = drain(Duration.ofMillis(600), Duration.ofMillis(200), inFlight, leave);
        Duration took = d.start().get(10, TimeUnit.SECONDS);
        assertThat(steps).contains("hand over and leave");
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(600));
    }

    private void awaitStep(String step) throws InterruptedException {
        for (int i = 0; i < 500 && !steps.contains(step); i++) {
            Thread.sleep(10);
        }
        assertThat(steps).contains(step);
    }
}

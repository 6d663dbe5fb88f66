package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.registrar.domain.RegisterDecision;
import io.switchboard.registrar.domain.RegisterRequest;
import io.switchboard.registrar.entity.RegistrarClient;
import io.switchboard.registrar.entity.RegistrarEntity;
import io.switchboard.sip.flow.Flow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The one definition of ready (Readiness) and the warm-up that ends it, without a node: a
 * registrar whose answers the test gives, round by round.
 */
class ReadinessTest {

    static final String AOR = WarmUp.aorOf("node-1");

    /** Answers each REGISTER and bindings read when the test says; records the REGISTERs. */
    static final class HandRegistrar implements RegistrarClient {
        final List<RegisterRequest> registers = new ArrayList<>();
        final List<CompletableFuture<RegistrarEntity.RegisterReply>> pending = new ArrayList<>();

        @Override
        public synchronized CompletionStage<RegistrarEntity.RegisterReply> register(RegisterRequest request) {
            registers.add(request);
            CompletableFuture<RegistrarEntity.RegisterReply> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        }

        @Override
        public CompletionStage<RegistrarEntity.BindingsReply> bindings(String aor) {
            return CompletableFuture.completedFuture(new RegistrarEntity.CurrentBindings(aor, List.of()));
        }

        synchronized CompletableFuture<RegistrarEntity.RegisterReply> last() {
            return pending.get(pending.size() - 1);
        }
    }

    static final RegistrarEntity.Registered OK =
            new RegistrarEntity.Registered(new RegisterDecision.Accepted(List.of(), List.of(), List.of(), false));

    @Test
    void not_ready_until_the_warm_up_has_run_its_rounds_the_last_ones_at_normal_latency() {
        AtomicBoolean up = new AtomicBoolean(true);
        Readiness readiness = new Readiness(up::get, () -> true, () -> true);
        HandRegistrar registrar = new HandRegistrar();
        List<Runnable> delayed = new ArrayList<>();
        WarmUp warmUp = new WarmUp(
                registrar,
                aor -> CompletableFuture.completedFuture(null),
                List.of(AOR),
                new Flow("udp", "127.0.0.1", 5060, "node-1", ""),
                300,
                new WarmUp.Settings(3, 2, Duration.ofSeconds(30), Duration.ofMillis(1)),
                (delay, task) -> delayed.add(task),
                readiness::warmingUp);
        CompletableFuture<Void> done = warmUp.start().toCompletableFuture();
        done.thenRun(readiness::warmedUp);

        assertThat(readiness.ready()).isFalse();
        assertThat(readiness.serving()).as("the SIP edge answers 503 meanwhile").isFalse();
        assertThat(readiness.report().status()).isEqualTo(503);
        assertThat(readiness.report().body()).contains("warm-up: not started");

        registrar.last().complete(new RegistrarEntity.Unavailable("Bindings store unavailable"));
        assertThat(readiness.report().body()).contains("round failed").contains("Bindings store unavailable");
        assertThat(delayed).as("a failed round is retried after the pause").hasSize(1);
        delayed.remove(0).run();
        registrar.last().complete(OK);
        registrar.last().complete(OK);
        assertThat(readiness.ready()).as("two rounds of three").isFalse();
        registrar.last().complete(OK); // third successful round
        assertThat(done).as("the reserved binding is removed before ready").isNotCompleted();
        RegisterRequest removal = registrar.registers.get(registrar.registers.size() - 1);
        assertThat(removal.expiresHeader().getAsLong()).isZero();
        registrar.last().complete(OK);

        assertThat(readiness.ready()).isTrue();
        assertThat(readiness.serving()).isTrue();
        assertThat(readiness.report().status()).isEqualTo(200);
        assertThat(readiness.report().body()).contains("warm-up: done");
        assertThat(registrar.registers)
                .as("one Call-ID, increasing CSeq, the reserved AOR only")
                .allSatisfy(r -> {
                    assertThat(r.aor()).isEqualTo("sip:warm-up.node-1@switchboard.invalid");
                    assertThat(r.callId()).isEqualTo(registrar.registers.get(0).callId());
                });
        assertThat(registrar.registers.stream().mapToLong(RegisterRequest::cseq))
                .containsExactly(1L, 2L, 3L, 4L, 5L);

        up.set(false);
        assertThat(readiness.ready())
                .as("a node that left the cluster is not ready")
                .isFalse();
        assertThat(readiness.report().body()).contains("cluster member: not up");
    }

    @Test
    void the_reserved_aors_cover_every_shard_as_pekko_places_them() {
        List<String> aors = WarmUp.aorsOf("node-1", 200);
        assertThat(aors).hasSize(200).doesNotHaveDuplicates().startsWith(AOR);
        assertThat(aors)
                .allSatisfy(a -> assertThat(a).startsWith("sip:warm-up.node-1").endsWith("@switchboard.invalid"));
        assertThat(aors.stream().map(a -> WarmUp.shardOf(a, 200)).distinct()).hasSize(200);
        for (String aor : aors) {
            assertThat(Integer.toString(WarmUp.shardOf(aor, 200)))
                    .as("the shard sharding's default extractor gives " + aor)
                    .isEqualTo(new org.apache.pekko.cluster.sharding.typed.HashCodeMessageExtractor<Object>(200)
                            .shardId(aor));
        }
    }

    @Test
    void rounds_go_through_every_reserved_aor_in_lanes_and_every_binding_is_removed_before_ready() {
        Readiness readiness = new Readiness(() -> true, () -> true, () -> true);
        List<RegisterRequest> registers = java.util.Collections.synchronizedList(new ArrayList<>());
        RegistrarClient registrar = new RegistrarClient() {
            @Override
            public CompletionStage<RegistrarEntity.RegisterReply> register(RegisterRequest request) {
                registers.add(request);
                return CompletableFuture.supplyAsync(() -> OK); // completes on another thread, as asks do
            }

            @Override
            public CompletionStage<RegistrarEntity.BindingsReply> bindings(String aor) {
                return CompletableFuture.completedFuture(new RegistrarEntity.CurrentBindings(aor, List.of()));
            }
        };
        List<String> aors = WarmUp.aorsOf("node-1", 40);
        CompletableFuture<Void> done = new WarmUp(
                        registrar,
                        aor -> CompletableFuture.completedFuture(null),
                        aors,
                        new Flow("udp", "127.0.0.1", 5060, "node-1", ""),
                        300,
                        new WarmUp.Settings(3, 2, Duration.ofSeconds(30), Duration.ofMillis(1), 8),
                        (delay, task) -> task.run(),
                        readiness::warmingUp)
                .start()
                .toCompletableFuture();
        done.orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();

        List<RegisterRequest> all = List.copyOf(registers);
        assertThat(all.stream().filter(r -> r.expiresHeader().getAsLong() > 0).map(RegisterRequest::aor))
                .as("at least one round per AOR, more than the 3 rounds asked for")
                .containsAll(aors);
        List<RegisterRequest> removals =
                all.stream().filter(r -> r.expiresHeader().getAsLong() == 0).toList();
        assertThat(removals).extracting(RegisterRequest::aor).containsExactlyInAnyOrderElementsOf(aors);
        assertThat(all.subList(all.size() - removals.size(), all.size()))
                .as("the removals come after every round")
                .containsExactlyInAnyOrderElementsOf(removals);
        assertThat(all.stream().mapToLong(RegisterRequest::cseq).distinct().count())
                .as("one Call-ID, a CSeq each")
                .isEqualTo(all.size());
    }

    @Test
    void slow_rounds_do_not_count_towards_normal_latency() {
        Readiness readiness = new Readiness(() -> true, () -> true, () -> true);
        HandRegistrar registrar = new HandRegistrar();
        WarmUp warmUp = new WarmUp(
                registrar,
                aor -> CompletableFuture.completedFuture(null),
                List.of(AOR),
                new Flow("udp", "127.0.0.1", 5060, "node-1", ""),
                300,
                new WarmUp.Settings(1, 1, Duration.ZERO, Duration.ofMillis(1)),
                (delay, task) -> task.run(),
                readiness::warmingUp);
        warmUp.start().thenRun(readiness::warmedUp);
        for (int i = 0; i < 5; i++) {
            registrar.last().complete(OK); // no round finishes in zero time
        }
        assertThat(readiness.ready()).isFalse();
        assertThat(readiness.report().body()).contains("warming up (5 rounds");
    }

    @Test
    void a_draining_node_is_not_ready_and_neither_is_one_whose_shard_coordinator_does_not_answer() {
        AtomicBoolean coordinator = new AtomicBoolean(true);
        Readiness readiness = new Readiness(
                () -> true, () -> true, () -> true, coordinator::get, () -> coordinator.get() ? "reachable" : "silent");
        readiness.warmedUp();
        assertThat(readiness.ready()).isTrue();
        assertThat(readiness.report().body()).contains("sharding: reachable", "drain: no");

        coordinator.set(false);
        assertThat(readiness.ready()).isFalse();
        assertThat(readiness.report().status()).isEqualTo(503);
        assertThat(readiness.report().body()).contains("sharding: silent");
        coordinator.set(true);

        readiness.draining();
        assertThat(readiness.isDraining()).isTrue();
        assertThat(readiness.ready()).isFalse();
        assertThat(readiness.serving())
                .as("the SIP edge still answers (in-dialog requests)")
                .isTrue();
        assertThat(readiness.report().status()).isEqualTo(503);
        assertThat(readiness.report().body()).contains("drain: draining");
    }
}

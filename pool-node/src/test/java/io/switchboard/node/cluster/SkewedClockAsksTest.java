package io.switchboard.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.entity.AskBudget;
import io.switchboard.entity.TimeLeft;
import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.BindingKey;
import io.switchboard.registrar.domain.ContactSpec;
import io.switchboard.registrar.domain.RegisterRequest;
import io.switchboard.registrar.domain.RegisterRules;
import io.switchboard.registrar.domain.RegistrarPolicy;
import io.switchboard.registrar.entity.RegistrarClient;
import io.switchboard.registrar.entity.RegistrarEntity;
import io.switchboard.registrar.store.BindingStore;
import io.switchboard.sip.flow.Flow;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, item 5 (docs/architecture.md, rule 10), across two real cluster members in one JVM
 * (two actor systems over Artery on loopback, every message through Kryo): the edge's node runs an
 * hour behind, the other node two hours ahead (injected {@link Clock} offsets of their registrar
 * entities, far beyond {@code availability.answer-margin}). REGISTERs asked on the first node, as
 * its SIP edge asks them ({@link RegistrarClient#sharded(ActorSystem, AskBudget)}), are served
 * wherever their entity lives; the older message with an instant of the asker's clock was refused
 * by every entity on the other node (the control); and a REGISTER whose time ran out before it
 * was sent is refused there with nothing stored.
 */
class SkewedClockAsksTest {

    /** Generous for a loaded machine: the point is the skew of hours, not the size of the budget. */
    static final AskBudget BUDGET = new AskBudget(Duration.ofSeconds(20), Duration.ofSeconds(2), Duration.ofSeconds(1));

    static final Duration WAIT = Duration.ofSeconds(30);
    static final Flow UDP = new Flow("udp", "127.0.0.1", 5062, "node-a", "");

    static final Clock BEHIND = Clock.offset(Clock.systemUTC(), Duration.ofHours(-1));
    static final Clock AHEAD = Clock.offset(Clock.systemUTC(), Duration.ofHours(2));
    /** One store for both nodes, as Cassandra is; it notes which node loaded each AOR, i.e. hosts its entity. */
    static final Map<String, Map<BindingKey, Binding>> rows = new ConcurrentHashMap<>();

    static final Map<String, String> hostOf = new ConcurrentHashMap<>();
    static final List<ActorSystem<Void>> systems = new ArrayList<>();
    /** The node whose SIP edge asks. */
    static ActorSystem<Void> edge;

    @BeforeAll
    static void startTwoNodes() throws Exception {
        edge = member("node-a", 25301, BEHIND);
        member("node-b", 25302, AHEAD);
        ClusterWaits.awaitUp(edge, 2, WAIT);
        warmUp(edge);
    }

    @AfterAll
    static void stopAll() throws Exception {
        for (ActorSystem<Void> s : systems) {
            s.terminate();
        }
        for (ActorSystem<Void> s : systems) {
            s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void registers_asked_on_a_node_hours_behind_are_served_by_entities_on_a_node_hours_ahead() throws Exception {
        RegistrarClient client = RegistrarClient.sharded(edge, BUDGET);
        // until some land on the node ahead: the coordinator places new shards on the region with
        // the fewest, and the other region may register with it a moment after the first shards
        List<String> aors = new ArrayList<>();
        for (int i = 0; i < 200 && aors.stream().noneMatch(a -> "node-b".equals(hostOf.get(a))); i++) {
            String aor = "sip:within-" + i + "@example.test";
            aors.add(aor);
            assertThat(client.register(request(aor, "sip:phone@192.0.2.1"))
                            .toCompletableFuture()
                            .get(30, TimeUnit.SECONDS))
                    .as("%s, its entity on %s", aor, hostOf.get(aor))
                    .isInstanceOf(RegistrarEntity.Registered.class);
            assertThat(rows.get(aor)).hasSize(1);
        }
        assertThat(aors)
                .as("some of the entities live on the node two hours ahead")
                .anyMatch(aor -> "node-b".equals(hostOf.get(aor)));

        // the converse: the time ran out on the edge's node before the message left it
        AtomicLong nanos = new AtomicLong();
        TimeLeft over = TimeLeft.of(BUDGET.waiting(), nanos::get);
        nanos.addAndGet(BUDGET.waiting().plusMillis(1).toNanos());
        String remote = aors.stream()
                .filter(aor -> "node-b".equals(hostOf.get(aor)))
                .findFirst()
                .orElseThrow();
        RegistrarEntity.RegisterReply late = ClusterSharding.get(edge)
                .entityRefFor(RegistrarEntity.ENTITY_KEY, remote)
                .<RegistrarEntity.RegisterReply>ask(
                        replyTo -> new RegistrarEntity.RegisterWithin(
                                request(remote, "sip:late@192.0.2.9"), over, replyTo),
                        BUDGET.askTimeout())
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        assertThat(late).isInstanceOf(RegistrarEntity.Unavailable.class);
        assertThat(rows.get(remote).values()).extracting(Binding::contact).containsExactly("sip:phone@192.0.2.1");
    }

    @Test
    void control_registers_before_an_instant_of_the_askers_clock_are_refused_on_the_node_ahead() throws Exception {
        int refusedAhead = 0;
        for (int i = 0; i < 200 && refusedAhead == 0; i++) { // until one lands on the node ahead
            String aor = "sip:before-" + i + "@example.test";
            Instant answerBy = BUDGET.answerBy(BEHIND.instant());
            RegistrarEntity.RegisterReply reply = ClusterSharding.get(edge)
                    .entityRefFor(RegistrarEntity.ENTITY_KEY, aor)
                    .<RegistrarEntity.RegisterReply>ask(
                            replyTo -> new RegistrarEntity.RegisterBefore(
                                    request(aor, "sip:phone@192.0.2.1"), answerBy, replyTo),
                            BUDGET.askTimeout())
                    .toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            if ("node-b".equals(hostOf.get(aor))) {
                assertThat(reply)
                        .as("what rule 10 forbids: %s refused by comparing the two nodes' clocks", aor)
                        .isInstanceOf(RegistrarEntity.Unavailable.class);
                refusedAhead++;
            } else {
                assertThat(reply).isInstanceOf(RegistrarEntity.Registered.class);
            }
        }
        assertThat(refusedAhead).as("entities on the node ahead").isPositive();
    }

    // ---------------------------------------------------------------- helpers

    private static ActorSystem<Void> member(String nodeId, int port, Clock clock) {
        NodeConfig config = NodeConfig.fromString("""
                switchboard.node.id = "%s"
                switchboard.cluster { host = "127.0.0.1", port = %d, seed-nodes = ["127.0.0.1:%d"] }
                """.formatted(nodeId, port, 25301));
        ActorSystem<Void> system =
                ActorSystem.create(Behaviors.empty(), PekkoSettings.SYSTEM_NAME, PekkoSettings.from(config));
        systems.add(system);
        RegistrarEntity.init(
                system,
                new RegistrarEntity.Settings(
                        new RegisterRules(RegistrarPolicy.DEFAULTS),
                        store(nodeId),
                        (aor, before, after) -> {},
                        clock,
                        Duration.ofMinutes(5),
                        100,
                        null,
                        BUDGET.writeTimeout()));
        return system;
    }

    /** The shared rows, seen from one node. */
    private static BindingStore store(String nodeId) {
        return new BindingStore() {
            @Override
            public CompletionStage<List<Binding>> load(String aor) {
                hostOf.put(aor, nodeId);
                return CompletableFuture.completedFuture(
                        List.copyOf(rows.getOrDefault(aor, Map.of()).values()));
            }

            @Override
            public CompletionStage<Void> write(
                    String aor, List<Binding> upserts, List<BindingKey> removals, Instant now, WriteStamp stamp) {
                Map<BindingKey, Binding> m = rows.computeIfAbsent(aor, k -> new ConcurrentHashMap<>());
                upserts.forEach(b -> m.put(b.key(), b));
                removals.forEach(m::remove);
                return CompletableFuture.completedFuture(null);
            }
        };
    }

    /** Sharding's coordinator starts after the cluster forms; ask until it routes. */
    private static void warmUp(ActorSystem<Void> system) throws Exception {
        RegistrarClient reads = RegistrarClient.sharded(system, Duration.ofSeconds(5));
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            try {
                reads.bindings("sip:warm-up@example.test").toCompletableFuture().get(10, TimeUnit.SECONDS);
                return;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException notYet) {
                Thread.sleep(200);
            }
        }
        throw new AssertionError("sharding routes within " + WAIT);
    }

    private static RegisterRequest request(String aor, String contact) {
        return new RegisterRequest(
                aor,
                "call-" + contact,
                1,
                false,
                List.of(ContactSpec.of(contact)),
                OptionalLong.of(600),
                List.of(),
                false,
                UDP,
                "test");
    }
}

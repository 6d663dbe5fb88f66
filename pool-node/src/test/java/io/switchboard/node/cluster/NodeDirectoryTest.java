package io.switchboard.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.storage.testing.TestPorts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.Leave;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two real cluster members in one JVM (two actor systems talking over Artery on loopback): the directory
 * of one sees the other come Up and become unavailable when it leaves, stops answering, or is downed.
 */
class NodeDirectoryTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    final List<ActorSystem<Void>> systems = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (ActorSystem<Void> s : systems) {
            s.terminate();
        }
        for (ActorSystem<Void> s : systems) {
            s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void a_member_that_leaves_becomes_unavailable() {
        int seedPort = freePort();
        ActorSystem<Void> a = member("node-a", seedPort, seedPort, "");
        NodeDirectory directory = NodeDirectory.start(a);
        assertThat(directory.selfNodeId()).isEqualTo("node-a");
        assertThat(directory.isAvailable("node-a"))
                .as("this node's own connections, even before it is Up")
                .isTrue();
        ActorSystem<Void> b = member("node-b", freePort(), seedPort, "");

        await(() -> directory.isAvailable("node-b") && directory.snapshot().isAvailable("node-a"), "both members Up");
        assertThat(directory.isAvailable("node-c")).isFalse();
        assertThat(directory.isAvailable(null)).isFalse();
        NodeDirectory.MemberView viewOfB = directory.snapshot().members().stream()
                .filter(m -> "node-b".equals(m.nodeId()))
                .findFirst()
                .orElseThrow();
        assertThat(viewOfB.roles()).contains("node:node-b");
        assertThat(viewOfB.status()).isEqualTo("Up");
        assertThat(viewOfB.address()).isEqualTo(address(b).toString());

        Cluster.get(b).manager().tell(Leave.create(address(b)));

        await(() -> !directory.isAvailable("node-b"), "node-b unavailable once it leaves");
        await(
                () -> directory.snapshot().members().stream().noneMatch(m -> "node-b".equals(m.nodeId())),
                "node-b removed");
        assertThat(directory.isAvailable("node-a")).isTrue();
    }

    @Test
    void a_member_that_stops_answering_is_unavailable_and_once_downed_is_removed() {
        int seedPort = freePort();
        // No split brain resolver here: the test downs by hand, so what it sees does not depend on timing.
        String noAutoDowning = "pekko.cluster.downing-provider-class = \"\"\n";
        ActorSystem<Void> a = member("node-a", seedPort, seedPort, noAutoDowning);
        NodeDirectory directory = NodeDirectory.start(a);
        // Terminating this system stops it without leaving the cluster: to the others it just goes silent.
        ActorSystem<Void> b = member(
                "node-b",
                freePort(),
                seedPort,
                noAutoDowning + "pekko.coordinated-shutdown.run-by-actor-system-terminate = off\n");
        await(() -> directory.isAvailable("node-b"), "node-b Up");
        Address addressOfB = address(b);

        b.terminate();

        await(() -> !directory.isAvailable("node-b"), "node-b unavailable once unreachable");
        NodeDirectory.MemberView viewOfB = directory.snapshot().members().stream()
                .filter(m -> "node-b".equals(m.nodeId()))
                .findFirst()
                .orElseThrow();
        assertThat(viewOfB.unreachable()).isTrue();
        assertThat(viewOfB.status()).isEqualTo("Up");
        assertThat(viewOfB.available()).isFalse();

        Cluster.get(a).manager().tell(new Down(addressOfB));

        await(
                () -> directory.snapshot().members().stream().noneMatch(m -> "node-b".equals(m.nodeId())),
                "node-b removed after it was downed");
        assertThat(directory.isAvailable("node-b")).isFalse();
        assertThat(directory.isAvailable("node-a")).isTrue();
    }

    private ActorSystem<Void> member(String nodeId, int port, int seedPort, String overrides) {
        NodeConfig config = NodeConfig.fromString("""
                switchboard.node.id = "%s"
                switchboard.cluster { host = "127.0.0.1", port = %d, seed-nodes = ["127.0.0.1:%d"] }
                """.formatted(nodeId, port, seedPort));
        ActorSystem<Void> system = ActorSystem.create(
                Behaviors.empty(),
                PekkoSettings.SYSTEM_NAME,
                ConfigFactory.parseString(overrides).withFallback(PekkoSettings.from(config)));
        systems.add(system);
        return system;
    }

    private static Address address(ActorSystem<?> system) {
        return Cluster.get(system).selfMember().address();
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited %s for: %s", WAIT, what).isLessThan(deadline);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static int freePort() {
        return TestPorts.any();
    }
}

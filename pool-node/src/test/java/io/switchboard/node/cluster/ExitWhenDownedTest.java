package io.switchboard.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.config.NodeConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Cluster;
import org.junit.jupiter.api.Test;

/**
 * A node's process ends when the cluster downs its member ({@link ExitWhenDowned}), and not when the node
 * itself stops its actor system (a drain): a one-node cluster, with the node's own Pekko settings, downed.
 */
class ExitWhenDownedTest {

    /** Why the test stopped the system itself, as a drain does (SwitchboardNode.DrainReason). */
    private enum Planned implements CoordinatedShutdown.Reason {
        INSTANCE
    }

    @Test
    void aDownedMemberEndsTheProcess() throws Exception {
        ActorSystem<Void> system = start();
        CompletableFuture<Optional<CoordinatedShutdown.Reason>> exited = new CompletableFuture<>();
        ExitWhenDowned.watch(
                system,
                reason -> reason.orElse(null) == Planned.INSTANCE,
                () -> exited.complete(CoordinatedShutdown.get(system).getShutdownReason()));
        Cluster cluster = Cluster.get(system.classicSystem());
        awaitUp(cluster);
        cluster.down(cluster.selfAddress()); // what the split-brain resolver does to the losing side
        assertThat(exited.get(30, TimeUnit.SECONDS))
                .as("Pekko stopped the system because the member was downed")
                .contains(CoordinatedShutdown.clusterDowningReason());
    }

    /**
     * Cut off from the others, stopping the actor system can take minutes (remoting to members whose packets
     * are dropped): the process does not wait for it beyond the shutdown's last phase and the wait.
     */
    @Test
    void aDownedMemberEndsTheProcessEvenIfItsSystemIsSlowToStop() throws Exception {
        ActorSystem<Void> system = start();
        CompletableFuture<Void> exited = new CompletableFuture<>();
        ExitWhenDowned.watch(system, reason -> false, () -> exited.complete(null), Duration.ofSeconds(1));
        Cluster cluster = Cluster.get(system.classicSystem());
        awaitUp(cluster);
        // an actor that takes 20 s to stop holds the system's termination up as long
        system.systemActorOf(
                Behaviors.receive(Object.class)
                        .onSignal(PostStop.class, stopped -> {
                            Thread.sleep(20_000);
                            return Behaviors.same();
                        })
                        .build(),
                "slow-to-stop",
                Props.empty());
        cluster.down(cluster.selfAddress());
        exited.get(15, TimeUnit.SECONDS);
        assertThat(system.getWhenTerminated().toCompletableFuture())
                .as("the process exits before its actor system stopped")
                .isNotDone();
    }

    @Test
    void aDrainDoesNot() throws Exception {
        ActorSystem<Void> system = start();
        CompletableFuture<Void> exited = new CompletableFuture<>();
        ExitWhenDowned.watch(system, reason -> reason.orElse(null) == Planned.INSTANCE, () -> exited.complete(null));
        awaitUp(Cluster.get(system.classicSystem()));
        CoordinatedShutdown.get(system)
                .runAll(Planned.INSTANCE)
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        Thread.sleep(500); // the watcher runs on termination: give it the chance to misbehave
        assertThat(exited).isNotDone();
    }

    private static ActorSystem<Void> start() throws Exception {
        String host = "127.0.0.54";
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            port = s.getLocalPort();
        }
        NodeConfig config =
                NodeConfig.fromString("switchboard.cluster { host = \"%s\", port = %d, seed-nodes = [\"%s:%d\"] }"
                        .formatted(host, port, host, port));
        return ActorSystem.create(Behaviors.empty(), PekkoSettings.SYSTEM_NAME, PekkoSettings.from(config));
    }

    private static void awaitUp(Cluster cluster) throws InterruptedException {
        CompletableFuture<Void> up = new CompletableFuture<>();
        cluster.registerOnMemberUp(() -> up.complete(null));
        try {
            up.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the one-node cluster did not come up", e);
        }
    }
}

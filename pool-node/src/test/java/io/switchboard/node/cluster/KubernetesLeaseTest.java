package io.switchboard.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.config.NodeConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.coordination.lease.javadsl.Lease;
import org.apache.pekko.coordination.lease.javadsl.LeaseProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lease that lease-majority takes, as the node configures it ({@link PekkoSettings} from {@code
 * switchboard.cluster.lease-majority}), against the stub API server: two owners that read the Lease and
 * write it at the same moment, as the leaders of two sides of a partition may, end with one holder,
 * because the API server writes the first and answers the other 409 Conflict (its resourceVersion is
 * stale); the loser reads the Lease again and finds it taken.
 */
class KubernetesLeaseTest {

    private static final String NAMESPACE = "switchboard-test";
    private static final String LEASE = "switchboard-pekko-sbr";

    private StubKubernetesApi api;
    private ActorSystem<Void> system;

    @AfterEach
    void stop() throws Exception {
        if (system != null) {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        if (api != null) {
            api.close();
        }
    }

    @Test
    void ofTwoOwnersWritingAtOnceTheApiServerTakesOneAndTheOtherFindsItTaken(@TempDir Path tmp) throws Exception {
        api = new StubKubernetesApi(tmp, NAMESPACE, "app=none", List.of("pool"));
        api.holdConcurrentPuts(2, Duration.ofMillis(1500));
        String host = "127.0.0.55";
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            port = s.getLocalPort();
        }
        NodeConfig config = NodeConfig.fromString("""
                switchboard.cluster {
                  host = "%s", port = %d, seed-nodes = ["%s:%d"]
                  split-brain-resolver = lease-majority
                  lease-majority {
                    namespace = "%s"
                    api-ca-path = "%s"
                    api-token-path = "%s"
                    api-service-host-env-name = "TEST_API_HOST"
                    api-service-port-env-name = "TEST_API_PORT"
                  }
                }
                """.formatted(
                        host,
                        port,
                        host,
                        port,
                        NAMESPACE,
                        StubKubernetesApi.caFile(tmp),
                        StubKubernetesApi.tokenFile(tmp, "pool")));
        Map<String, String> env = Map.of("TEST_API_HOST", "127.0.0.1", "TEST_API_PORT", String.valueOf(api.port()));
        system = ActorSystem.create(
                Behaviors.empty(), PekkoSettings.SYSTEM_NAME, PekkoSettings.from(config, List.of(), env));
        String implementation = system.settings()
                .config()
                .getString("pekko.cluster.split-brain-resolver.lease-majority.lease-implementation");

        String a = "switchboard@127.0.0.1:2551";
        String b = "switchboard@127.0.0.2:2551";
        Lease leaseOfA = LeaseProvider.get(system).getLease(LEASE, implementation, a);
        Lease leaseOfB = LeaseProvider.get(system).getLease(LEASE, implementation, b);
        CompletionStage<Boolean> tookA = leaseOfA.acquire();
        CompletionStage<Boolean> tookB = leaseOfB.acquire();
        boolean gotA = tookA.toCompletableFuture().get(20, TimeUnit.SECONDS);
        boolean gotB = tookB.toCompletableFuture().get(20, TimeUnit.SECONDS);

        assertThat(gotA ^ gotB)
                .as("exactly one holder (A: %s, B: %s); %s", gotA, gotB, api.requests())
                .isTrue();
        String winner = gotA ? a : b;
        assertThat(api.leaseOwner(LEASE)).isEqualTo(winner);
        assertThat(api.leaseWrites())
                .as("no write ever named the loser")
                .allSatisfy(w -> assertThat(w.owner()).isIn("", winner));
        String path = StubKubernetesApi.LEASES + NAMESPACE + "/leases/" + LEASE;
        assertThat(api.requests())
                .as("the loser's write carried a stale resourceVersion")
                .containsEntry("pool 409 PUT " + path, 1)
                .containsEntry("pool 200 PUT " + path, 1);
        assertThat((gotA ? leaseOfA : leaseOfB).checkLease()).isTrue();
        assertThat((gotA ? leaseOfB : leaseOfA).checkLease()).isFalse();
    }
}

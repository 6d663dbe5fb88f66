package io.switchboard.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import io.switchboard.node.config.ConfigError;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.node.config.SplitBrainResolver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code switchboard.cluster.split-brain-resolver}: keep-majority by default, lease-majority with the
 * Kubernetes lease when set, and the Pekko settings each becomes.
 */
class SplitBrainResolverSettingsTest {

    private static final Map<String, String> POD_ENV =
            Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1", "KUBERNETES_SERVICE_PORT", "443");

    @Test
    void keepMajorityIsTheDefault() {
        NodeConfig config = NodeConfig.fromString("");
        assertThat(SplitBrainResolver.of(config, Map.of()).leaseMajority()).isFalse();
        Config pekko = PekkoSettings.from(config);
        assertThat(pekko.getString("pekko.cluster.split-brain-resolver.active-strategy"))
                .isEqualTo("keep-majority");
        assertThat(pekko.getString("pekko.cluster.split-brain-resolver.lease-majority.lease-implementation"))
                .as("left at Pekko's default")
                .isEmpty();
    }

    @Test
    void leaseMajorityUsesTheKubernetesLeaseWithTheServiceAccountsFiles(@TempDir Path dir) throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.crt"), "pem");
        Path token = Files.writeString(dir.resolve("token"), "token");
        Path namespace = Files.writeString(dir.resolve("namespace"), "switchboard");
        NodeConfig config = NodeConfig.fromString("""
                switchboard.cluster {
                  split-brain-resolver = lease-majority
                  lease-majority { api-ca-path = "%s", api-token-path = "%s", namespace-path = "%s" }
                }
                """.formatted(ca, token, namespace));
        SplitBrainResolver resolver = SplitBrainResolver.of(config, POD_ENV);
        assertThat(resolver.leaseMajority()).isTrue();
        assertThat(resolver.lease().apiHost()).isEqualTo("10.96.0.1");
        assertThat(resolver.lease().apiPort()).isEqualTo(443);

        Config pekko = PekkoSettings.from(config, List.of(), POD_ENV);
        String sbr = "pekko.cluster.split-brain-resolver.";
        assertThat(pekko.getString(sbr + "active-strategy")).isEqualTo("lease-majority");
        assertThat(pekko.getString(sbr + "lease-majority.lease-implementation"))
                .isEqualTo("pekko.coordination.lease.kubernetes");
        assertThat(pekko.getString(sbr + "lease-majority.lease-name")).isEqualTo("switchboard-pekko-sbr");
        String lease = "pekko.coordination.lease.kubernetes.";
        assertThat(pekko.getString(lease + "lease-class"))
                .as("Pekko's custom resource lease, whose CRD deploy/k8s ships")
                .isEqualTo("org.apache.pekko.coordination.lease.kubernetes.KubernetesLease");
        assertThat(pekko.getString(lease + "api-service-host")).isEqualTo("10.96.0.1");
        assertThat(pekko.getInt(lease + "api-service-port")).isEqualTo(443);
        assertThat(pekko.getString(lease + "api-ca-path")).isEqualTo(ca.toString());
        assertThat(pekko.getString(lease + "api-token-path")).isEqualTo(token.toString());
        assertThat(pekko.getString(lease + "namespace-path")).isEqualTo(namespace.toString());
        assertThat(pekko.getString(lease + "namespace"))
                .as("Pekko's 'not set': the namespace file decides")
                .isEqualTo("<namespace>");
    }

    @Test
    void aNamespaceAndALeaseNameMayBeGiven(@TempDir Path dir) throws Exception {
        NodeConfig config = leaseConfig(dir, "lease-name = \"pool-east-sbr\", namespace = \"voice\"");
        Config pekko = PekkoSettings.from(config, List.of(), POD_ENV);
        assertThat(pekko.getString("pekko.cluster.split-brain-resolver.lease-majority.lease-name"))
                .isEqualTo("pool-east-sbr");
        assertThat(pekko.getString("pekko.coordination.lease.kubernetes.namespace"))
                .isEqualTo("voice");
    }

    @Test
    void anUnknownStrategyStopsStartupNamingTheKey() {
        NodeConfig config = NodeConfig.fromString("switchboard.cluster.split-brain-resolver = keep-oldest");
        assertThatThrownBy(() -> PekkoSettings.from(config))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.cluster.split-brain-resolver")
                .hasMessageContaining("\"keep-oldest\"");
    }

    @Test
    void withoutTheApiServersAddressStartupStopsNamingTheKey(@TempDir Path dir) throws Exception {
        NodeConfig config = leaseConfig(dir, "");
        assertThatThrownBy(() -> SplitBrainResolver.of(config, Map.of()))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.cluster.lease-majority.api-service-host-env-name")
                .hasMessageContaining("KUBERNETES_SERVICE_HOST");
        assertThatThrownBy(() -> SplitBrainResolver.of(
                        config, Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1", "KUBERNETES_SERVICE_PORT", "https")))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.cluster.lease-majority.api-service-port-env-name");
    }

    @Test
    void unreadableFilesAndBadNamesStopStartupNamingTheKey(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> SplitBrainResolver.of(
                        leaseConfig(dir, "api-token-path = \"" + dir.resolve("missing") + "\""), POD_ENV))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.cluster.lease-majority.api-token-path");
        assertThatThrownBy(() -> SplitBrainResolver.of(leaseConfig(dir, "lease-name = \"Switchboard_SBR\""), POD_ENV))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.cluster.lease-majority.lease-name");
        assertThatThrownBy(() -> SplitBrainResolver.of(
                        leaseConfig(dir, "namespace = \"\", namespace-path = \"" + dir.resolve("none") + "\""),
                        POD_ENV))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.cluster.lease-majority.namespace-path");
    }

    /** lease-majority with readable CA and token files in {@code dir}, namespace "voice", plus {@code more}. */
    private static NodeConfig leaseConfig(Path dir, String more) throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.crt"), "pem");
        Path token = Files.writeString(dir.resolve("token"), "token");
        return NodeConfig.fromString("""
                switchboard.cluster {
                  split-brain-resolver = lease-majority
                  lease-majority { api-ca-path = "%s", api-token-path = "%s", namespace = "voice" }
                  lease-majority { %s }
                }
                """.formatted(ca, token, more));
    }
}

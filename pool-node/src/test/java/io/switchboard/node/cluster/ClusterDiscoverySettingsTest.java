package io.switchboard.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import io.switchboard.node.config.ClusterDiscovery;
import io.switchboard.node.config.ConfigError;
import io.switchboard.node.config.NodeConfig;
import org.junit.jupiter.api.Test;

/** {@code switchboard.cluster.discovery}: static seeds by default, cluster bootstrap through the Kubernetes API when set. */
class ClusterDiscoverySettingsTest {

    @Test
    void staticSeedsStayTheDefault() {
        NodeConfig config = NodeConfig.fromString("");
        assertThat(ClusterDiscovery.of(config).kubernetes()).isFalse();
        Config pekko = PekkoSettings.from(config);
        assertThat(pekko.getStringList("pekko.cluster.seed-nodes"))
                .containsExactly("pekko://switchboard@127.0.0.1:2551");
        assertThat(pekko.getString("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method"))
                .as("bootstrap left at its reference default, and never started")
                .isEqualTo("pekko.discovery");
    }

    @Test
    void kubernetesApiDiscoveryReplacesTheSeeds() {
        NodeConfig config = NodeConfig.fromString("""
                switchboard.sip.bind-address = "127.0.0.5"
                switchboard.cluster {
                  discovery = kubernetes-api
                  kubernetes-api { pod-label-selector = "app=pool", management-port = 8558, required-contact-points = 3 }
                }
                """);
        Config pekko = PekkoSettings.from(config);
        assertThat(pekko.getStringList("pekko.cluster.seed-nodes")).isEmpty();
        String discovery = "pekko.management.cluster.bootstrap.contact-point-discovery.";
        assertThat(pekko.getString(discovery + "discovery-method")).isEqualTo("kubernetes-api");
        assertThat(pekko.getInt(discovery + "required-contact-point-nr")).isEqualTo(3);
        assertThat(pekko.getString(discovery + "port-name")).isEqualTo("management");
        assertThat(pekko.getString("pekko.management.http.hostname")).isEqualTo("127.0.0.5");
        assertThat(pekko.getInt("pekko.management.http.port")).isEqualTo(8558);
        assertThat(pekko.getString("pekko.discovery.kubernetes-api.pod-label-selector"))
                .isEqualTo("app=pool");
        assertThat(pekko.getBoolean("pekko.discovery.kubernetes-api.use-raw-ip"))
                .isTrue();
    }

    @Test
    void anUnknownModeStopsStartupNamingTheKey() {
        NodeConfig config = NodeConfig.fromString("switchboard.cluster.discovery = dns");
        assertThatThrownBy(() -> PekkoSettings.from(config))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.cluster.discovery")
                .hasMessageContaining("\"dns\"");
    }

    @Test
    void theManagementPortMustNotBeTheClusterPort() {
        NodeConfig config = NodeConfig.fromString(
                "switchboard.cluster { discovery = kubernetes-api, kubernetes-api.management-port = 2551 }");
        assertThatThrownBy(() -> ClusterDiscovery.of(config))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.cluster.kubernetes-api.management-port");
    }
}

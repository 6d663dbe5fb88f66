package io.switchboard.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import io.switchboard.node.config.ClusterFailover;
import io.switchboard.node.config.ConfigError;
import io.switchboard.node.config.NodeConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code switchboard.cluster.failover} and the Pekko settings it and the split-brain resolver become. */
class ClusterFailoverSettingsTest {

    @Test
    void defaults_keep_the_resolver_and_shorten_the_removal_margin() {
        NodeConfig config = NodeConfig.fromString("");
        assertThat(ClusterFailover.of(config)).isEqualTo(new ClusterFailover(true, Duration.ofSeconds(2)));
        Config pekko = PekkoSettings.from(config);
        assertThat(pekko.getString("pekko.cluster.split-brain-resolver.active-strategy"))
                .isEqualTo("keep-majority");
        assertThat(pekko.getDuration("pekko.cluster.split-brain-resolver.stable-after"))
                .isEqualTo(Duration.ofSeconds(7));
        assertThat(pekko.getDuration("pekko.cluster.down-removal-margin")).isEqualTo(Duration.ofSeconds(2));
        assertThat(pekko.getDuration("pekko.cluster.sharding.retry-interval")).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void the_operator_sets_both() {
        NodeConfig config = NodeConfig.fromString("""
                switchboard.cluster.failover { down-crashed-members = false, down-removal-margin = 7s }
                """);
        assertThat(ClusterFailover.of(config)).isEqualTo(new ClusterFailover(false, Duration.ofSeconds(7)));
        assertThat(PekkoSettings.from(config).getDuration("pekko.cluster.down-removal-margin"))
                .isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void a_margin_below_one_second_stops_startup_naming_the_key() {
        NodeConfig config = NodeConfig.fromString("switchboard.cluster.failover.down-removal-margin = 200ms");
        assertThatThrownBy(() -> ClusterFailover.of(config))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.cluster.failover.down-removal-margin");
    }
}

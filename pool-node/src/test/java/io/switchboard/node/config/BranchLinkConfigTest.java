package io.switchboard.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BranchLinkConfigTest {

    @Test
    void defaults_probe_every_5s_and_count_the_peer_down_after_15s() {
        BranchLinkConfig c = BranchLinkConfig.of(NodeConfig.fromString(""));
        assertThat(c.checkInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.downAfter()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.holdDown()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.trunkUri()).isEmpty();
        assertThat(c.emergencyNumbers()).containsExactlyInAnyOrder("112", "911");
    }

    @Test
    void emergency_numbers_are_the_operators_list() {
        assertThat(BranchLinkConfig.of(NodeConfig.fromString("switchboard.branch.emergency-numbers = [\"999\"]"))
                        .emergencyNumbers())
                .containsExactly("999");
        assertThat(BranchLinkConfig.of(NodeConfig.fromString("switchboard.branch.emergency-numbers = []"))
                        .emergencyNumbers())
                .isEmpty();
    }

    @Test
    void a_trunk_is_a_loose_routing_sip_uri() {
        assertThat(BranchLinkConfig.of(NodeConfig.fromString(
                                "switchboard.branch.trunk-uri = \"sip:gw.ams.test;transport=tcp\""))
                        .trunkUri())
                .contains("sip:gw.ams.test;transport=tcp;lr");
    }

    @Test
    void a_hold_down_of_zero_brings_the_peer_back_on_its_first_answer() {
        assertThat(BranchLinkConfig.of(NodeConfig.fromString("switchboard.branch.fail-back-hold-down = 0s"))
                        .holdDown())
                .isZero();
    }

    @Test
    void reads_both() {
        BranchLinkConfig c = BranchLinkConfig.of(
                NodeConfig.fromString("switchboard.branch { pool-check-interval = 500ms, pool-down-after = 2s }"));
        assertThat(c.checkInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.downAfter()).isEqualTo(Duration.ofSeconds(2));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "pool-check-interval = 50ms                        | switchboard.branch.pool-check-interval",
                "pool-check-interval = often                       | switchboard.branch.pool-check-interval",
                "pool-down-after = 9s                              | switchboard.branch.pool-down-after",
                "pool-down-after = -1s                             | switchboard.branch.pool-down-after",
                "fail-back-hold-down = -1s                         | switchboard.branch.fail-back-hold-down",
                "fail-back-hold-down = soon                        | switchboard.branch.fail-back-hold-down",
                "trunk-uri = \"gw.ams.test\"                        | switchboard.branch.trunk-uri",
                "trunk-uri = \"sip:gw.ams.test:99999\"            | switchboard.branch.trunk-uri",
                "emergency-numbers = [\"+112\"]                    | switchboard.branch.emergency-numbers",
                "emergency-numbers = [\"9-1-1\"]                   | switchboard.branch.emergency-numbers",
                "emergency-numbers = [\"\"]                        | switchboard.branch.emergency-numbers",
            })
    void a_bad_value_stops_startup_naming_the_key(String override, String key) {
        assertThatThrownBy(() -> BranchLinkConfig.of(NodeConfig.fromString("switchboard.branch." + override)))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining(key);
    }
}

package io.switchboard.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConferencingConfigTest {

    @Test
    void no_mixers_by_default_and_sip_uris_as_given() {
        assertThat(ConferencingConfig.of(NodeConfig.fromString("")).mcus()).isEmpty();
        assertThat(ConferencingConfig.of(NodeConfig.fromString(
                                "switchboard.conferencing.mcus = [\"sip:mixer@10.0.0.5:5060\", \"sip:10.0.0.6\"]"))
                        .mcus())
                .isEqualTo(List.of("sip:mixer@10.0.0.5:5060", "sip:10.0.0.6"));
    }

    @Test
    void mixers_are_checked_every_two_seconds_unless_set() {
        assertThat(ConferencingConfig.of(NodeConfig.fromString("")).mcuCheckInterval())
                .isEqualTo(Duration.ofSeconds(2));
        assertThat(ConferencingConfig.of(NodeConfig.fromString("switchboard.conferencing.mcu-check-interval = 500ms"))
                        .mcuCheckInterval())
                .isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void the_factory_is_conf_factory_unless_set_and_empty_turns_it_off() {
        assertThat(ConferencingConfig.of(NodeConfig.fromString("")).factoryUser())
                .isEqualTo("conf-factory");
        assertThat(ConferencingConfig.of(NodeConfig.fromString("switchboard.conferencing.factory-user = \"\""))
                        .factoryUser())
                .isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Conf", "a b", "x@y", "conf-abcdefghijklmnopqrst"})
    void a_bad_factory_user_stops_startup_naming_the_key(String value) {
        assertThatThrownBy(() -> ConferencingConfig.of(
                        NodeConfig.fromString("switchboard.conferencing.factory-user = \"" + value + "\"")))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.conferencing.factory-user");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0s", "50ms", "11m", "often"})
    void a_bad_check_interval_stops_startup_naming_the_key(String value) {
        assertThatThrownBy(() -> ConferencingConfig.of(
                        NodeConfig.fromString("switchboard.conferencing.mcu-check-interval = " + value)))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.conferencing.mcu-check-interval");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "switchboard.conferencing.mcus = \"sip:mixer@10.0.0.5\"",
                "switchboard.conferencing.mcus = [\"mixer@10.0.0.5\"]",
                "switchboard.conferencing.mcus = [\"tel:+4930123\"]",
                "switchboard.conferencing.mcus = [\"sip:mixer@10.0.0.5:port\"]",
                "switchboard.conferencing.mcus = [\"\"]"
            })
    void a_bad_value_stops_startup_naming_the_key(String line) {
        assertThatThrownBy(() -> ConferencingConfig.of(NodeConfig.fromString(line)))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.conferencing.mcus");
    }
}

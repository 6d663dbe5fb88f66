package io.switchboard.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PoolFqdnConfigTest {

    @Test
    void none_by_default_and_a_name_in_lower_case_when_set() {
        assertThat(PoolFqdnConfig.of(NodeConfig.fromString("")).poolFqdn()).isEmpty();
        assertThat(PoolFqdnConfig.of(NodeConfig.fromString("switchboard.sip.pool-fqdn = \" Pool.Example.COM \""))
                        .poolFqdn())
                .contains("pool.example.com");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"10.0.0.5", "pool example.com", "sip:pool.example.com", "pool.example.com:5060", "-pool.test"})
    void an_address_or_anything_but_a_dns_name_is_refused_naming_the_key(String value) {
        assertThatThrownBy(
                        () -> PoolFqdnConfig.of(NodeConfig.fromString("switchboard.sip.pool-fqdn = \"" + value + "\"")))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.sip.pool-fqdn");
    }
}

package io.switchboard.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProxyConfigTest {

    @Test
    void defaults() {
        ProxyConfig p = ProxyConfig.of(NodeConfig.fromString(""));
        assertThat(p.outboundProxy()).isEmpty();
        assertThat(p.lookupTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.timerC()).isGreaterThan(Duration.ofMinutes(3));
    }

    @Test
    void an_outbound_proxy_becomes_a_loose_route() {
        ProxyConfig p = ProxyConfig.of(
                NodeConfig.fromString("switchboard.proxy.outbound-proxy = \"sip:sbc.example.net:5060;transport=tcp\""));
        assertThat(p.outboundProxy()).contains("sip:sbc.example.net:5060;transport=tcp;lr");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "switchboard.proxy.outbound-proxy = \"sbc.example.net\"  | switchboard.proxy.outbound-proxy",
                "switchboard.proxy.outbound-proxy = \"sip:;transport=udp\"  | switchboard.proxy.outbound-proxy",
                "switchboard.proxy.outbound-proxy = \"sip:sbc.test:99999\"  | switchboard.proxy.outbound-proxy",
                "switchboard.proxy.lookup-timeout = 2m                    | switchboard.proxy.lookup-timeout",
                "switchboard.proxy.timer-c = 10s                          | switchboard.proxy.timer-c",
                "switchboard.sip.bind-address = \"0.0.0.0\"               | switchboard.sip.bind-address",
            })
    void bad_values_name_the_key(String line, String key) {
        assertThatThrownBy(() -> ProxyConfig.of(NodeConfig.fromString(line)))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining(key);
    }
}

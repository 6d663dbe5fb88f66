package io.switchboard.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DnsConfigTest {

    @Test
    void defaults() {
        DnsConfig d = DnsConfig.of(NodeConfig.fromString(""));
        assertThat(d.servers()).isEmpty();
        assertThat(d.timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(d.blacklistTime()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void serversWithAndWithoutPorts() {
        DnsConfig d = DnsConfig.of(
                NodeConfig.fromString(
                        "switchboard.dns { servers = [\"10.0.0.53\", \"127.0.0.1:5353\", \"[2001:db8::53]:53\", \"ns.example.com\"], blacklist-time = 0s }"));
        assertThat(d.servers())
                .isEqualTo(List.of("10.0.0.53", "127.0.0.1:5353", "[2001:db8::53]:53", "ns.example.com"));
        assertThat(d.blacklistTime()).isZero();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "switchboard.dns.servers = [\"10.0.0.53:99999\"]   | switchboard.dns.servers",
                "switchboard.dns.servers = [\"dns://10.0.0.53\"]   | switchboard.dns.servers",
                "switchboard.dns.servers = \"10.0.0.53\"           | switchboard.dns.servers",
                "switchboard.dns.timeout = 1m                       | switchboard.dns.timeout",
                "switchboard.dns.blacklist-time = 2h                | switchboard.dns.blacklist-time",
                "switchboard.dns.blacklist-time = soon              | switchboard.dns.blacklist-time",
            })
    void badValuesNameTheKey(String line, String key) {
        assertThatThrownBy(() -> DnsConfig.of(NodeConfig.fromString(line)))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining(key);
    }
}

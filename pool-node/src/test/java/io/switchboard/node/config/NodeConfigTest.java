package io.switchboard.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.sip.auth.DigestAlgorithm;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A bad value stops startup with a message naming the key and the problem. */
class NodeConfigTest {

    @Test
    void defaults_and_the_shipped_example_are_valid() {
        NodeConfig defaults = NodeConfig.load(null);
        assertThat(defaults.registrar().policy().defaultExpires()).isEqualTo(600);
        assertThat(defaults.registrar().policy().maxBindings()).isEqualTo(8);
        assertThat(defaults.auth().algorithms()).containsExactly(DigestAlgorithm.SHA_256, DigestAlgorithm.MD5);
        assertThat(defaults.auth().throttle())
                .isEqualTo(new NodeConfig.Throttle(
                        5,
                        30,
                        java.time.Duration.ofSeconds(60),
                        java.time.Duration.ofMinutes(5),
                        60,
                        java.time.Duration.ofHours(1),
                        java.time.Duration.ofHours(24),
                        100_000));
        NodeConfig example = NodeConfig.load(Path.of("../conf/switchboard.conf"));
        assertThat(example.domains()).containsExactly("example.test");
        assertThat(example.bootstrapUsers())
                .extracting(NodeConfig.BootstrapUser::uri)
                .contains("sip:alice@example.test");
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "switchboard.sip.udp-port | 70000 | switchboard.sip.udp-port: must be between 0 and 65535, was 70000",
                "switchboard.sip.udp-port | \"five\" | switchboard.sip.udp-port: has the wrong type",
                "switchboard.registrar.max-expires | 100s | switchboard.registrar.max-expires: must not be below registrar.min-expires",
                "switchboard.registrar.max-bindings | 0 | switchboard.registrar.max-bindings: must be between 1 and 64, was 0",
                "switchboard.storage.mode | cloud | switchboard.storage.mode: must be one of [embedded, external], was \"cloud\"",
                "switchboard.storage.consistency | SOMETIMES | switchboard.storage.consistency: must be one of",
                "switchboard.storage.keyspace | \"Bad-Name\" | switchboard.storage.keyspace: must be a CQL identifier",
                "switchboard.domains | [\"not a domain\"] | switchboard.domains: \"not a domain\" is not a valid domain name",
                "switchboard.domains | [] | switchboard.domains: must list at least one SIP domain",
                "switchboard.sip.secret | short | switchboard.sip.secret: must be at least 16 characters",
                "switchboard.cluster.seed-nodes | [\"nohostport\"] | switchboard.cluster.seed-nodes: \"nohostport\" must be host:port",
                "switchboard.auth.algorithms | [\"SHA-512\"] | switchboard.auth.algorithms: \"SHA-512\" is not one of SHA-256, MD5",
                "switchboard.node.id | \"has space\" | switchboard.node.id: must be 1-63 letters",
                "switchboard.registrar.ask-timeout | 1ms | switchboard.registrar.ask-timeout: must be at least",
                "switchboard.storage.embedded.heap | lots | switchboard.storage.embedded.heap: must look like 768m or 1g",
                "switchboard.auth.throttle.per-account | 10 | switchboard.auth.throttle.per-account: no longer exists",
                "switchboard.auth.throttle.per-account-source | 0 | switchboard.auth.throttle.per-account-source: must be between 1 and 1000000, was 0",
                "switchboard.auth.throttle.pool-budget | 0 | switchboard.auth.throttle.pool-budget: must be between 1 and 1000000, was 0",
                "switchboard.auth.throttle.pool-window | 2d | switchboard.auth.throttle.pool-window: must be at most 1d",
                "switchboard.auth.throttle.pool-window | 1s | switchboard.auth.throttle.pool-window: must be at least",
                "switchboard.auth.throttle.known-device-ttl | soon | switchboard.auth.throttle.known-device-ttl: has a bad value",
                "switchboard.auth.throttle.max-known-devices | 0 | switchboard.auth.throttle.max-known-devices: must be between 1 and 10000000, was 0",
            })
    void bad_values_are_named(String key, String value, String message) {
        assertThatThrownBy(() -> NodeConfig.fromString(key + " = " + value))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("Configuration error at " + message.split(":")[0])
                .hasMessageContaining(message.substring(message.indexOf(':') + 2));
    }

    @Test
    void a_file_that_does_not_parse_is_reported_with_its_name(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.conf");
        Files.writeString(f, "switchboard { sip { udp-port = 5060 \n");
        assertThatThrownBy(() -> NodeConfig.load(f))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("bad.conf");
        assertThatThrownBy(() -> NodeConfig.load(dir.resolve("missing.conf"))).hasMessageContaining("does not exist");
    }

    @Test
    void tls_needs_a_readable_keystore() {
        assertThatThrownBy(() -> NodeConfig.fromString(
                        "switchboard.sip.tls { enabled = true, key-store = \"/nonexistent.p12\" }"))
                .hasMessageContaining("switchboard.sip.tls.key-store")
                .hasMessageContaining("not readable");
    }
}

package io.switchboard.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.sip.auth.DigestAlgorithm;
import io.switchboard.sip.auth.DigestPolicy;
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
                "switchboard.auth.domain-algorithms | [{ domain = \"other.test\", algorithms = [\"SHA-256\"] }] | switchboard.auth.domain-algorithms[0].domain: \"other.test\" is not one of switchboard.domains",
                "switchboard.auth.domain-algorithms | [{ domain = \"example.test\", algorithms = [] }] | switchboard.auth.domain-algorithms[0].algorithms: must list at least one of SHA-256, MD5",
                "switchboard.auth.domain-algorithms | [{ domain = \"example.test\", algorithms = [\"SHA-1\"] }] | switchboard.auth.domain-algorithms[0].algorithms: \"SHA-1\" is not one of SHA-256, MD5",
                "switchboard.auth.domain-algorithms | [{ algorithms = [\"MD5\"] }] | switchboard.auth.domain-algorithms[0].domain: is missing",
                "switchboard.auth.domain-algorithms | [{ domain = \"example.test\", algorithms = [\"MD5\"] }, { domain = \"Example.Test\", algorithms = [\"SHA-256\"] }] | switchboard.auth.domain-algorithms[1].domain: \"example.test\" is listed twice",
                "switchboard.auth.user-agent-algorithms | [{ user-agent = \" \", algorithms = [\"MD5\"] }] | switchboard.auth.user-agent-algorithms[0].user-agent: must not be empty",
                "switchboard.auth.user-agent-algorithms | [{ user-agent = \"x\", algorithms = [\"MD4\"] }] | switchboard.auth.user-agent-algorithms[0].algorithms: \"MD4\" is not one of SHA-256, MD5",
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
    void digest_policy_defaults_and_a_sha256_only_domain() {
        NodeConfig.Auth defaults = NodeConfig.load(null).auth();
        assertThat(defaults.domainAlgorithms()).isEmpty();
        assertThat(defaults.userAgentAlgorithms())
                .extracting(DigestPolicy.UserAgentRule::prefix)
                .containsExactly("baresip v0.", "baresip v1.", "sipsak");
        assertThat(defaults.digestPolicy().offered("example.test", "baresip v1.0.0 (x86_64/linux)"))
                .containsExactly(DigestAlgorithm.MD5);
        assertThat(defaults.digestPolicy().offered("example.test", "Linphonec/5.1.65"))
                .containsExactly(DigestAlgorithm.SHA_256, DigestAlgorithm.MD5);
        DigestPolicy strict = NodeConfig.fromString("""
                        switchboard.domains = ["example.test", "strict.test"]
                        switchboard.auth.domain-algorithms = [ { domain = "Strict.Test", algorithms = ["SHA-256"] } ]
                        """).auth().digestPolicy();
        assertThat(strict.offered("strict.test", "baresip v1.0.0")).containsExactly(DigestAlgorithm.SHA_256);
        assertThat(strict.accepts("strict.test", DigestAlgorithm.MD5)).isFalse();
        assertThat(strict.offered("example.test", null)).containsExactly(DigestAlgorithm.SHA_256, DigestAlgorithm.MD5);
        // the quick start keeps MD5 first (SIPp, older phones that read only the first challenge),
        // linphone gets SHA-256 first, baresip 1.x and sipsak MD5 alone
        DigestPolicy quickStart =
                NodeConfig.load(Path.of("../conf/switchboard.conf")).auth().digestPolicy();
        assertThat(quickStart.offered("example.test", null))
                .containsExactly(DigestAlgorithm.MD5, DigestAlgorithm.SHA_256);
        assertThat(quickStart.offered("example.test", "Linphonec/5.1.65"))
                .containsExactly(DigestAlgorithm.SHA_256, DigestAlgorithm.MD5);
        assertThat(quickStart.offered("example.test", "baresip v1.0.0 (x86_64/linux)"))
                .containsExactly(DigestAlgorithm.MD5);
        assertThat(quickStart.offered("example.test", "sipsak 0.9.8.1")).containsExactly(DigestAlgorithm.MD5);
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

    @Test
    void tls_reload_check_interval_is_read_and_a_negative_one_is_refused(@TempDir Path dir) throws Exception {
        Path store = Files.writeString(dir.resolve("node.p12"), "x");
        String tls = "switchboard.sip.tls { enabled = true, key-store = \"" + store + "\"";
        assertThat(NodeConfig.fromString(tls + " }").sip().tls().orElseThrow().reloadCheck())
                .isEqualTo(java.time.Duration.ofSeconds(10));
        assertThat(NodeConfig.fromString(tls + ", reload-check-interval = 0s }")
                        .sip()
                        .tls()
                        .orElseThrow()
                        .reloadCheck())
                .isZero();
        assertThatThrownBy(() -> NodeConfig.fromString(tls + ", reload-check-interval = -5s }"))
                .hasMessageContaining("switchboard.sip.tls.reload-check-interval")
                .hasMessageContaining("at least");
    }

    private static final String OWN_SECRET = "switchboard.sip.secret = \"an-own-secret-0123456789\"\n";
    private static final String OWN_TOKEN = "switchboard.admin.token = \"an-own-admin-token\"\n";

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "switchboard.sip.bind-address = \"0.0.0.0\" | switchboard.sip.secret | switchboard.sip.bind-address is 0.0.0.0",
                "switchboard.admin.bind-address = \"10.0.0.5\" | switchboard.sip.secret | switchboard.admin.bind-address is 10.0.0.5",
                "switchboard.sip.bind-address = \"192.0.2.7\", switchboard.sip.secret = \"an-own-secret-0123456789\" | switchboard.admin.token | switchboard.sip.bind-address is 192.0.2.7",
            })
    void demo_secret_and_token_are_refused_on_a_non_loopback_bind(String hocon, String key, String because) {
        assertThatThrownBy(() -> NodeConfig.fromString(hocon))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("Configuration error at " + key)
                .hasMessageContaining("demo value while " + because)
                .hasMessageContaining("set a");
    }

    @Test
    void max_server_transactions_is_a_number_or_auto_from_the_heap() {
        assertThat(NodeConfig.fromString("switchboard.sip.max-server-transactions = 250000")
                        .sip()
                        .maxServerTransactions())
                .isEqualTo(250_000);
        assertThat(NodeConfig.fromString("").sip().maxServerTransactions())
                .as("auto: 40% of this JVM's heap at 1.5 KB each")
                .isEqualTo(
                        NodeConfig.autoServerTransactions(Runtime.getRuntime().maxMemory()));
        assertThat(NodeConfig.autoServerTransactions(2L << 30)).isEqualTo(559_240);
        assertThat(NodeConfig.autoServerTransactions(1L << 20)).as("at least").isEqualTo(1_000);
        assertThat(NodeConfig.autoServerTransactions(1L << 40)).as("at most").isEqualTo(10_000_000);
        for (String bad : java.util.List.of("many", "-5", "50", "99999999999")) {
            assertThatThrownBy(() -> NodeConfig.fromString("switchboard.sip.max-server-transactions = " + bad))
                    .as(bad)
                    .isInstanceOf(ConfigError.class)
                    .hasMessageContaining("switchboard.sip.max-server-transactions");
        }
    }

    @Test
    void demo_values_are_fine_on_loopback_and_own_values_anywhere() {
        assertThat(NodeConfig.fromString("switchboard.sip.bind-address = \"127.0.0.2\"")
                        .sip()
                        .secret())
                .isEqualTo(PublicBind.DEMO_SECRET);
        assertThat(NodeConfig.fromString("switchboard.admin.bind-address = \"localhost\"")
                        .admin()
                        .token())
                .isEqualTo(PublicBind.DEMO_TOKEN);
        NodeConfig own = NodeConfig.fromString(
                "switchboard.sip.bind-address = \"0.0.0.0\"\nswitchboard.admin.bind-address = \"0.0.0.0\"\n"
                        + OWN_SECRET + OWN_TOKEN);
        assertThat(own.admin().bindAddress()).isEqualTo("0.0.0.0");
    }

    @Test
    void admin_limits_have_defaults_and_are_checked() {
        NodeConfig.Admin a = NodeConfig.load(null).admin();
        assertThat(a.maxBody()).isEqualTo(1024 * 1024);
        assertThat(a.maxImportBody()).isEqualTo(64L * 1024 * 1024);
        assertThat(a.readTimeout()).hasSeconds(30);
        assertThat(a.importReadTimeout()).hasSeconds(300);
        assertThat(a.healthPort()).isEqualTo(-1);
        assertThat(NodeConfig.fromString("switchboard.admin.max-import-size = 128 MiB")
                        .admin()
                        .maxImportBody())
                .isEqualTo(128L * 1024 * 1024);
        assertThatThrownBy(() -> NodeConfig.fromString("switchboard.admin.max-import-size = 1k"))
                .hasMessageContaining("Configuration error at switchboard.admin.max-import-size: must be between");
        assertThatThrownBy(() -> NodeConfig.fromString("switchboard.admin.max-body-size = lots"))
                .hasMessageContaining("Configuration error at switchboard.admin.max-body-size");
        assertThatThrownBy(() -> NodeConfig.fromString("switchboard.admin.read-timeout = 10ms"))
                .hasMessageContaining("Configuration error at switchboard.admin.read-timeout: must be at least");
        assertThatThrownBy(() -> NodeConfig.fromString("switchboard.admin.health-port = -2"))
                .hasMessageContaining("Configuration error at switchboard.admin.health-port");
    }

    @Test
    void external_storage_credentials_and_tls_are_read(@TempDir Path dir) throws Exception {
        Path store = Files.writeString(dir.resolve("ca.p12"), "not parsed here");
        NodeConfig c = NodeConfig.fromString("switchboard.storage.external { username = \"sb\", password = \"pw-123\","
                + " tls { enabled = true, trust-store = \"" + store + "\", trust-store-password = \"tpw\","
                + " hostname-validation = false } }");
        NodeConfig.ExternalSecurity sec = c.storage().security();
        assertThat(sec.credentials()).contains(new NodeConfig.Credentials("sb", "pw-123"));
        assertThat(sec.credentials().orElseThrow().toString()).doesNotContain("pw-123");
        assertThat(sec.tls().orElseThrow().trustStore()).contains(store);
        assertThat(sec.tls().orElseThrow().hostnameValidation()).isFalse();
        NodeConfig.ExternalSecurity none = NodeConfig.load(null).storage().security();
        assertThat(none.credentials()).isEmpty();
        assertThat(none.tls()).isEmpty();
        NodeConfig jvmTrust = NodeConfig.fromString("switchboard.storage.external.tls.enabled = true");
        assertThat(jvmTrust.storage().security().tls().orElseThrow().trustStore())
                .isEmpty();
        assertThat(jvmTrust.storage().security().tls().orElseThrow().hostnameValidation())
                .isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "external.password = \"pw\" | switchboard.storage.external.username: must be set when switchboard.storage.external.password is",
                "external.username = \"sb\" | switchboard.storage.external.password: must be set when switchboard.storage.external.username is",
                "external.tls { enabled = true, trust-store = \"/no/such/ca.p12\" } | switchboard.storage.external.tls.trust-store: file /no/such/ca.p12 is not readable",
                "external.tls { enabled = true, trust-store-password = \"x\" } | switchboard.storage.external.tls.trust-store-password: is set but",
                "external.tls { trust-store = \"/etc/ca.p12\" } | switchboard.storage.external.tls.trust-store: is set but switchboard.storage.external.tls.enabled is false",
                "external.tls.hostname-validation = maybe | switchboard.storage.external.tls.hostname-validation: has the wrong type",
            })
    void half_a_storage_security_setting_stops_startup(String hocon, String message) {
        assertThatThrownBy(() -> NodeConfig.fromString("switchboard.storage." + hocon))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("Configuration error at " + message.split(":")[0])
                .hasMessageContaining(message.substring(message.indexOf(':') + 2));
    }
}

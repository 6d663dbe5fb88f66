package io.switchboard.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.presence.domain.PresenceLimits;
import io.switchboard.sip.trust.Federation;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code switchboard.federation} and {@code switchboard.presence.limits}: defaults, and bad values naming their key. */
class FederationConfigTest {

    @Test
    void defaults_are_no_federation_and_the_documented_limits() throws Exception {
        NodeConfig c = NodeConfig.fromString("");
        Federation f = FederationConfig.of(c);
        assertThat(f.peers()).isEmpty();
        assertThat(f.isFederatedPeer("partner.test", InetAddress.getByName("127.0.0.1")))
                .isFalse();
        assertThat(PresenceConfig.of(c).limits()).isEqualTo(PresenceLimits.DEFAULTS);
    }

    @Test
    void a_federated_domain_is_believed_from_its_sources_only() throws Exception {
        Federation f = FederationConfig.of(
                NodeConfig.fromString(
                        "switchboard.federation.domains = [ { domain = \"Partner.Test\", sources = [\"203.0.113.0/24\", \"2001:db8::/32\"] } ]"));
        assertThat(f.isFederatedPeer("partner.test", InetAddress.getByName("203.0.113.20")))
                .isTrue();
        assertThat(f.isFederatedPeer("partner.test", InetAddress.getByName("2001:db8::7")))
                .isTrue();
        assertThat(f.isFederatedPeer("partner.test", InetAddress.getByName("198.51.100.1")))
                .isFalse();
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "domains = [ { domain = \"partner.test\", sources = [\"203.0.113.0/33\"] } ]            | switchboard.federation.domains[0].sources",
                "domains = [ { domain = \"partner.test\", sources = [\"partner.test\"] } ]              | switchboard.federation.domains[0].sources",
                "domains = [ { domain = \"partner.test\", sources = [] } ]                              | switchboard.federation.domains[0].sources",
                "domains = [ { domain = \"partner.test\" } ]                                            | switchboard.federation.domains[0].sources",
                "domains = [ { domain = \"bad_domain\", sources = [\"203.0.113.0/24\"] } ]              | switchboard.federation.domains[0].domain",
                "domains = [ { domain = \"example.test\", sources = [\"203.0.113.0/24\"] } ]            | switchboard.federation.domains[0].domain",
                "domains = [ { domain = \"a.test\", sources = [\"192.0.2.1\"] }, { domain = \"A.test\", sources = [\"192.0.2.2\"] } ] | switchboard.federation.domains[1].domain",
                "domains = \"partner.test\"                                                            | switchboard.federation.domains",
            })
    void bad_federation_stops_startup_naming_the_key(String hocon, String key) {
        assertThatThrownBy(() -> FederationConfig.of(NodeConfig.fromString("switchboard.federation." + hocon)))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining(key);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({
        "dialogs-per-watcher = 0",
        "watchers-per-presentity = 0",
        "new-dialogs-per-second = 0",
        "new-dialogs-burst = -1",
    })
    void bad_limits_name_the_key(String line) {
        assertThatThrownBy(() -> PresenceConfig.of(NodeConfig.fromString("switchboard.presence.limits." + line)))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.presence.limits." + line.substring(0, line.indexOf(' ')));
    }
}

package io.switchboard.sip.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Who counts as a federated peer: the claimed domain must be configured and the source in one of its networks. */
class FederationTest {

    private static final Federation FEDERATION = new Federation(List.of(
            Federation.Peer.of("partner.test", List.of("203.0.113.0/24", "2001:db8::/32")),
            Federation.Peer.of("Single.Test", List.of("198.51.100.7"))));

    @ParameterizedTest(name = "{0} from {1}: {2}")
    @CsvSource({
        // domain,          source,              peer?
        "partner.test,      203.0.113.1,         true",
        "partner.test,      203.0.113.255,       true",
        "PARTNER.TEST,      203.0.113.9,         true", // domains compare case-insensitively
        "partner.test,      203.0.114.1,         false", // outside the /24
        "partner.test,      2001:db8:1::5,       true",
        "partner.test,      2001:db9::5,         false",
        "partner.test,      198.51.100.7,        false", // another peer's address
        "single.test,       198.51.100.7,        true", // a bare address is one host
        "single.test,       198.51.100.8,        false",
        "sub.partner.test,  203.0.113.1,         false", // subdomains are not federated with their parent
        "stranger.test,     203.0.113.1,         false", // a forged From from a peer's network is still a stranger
        "'',                203.0.113.1,         false",
    })
    void peer_is_the_configured_domain_at_its_configured_sources(String domain, String source, boolean peer)
            throws Exception {
        assertThat(FEDERATION.isFederatedPeer(domain, InetAddress.getByName(source)))
                .isEqualTo(peer);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({
        "partner.test, 203.0.113.1",
        "partner.test, 2001:db8::1",
    })
    void nobody_is_a_peer_without_federation(String domain, String source) throws Exception {
        assertThat(Federation.NONE.isFederatedPeer(domain, InetAddress.getByName(source)))
                .isFalse();
        assertThat(FEDERATION.isFederatedPeer(domain, null))
                .as("unknown source")
                .isFalse();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "203.0.113.0/33        | bad prefix length",
                "2001:db8::/129        | bad prefix length",
                "203.0.113.0/x         | bad prefix length",
                "203.0.113.1/24        | host bits set",
                "203.0.113             | not an IPv4 or IPv6 network",
                "300.0.113.0/24        | not an IPv4 or IPv6 network",
                "partner.example/24    | not an IPv4 or IPv6 network",
                "localhost             | not an IPv4 or IPv6 network",
                "2001:db8::zz/32       | not an IPv4 or IPv6 network",
                "''                    | not an IPv4 or IPv6 network",
            })
    void bad_networks_are_refused_with_the_value_named(String cidr, String problem) {
        assertThatThrownBy(() -> Federation.Cidr.parse(cidr))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(problem)
                .hasMessageContaining("\"" + cidr + "\"");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({"'partner_test'", "'-partner.test'", "'partner..test'", "''", "'partner.test.'"})
    void bad_domains_are_refused(String domain) {
        assertThatThrownBy(() -> Federation.Peer.of(domain, List.of("203.0.113.0/24")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a valid domain name");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({"partner.test"})
    void a_peer_needs_a_source_and_a_domain_is_listed_once(String domain) {
        assertThatThrownBy(() -> Federation.Peer.of(domain, List.of()))
                .hasMessageContaining("at least one source network");
        Federation.Peer p = Federation.Peer.of(domain, List.of("203.0.113.0/24"));
        assertThatThrownBy(() -> new Federation(List.of(p, p))).hasMessageContaining("listed twice");
    }
}

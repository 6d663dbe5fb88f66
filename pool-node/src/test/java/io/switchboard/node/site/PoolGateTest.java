package io.switchboard.node.site;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.config.NodeConfig;
import io.switchboard.node.config.SitesConfig;
import io.switchboard.proxy.sip.OutboundGate;
import io.switchboard.sip.flow.FlowTokens;
import io.switchboard.sip.routing.NextHop;
import io.switchboard.sip.routing.PoolMembers;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** What a branch answers while the pool does not answer, and how the pool counts a branch node that does not. */
class PoolGateTest {

    @Test
    void open_while_the_pool_answers() {
        assertThat(new PoolGate(() -> true, "10.20.0.5:5060", "ams").refusal(true))
                .isEmpty();
        assertThat(new PoolGate(() -> true, "10.20.0.5:5060", "ams").refusal(false))
                .isEmpty();
    }

    @Test
    void while_the_pool_is_down_a_user_is_temporarily_unavailable_and_another_domain_503_both_with_a_warning() {
        PoolGate gate = new PoolGate(() -> false, "10.20.0.5:5060", "ams");
        OutboundGate.Refusal user = gate.refusal(true).orElseThrow();
        assertThat(user.status()).isEqualTo(480);
        assertThat(user.warning())
                .isEqualTo("399 10.20.0.5:5060 \"Limited functionality: branch ams cannot reach the pool;"
                        + " only calls within the branch work\"");
        OutboundGate.Refusal outside = gate.refusal(false).orElseThrow();
        assertThat(outside.status()).isEqualTo(503);
        assertThat(outside.warning()).isEqualTo(user.warning());
    }

    @Test
    void presence_while_the_pool_is_down_is_480_with_retry_after_and_the_warning_never_503() {
        AtomicBoolean up = new AtomicBoolean(true);
        PoolGate gate = new PoolGate(up::get, "10.20.0.5:5060", "ams");
        assertThat(gate.serviceRefusal()).isEmpty();
        up.set(false);
        OutboundGate.Refusal presence = gate.serviceRefusal().orElseThrow();
        assertThat(presence.status()).isEqualTo(480); // a 503 would send the phone away from its branch
        assertThat(presence.reason()).isEqualTo("Temporarily Unavailable (served by the pool, which is unreachable)");
        assertThat(presence.retryAfter()).isEqualTo(60);
        assertThat(presence.warning()).isEqualTo(gate.limitedFunctionality().orElseThrow());
    }

    @Test
    void with_a_trunk_numbers_go_there_while_the_pool_is_down_and_nothing_else_does() {
        AtomicBoolean up = new AtomicBoolean(true);
        PoolGate gate = new PoolGate(up::get, "10.20.0.5:5060", "ams", Optional.of("sip:gw.ams.test;lr"), Set.of());
        assertThat(gate.divertTo("sip:+31201234567@example.test;user=phone", true))
                .isEmpty(); // the pool's trunk
        up.set(false);
        for (String number : new String[] {
            "sip:+31201234567@example.test;user=phone",
            "sip:0201234567@example.test",
            "sip:112@example.test",
            "tel:+31-20-123-4567",
            "sip:+31(20)1234567@elsewhere.test"
        }) {
            assertThat(gate.divertTo(number, true)).as(number).contains("sip:gw.ams.test;lr");
        }
        for (String name : new String[] {
            "sip:polly@example.test",
            "sip:bob2@elsewhere.test",
            "sip:example.test",
            "sip:%23905@example.test", // a call park orbit, the pool's: never the PSTN
            "sip:park@example.test"
        }) {
            assertThat(gate.divertTo(name, true)).as(name).isEmpty();
        }
        assertThat(gate.refusal(true).orElseThrow().warning()).contains("within the branch and to phone numbers work");
        assertThat(new PoolGate(() -> false, "h:1", "ams").divertTo("tel:112", true))
                .isEmpty(); // no trunk
    }

    @Test
    void an_emergency_number_goes_to_the_branch_trunk_even_while_the_pool_answers() {
        PoolGate gate = new PoolGate(
                () -> true, "10.20.0.5:5060", "ams", Optional.of("sip:gw.ams.test;lr"), Set.of("112", "911"));
        for (String emergency :
                new String[] {"sip:112@example.test", "sip:911@example.test;user=phone", "tel:112", "tel:9-1-1"}) {
            assertThat(gate.divertTo(emergency, true)).as(emergency).contains("sip:gw.ams.test;lr");
        }
        for (String other : new String[] {
            "sip:1120@example.test", "sip:+31201234567@example.test;user=phone", "tel:0112", "sip:alice@example.test"
        }) {
            assertThat(gate.divertTo(other, true)).as(other).isEmpty(); // the pool, as before
        }
        // no trunk at the branch: emergency calls go to the pool like any number
        assertThat(new PoolGate(() -> true, "h:1", "ams", Optional.empty(), Set.of("112")).divertTo("tel:112", true))
                .isEmpty();
    }

    @Test
    void a_pool_node_counts_a_branch_node_available_only_while_it_answers() {
        SitesConfig sites = SitesConfig.of(NodeConfig.fromString("""
                switchboard.storage.replication = "{'class': 'NetworkTopologyStrategy', 'dc1': 3}"
                switchboard.sites { pool-dc = "dc1", branches = [ { name = "ams", dc = "ams", node = "10.20.0.5:5060" } ] }
                """));
        PoolMembers pool = new PoolMembers() {
            @Override
            public String selfNode() {
                return "node-1";
            }

            @Override
            public boolean isAvailable(String nodeId) {
                return "node-2".equals(nodeId);
            }

            @Override
            public Optional<NextHop> nodeHolding(String token) {
                return Optional.empty();
            }
        };
        AtomicBoolean answers = new AtomicBoolean(true);
        BranchPeers peers = new BranchPeers(
                pool,
                new FlowTokens("s3cret-s3cret-s3cret-s3cret-s3cret".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                sites,
                id -> answers.get());
        assertThat(peers.isAvailable("branch-ams")).isTrue();
        answers.set(false);
        assertThat(peers.isAvailable("branch-ams")).isFalse();
        // pool members are the cluster's business, as before
        assertThat(peers.isAvailable("node-2")).isTrue();
        assertThat(peers.isAvailable("node-3")).isFalse();
    }

    /** A SIP URI as a next hop (JAIN-SIP's parser, as the proxy gets it). */
    static javax.sip.address.SipURI uri(String text) throws Exception {
        return (javax.sip.address.SipURI)
                javax.sip.SipFactory.getInstance().createAddressFactory().createURI(text);
    }

    @Test
    void an_in_dialog_request_towards_the_silent_pool_gets_408_with_the_warning_at_once() throws Exception {
        AtomicBoolean up = new AtomicBoolean(true);
        PoolAddresses pool = PoolAddresses.of("sip:pool.example.com;transport=tcp");
        pool.remember(java.util.List.of(new NextHop("10.10.0.1", 5060, "tcp"), new NextHop("10.10.0.2", 5070, "tcp")));
        PoolGate gate = new PoolGate(up::get, "10.20.0.5:5060", "ams", Optional.empty(), Set.of(), pool);
        // a pool node's signed Record-Route, the pool's name, a node the pool-uri resolved to
        assertThat(gate.inDialogRefusal(uri("sip:10.10.0.9:5060;transport=udp;lr"), () -> true))
                .as("open while the pool answers")
                .isEmpty();
        up.set(false);
        OutboundGate.Refusal signed = gate.inDialogRefusal(uri("sip:tok@10.10.0.9:5060;transport=udp;lr"), () -> true)
                .orElseThrow();
        assertThat(signed.status()).isEqualTo(408);
        assertThat(signed.reason()).isEqualTo("Request Timeout (pool unreachable)");
        assertThat(signed.retryAfter()).isZero();
        assertThat(signed.warning()).isEqualTo(gate.limitedFunctionality().orElseThrow());
        assertThat(gate.inDialogRefusal(uri("sip:pool.example.com;transport=udp"), () -> false))
                .isPresent();
        assertThat(gate.inDialogRefusal(uri("sip:10.10.0.2:5070;transport=tcp"), () -> false))
                .isPresent();
        // the branch's own users, its trunk, a stranger's proxy: not the pool, sent on as before
        assertThat(gate.inDialogRefusal(uri("sip:bea@10.20.1.7:5060"), () -> false))
                .isEmpty();
        assertThat(gate.inDialogRefusal(uri("sip:10.10.0.2:5060;lr"), () -> false))
                .as("another port of a pool machine")
                .isEmpty();
        // without the pool's addresses (a pool node's gate, or none given): never
        assertThat(new PoolGate(() -> false, "10.20.0.5:5060", "ams")
                        .inDialogRefusal(uri("sip:pool.example.com"), () -> true))
                .isEmpty();
    }

    @Test
    void the_pool_uri_is_matched_with_the_transports_default_port() throws Exception {
        PoolAddresses named = PoolAddresses.of("sip:Pool.Example.com;transport=tcp");
        assertThat(named.isPool("pool.example.com", 5060, false)).isTrue();
        assertThat(named.isPool("pool.example.com", -1, false)).isTrue();
        assertThat(named.isPool("pool.example.com", 5080, false)).isFalse();
        PoolAddresses tls = PoolAddresses.of("sips:pool.example.com");
        assertThat(tls.isPool("pool.example.com", -1, true)).isTrue();
        assertThat(tls.isPool("pool.example.com", 5061, false)).isTrue();
        PoolAddresses literal = PoolAddresses.of("sip:127.0.0.1:5099;maddr=127.0.0.2");
        assertThat(literal.isPool("127.0.0.1", 5099, false)).isTrue();
        assertThat(literal.isPool("127.0.0.2", 5099, false))
                .as("maddr is where it is sent, once resolved")
                .isFalse();
        literal.remember(java.util.List.of(new NextHop("127.0.0.2", 5099, "udp")));
        assertThat(literal.isPool("127.0.0.2", 5099, false)).isTrue();
        PoolAddresses v6 = PoolAddresses.of("sip:[2001:db8::1]:5070");
        assertThat(v6.isPool("[2001:DB8::1]", 5070, false)).isTrue();
    }

    @Test
    void a_pool_node_answers_408_at_once_to_an_in_dialog_request_towards_a_branch_node_it_counts_down()
            throws Exception {
        SitesConfig sites = new SitesConfig(
                "pool",
                Optional.of("dc1"),
                3,
                java.util.List.of(
                        new SitesConfig.Branch("ams", "ams", "10.20.0.5", 5060),
                        new SitesConfig.Branch("osl", "osl", "10.30.0.5", 5070)));
        Set<String> down = new java.util.HashSet<>(Set.of("osl"));
        BranchLinksGate gate = new BranchLinksGate(sites, site -> !down.contains(site), "10.10.0.1:5060");
        assertThat(gate.inDialogRefusal(uri("sip:10.20.0.5;transport=udp;lr"), () -> true))
                .as("ams answers")
                .isEmpty();
        OutboundGate.Refusal osl = gate.inDialogRefusal(uri("sip:tok@10.30.0.5:5070;transport=udp;lr"), () -> true)
                .orElseThrow();
        assertThat(osl.status()).isEqualTo(408);
        assertThat(osl.warning()).startsWith("399 10.10.0.1:5060 \"Branch office osl does not answer now");
        assertThat(gate.inDialogRefusal(uri("sip:10.30.0.5:5060;lr"), () -> true))
                .as("another port of that machine")
                .isEmpty();
        // the pool's own outbound proxy and initial requests are never gated here
        assertThat(gate.refusal(true)).isEmpty();
        assertThat(gate.serviceRefusal()).isEmpty();
    }
}

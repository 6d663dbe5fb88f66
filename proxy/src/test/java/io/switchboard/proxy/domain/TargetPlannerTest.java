package io.switchboard.proxy.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.BindingKey;
import io.switchboard.sip.flow.Flow;
import io.switchboard.sip.routing.NextHop;
import io.switchboard.sip.routing.PoolMembers;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TargetPlannerTest {

    private static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");

    /** node-1 plans; node-2 is up at 10.0.0.2:5060; node-3 is down. */
    private static final PoolMembers POOL = new PoolMembers() {
        @Override
        public String selfNode() {
            return "node-1";
        }

        @Override
        public boolean isAvailable(String nodeId) {
            return Set.of("node-1", "node-2").contains(nodeId);
        }

        @Override
        public Optional<NextHop> nodeHolding(String token) {
            return Optional.ofNullable(
                    Map.of("tok2", new NextHop("10.0.0.2", 5060, "udp")).get(token));
        }
    };

    private static Binding binding(String contact, Flow flow, String instance, int regId, Instant expires) {
        return new Binding(
                BindingKey.forContact(contact),
                contact,
                "call-1",
                1,
                expires,
                1000,
                instance,
                regId,
                List.of(),
                flow,
                "ua",
                NOW.minusSeconds(10));
    }

    @Test
    void each_kind_of_binding_gets_its_route() {
        Instant later = NOW.plusSeconds(300);
        List<Binding> bindings = List.of(
                binding("sip:a@192.0.2.1:5060", new Flow("udp", "192.0.2.1", 5060, "node-2", ""), null, 0, later),
                binding(
                        "sip:a@192.0.2.2:5070;transport=tcp",
                        new Flow("tcp", "192.0.2.2", 40001, "node-1", "tok1"),
                        null,
                        0,
                        later),
                binding(
                        "sip:a@192.0.2.3:5070;transport=tcp",
                        new Flow("tcp", "192.0.2.3", 40002, "node-2", "tok2"),
                        null,
                        0,
                        later),
                binding(
                        "sip:a@192.0.2.4:5070;transport=tcp",
                        new Flow("tcp", "192.0.2.4", 40003, "node-3", "tok3"),
                        null,
                        0,
                        later),
                binding(
                        "sip:a@192.0.2.5:5060",
                        new Flow("udp", "198.51.100.5", 6000, "node-2", ""),
                        "<urn:uuid:1>",
                        1,
                        later),
                binding("sip:a@192.0.2.6:5060", new Flow("udp", "192.0.2.6", 5060, "node-1", ""), null, 0, NOW));

        TargetPlanner.Plan plan = TargetPlanner.plan(bindings, null, POOL, NOW);

        assertThat(plan.targets()).hasSize(4);
        Target udp = plan.targets().get(0);
        assertThat(udp.hop()).as("plain UDP: the Contact decides").isNull();
        assertThat(udp.routes()).isEmpty();
        Target local = plan.targets().get(1);
        assertThat(local.hop())
                .as("our own TCP flow: straight into the connection")
                .isEqualTo(new NextHop("192.0.2.2", 40001, "tcp"));
        assertThat(local.outboundToken()).isEqualTo("tok1");
        Target remote = plan.targets().get(2);
        assertThat(remote.hop()).isNull();
        assertThat(remote.routes()).containsExactly("sip:tok2@10.0.0.2:5060;transport=udp;lr");
        Target outbound = plan.targets().get(3);
        assertThat(outbound.hop())
                .as("RFC 5626 UDP flow: back to where the REGISTER came from")
                .isEqualTo(new NextHop("198.51.100.5", 6000, "udp"));
        assertThat(plan.skipped()).singleElement().satisfies(s -> {
            assertThat(s.contact()).contains("192.0.2.4");
            assertThat(s.reason()).contains("node-3");
        });
    }

    @Test
    void a_gruu_selects_its_instance_only() {
        Instant later = NOW.plusSeconds(300);
        List<Binding> bindings = List.of(
                binding(
                        "sip:a@192.0.2.1:5060",
                        new Flow("udp", "192.0.2.1", 5060, "node-1", ""),
                        "<urn:uuid:1>",
                        1,
                        later),
                binding(
                        "sip:a@192.0.2.2:5060",
                        new Flow("udp", "192.0.2.2", 5060, "node-1", ""),
                        "<urn:uuid:2>",
                        1,
                        later));
        assertThat(TargetPlanner.plan(bindings, "urn:uuid:2", POOL, NOW).targets())
                .singleElement()
                .satisfies(t -> assertThat(t.requestUri()).isEqualTo("sip:a@192.0.2.2:5060"));
        assertThat(TargetPlanner.plan(bindings, "urn:uuid:9", POOL, NOW).targets())
                .isEmpty();
    }
}

package io.switchboard.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.node.Dnsmasq;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * REGISTER and unregister with each client over UDP and TCP: the client sees its 200, the node
 * holds the binding (admin API), and after the client unregisters the binding is gone.
 */
class RegistrationInteropTest extends InteropTestBase {

    @Override
    String keyspace() {
        return "interop_register";
    }

    @Override
    String[] binaries() {
        return new String[] {Baresip.BINARY, Linphonec.BINARY, Sipsak.BINARY};
    }

    @ParameterizedTest
    @ValueSource(strings = {"udp", "tcp"})
    void baresip_registers_and_unregisters(String transport) throws Exception {
        String user = transport.equals("udp") ? "alice" : "bob";
        Baresip b =
                stopAfter(Baresip.start(testDir("baresip-" + transport), user, transport, port(transport), List.of()));
        b.awaitRegistered(SHORT);
        JsonNode all = awaitBindings(node, b.aor(), hasBinding(b.userAgent(), transport), b + " binding");
        if (transport.equals("tcp")) {
            // RFC 5626: the outbound REGISTER carries the instance and the flow's reg-id
            assertThat(all.get(0).path("instance").asText()).as(all.toString()).isNotEmpty();
            assertThat(all.get(0).path("reg_id").asInt()).as(all.toString()).isEqualTo(1);
        }
        unregistered(b);
    }

    /**
     * baresip finds the pool through DNS SRV (RFC 3263 section 4.1): a real DNS server (dnsmasq)
     * has {@code _sip._udp.example.test} pointing at the node's UDP port, and baresip, given only
     * its AOR and that server, registers there.
     */
    @Test
    void baresip_finds_the_pool_by_dns_srv() throws Exception {
        if (Dnsmasq.binary() == null) {
            if (Dnsmasq.required()) {
                fail(Dnsmasq.MISSING + ". CI must run this test (.ci/run installs it).");
            }
            assumeTrue(false, Dnsmasq.MISSING);
        }
        Path d = testDir("baresip-srv");
        Dnsmasq dns = stopAfter(Dnsmasq.start(
                d,
                List.of(
                        "--srv-host=_sip._udp.example.test,pool.example.test," + port("udp") + ",10,0",
                        "--host-record=pool.example.test,127.0.0.1")));
        Baresip b = stopAfter(Baresip.startResolving(d, "erin", dns.server(), port("udp")));
        b.awaitRegistered(SHORT);
        awaitBindings(node, b.aor(), hasBinding(b.userAgent(), "udp"), b + " binding");
        assertThat(dns.log()).as("baresip asked our DNS server").contains("query[SRV] _sip._udp.example.test");
    }

    @ParameterizedTest
    @ValueSource(strings = {"udp", "tcp"})
    void linphonec_registers_with_gruu_and_unregisters(String transport) throws Exception {
        String user = transport.equals("udp") ? "carol" : "dave";
        Linphonec l = stopAfter(
                Linphonec.start(testDir("linphonec-" + transport), user, transport, port(transport), List.of()));
        l.awaitRegistered(SHORT);
        JsonNode all = awaitBindings(node, l.aor(), hasBinding(l.userAgent(), transport), "linphonec binding");
        // linphone sends +sip.instance and asks for GRUU (RFC 5627); the 200 hands it one
        assertThat(all.get(0).path("instance").asText()).as(all.toString()).startsWith("<urn:uuid:");
        SipTrace.Message ok =
                l.awaitMessage(m -> m.incoming() && m.isResponse(200, "REGISTER"), SHORT, "200 to REGISTER");
        assertThat(ok.text()).contains("pub-gruu=\"sip:" + l.user + "@example.test;gr=urn:uuid:");
        unregistered(l);
    }

    @ParameterizedTest
    @ValueSource(strings = {"udp", "tcp"})
    void sipsak_registers_and_unregisters(String transport) throws Exception {
        String contact = "sip:sam@127.0.0.1:" + (transport.equals("udp") ? 5099 : 5098);
        String out = Sipsak.register(testDir("sipsak-" + transport), "sam", transport, port(transport), contact, 300);
        assertThat(out).contains("SIP/2.0 401 Unauthorized").contains("SIP/2.0 200 OK");
        JsonNode all = awaitBindings(node, "sip:sam@localhost", hasBinding("sipsak", transport), "sipsak binding");
        assertThat(all.toString()).contains("\"contact\":\"" + contact + "\"");

        String removed = Sipsak.register(testDir("sipsak-" + transport), "sam", transport, port(transport), contact, 0);
        assertThat(removed).contains("SIP/2.0 200 OK");
        awaitBindings(node, "sip:sam@localhost", noBinding("sipsak"), "binding removed");
    }

    private void unregistered(SipClient c) throws Exception {
        int before = (int) c.count(m -> m.incoming() && m.isResponse(200, "REGISTER"));
        c.unregister();
        // the node's 200 to the REGISTER with expires 0, and no binding left
        c.awaitTrace(
                t -> t.stream()
                                .filter(m -> m.incoming() && m.isResponse(200, "REGISTER"))
                                .count()
                        > before,
                SHORT,
                "200 to the unregistering REGISTER");
        awaitBindings(node, c.aor(), noBinding(c.userAgent()), "no binding after unregister");
    }
}

package io.switchboard.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.node.SwitchboardNode;
import io.switchboard.node.TestNodes;
import io.switchboard.storage.testing.TestPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * REGISTER and unregister over TLS (RFC 3261 section 26.2) with each client against a node whose
 * TLS listening point ({@code switchboard.sip.tls}) holds a throwaway self-signed certificate made
 * by the JDK's keytool; the clients trust that certificate as their CA. The node holds the binding
 * with transport TLS, and after the client unregisters the binding is gone.
 */
class TlsRegistrationInteropTest extends InteropTestBase {

    private static final String PASSWORD = "interop-tls";

    private int tlsPort;
    private Path caPem;

    @Override
    String keyspace() {
        return "interop_register_tls";
    }

    @Override
    String[] binaries() {
        return new String[] {Baresip.BINARY, Linphonec.BINARY, Sipsak.BINARY};
    }

    @Override
    SwitchboardNode startNodes() {
        try {
            Path keys = Files.createDirectories(
                            Path.of("target", "interop", getClass().getSimpleName(), "keys"))
                    .toAbsolutePath();
            Path store = keys.resolve("node.p12");
            caPem = keys.resolve("node.pem");
            Files.deleteIfExists(store);
            // the clients connect to 127.0.0.1 and check the name against the certificate's
            keytool(
                    "-genkeypair",
                    "-alias",
                    "node",
                    "-keyalg",
                    "EC",
                    "-groupname",
                    "secp256r1",
                    "-dname",
                    "CN=127.0.0.1",
                    "-ext",
                    "SAN=IP:127.0.0.1,DNS:localhost,DNS:example.test",
                    "-validity",
                    "2",
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    store.toString(),
                    "-storepass",
                    PASSWORD);
            keytool(
                    "-exportcert",
                    "-rfc",
                    "-alias",
                    "node",
                    "-keystore",
                    store.toString(),
                    "-storepass",
                    PASSWORD,
                    "-file",
                    caPem.toString());
            tlsPort = freePort();
            return TestNodes.start(keyspace(), InteropNode.HOCON + """
                    switchboard.sip.tls {
                      enabled = true
                      port = %d
                      key-store = "%s"
                      key-store-password = "%s"
                      key-store-type = "PKCS12"
                    }
                    """.formatted(tlsPort, store, PASSWORD));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void keytool(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("keytool ran").isTrue();
            assertThat(p.exitValue()).as(out).isZero();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted running keytool", e);
        }
    }

    /** The node's config needs the number before the node binds it. */
    private static int freePort() {
        return TestPorts.tcp("127.0.0.1");
    }

    @Test
    void baresip_registers_over_tls_with_outbound_and_unregisters() throws Exception {
        Baresip b = stopAfter(
                Baresip.start(testDir("baresip-tls"), "erin", "tls", tlsPort, List.of(), true, Optional.of(caPem)));
        b.awaitRegistered(SHORT);
        JsonNode all = awaitBindings(node, b.aor(), hasBinding(b.userAgent(), "tls"), b + " binding");
        // RFC 5626: the outbound REGISTER carries the instance and the flow's reg-id
        assertThat(all.get(0).path("instance").asText()).as(all.toString()).isNotEmpty();
        assertThat(all.get(0).path("reg_id").asInt()).as(all.toString()).isEqualTo(1);
        unregistered(b);
    }

    @Test
    void linphonec_registers_over_tls_with_gruu_and_unregisters() throws Exception {
        Linphonec l = stopAfter(
                Linphonec.start(testDir("linphonec-tls"), "frank", "tls", tlsPort, List.of(), Optional.of(caPem)));
        l.awaitRegistered(SHORT);
        JsonNode all = awaitBindings(node, l.aor(), hasBinding(l.userAgent(), "tls"), "linphonec binding");
        // linphone sends +sip.instance and asks for GRUU (RFC 5627); the 200 hands it one
        assertThat(all.get(0).path("instance").asText()).as(all.toString()).startsWith("<urn:uuid:");
        SipTrace.Message ok =
                l.awaitMessage(m -> m.incoming() && m.isResponse(200, "REGISTER"), SHORT, "200 to REGISTER");
        assertThat(ok.text()).contains("pub-gruu=\"sip:" + l.user + "@example.test;gr=urn:uuid:");
        unregistered(l);
    }

    @Test
    void sipsak_registers_over_tls_and_unregisters() throws Exception {
        String contact = "sip:sam@127.0.0.1:5097;transport=tls";
        // sipsak 0.9.8 checks the certificate's name against "host:port" of its target (it printed
        // "does not match hostname 'localhost:4348'" for port 43489), which no certificate can
        // match, so its check is off; the node's side of the handshake is what is tested here
        List<String> ca = List.of("--tls-ca-cert=" + caPem, "--tls-ignore-cert-failure");
        String out = Sipsak.register(testDir("sipsak-tls"), "sam", "tls", tlsPort, contact, 300, ca);
        assertThat(out).contains("SIP/2.0 401 Unauthorized").contains("SIP/2.0 200 OK");
        awaitBindings(node, "sip:sam@localhost", hasBinding("sipsak", "tls"), "sipsak binding");

        String removed = Sipsak.register(testDir("sipsak-tls"), "sam", "tls", tlsPort, contact, 0, ca);
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

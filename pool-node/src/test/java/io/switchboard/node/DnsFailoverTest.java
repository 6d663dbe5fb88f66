package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.switchboard.sip.dns.Blacklist;
import io.switchboard.sip.dns.DnsjavaLookup;
import io.switchboard.sip.dns.SipResolver;
import io.switchboard.sip.dns.SipTarget;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 3263 against a real DNS server ({@link Dnsmasq}): {@code trunk.test} has two SRV targets
 * for {@code _sip._udp}, priority 10 and 20, each a SIPp UAS on its own port. The resolver finds
 * them in priority order (also through a NAPTR record), and the pool, whose outbound proxy is
 * {@code sip:trunk.test}, sends a call to the first, gets 503, fails over to the second (section
 * 4.3) and the call succeeds; the next call goes straight to the second (the blacklist).
 *
 * <p>Without dnsmasq or SIPp the test is skipped on a developer machine and fails in CI.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DnsFailoverTest {

    @TempDir
    static Path dir;

    private String sipp;
    private boolean tools;
    private Dnsmasq dns;
    private SwitchboardNode node;
    private int gw1;
    private int gw2;

    @BeforeAll
    void start() throws Exception {
        sipp = SippRegistrationTest.onPath("sipp");
        tools = sipp != null && Dnsmasq.binary() != null;
        if (!tools) {
            if (Dnsmasq.required()) {
                fail((sipp == null ? SippRegistrationTest.NO_SIPP : Dnsmasq.MISSING)
                        + ". CI must run this test (.ci/run installs it).");
            }
            return;
        }
        gw1 = TestNodes.freePort();
        gw2 = TestNodes.freePort();
        dns = Dnsmasq.start(
                dir,
                List.of(
                        // listed lower priority first, so the order is the resolver's, not the server's
                        "--srv-host=_sip._udp.trunk.test,gw2.trunk.test," + gw2 + ",20,0",
                        "--srv-host=_sip._udp.trunk.test,gw1.trunk.test," + gw1 + ",10,0",
                        "--host-record=gw1.trunk.test,127.0.0.1",
                        "--host-record=gw2.trunk.test,127.0.0.1",
                        "--naptr-record=naptr.test,10,10,S,SIP+D2U,,_sip._udp.trunk.test"));
        node = TestNodes.start("dns_failover", """
                switchboard.proxy.outbound-proxy = "sip:trunk.test"
                switchboard.dns.servers = ["%s"]
                """.formatted(dns.server()));
    }

    @BeforeEach
    void needsTools() {
        assumeTrue(tools, "dnsmasq and sipp are needed to run this test");
    }

    @AfterAll
    void stop() {
        try {
            if (node != null) {
                node.close();
            }
        } finally {
            if (dns != null) {
                dns.close();
            }
        }
    }

    @Test
    void theResolverFindsTheSrvTargetsInPriorityOrder() throws Exception {
        ExecutorService answers = Executors.newSingleThreadExecutor();
        try {
            SipResolver resolver = new SipResolver(
                    new DnsjavaLookup(List.of(dns.server()), Duration.ofSeconds(3), answers),
                    new Blacklist(Duration.ofSeconds(30)),
                    Set.of("udp", "tcp"),
                    sum -> 0,
                    Clock.systemUTC());
            List<SipTarget> expected = List.of(
                    new SipTarget("gw1.trunk.test", "127.0.0.1", gw1, "udp"),
                    new SipTarget("gw2.trunk.test", "127.0.0.1", gw2, "udp"));
            assertThat(resolver.resolve("sip:trunk.test").toCompletableFuture().get(10, TimeUnit.SECONDS))
                    .as("SRV (no NAPTR, no _sip._tcp)")
                    .isEqualTo(expected);
            assertThat(resolver.resolve("sip:naptr.test").toCompletableFuture().get(10, TimeUnit.SECONDS))
                    .as("NAPTR SIP+D2U -> SRV")
                    .isEqualTo(expected);
            assertThat(resolver.resolve("sip:trunk.test:5099")
                            .toCompletableFuture()
                            .get(10, TimeUnit.SECONDS))
                    .as("a port: A records only, none for trunk.test")
                    .isEmpty();
            assertThat(dns.log()).contains("query[NAPTR] trunk.test").contains("query[SRV] _sip._tcp.trunk.test");
        } finally {
            answers.shutdownNow();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aCallFailsOverFromA503ToTheNextSrvTargetAndTheNextCallSkipsIt() throws Exception {
        Path scenario503 = dir.resolve("uas-503.xml");
        try (InputStream in = getClass().getResourceAsStream("/io/switchboard/node/dns/uas-503.xml")) {
            Files.copy(in, scenario503);
        }
        Path trace1 = dir.resolve("gw1-messages.log");
        Process first = uas(scenario503, gw1, 2, trace1, "gw1");
        Process second = uas(
                SippRegistrationTest.repositoryRoot().resolve("bench/sipp/uas-call.xml"),
                gw2,
                2,
                dir.resolve("gw2-messages.log"),
                "gw2");
        UdpListeners.await(gw1, Duration.ofSeconds(30));
        UdpListeners.await(gw2, Duration.ofSeconds(30));
        try (TestPhone alice = new TestPhone("udp", node.sipUdpPort(), "alice", "alice-secret")) {
            assertThat(alice.register().status()).isEqualTo(200);
            assertThat(alice.call("sip:+15551234@elsewhere.example"))
                    .as("the call through trunk.test (gw1 answers 503, gw2 answers)")
                    .isEqualTo(200);
            assertThat(alice.call("sip:+15555678@elsewhere.example")).isEqualTo(200);
            assertThat(second.waitFor(20, TimeUnit.SECONDS))
                    .as("gw2 took both calls and ended")
                    .isTrue();
            assertThat(second.exitValue()).as(read(dir.resolve("gw2.out"))).isZero();
            assertThat(count(read(trace1), "INVITE sip:"))
                    .as("gw1 was tried for the first call only (blacklisted after its 503):\n" + read(trace1))
                    .isEqualTo(1);
        } finally {
            first.destroy();
            second.destroy();
            first.waitFor(5, TimeUnit.SECONDS);
            second.waitFor(5, TimeUnit.SECONDS);
            first.destroyForcibly();
            second.destroyForcibly();
        }
    }

    private Process uas(Path scenario, int port, int calls, Path trace, String name) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                sipp,
                "-sf",
                scenario.toString(),
                "-i",
                "127.0.0.1",
                "-p",
                String.valueOf(port),
                "-t",
                "u1",
                "-m",
                String.valueOf(calls),
                "-nostdin",
                "-trace_msg",
                "-message_file",
                trace.toString(),
                "-timeout",
                "50s"));
        return new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".out").toFile())
                .start();
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private static String read(Path file) {
        try {
            return Files.isRegularFile(file)
                    ? Files.readString(file, StandardCharsets.ISO_8859_1)
                    : "(no " + file + ")";
        } catch (IOException e) {
            return e.toString();
        }
    }
}

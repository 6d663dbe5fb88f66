package io.switchboard.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code switchboard dns records}: the zone fragment from a config and flags, offline. */
class DnsCommandsTest {

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {}

    private Run run(String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = AdminCli.run(
                argv,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path config() throws Exception {
        Path c = dir.resolve("node.conf");
        Files.writeString(c, """
                switchboard {
                  domains = ["example.com"]
                  admin.token = "dns-records-test-token"
                  sip { bind-address = "10.0.0.1", udp-port = 5060, tcp-port = 5060, secret = "dns-records-test-secret-0123456789" }
                }
                """);
        return c;
    }

    @Test
    void poolRecordsFromTheConfigAndFlags() throws Exception {
        Run r = run(
                "dns",
                "records",
                "--config",
                config().toString(),
                "--address",
                "10.0.0.1",
                "--address",
                "10.0.0.2",
                "--tls-port",
                "5061",
                "--ttl",
                "300");
        assertThat(r.err()).isEmpty();
        assertThat(r.exit()).isZero();
        assertThat(r.out())
                .contains("$TTL 300")
                .containsPattern("_sip\\._udp\\.example\\.com\\. +IN SRV 10 0 5060 pool\\.example\\.com\\.")
                .containsPattern("_sip\\._tcp\\.example\\.com\\. +IN SRV 10 0 5060 pool\\.example\\.com\\.")
                .containsPattern("_sips\\._tcp\\.example\\.com\\. +IN SRV 10 0 5061 pool\\.example\\.com\\.")
                .containsPattern("_sipinternaltls\\._tcp\\.example\\.com\\. +IN SRV 10 0 5061 pool\\.example\\.com\\.")
                .containsPattern("pool\\.example\\.com\\. +IN A 10\\.0\\.0\\.1")
                .containsPattern("pool\\.example\\.com\\. +IN A 10\\.0\\.0\\.2");
    }

    @Test
    void withoutTlsThereAreNoSipsRecordsAndTheFragmentSaysWhy() throws Exception {
        Run r = run("dns", "records", "--config", config().toString(), "--pool-fqdn", "sip.example.com");
        assertThat(r.exit()).isZero();
        assertThat(r.out())
                .doesNotContain("_sips._tcp.example.com.")
                .doesNotContain("_sipinternaltls._tcp.example.com.")
                .contains("no TLS port configured")
                .containsPattern("sip\\.example\\.com\\. +IN A 10\\.0\\.0\\.1");
    }

    @Test
    void thePoolFqdnOfTheConfigIsTheDefaultSrvTarget() throws Exception {
        Path c = config();
        Files.writeString(c, Files.readString(c) + "switchboard.sip.pool-fqdn = \"sip-pool.example.com\"\n");
        Run r = run("dns", "records", "--config", c.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out())
                .containsPattern("_sip\\._udp\\.example\\.com\\. +IN SRV 10 0 5060 sip-pool\\.example\\.com\\.")
                .containsPattern("sip-pool\\.example\\.com\\. +IN A 10\\.0\\.0\\.1");
        assertThat(run("dns", "records", "--config", c.toString(), "--pool-fqdn", "other.example.com")
                        .out())
                .contains("IN SRV 10 0 5060 other.example.com.");
    }

    @Test
    void aBranchSiteListsItsNodeFirstThenThePool() throws Exception {
        Run r = run(
                "dns",
                "records",
                "--config",
                config().toString(),
                "--branch",
                "ams,sba-ams.example.com,10.20.0.5",
                "--domain",
                "example.com",
                "--domain",
                "example.org");
        assertThat(r.exit()).isZero();
        String branch = r.out().substring(r.out().indexOf("; branch site ams"));
        assertThat(branch)
                .containsPattern("_sip\\._udp\\.example\\.com\\. +IN SRV 0 0 5060 sba-ams\\.example\\.com\\.\\n"
                        + "_sip\\._udp\\.example\\.com\\. +IN SRV 10 0 5060 pool\\.example\\.com\\.")
                .containsPattern("_sip\\._tcp\\.example\\.org\\. +IN SRV 0 0 5060 sba-ams\\.example\\.com\\.")
                .containsPattern("sba-ams\\.example\\.com\\. +IN A 10\\.20\\.0\\.5");
    }

    @Test
    void badFlagsAreUsageErrorsNamingTheFlag() throws Exception {
        String c = config().toString();
        assertThat(run("dns", "records", "--config", c, "--branch", "ams,sba").err())
                .contains("--branch");
        assertThat(run("dns", "records", "--config", c, "--address", "pool.example.com")
                        .err())
                .contains("--address");
        Run r = run("dns", "records", "--config", c, "--pool-fqdn", "not a name");
        assertThat(r.exit()).isEqualTo(AdminCli.USAGE_ERROR);
        assertThat(r.err()).contains("--pool-fqdn");
        assertThat(run("dns", "records", "--config", c, "--udp-port", "0").err())
                .contains("--udp-port");
    }
}

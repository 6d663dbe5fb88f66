package io.switchboard.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SitesConfigTest {

    @Test
    void by_default_there_is_only_the_pool() {
        SitesConfig s = SitesConfig.of(NodeConfig.fromString(""));
        assertThat(s.pool()).isEqualTo("pool");
        assertThat(s.poolDc()).isEmpty();
        assertThat(s.poolReplicas()).isEqualTo(3);
        assertThat(s.branches()).isEmpty();
    }

    @Test
    void reads_the_pool_and_its_branches() {
        SitesConfig s = SitesConfig.of(NodeConfig.fromString("""
                switchboard.storage.keyspace = "corp"
                switchboard.storage.replication = "{'class': 'NetworkTopologyStrategy', 'dc1': 3}"
                switchboard.sites {
                  pool = "hq", pool-dc = "dc1", pool-replicas = 1
                  branches = [
                    { name = "ams", dc = "ams-dc", node = "10.20.0.5:5060" },
                    { name = "nyc", dc = "nyc", node = "branch-nyc.corp.test:5080" }
                  ]
                }
                """));
        assertThat(s.pool()).isEqualTo("hq");
        assertThat(s.poolDc()).isEqualTo(Optional.of("dc1"));
        assertThat(s.poolReplicas()).isEqualTo(1);
        assertThat(s.branches())
                .containsExactly(
                        new SitesConfig.Branch("ams", "ams-dc", "10.20.0.5", 5060),
                        new SitesConfig.Branch("nyc", "nyc", "branch-nyc.corp.test", 5080));
        assertThat(s.branchNames()).isEqualTo(List.of("ams", "nyc"));
        assertThat(SitesConfig.siteKeyspace("corp", "ams")).isEqualTo("corp_site_ams");
        assertThat(s.accountRules(List.of("corp.test")).homeSite("hq").isValid())
                .isTrue();
        assertThat(s.accountRules(List.of("corp.test")).homeSite("paris").isValid())
                .isFalse();
    }

    private static final String NTS =
            "switchboard.storage.replication = \"{'class': 'NetworkTopologyStrategy', 'dc1': 3}\"\\n";
    private static final String B =
            NTS + "switchboard.sites.branches = [{ name = \"ams\", dc = \"ams\", node = \"h:5060\" }, ";

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "switchboard.sites.pool = \"Pool\"                                   | switchboard.sites.pool",
                "switchboard.sites.pool = \"\"                                       | switchboard.sites.pool",
                "switchboard.sites.pool-replicas = 0                                 | switchboard.sites.pool-replicas",
                NTS
                        + "switchboard.sites.branches = [{ dc = \"x\", node = \"h:1\" }]     | switchboard.sites.branches[0].name",
                NTS
                        + "switchboard.sites.branches = [{ name = \"1ams\", dc = \"x\", node = \"h:1\" }] | switchboard.sites.branches[0].name",
                NTS
                        + "switchboard.sites.branches = [{ name = \"pool\", dc = \"x\", node = \"h:1\" }] | switchboard.sites.branches[0].name",
                B + "{ name = \"ams\", dc = \"x\", node = \"h:1\" }]           | switchboard.sites.branches[1].name",
                B + "{ name = \"nyc\", dc = \"ams\", node = \"h:1\" }]         | switchboard.sites.branches[1].dc",
                B + "{ name = \"nyc\", dc = \"it's\", node = \"h:1\" }]        | switchboard.sites.branches[1].dc",
                B + "{ name = \"nyc\", dc = \"nyc\", node = \"h\" }]           | switchboard.sites.branches[1].node",
                B + "{ name = \"nyc\", dc = \"nyc\", node = \"h:99999\" }]     | switchboard.sites.branches[1].node",
                B + "{ name = \"nyc\", dc = \"nyc\" }]                         | switchboard.sites.branches[1].node",
                NTS
                        + "switchboard.sites { pool-dc = \"dc1\", branches = [{ name = \"a\", dc = \"dc1\", node = \"h:1\" }] } | switchboard.sites.branches[0].dc",
                NTS
                        + "switchboard.storage.keyspace = \"k234567890123456789012345678\"\\nswitchboard.sites.branches = [{ name = \"abcdefghijklmno\", dc = \"x\", node = \"h:1\" }] | switchboard.sites.branches[0].name",
                "switchboard.sites.branches = [{ name = \"ams\", dc = \"ams\", node = \"h:1\" }] | switchboard.storage.replication",
                "switchboard.storage.replication = \"{'class': 'NetworkTopologyStrategy', 'dc1': 3, 'ams': 1}\"\\nswitchboard.sites.branches = [{ name = \"ams\", dc = \"ams\", node = \"h:1\" }] | switchboard.storage.replication",
            })
    void bad_values_name_the_key(String line, String key) {
        // (lines with branches set an NTS replication first, see NTS; the two cases below test it)
        assertThatThrownBy(() -> SitesConfig.of(NodeConfig.fromString(line.replace("\\n", "\n"))))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining(key);
    }
}

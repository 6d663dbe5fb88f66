package io.switchboard.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RoleConfigTest {

    /** A branch node of site ams, valid as it stands; each case below spoils one key. */
    static final String BRANCH = """
            switchboard {
              role = "branch"
              site = "ams"
              node.id = "branch-ams"
              branch.pool-uri = "sip:pool.corp.test;transport=tcp"
              storage {
                mode = external
                keyspace = "corp"
                consistency = LOCAL_QUORUM
                replication = "{'class': 'NetworkTopologyStrategy', 'dc1': 3}"
                external { contact-points = ["127.0.0.1:9042"], local-dc = "ams" }
              }
              sites {
                pool-dc = "dc1"
                branches = [
                  { name = "ams", dc = "ams", node = "10.20.0.5:5060" }
                  { name = "nyc", dc = "nyc", node = "10.30.0.5:5060", node-id = "sba-nyc" }
                ]
              }
            }
            """;

    @Test
    void a_node_is_a_pool_node_by_default() {
        RoleConfig r = RoleConfig.of(NodeConfig.fromString(""));
        assertThat(r).isEqualTo(RoleConfig.POOL);
        assertThat(r.isBranch()).isFalse();
    }

    @Test
    void a_pool_node_may_name_the_pools_own_site() {
        assertThat(RoleConfig.of(NodeConfig.fromString("switchboard.site = \"pool\"")))
                .isEqualTo(RoleConfig.POOL);
    }

    @Test
    void reads_a_branch_node() {
        RoleConfig r = RoleConfig.of(NodeConfig.fromString(BRANCH));
        assertThat(r.isBranch()).isTrue();
        assertThat(r.site()).map(SitesConfig.Branch::name).contains("ams");
        assertThat(r.site()).map(SitesConfig.Branch::nodeId).contains("branch-ams");
        assertThat(r.poolUri()).isEqualTo(Optional.of("sip:pool.corp.test;transport=tcp;lr"));
        assertThat(RoleConfig.branchKeyspace("corp", "ams")).isEqualTo("corp_branch_ams");
    }

    @Test
    void a_branch_node_id_may_be_configured_per_site() {
        RoleConfig r = RoleConfig.of(NodeConfig.fromString(
                BRANCH + "switchboard { site = \"nyc\", node.id = \"sba-nyc\", storage.external.local-dc = \"nyc\" }"));
        assertThat(r.site()).map(SitesConfig.Branch::nodeId).contains("sba-nyc");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "switchboard.role = \"sba\"                         | switchboard.role",
                "switchboard.site = \"paris\"                       | switchboard.site",
                "switchboard.site = \"\"                            | switchboard.site",
                "switchboard.node.id = \"node-1\"                   | switchboard.node.id",
                "switchboard.storage.mode = embedded               | switchboard.storage.mode",
                "switchboard.storage.external.local-dc = \"dc1\"    | switchboard.storage.external.local-dc",
                "switchboard.storage.consistency = QUORUM          | switchboard.storage.consistency",
                "switchboard.branch.pool-uri = \"\"                 | switchboard.branch.pool-uri",
                "switchboard.branch.pool-uri = \"http://pool\"      | switchboard.branch.pool-uri",
                "switchboard.bootstrap-users = [{ uri = \"sip:a@example.test\", password = \"a-secret-1\" }]"
                        + " | switchboard.bootstrap-users",
            })
    void a_bad_branch_setting_stops_startup_naming_the_key(String override, String key) {
        assertThatThrownBy(() -> RoleConfig.of(NodeConfig.fromString(BRANCH + override + "\n")))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining(key);
    }

    @Test
    void a_pool_node_cannot_name_a_branch_site() {
        assertThatThrownBy(() -> RoleConfig.of(NodeConfig.fromString(BRANCH + "switchboard.role = \"pool\"\n")))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.site");
    }

    @Test
    void two_branches_cannot_share_a_node_id() {
        assertThatThrownBy(() -> SitesConfig.of(NodeConfig.fromString(BRANCH
                        + "switchboard.sites.branches = [{ name = \"ams\", dc = \"ams\", node = \"h:1\" },"
                        + " { name = \"nyc\", dc = \"nyc\", node = \"h:2\", node-id = \"branch-ams\" }]\n")))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.sites.branches[1].node-id");
    }
}

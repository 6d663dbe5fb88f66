package io.switchboard.node.site;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.node.config.NodeConfig;
import io.switchboard.node.config.SitesConfig;
import io.switchboard.storage.CassandraSettings;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The site keyspace's name, replication and schema, without Cassandra. */
class SiteKeyspacesTest {

    /**
     * Each site schema version's digest (SiteKeyspaces.schema().digest()); as in PoolSchemaTest: when a
     * script changes, bump SiteKeyspaces.SCHEMA_VERSION and add a line, never edit one.
     */
    private static final Map<Integer, String> DIGESTS = Map.of(
            1, "509f5537fa6370ceb7cb7f6530f06d7f5427267a511661305f01195b98444d83",
            2, "0c98ea4625aed6084c5d780fa1bbad65d28a92d0b6d2982f78d8da841eda84cb");

    @Test
    void the_scripts_match_the_pinned_digest_of_their_version() {
        String digest = SiteKeyspaces.schema().digest();
        assertThat(SiteKeyspaces.SCHEMA_VERSION).isEqualTo(2);
        assertThat(digest)
                .as("the site schema scripts changed: bump SiteKeyspaces.SCHEMA_VERSION and pin %s", digest)
                .isEqualTo(DIGESTS.get(SiteKeyspaces.SCHEMA_VERSION));
    }

    @Test
    void a_site_keyspace_is_replicated_to_the_pool_dc_and_its_own_dc() {
        assertThat(SiteKeyspaces.replication("dc1", 3, "ams"))
                .isEqualTo("{'class': 'NetworkTopologyStrategy', 'ams': 1, 'dc1': 3}");
        assertThatThrownBy(() -> SiteKeyspaces.replication("dc1", 3, "dc1"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void settings_keep_the_callers_dc_and_consistency_and_name_the_site_keyspace() {
        SitesConfig sites = SitesConfig.of(NodeConfig.fromString("""
                switchboard.storage.replication = "{'class': 'NetworkTopologyStrategy', 'dc1': 3}"
                switchboard.sites.branches = [{ name = "ams", dc = "ams", node = "10.20.0.5:5060" }]
                """));
        CassandraSettings own = new CassandraSettings(
                List.of(InetSocketAddress.createUnresolved("10.20.0.5", 9042)),
                "ams",
                "switchboard",
                "{'class': 'NetworkTopologyStrategy', 'dc1': 3}",
                com.datastax.oss.driver.api.core.DefaultConsistencyLevel.LOCAL_QUORUM);

        CassandraSettings site =
                SiteKeyspaces.settings(own, sites, sites.branches().get(0), "dc1");

        assertThat(site.keyspace()).isEqualTo("switchboard_site_ams");
        assertThat(site.localDc()).isEqualTo("ams");
        assertThat(site.replication()).isEqualTo("{'class': 'NetworkTopologyStrategy', 'ams': 1, 'dc1': 3}");
        assertThat(site.consistency()).isEqualTo(own.consistency());
        assertThat(site.contactPoints()).isEqualTo(own.contactPoints());
    }
}

package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import io.switchboard.accounts.domain.Account;
import io.switchboard.accounts.store.CassandraAccountStore;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.node.site.SiteKeyspaces;
import io.switchboard.node.site.TwoSiteRing;
import io.switchboard.sip.auth.DigestAlgorithm;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.CassandraRing;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/switchboard site add NAME} (README, "Sites and branches", adding a branch site to a running pool) on the
 * shared two-DC ring: the pool ran with users homed at a site whose keyspace did not exist yet (kept in the pool's
 * keyspace); the command creates the site keyspace in both data centers and copies those users' accounts there, so
 * the branch's data center serves them; it refuses while the branch's DC has no Cassandra node.
 */
class SiteCommandTest {

    static final String KEYSPACE = "site_add";
    static final String POOL_REPLICATION = "{'class': 'NetworkTopologyStrategy', 'pool': 1}";

    record Result(int status, String out, String err) {}

    static Result siteAdd(NodeConfig config, String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = SiteCommand.add(
                config,
                name,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * A pool node's configuration on the pool DC's node, knowing branch {@code atAms} (in the joined DC ams; the tests
     * name it differently, so that they share one pool keyspace, whose schema takes long to apply) and zrh (no node).
     */
    static NodeConfig poolConfig(CassandraRing ring, String keyspace, String atAms) {
        InetSocketAddress cassandra = ring.settingsIn(
                        "pool", keyspace, POOL_REPLICATION, DefaultConsistencyLevel.LOCAL_QUORUM)
                .contactPoints()
                .get(0);
        return NodeConfig.fromString(
                """
                switchboard {
                  node.id = "node-1"
                  domains = ["example.test"]
                  storage {
                    mode = external
                    keyspace = "%s"
                    replication = "%s"
                    consistency = LOCAL_QUORUM
                    external { contact-points = ["%s:%d"], local-dc = "pool" }
                  }
                  sites {
                    pool-dc = "pool"
                    pool-replicas = 1
                    branches = [
                      { name = "%s", dc = "ams", node = "127.0.17.5:5060" }
                      { name = "zrh", dc = "zrh", node = "127.0.17.6:5060" }
                    ]
                  }
                }
                """.formatted(keyspace, POOL_REPLICATION, cassandra.getHostString(), cassandra.getPort(), atAms));
    }

    static Account account(String user, String site) {
        return new Account(
                user,
                "example.test",
                user,
                "",
                Map.of(DigestAlgorithm.MD5, "0123456789abcdef0123456789abcdef"),
                Instant.parse("2026-12-06T00:00:00Z"),
                site);
    }

    @Test
    void site_add_creates_the_site_keyspace_in_both_data_centers_and_copies_the_users_homed_there() {
        CassandraRing ring = TwoSiteRing.get();
        NodeConfig config = poolConfig(ring, KEYSPACE, "ams");
        // the pool ran before ams's keyspace existed: anna, homed at ams, is in the pool's keyspace only
        try (CqlSession pool = CassandraSessions.connect(
                ring.settingsIn("pool", KEYSPACE, POOL_REPLICATION, DefaultConsistencyLevel.LOCAL_QUORUM))) {
            PoolSchema.ensure(pool);
            CassandraAccountStore directory = CassandraAccountStore.forSessionKeyspace(pool);
            directory.put(account("anna", "ams")).toCompletableFuture().join();
            directory.put(account("polly", "")).toCompletableFuture().join();
        }

        Result unknown = siteAdd(config, "osl");
        assertThat(unknown.status()).isEqualTo(2);
        assertThat(unknown.err()).contains("osl is not in switchboard.sites.branches");
        Result notJoined = siteAdd(config, "zrh");
        assertThat(notJoined.status()).as(notJoined.err()).isEqualTo(1);
        assertThat(notJoined.err())
                .contains("no Cassandra node in data center zrh yet")
                .contains("dc=zrh");

        Result added = siteAdd(config, "ams");
        assertThat(added.status()).as(added.err()).isZero();
        assertThat(added.out())
                .contains("keyspace site_add_site_ams {'class': 'NetworkTopologyStrategy', 'ams': 1, 'pool': 1}"
                        + " (created)")
                .contains("Copied 1 account(s)")
                .doesNotContain("nodetool rebuild") // a new keyspace has nothing to rebuild
                .contains("Restart the pool's nodes one at a time");
        // anna's account is read in the branch's data center: the branch node can authenticate her
        String siteReplication = SiteKeyspaces.replication("pool", 1, "ams");
        try (CqlSession atBranch = CassandraSessions.connect(
                ring.settingsIn("ams", "site_add_site_ams", siteReplication, DefaultConsistencyLevel.LOCAL_QUORUM))) {
            CassandraAccountStore branchAccounts = CassandraAccountStore.forSessionKeyspace(atBranch);
            assertThat(branchAccounts
                            .find("example.test", "anna")
                            .toCompletableFuture()
                            .join())
                    .contains(account("anna", "ams"));
            assertThat(branchAccounts
                            .find("example.test", "polly")
                            .toCompletableFuture()
                            .join())
                    .as("no other site's users at the branch")
                    .isEmpty();
        }
        // again: nothing to do but the same copy
        Result again = siteAdd(config, "ams");
        assertThat(again.status()).as(again.err()).isZero();
        assertThat(again.out()).contains("(existed)").contains("Copied 1 account(s)");
    }

    @Test
    void a_site_keyspace_without_the_branchs_data_center_is_altered_and_a_rebuild_is_asked_for() {
        CassandraRing ring = TwoSiteRing.get();
        NodeConfig config = poolConfig(ring, KEYSPACE, "lab");
        try (CqlSession pool = CassandraSessions.connect(
                ring.settingsIn("pool", KEYSPACE, POOL_REPLICATION, DefaultConsistencyLevel.LOCAL_QUORUM))) {
            PoolSchema.ensure(pool);
            // an earlier attempt left the site keyspace in the pool's DC only
            pool.execute("CREATE KEYSPACE IF NOT EXISTS site_add_site_lab WITH replication = " + POOL_REPLICATION);
        }
        Result added = siteAdd(config, "lab");
        assertThat(added.status()).as(added.err()).isZero();
        assertThat(added.out())
                .contains("(replication changed from {pool=1})")
                .contains("nodetool rebuild -ks site_add_site_lab -- pool");
        try (CqlSession any = CassandraSessions.connect(
                ring.settingsIn("pool", KEYSPACE, POOL_REPLICATION, DefaultConsistencyLevel.LOCAL_QUORUM))) {
            assertThat(any.getMetadata()
                            .getKeyspace("site_add_site_lab")
                            .orElseThrow()
                            .getReplication())
                    .containsEntry("ams", "1")
                    .containsEntry("pool", "1");
        }
    }
}

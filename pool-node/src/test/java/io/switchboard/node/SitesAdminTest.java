package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sites as an operator sees them on a real node (README, "Sites and branches"): users homed at a
 * branch by {@code user add --site}, the CSV column and {@code user move}, the pool by default, and
 * {@code pool status} listing the configured sites.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SitesAdminTest {

    SwitchboardNode node;
    String nodeUrl;

    @BeforeAll
    void startNode() {
        // with branch sites the pool's keyspace must be NetworkTopologyStrategy in the pool's DC (SitesConfig)
        node = TestNodes.start("sites_admin", """
                switchboard.storage.replication = "{'class': 'NetworkTopologyStrategy', '%s': 1}"
                switchboard.sites {
                  pool = "hq"
                  branches = [
                    { name = "ams", dc = "ams", node = "127.0.0.20:5060" },
                    { name = "nyc", dc = "nyc", node = "127.0.0.21:5070" }
                  ]
                }
                """.formatted(io.switchboard.storage.testing.TestCassandra.localDc()));
        nodeUrl = "http://127.0.0.1:" + node.adminPort();
    }

    @AfterAll
    void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    AdminCliTest.Run cli(String... args) {
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of(args));
        all.addAll(java.util.List.of("--node", nodeUrl, "--token", TestNodes.TOKEN));
        return AdminCliTest.cliRaw(all.toArray(String[]::new));
    }

    String siteOf(String uri) throws Exception {
        HttpResponse<String> list = AdminHttp.get(node.adminPort(), "/api/users?domain=example.test");
        assertThat(list.statusCode()).isEqualTo(200);
        var matcher = java.util.regex.Pattern.compile(
                        "\"uri\":\"" + java.util.regex.Pattern.quote(uri) + "\"[^}]*\"site\":\"([a-z0-9_]+)\"")
                .matcher(list.body());
        return matcher.find() ? matcher.group(1) : null;
    }

    @Test
    void user_add_homes_a_user_at_a_branch_or_by_default_at_the_pool() throws Exception {
        AdminCliTest.Run add =
                cli("user", "add", "sip:anna@example.test", "--password", "anna-pass-1", "--site", "ams");
        assertThat(add.exit()).as(add.err()).isZero();
        assertThat(cli("user", "add", "sip:hans@example.test", "--password", "hans-pass-1")
                        .exit())
                .isZero();

        assertThat(siteOf("sip:anna@example.test")).isEqualTo("ams");
        assertThat(siteOf("sip:hans@example.test")).isEqualTo("hq");
        AdminCliTest.Run list = cli("user", "list", "--domain", "example.test");
        assertThat(list.out().lines().findFirst())
                .hasValueSatisfying(h -> assertThat(h).contains("SITE"));
        assertThat(AdminCliTest.listLine(list.out(), "sip:anna@example.test")).contains(" ams ");
    }

    @Test
    void an_unknown_site_is_refused_and_names_the_configured_ones() {
        AdminCliTest.Run add =
                cli("user", "add", "sip:pete@example.test", "--password", "pete-pass-1", "--site", "paris");
        assertThat(add.exit()).isNotZero();
        assertThat(add.err()).isEqualTo("error 400: site paris is not configured (sites: hq, ams, nyc)\n");
    }

    @Test
    void user_move_changes_only_the_home_site_and_back() throws Exception {
        assertThat(cli("user", "add", "sip:mia@example.test", "--password", "mia-pass-12", "--name", "Mia")
                        .exit())
                .isZero();

        AdminCliTest.Run move = cli("user", "move", "sip:mia@example.test", "--site", "nyc");
        assertThat(move.exit()).as(move.err()).isZero();
        assertThat(move.out()).isEqualTo("moved sip:mia@example.test from site hq to nyc\n");
        assertThat(siteOf("sip:mia@example.test")).isEqualTo("nyc");
        assertThat(AdminCliTest.listLine(cli("user", "list").out(), "sip:mia@example.test"))
                .contains("Mia");

        assertThat(cli("user", "move", "sip:mia@example.test", "--site", "nyc").out())
                .isEqualTo("sip:mia@example.test is at site nyc already\n");
        assertThat(cli("user", "move", "sip:mia@example.test", "--site", "hq").exit())
                .isZero();
        assertThat(siteOf("sip:mia@example.test")).isEqualTo("hq");

        AdminCliTest.Run nobody = cli("user", "move", "sip:nobody@example.test", "--site", "ams");
        assertThat(nobody.exit()).isNotZero();
        assertThat(nobody.err()).isEqualTo("error 404: no such user: sip:nobody@example.test\n");
        assertThat(cli("user", "move", "sip:mia@example.test").exit()).isEqualTo(2);
    }

    @Test
    void the_csv_import_takes_a_site_column(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("users.csv");
        Files.writeString(csv, """
                uri,password,site
                sip:ola@example.test,ola-pass-123,ams
                sip:ben@example.test,ben-pass-123,
                sip:eve@example.test,eve-pass-123,mars
                """);

        AdminCliTest.Run imported = cli("user", "import", csv.toString());

        assertThat(imported.exit()).isEqualTo(1);
        assertThat(imported.out()).contains("imported 2 users, 1 rows rejected", "line 4: site mars is not configured");
        assertThat(siteOf("sip:ola@example.test")).isEqualTo("ams");
        assertThat(siteOf("sip:ben@example.test")).isEqualTo("hq");
        assertThat(siteOf("sip:eve@example.test")).isNull();
    }

    @Test
    void pool_status_lists_the_sites() throws Exception {
        HttpResponse<String> json = AdminHttp.get(node.adminPort(), "/api/pool");
        String dc = io.switchboard.storage.testing.TestCassandra.localDc();
        assertThat(json.body())
                .contains("\"sites\":[{\"name\":\"hq\",\"role\":\"pool\",\"dc\":null,\"branch_node\":null,"
                        + "\"keyspace\":\"sites_admin\",\"replication\":{\"state\":\"ok\",\"dcs\":[{\"dc\":\"" + dc
                        + "\",")
                // (the test Cassandra's keyspace may predate this replication setting: its replicas are not asserted)
                .contains("\"nodes\":1,\"up\":1,\"down\":0,\"unknown\":0}]}},"
                        // no Cassandra node in ams's DC: its site keyspace was not created (replication health MISSING)
                        + "{\"name\":\"ams\",\"role\":\"branch\",\"dc\":\"ams\",\"branch_node\":\"127.0.0.20:5060\","
                        + "\"keyspace\":\"sites_admin_site_ams\",\"replication\":{\"state\":\"MISSING\",\"dcs\":[]}}");

        AdminCliTest.Run status = cli("pool", "status");
        assertThat(status.out())
                .containsPattern("(?m)^SITE +ROLE +DC +BRANCH NODE +KEYSPACE$")
                .containsPattern("(?m)^hq +pool +\\(local\\) +- +sites_admin$")
                .containsPattern("(?m)^nyc +branch +nyc +127\\.0\\.0\\.21:5070 +sites_admin_site_nyc$")
                .containsPattern("(?m)^KEYSPACE +DC +REPLICAS +UP/DOWN/UNKNOWN +STATE$")
                .containsPattern("(?m)^sites_admin +\\S+ +\\S+ +1/0/0 +ok$")
                .containsPattern("(?m)^sites_admin_site_nyc +- +- +- +MISSING$");
    }
}

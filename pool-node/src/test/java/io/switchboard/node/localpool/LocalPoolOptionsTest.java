package io.switchboard.node.localpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.node.config.NodeConfig;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** local-pool's options and the node configs it writes, read back the way a node reads them. */
class LocalPoolOptionsTest {

    @Test
    void defaults_are_the_documented_ones() {
        LocalPool.Options o = LocalPool.parse(new String[0]);
        assertThat(o.nodes()).isEqualTo(3);
        assertThat(o.sipPort()).isEqualTo(5060);
        assertThat(o.baseAdminPort()).isEqualTo(8080);
        assertThat(o.clusterPort()).isEqualTo(2551);
        assertThat(o.cassandraPort()).isEqualTo(9042);
        assertThat(o.dataDir()).isEqualTo(Path.of("data", "local-pool").toAbsolutePath());
        assertThat(LocalPool.adminUrl(2, 8080)).isEqualTo("http://127.0.0.2:8081");
    }

    @Test
    void bad_options_are_named() {
        assertThatThrownBy(() -> LocalPool.parse(new String[] {"--nodes", "6"}))
                .hasMessage("local-pool: --nodes must be a number from 1 to 5, was 6");
        assertThatThrownBy(() -> LocalPool.parse(new String[] {"--nodes"}))
                .hasMessageContaining("--nodes (needs a value)");
        assertThatThrownBy(() -> LocalPool.parse(new String[] {"--colour", "red"}))
                .hasMessage("local-pool: unknown option --colour");
        assertThatThrownBy(() -> LocalPool.parse(new String[] {"--node-heap", "lots"}))
                .hasMessageContaining("--node-heap");
        assertThatThrownBy(() -> LocalPool.parse(new String[] {"--sip-port", "2551"}))
                .hasMessageContaining("must differ");
        assertThat(LocalPool.parse(new String[] {"--help"})).isNull();
    }

    @Test
    void a_node_config_keeps_the_operators_settings_and_sets_its_own_addresses(@TempDir Path dir) throws Exception {
        Path operator = dir.resolve("switchboard.conf");
        Files.writeString(operator, """
                switchboard {
                  domains = ["corp.test"]
                  admin.token = "operator-token-123"
                  sip.secret = "operator-secret-0123456789"
                  storage.mode = embedded
                  bootstrap-users = [{ uri = "sip:dave@corp.test", password = "dave-secret" }]
                }
                """);
        LocalPool.Options o = LocalPool.parse(new String[] {
            "--nodes",
            "3",
            "--config",
            operator.toString(),
            "--data-dir",
            dir.resolve("pool").toString()
        });
        Path conf = dir.resolve("node-2.conf");
        Files.writeString(
                conf, NodeConfigs.forNode(2, o, InetSocketAddress.createUnresolved("127.0.0.1", 9042), "dc1"));

        NodeConfig c = NodeConfig.load(conf);
        assertThat(c.nodeId()).isEqualTo("node-2");
        assertThat(c.domains()).containsExactly("corp.test");
        assertThat(c.admin().token()).isEqualTo("operator-token-123");
        assertThat(c.sip().secret()).isEqualTo("operator-secret-0123456789");
        assertThat(c.bootstrapUsers()).extracting(NodeConfig.BootstrapUser::uri).containsExactly("sip:dave@corp.test");
        assertThat(c.cluster().host()).isEqualTo("127.0.0.2");
        assertThat(c.cluster().port()).isEqualTo(2551);
        assertThat(c.cluster().seedNodes()).containsExactly("127.0.0.1:2551", "127.0.0.2:2551");
        assertThat(c.sip().bindAddress()).isEqualTo("127.0.0.2");
        assertThat(c.sip().udpPort()).isEqualTo(5060);
        assertThat(c.sip().tcpPort()).isEqualTo(5060);
        assertThat(c.admin().bindAddress()).isEqualTo("127.0.0.2");
        assertThat(c.admin().port()).isEqualTo(8081);
        assertThat(c.storage().mode()).isEqualTo(NodeConfig.StorageMode.EXTERNAL);
        assertThat(c.storage().contactPoints()).singleElement().hasToString("127.0.0.1/<unresolved>:9042");
        assertThat(c.dataDir()).isEqualTo(dir.resolve("pool").resolve("node-2"));
    }

    @Test
    void without_a_config_file_the_demo_domain_and_users_apply(@TempDir Path dir) throws Exception {
        LocalPool.Options o = LocalPool.parse(new String[] {"--nodes", "1", "--data-dir", dir.toString()});
        Path conf = dir.resolve("node-1.conf");
        Files.writeString(
                conf, NodeConfigs.forNode(1, o, InetSocketAddress.createUnresolved("127.0.0.1", 9042), "dc1"));

        NodeConfig c = NodeConfig.load(conf);
        assertThat(c.domains()).containsExactly("example.test");
        assertThat(c.bootstrapUsers())
                .extracting(NodeConfig.BootstrapUser::uri)
                .containsExactly("sip:alice@example.test", "sip:bob@example.test", "sip:carol@example.test");
        assertThat(c.cluster().seedNodes()).containsExactly("127.0.0.1:2551");
    }
}

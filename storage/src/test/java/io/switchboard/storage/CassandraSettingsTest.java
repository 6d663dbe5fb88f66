package io.switchboard.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CassandraSettingsTest {

    private static final List<InetSocketAddress> ONE_NODE = List.of(new InetSocketAddress("127.0.0.1", 9042));
    private static final String SIMPLE = "{'class': 'SimpleStrategy', 'replication_factor': 1}";

    private static CassandraSettings settings(
            List<InetSocketAddress> points,
            String dc,
            String keyspace,
            String replication,
            ConsistencyLevel consistency) {
        return new CassandraSettings(points, dc, keyspace, replication, consistency);
    }

    @Test
    void acceptsAValidSettingAndCopiesTheContactPoints() {
        List<InetSocketAddress> points = new ArrayList<>(ONE_NODE);
        CassandraSettings s = settings(
                points,
                "dc1",
                "registrar",
                "  {'class':'NetworkTopologyStrategy','dc1':3} ",
                DefaultConsistencyLevel.LOCAL_QUORUM);
        points.clear();
        assertThat(s.contactPoints()).hasSize(1);
        assertThat(s.replication()).isEqualTo("{'class':'NetworkTopologyStrategy','dc1':3}");
        assertThatThrownBy(() -> s.contactPoints().add(ONE_NODE.get(0)))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "Registrar",
                "1abc",
                "_abc",
                "with-dash",
                "with space",
                "quoted\"",
                "a234567890123456789012345678901234567890123456789"
            })
    void rejectsKeyspacesThatAreNotPlainLowerCaseIdentifiers(String keyspace) {
        assertThatThrownBy(() -> settings(ONE_NODE, "dc1", keyspace, SIMPLE, DefaultConsistencyLevel.LOCAL_ONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keyspace");
    }

    @Test
    void acceptsTheLongestKeyspaceName() {
        String longest = "a" + "b".repeat(47);
        assertThat(settings(ONE_NODE, "dc1", longest, SIMPLE, DefaultConsistencyLevel.LOCAL_ONE)
                        .keyspace())
                .isEqualTo(longest);
    }

    @Test
    void rejectsMissingContactPoints() {
        assertThatThrownBy(() -> settings(List.of(), "dc1", "ks", SIMPLE, DefaultConsistencyLevel.LOCAL_ONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("contactPoints");
        assertThatThrownBy(() -> settings(null, "dc1", "ks", SIMPLE, DefaultConsistencyLevel.LOCAL_ONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("contactPoints");
        assertThatThrownBy(() -> settings(
                        Arrays.asList((InetSocketAddress) null),
                        "dc1",
                        "ks",
                        SIMPLE,
                        DefaultConsistencyLevel.LOCAL_ONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("null");
    }

    @Test
    void rejectsBlankLocalDc() {
        assertThatThrownBy(() -> settings(ONE_NODE, " ", "ks", SIMPLE, DefaultConsistencyLevel.LOCAL_ONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("localDc");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "SimpleStrategy",
                "{'replication_factor': 1}",
                "{'class': 'SimpleStrategy', 'replication_factor': 1}; DROP KEYSPACE x",
                "{'class': 'SimpleStrategy', 'replication_factor': 1} -- }",
                "{'class': 'SimpleStrategy'} AND durable_writes = false /* } */"
            })
    void rejectsReplicationThatIsNotOneMapLiteral(String replication) {
        assertThatThrownBy(() -> settings(ONE_NODE, "dc1", "ks", replication, DefaultConsistencyLevel.LOCAL_ONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("replication");
    }

    @Test
    void rejectsMissingConsistency() {
        assertThatThrownBy(() -> settings(ONE_NODE, "dc1", "ks", SIMPLE, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("consistency");
    }

    @Test
    void buildsReplicationLiterals() {
        assertThat(CassandraSettings.simpleStrategy(1)).isEqualTo(SIMPLE);
        Map<String, Integer> perDc = new LinkedHashMap<>();
        perDc.put("pool", 3);
        perDc.put("branch1", 1);
        assertThat(CassandraSettings.networkTopology(perDc))
                .isEqualTo("{'class': 'NetworkTopologyStrategy', 'branch1': 1, 'pool': 3}");
        assertThatThrownBy(() -> CassandraSettings.simpleStrategy(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CassandraSettings.networkTopology(Map.of("dc'1", 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

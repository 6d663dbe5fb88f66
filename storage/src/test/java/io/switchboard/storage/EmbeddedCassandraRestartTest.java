package io.switchboard.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.Row;
import io.switchboard.storage.testing.TestPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real node keeps its keyspaces and rows across a stop and a start on another native port. */
class EmbeddedCassandraRestartTest {

    @TempDir
    Path dataDir;

    @Test
    void keepsDataAcrossRestartsEvenOnANewPort() throws IOException {
        EmbeddedCassandra.Options options =
                EmbeddedCassandra.Options.defaults(dataDir).withHeap("512m");
        long firstPid;
        int firstPort;
        try (EmbeddedCassandra node = EmbeddedCassandra.start(options)) {
            firstPid = node.pid();
            firstPort = node.nativeAddress().getPort();
            assertThat(node.isAlive()).isTrue();
            assertThat(node.localDc()).isEqualTo("dc1");
            try (CqlSession session = CassandraSessions.connect(settings(node))) {
                CassandraSessions.applySchema(session, "io/switchboard/storage/test-schema.cql");
                session.execute("INSERT INTO notes (id, body) VALUES ('n1', 'survives a restart')");
            }
        }
        assertThat(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
        assertThat(Files.readString(dataDir.resolve("ports.properties")))
                .contains("native_transport_port=" + firstPort);

        int newPort = freePortOtherThan(firstPort);
        try (EmbeddedCassandra node = EmbeddedCassandra.start(options.withNativePort(newPort))) {
            assertThat(node.nativeAddress().getPort()).isEqualTo(newPort);
            try (CqlSession session = CassandraSessions.connect(settings(node))) {
                Row row = session.execute("SELECT body FROM notes WHERE id = 'n1'")
                        .one();
                assertThat(row).isNotNull();
                assertThat(row.getString("body")).isEqualTo("survives a restart");
            }
        }
        assertThat(Files.readString(dataDir.resolve("ports.properties"))).contains("native_transport_port=" + newPort);
    }

    private static CassandraSettings settings(EmbeddedCassandra node) {
        return new CassandraSettings(
                List.of(node.nativeAddress()),
                node.localDc(),
                "restart_it",
                CassandraSettings.simpleStrategy(1),
                DefaultConsistencyLevel.LOCAL_ONE);
    }

    private static int freePortOtherThan(int taken) {
        while (true) {
            int port = TestPorts.tcp("127.0.0.1");
            if (port != taken) {
                return port;
            }
        }
    }
}

package io.switchboard.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.storage.testing.TestCassandra;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failed starts explain themselves and leave nothing running. */
class EmbeddedCassandraFailureTest {

    @TempDir
    Path tmp;

    @Test
    void aNodeThatExitsAtOnceIsReportedWithItsOutput() throws IOException {
        // An empty jar named like Cassandra's: the child JVM starts, but finds no CassandraDaemon.
        Path lib = Files.createDirectories(tmp.resolve("lib"));
        Files.write(lib.resolve("cassandra-all-0.0.jar"), emptyZip());
        EmbeddedCassandra.Options options = EmbeddedCassandra.Options.defaults(tmp.resolve("data"))
                .withLibDir(lib)
                .withStartupTimeout(Duration.ofSeconds(60));

        assertThatThrownBy(() -> EmbeddedCassandra.start(options))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exited with code")
                .hasMessageContaining("ClassNotFoundException: org.apache.cassandra.service.CassandraDaemon");
        // the data folder is free again: a second attempt fails the same way instead of "in use"
        assertThatThrownBy(() -> EmbeddedCassandra.start(options)).hasMessageContaining("exited with code");
    }

    @Test
    void aLibDirWithoutCassandraIsAClearError() {
        EmbeddedCassandra.Options options =
                EmbeddedCassandra.Options.defaults(tmp.resolve("data")).withLibDir(tmp);
        assertThatThrownBy(() -> EmbeddedCassandra.start(options))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cassandra-all")
                .hasMessageContaining("mvn package");
    }

    @Test
    void oneDataFolderRunsOneNode() {
        EmbeddedCassandra shared = TestCassandra.node();
        assertThatThrownBy(() -> EmbeddedCassandra.start(EmbeddedCassandra.Options.defaults(shared.dataDir())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already runs");
        assertThat(shared.isAlive()).isTrue();
    }

    @Test
    void optionsRejectNonsense() {
        EmbeddedCassandra.Options defaults = EmbeddedCassandra.Options.defaults(tmp);
        assertThat(defaults.effectiveSeeds()).containsExactly("127.0.0.1");
        assertThat(defaults.withListenAddress("127.0.0.2").effectiveSeeds()).containsExactly("127.0.0.2");
        assertThatThrownBy(() -> defaults.withHeap("lots")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> defaults.withNativePort(70000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> defaults.withNativePort(9042).withStoragePort(9042))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> defaults.withDc("dc 1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> defaults.withSeeds(java.util.List.of("a,b")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> defaults.withStartupTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static byte[] emptyZip() {
        // end-of-central-directory record only: a valid, empty zip file
        byte[] zip = new byte[22];
        zip[0] = 0x50;
        zip[1] = 0x4b;
        zip[2] = 0x05;
        zip[3] = 0x06;
        return zip;
    }
}

package io.switchboard.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Options of a founding ring member ({@code withInitialToken}), of extra JVM flags and of a command prefix, and the yaml
 * they give.
 */
class FoundingMemberTest {

    @TempDir
    Path dataDir;

    @Test
    void aFoundingMemberOwnsItsTokenAndDoesNotBootstrap() {
        String yaml = NodeConfigFiles.yaml(
                dataDir, "127.0.0.11", List.of("127.0.0.11:7000"), ports(), "-3074457345618258603");
        assertThat(yaml).contains("initial_token: '-3074457345618258603'").contains("auto_bootstrap: false");
    }

    @Test
    void anOrdinaryNodeLeavesTokensAndBootstrapToCassandra() {
        String yaml = NodeConfigFiles.yaml(dataDir, "127.0.0.1", List.of("127.0.0.1"), ports(), null);
        assertThat(yaml).doesNotContain("initial_token").doesNotContain("auto_bootstrap");
    }

    @Test
    void aTokenMustBeASigned64BitInteger() {
        EmbeddedCassandra.Options options = EmbeddedCassandra.Options.defaults(dataDir);
        assertThat(options.withInitialToken("-9223372036854775808").initialToken())
                .isEqualTo("-9223372036854775808");
        assertThatThrownBy(() -> options.withInitialToken("0x10"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("initialToken");
        assertThatThrownBy(() -> options.withInitialToken("1: 2")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void jvmFlagsMustBeFlagsAndSurviveOtherChanges() {
        EmbeddedCassandra.Options options = EmbeddedCassandra.Options.defaults(dataDir)
                .withJvmFlags(List.of("-XX:TieredStopAtLevel=1"))
                .withHeap("384m")
                .withInitialToken("0");
        assertThat(options.jvmFlags()).containsExactly("-XX:TieredStopAtLevel=1");
        assertThat(options.initialToken()).isEqualTo("0");
        assertThatThrownBy(() -> options.withJvmFlags(List.of("TieredStopAtLevel=1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("JVM flag");
    }

    @Test
    void aCommandPrefixNeedsFixedPortsAndSurvivesOtherChanges() {
        EmbeddedCassandra.Options fixed = EmbeddedCassandra.Options.defaults(dataDir)
                .withListenAddress("10.215.0.1")
                .withNativePort(9042)
                .withStoragePort(7000);
        EmbeddedCassandra.Options inNamespace = fixed.withCommandPrefix(List.of("ip", "netns", "exec", "pool"))
                .withHeap("384m")
                .withDc("pool");
        assertThat(inNamespace.commandPrefix()).containsExactly("ip", "netns", "exec", "pool");
        assertThat(EmbeddedCassandra.Options.defaults(dataDir).commandPrefix()).isEmpty();
        // this JVM cannot probe ports in another namespace: free ports (0) are refused, either way round
        assertThatThrownBy(() -> EmbeddedCassandra.Options.defaults(dataDir)
                        .withCommandPrefix(List.of("ip", "netns", "exec", "pool")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fixed ports");
        assertThatThrownBy(() -> inNamespace.withNativePort(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fixed ports");
    }

    private static NodePorts ports() {
        return new NodePorts(9042, 7000, false);
    }
}

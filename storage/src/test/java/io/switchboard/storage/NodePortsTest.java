package io.switchboard.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodePortsTest {

    @TempDir
    Path dataDir;

    @Test
    void picksTwoDifferentFreePortsAndRemembersThem() {
        NodePorts first = NodePorts.choose(dataDir, "127.0.0.1", 0, 0, false);
        assertThat(first.nativePort()).isNotEqualTo(first.storagePort());
        assertThat(first.autoChosen()).isTrue();

        NodePorts again = NodePorts.choose(dataDir, "127.0.0.1", 0, 0, false);
        assertThat(again.nativePort()).isEqualTo(first.nativePort());
        assertThat(again.storagePort()).isEqualTo(first.storagePort());
    }

    @Test
    void aRememberedPortInUseIsReplaced() throws IOException {
        NodePorts first = NodePorts.choose(dataDir, "127.0.0.1", 0, 0, false);
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), first.nativePort()));
            NodePorts next = NodePorts.choose(dataDir, "127.0.0.1", 0, 0, false);
            assertThat(next.nativePort()).isNotEqualTo(first.nativePort());
            assertThat(next.storagePort()).isEqualTo(first.storagePort());
            assertThat(Files.readString(dataDir.resolve(NodePorts.FILE_NAME)))
                    .contains("native_transport_port=" + next.nativePort());
        }
    }

    @Test
    void askedForPortsWinAndAreRemembered() throws IOException {
        int nativePort;
        int storagePort;
        try (ServerSocket a = new ServerSocket(0);
                ServerSocket b = new ServerSocket(0)) {
            nativePort = a.getLocalPort();
            storagePort = b.getLocalPort();
        }
        NodePorts ports = NodePorts.choose(dataDir, "127.0.0.1", nativePort, storagePort, false);
        assertThat(ports.nativePort()).isEqualTo(nativePort);
        assertThat(ports.storagePort()).isEqualTo(storagePort);
        assertThat(ports.autoChosen()).isFalse();
        assertThat(NodePorts.choose(dataDir, "127.0.0.1", 0, 0, false).nativePort())
                .isEqualTo(nativePort);
    }

    @Test
    void anAskedForPortInUseIsAClearError() throws IOException {
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            assertThatThrownBy(() -> NodePorts.choose(dataDir, "127.0.0.1", squatter.getLocalPort(), 0, false))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("in use");
        }
    }

    @Test
    void forgettingGivesFreshPorts() {
        NodePorts first = NodePorts.choose(dataDir, "127.0.0.1", 0, 0, false);
        NodePorts fresh = NodePorts.choose(dataDir, "127.0.0.1", 0, 0, true);
        assertThat(fresh.autoChosen()).isTrue();
        assertThat(NodePorts.choose(dataDir, "127.0.0.1", 0, 0, false)).isEqualTo(fresh);
        assertThat(fresh.nativePort()).isPositive();
        assertThat(first.nativePort()).isPositive();
    }
}

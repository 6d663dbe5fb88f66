package io.switchboard.storage.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TestPortsTest {

    @Test
    void ports_are_distinct_below_the_ephemeral_range_and_bindable_for_both_protocols() throws Exception {
        int firstEphemeral = TestPorts.firstEphemeral();
        assertThat(firstEphemeral).as("the kernel's first ephemeral port").isGreaterThan(21_000);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            int port = TestPorts.udpAndTcp("127.0.0.1");
            assertThat(port).isBetween(20_000, firstEphemeral - 1);
            assertThat(seen.add(port)).as("port %d handed out twice", port).isTrue();
            assertThat(seen)
                    .as("a neighbour of %d handed out (SIPp binds -mp and the ports above it)", port)
                    .doesNotContain(port - 1, port + 1, port + 2, port + 3);
            try (ServerSocket tcp = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"));
                    DatagramSocket udp = new DatagramSocket(new InetSocketAddress("127.0.0.1", port))) {
                assertThat(tcp.getLocalPort()).isEqualTo(udp.getLocalPort());
            }
        }
    }

    @Test
    void a_port_in_use_is_never_handed_out() throws Exception {
        int taken = TestPorts.tcp("127.0.0.1");
        try (ServerSocket holder = new ServerSocket(taken, 1, InetAddress.getByName("127.0.0.1"))) {
            for (int i = 0; i < 2_000; i++) { // more than the slots of the range: the walk comes round to it
                assertThat(TestPorts.tcp("127.0.0.1")).isNotEqualTo(taken);
            }
        }
    }
}

package io.switchboard.park.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

/** Music on hold over real UDP sockets on loopback: what arrives, in order, and that stop stops it. */
class MohSenderTest {

    @Test
    void sends_consecutive_20_ms_packets_until_stopped() throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (DatagramSocket phone = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                DatagramChannel rtp = DatagramChannel.open()) {
            rtp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            phone.setSoTimeout(5000);
            MohStream stream = new MohStream(HoldMusic.generatedDefault(), Codec.PCMA, 42, 1000, 5000, 0);
            MohSender.Playback playback = new MohSender(timer)
                    .play(stream, rtp, new InetSocketAddress(InetAddress.getLoopbackAddress(), phone.getLocalPort()));

            byte[] buf = new byte[2048];
            RtpPacket previous = null;
            for (int i = 0; i < 25; i++) {
                DatagramPacket d = new DatagramPacket(buf, buf.length);
                phone.receive(d);
                RtpPacket p = RtpPacket.parse(d.getData(), d.getLength());
                assertThat(p.payloadType()).isEqualTo(8);
                assertThat(p.ssrc()).isEqualTo(42);
                assertThat(p.payload()).hasSize(160);
                if (previous == null) {
                    assertThat(p.sequence()).isEqualTo(1000);
                    assertThat(p.marker()).isTrue();
                } else {
                    assertThat(p.sequence()).isEqualTo(previous.sequence() + 1);
                    assertThat(p.timestamp()).isEqualTo(previous.timestamp() + 160);
                }
                previous = p;
            }

            playback.stop();
            long position = playback.position();
            // drain what was in flight when stop() returned, then nothing more arrives
            phone.setSoTimeout(200);
            int late = 0;
            try {
                while (late < 10) {
                    phone.receive(new DatagramPacket(buf, buf.length));
                    late++;
                }
            } catch (SocketTimeoutException expected) {
                // quiet
            }
            assertThat(late).isLessThan(10);
            assertThatThrownBy(() -> phone.receive(new DatagramPacket(buf, buf.length)))
                    .isInstanceOf(SocketTimeoutException.class);
            assertThat(playback.position()).isEqualTo(position);
            assertThat(playback.packetsSent()).isGreaterThanOrEqualTo(25);
        } finally {
            timer.shutdownNow();
        }
    }
}

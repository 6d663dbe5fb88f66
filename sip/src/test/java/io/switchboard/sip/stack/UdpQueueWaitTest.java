package io.switchboard.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;

import gov.nist.javax.sip.stack.DatagramQueuedMessageDispatch;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class UdpQueueWaitTest {

    @Test
    void the_taking_thread_reads_how_long_its_datagram_waited() throws Exception {
        StandingDelay delay = new StandingDelay(10);
        BlockingQueue<DatagramQueuedMessageDispatch> queue = UdpQueueWait.queue(delay);
        queue.offer(UdpQueueWait.queued(packet()));
        queue.offer(UdpQueueWait.queued(packet()));
        Thread.sleep(40);

        assertThat(queue.take()).isNotNull();
        assertThat(UdpQueueWait.waitedMillis()).isGreaterThanOrEqualTo(40);
        assertThat(queue.poll(1, TimeUnit.SECONDS)).isNotNull();
        assertThat(UdpQueueWait.waitedMillis()).isGreaterThanOrEqualTo(40);

        long[] otherThread = new long[1];
        Thread t = new Thread(() -> otherThread[0] = UdpQueueWait.waitedMillis());
        t.start();
        t.join();
        assertThat(otherThread[0]).as("a thread that took nothing").isEqualTo(UdpQueueWait.NONE);
    }

    @Test
    void a_backlog_that_stood_a_whole_window_is_reported_with_the_datagram() throws Exception {
        StandingDelay delay = new StandingDelay(10);
        BlockingQueue<DatagramQueuedMessageDispatch> queue = UdpQueueWait.queue(delay);
        for (int i = 0; i < 3; i++) {
            queue.offer(UdpQueueWait.queued(packet()));
        }
        Thread.sleep(30);
        queue.take(); // opens the window
        Thread.sleep(12);
        queue.take(); // closes it: every datagram of it waited 30 ms or more
        assertThat(UdpQueueWait.standingMillis()).isGreaterThanOrEqualTo(30);
    }

    /** A quiet node: one datagram held up (GC pause, busy CPU) leaves nothing behind it, so no backlog. */
    @Test
    void a_lone_late_datagram_is_no_backlog() throws Exception {
        StandingDelay delay = new StandingDelay(10);
        BlockingQueue<DatagramQueuedMessageDispatch> queue = UdpQueueWait.queue(delay);
        queue.offer(UdpQueueWait.queued(packet()));
        Thread.sleep(30);
        queue.take(); // waited 30 ms, but the queue is empty behind it
        assertThat(UdpQueueWait.waitedMillis()).isGreaterThanOrEqualTo(30);
        Thread.sleep(12);
        queue.offer(UdpQueueWait.queued(packet()));
        queue.take(); // closes the window
        assertThat(UdpQueueWait.standingMillis()).isZero();
    }

    private static DatagramPacket packet() throws Exception {
        byte[] data = "OPTIONS sip:x SIP/2.0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return new DatagramPacket(data, data.length, InetAddress.getLoopbackAddress(), 5060);
    }
}

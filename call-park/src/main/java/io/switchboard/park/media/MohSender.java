package io.switchboard.park.media;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends music on hold over UDP: one {@link MohStream} packet every 20 ms to the parked caller's
 * media address. All playbacks of a node share one scheduler thread (a parked call costs a timer
 * entry, not a thread); sending a datagram does not block. At a fixed rate, so a late tick is
 * followed by the packets it owed and the stream keeps 50 packets a second on average.
 */
public final class MohSender {

    private static final Logger LOG = LoggerFactory.getLogger(MohSender.class);
    public static final long PACKET_INTERVAL_MS = 20;

    private final ScheduledExecutorService timer;

    public MohSender(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** One call's music on hold being sent; {@link #stop} ends it. */
    public static final class Playback {
        private final MohStream stream;
        private volatile ScheduledFuture<?> task;
        private volatile long sent;

        private Playback(MohStream stream) {
            this.stream = stream;
        }

        /** Stops sending; the position is where a later playback (on this or another node) resumes. */
        public void stop() {
            ScheduledFuture<?> t = task;
            if (t != null) {
                t.cancel(false);
            }
        }

        /** Where in the music the next packet starts, in samples. */
        public synchronized long position() {
            return stream.position();
        }

        public long packetsSent() {
            return sent;
        }

        private synchronized void sendOne(DatagramChannel channel, InetSocketAddress target) {
            try {
                channel.send(ByteBuffer.wrap(stream.next().bytes()), target);
                sent++;
            } catch (IOException e) {
                // UDP: a lost packet is a click in the music, not a reason to stop the call's music
                LOG.debug("Music on hold to {} not sent: {}", target, e.toString());
            }
        }
    }

    /** Starts sending {@code stream} from {@code channel} (the call's local RTP socket) to {@code target}. */
    public Playback play(MohStream stream, DatagramChannel channel, InetSocketAddress target) {
        Playback p = new Playback(stream);
        p.task = timer.scheduleAtFixedRate(
                () -> p.sendOne(channel, target), 0, PACKET_INTERVAL_MS, TimeUnit.MILLISECONDS);
        return p;
    }
}

package gov.nist.javax.sip.stack;

import gov.nist.core.CommonLogger;
import gov.nist.core.StackLogger;
import gov.nist.core.ThreadAuditor;
import gov.nist.javax.sip.SipStackImpl;
import io.switchboard.sip.stack.EarlyRefusal;
import io.switchboard.sip.stack.StandingDelay;
import io.switchboard.sip.stack.UdpQueueWait;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.LinkedList;

/**
 * The RI's UDP listening point with one change: datagrams are received into one reused buffer and
 * handed on as an exact-size copy, instead of a new buffer of the maximum datagram size per packet.
 *
 * <p>{@code UDPMessageProcessor.run()} allocates {@code new byte[maxMessageSize]} for every
 * datagram: 64 KiB (the RI's {@code MAX_DATAGRAM_SIZE}, and our {@code MAX_MESSAGE_SIZE}) for a
 * REGISTER of 600 bytes. JFR's allocation statistics showed the receive thread allocating 4.1 GB
 * in 30 s at ~2,100 datagrams/s, which made young collections several times more frequent than
 * all the stack's other garbage together. The workers copy the packet's bytes before parsing
 * ({@code UDPMessageChannel.processIncomingDataPacket}), so a copy of {@code length} bytes is all
 * they need; datagrams up to 64 KiB are still accepted.
 *
 * <p>Lives in the RI's package because the loop needs package-level members of the stack (its
 * thread pool size, the worker channels' constructors). The rest of the loop is the RI's
 * (1.3.0-91), read from its bytecode: worker threads are started the same way, the same
 * exceptions are ignored or reported, and it stops when {@code isRunning} is cleared by stop().
 * Installed by {@code io.switchboard.sip.stack.PatchedNioMessageProcessorFactory}.
 */
public class ReusingBufferUdpMessageProcessor extends UDPMessageProcessor {
    private static final StackLogger LOG = CommonLogger.getLogger(ReusingBufferUdpMessageProcessor.class);
    /** The largest UDP payload over IPv4 and IPv6 without jumbograms. */
    static final int MAX_DATAGRAM = 65_535;

    private static final int MAX_EXCEPTIONS_REPORTED = 10;
    private int exceptionsReported;

    public ReusingBufferUdpMessageProcessor(InetAddress address, SIPTransactionStack stack, int port)
            throws IOException {
        super(address, stack, port);
        // What the RI's own factories do when they make a UDP processor: send from the listening
        // socket. Without it every UDP message leaves from a new socket with an ephemeral port and
        // the default source address, so a peer's answer (sent to our Via, or with received= to
        // that source address) misses a node bound to a specific address such as 127.0.0.22, and
        // NATs see a different port for every message.
        stack.udpFlag = true;
        // The RI's stop() walks messageChannels; a stack closed right after it started can stop
        // before run() has begun, so the list exists from the start (an NPE in close otherwise).
        messageChannels = new LinkedList<>();
        // the workers' queue stamps each datagram's wait for the listener's admission (UdpQueueWait);
        // the RI's congestion auditor (drops what waited CONGESTION_CONTROL_TIMEOUT, 8 s) moves to it
        messageQueue = UdpQueueWait.queue(standing, this::refusedEarly);
        if (congestionAuditor != null) {
            congestionAuditor.stop();
            congestionAuditor = new BlockingQueueDispatchAuditor(messageQueue);
            congestionAuditor.setTimeout(stack.getStackCongestionControlTimeout());
            congestionAuditor.start(2000);
        }
    }

    /** {@link StandingDelay}'s window: CoDel's interval, long enough to tell a burst that drains from a backlog. */
    static final long STANDING_WINDOW_MILLIS = 100;

    /** The workers' queue's standing wait. */
    private final StandingDelay standing = new StandingDelay(STANDING_WINDOW_MILLIS);
    /** New work refused by the workers before the parse under a standing backlog; null: none (set by the node). */
    private volatile EarlyRefusal early;

    /** {@link #refuseEarly(EarlyRefusal)} on every one of {@code stack}'s UDP listening points; how many. */
    public static int refuseEarly(SIPTransactionStack stack, EarlyRefusal refusal) {
        int installed = 0;
        for (MessageProcessor p : stack.getMessageProcessors()) {
            if (p instanceof ReusingBufferUdpMessageProcessor udp) {
                udp.refuseEarly(refusal);
                installed++;
            }
        }
        return installed;
    }

    /** Refuses new work before the parse from {@code refusal}'s standing wait on (null: never). */
    public void refuseEarly(EarlyRefusal refusal) {
        this.early = refusal;
    }

    /** Guards the workers: none is started after stop(), and stop() never sees half a list. */
    private final Object lifecycle = new Object();

    @Override
    public void stop() {
        synchronized (lifecycle) {
            super.stop();
        }
    }

    @Override
    public void run() {
        synchronized (lifecycle) {
            if (!isRunning) {
                return; // stopped before this thread ran
            }
            int workers = sipStack.threadPoolSize;
            for (int i = 0; workers != -1 && i < workers; i++) {
                messageChannels.add(new UDPMessageChannel(
                        sipStack, this, ((SipStackImpl) sipStack).getStackName() + "-UDPMessageChannelThread-" + i));
            }
        }
        ThreadAuditor.ThreadHandle audit = sipStack.getThreadAuditor() == null
                ? null
                : sipStack.getThreadAuditor().addCurrentThread();
        byte[] buffer = new byte[MAX_DATAGRAM];
        DatagramPacket receiving = new DatagramPacket(buffer, buffer.length);
        while (isRunning) {
            try {
                if (audit != null) {
                    audit.ping();
                }
                receiving.setData(buffer, 0, buffer.length);
                sock.receive(receiving);
                int length = receiving.getLength();
                DatagramPacket packet = new DatagramPacket(
                        Arrays.copyOf(buffer, length), length, receiving.getAddress(), receiving.getPort());
                if (sipStack.threadPoolSize != -1) {
                    messageQueue.offer(UdpQueueWait.queued(packet));
                } else {
                    new UDPMessageChannel(sipStack, this, packet);
                }
                exceptionsReported = 0;
            } catch (SocketTimeoutException e) {
                // as the RI: go on receiving
            } catch (SocketException e) {
                if (!isRunning) {
                    return; // closed by stop()
                }
                report(e);
            } catch (Exception e) {
                report(e);
            }
        }
    }

    /**
     * Whether {@link #early} answered {@code packet} (sent its refusal), so the worker that took it
     * goes on to the next one without parsing it. On the worker's thread, not the receive thread:
     * the receive thread is the one that must keep up with the socket, and under overload it
     * already gets only its share of the CPU among the workers.
     */
    private boolean refusedEarly(DatagramPacket packet, long standingMillis) {
        EarlyRefusal e = early;
        if (e == null) {
            return false;
        }
        long from = e.fromStandingMillis();
        if (from <= 0 || standingMillis < from) {
            return false;
        }
        byte[] refusal =
                e.refusal(packet.getData(), packet.getLength(), packet.getAddress(), packet.getPort(), standingMillis);
        if (refusal == null) {
            return false;
        }
        try {
            sock.send(new DatagramPacket(refusal, refusal.length, packet.getAddress(), packet.getPort()));
        } catch (IOException | RuntimeException failed) {
            // as any response lost on the way: the client retransmits, and is refused again
        }
        return true;
    }

    private void report(Exception e) {
        if (exceptionsReported >= MAX_EXCEPTIONS_REPORTED) {
            return;
        }
        exceptionsReported++;
        LOG.logWarning(String.format(
                "Caught '%s' on UDP receive socket on %s:%s, message '%s'. Trying to ignore it ...%s",
                e.getClass().getSimpleName(),
                sock.getLocalAddress().getHostAddress(),
                getPort(),
                e.getMessage(),
                exceptionsReported == MAX_EXCEPTIONS_REPORTED ? " (no more will be reported)" : ""));
        LOG.logException(e);
    }
}

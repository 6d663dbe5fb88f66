package io.switchboard.sip.stack;

import java.net.InetAddress;

/**
 * Refusing new UDP work as a worker takes it off the queue, before the SIP stack parses it (issue
 * 17, item 3). Under a standing backlog an overloaded node's workers parse every request only to
 * answer most of the new ones 503 statelessly; the parse is most of that cost. Looking at the raw
 * datagram ({@link RawRequest}) and answering from it costs a fraction, and workers that are done
 * sooner leave more of the CPU to the receive thread, whose falling behind is what lets the kernel
 * drop datagrams. Not on the receive thread itself: any work added there makes it fall behind
 * sooner (measured, bench/RESULTS.md). The node decides; the listening point only asks while its
 * queue's standing wait is at least {@link #fromStandingMillis()}.
 */
public interface EarlyRefusal {

    /** The standing wait from which the workers ask {@link #refusal} (0: never). */
    long fromStandingMillis();

    /**
     * The response to send to {@code source}:{@code port} instead of parsing the datagram, or null
     * to have the stack parse it. On a SIP stack worker: must not block.
     *
     * @param datagram its first {@code length} bytes are the datagram
     */
    byte[] refusal(byte[] datagram, int length, InetAddress source, int port, long standingMillis);
}

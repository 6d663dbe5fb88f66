package io.switchboard.park.sip;

import io.switchboard.park.media.Codec;
import io.switchboard.park.media.HoldMusic;
import io.switchboard.park.media.MohSender;
import io.switchboard.park.media.MohStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media side of one parked call on this node: its own UDP socket at the node's media address
 * (named in our SDP) and the music on hold sent from it to the caller's media address.
 */
final class HeldMedia {

    private static final Logger LOG = LoggerFactory.getLogger(HeldMedia.class);
    /** RFC 3550 section 5.1: the SSRC and the initial sequence number and timestamp are random. */
    private static final SecureRandom RANDOM = new SecureRandom();

    private final DatagramChannel rtp;
    private final String address;
    private final int port;
    private volatile MohSender.Playback playback;

    private HeldMedia(DatagramChannel rtp, String address, int port) {
        this.rtp = rtp;
        this.address = address;
        this.port = port;
    }

    /** A socket bound at {@code mediaAddress}. */
    static HeldMedia open(String mediaAddress) throws IOException {
        DatagramChannel rtp = DatagramChannel.open();
        try {
            rtp.bind(new InetSocketAddress(InetAddress.getByName(mediaAddress), 0));
            return new HeldMedia(rtp, mediaAddress, ((InetSocketAddress) rtp.getLocalAddress()).getPort());
        } catch (IOException | RuntimeException e) {
            rtp.close();
            throw e;
        }
    }

    String address() {
        return address;
    }

    int port() {
        return port;
    }

    /**
     * Starts the music towards {@code host}:{@code port} in {@code codec} at {@code position} (in
     * samples): a new RTP stream (new SSRC, random sequence and timestamp, RFC 3550 section 5.1).
     */
    void play(MohSender moh, HoldMusic music, Codec codec, String host, int port, long position) {
        MohStream stream = new MohStream(
                music, codec, RANDOM.nextInt(), RANDOM.nextInt(1 << 16), RANDOM.nextInt() & 0xffffffffL, position);
        playback = moh.play(stream, rtp, new InetSocketAddress(host, port));
    }

    /** Stops the music and closes the socket (idempotent). */
    void close(String parkId) {
        MohSender.Playback p = playback;
        if (p != null) {
            p.stop();
        }
        try {
            rtp.close();
        } catch (IOException e) {
            LOG.debug("RTP socket of park {}: {}", parkId, e.toString());
        }
    }
}

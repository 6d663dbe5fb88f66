package io.switchboard.park.sip;

import io.switchboard.park.media.HoldMusic;
import io.switchboard.park.media.MohSender;
import io.switchboard.park.media.MohStream;
import io.switchboard.park.media.Sdp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media side of one parked call on this node: its own UDP socket at the node's media address
 * (named in our SDP answer) and the music on hold sent from it to the caller's offered address.
 */
final class HeldMedia {

    private static final Logger LOG = LoggerFactory.getLogger(HeldMedia.class);
    /** RFC 3550 section 5.1: the SSRC and the initial sequence number and timestamp are random. */
    private static final SecureRandom RANDOM = new SecureRandom();

    private final DatagramChannel rtp;
    private final String sdpAnswer;
    private volatile MohSender.Playback playback;

    private HeldMedia(DatagramChannel rtp, String sdpAnswer) {
        this.rtp = rtp;
        this.sdpAnswer = sdpAnswer;
    }

    /** A socket bound at {@code mediaAddress} and our send-only answer to {@code offer} naming it. */
    static HeldMedia open(String mediaAddress, Sdp.Audio offer) throws IOException {
        DatagramChannel rtp = DatagramChannel.open();
        try {
            rtp.bind(new InetSocketAddress(InetAddress.getByName(mediaAddress), 0));
            int port = ((InetSocketAddress) rtp.getLocalAddress()).getPort();
            return new HeldMedia(rtp, Sdp.answer(mediaAddress, port, offer.codec(), System.currentTimeMillis()));
        } catch (IOException | RuntimeException e) {
            rtp.close();
            throw e;
        }
    }

    String sdpAnswer() {
        return sdpAnswer;
    }

    /** Starts the music towards the offer's address, in the offer's codec. */
    void play(MohSender moh, HoldMusic music, Sdp.Audio offer) {
        MohStream stream = new MohStream(
                music, offer.codec(), RANDOM.nextInt(), RANDOM.nextInt(1 << 16), RANDOM.nextInt() & 0xffffffffL, 0);
        playback = moh.play(stream, rtp, new InetSocketAddress(offer.host(), offer.port()));
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

package io.switchboard.node;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A UDP hop between two nodes that a test can cut, as a WAN link fails: datagrams to the relay's address go on to
 * the target from a socket of the relay's own per sender, and what the target sends back to that socket returns to the
 * sender. While cut, everything is dropped both ways. Loopback only; its threads end when it is closed.
 */
public final class UdpRelay implements AutoCloseable {

    private final InetSocketAddress target;
    private final DatagramSocket front;
    private final Map<SocketAddress, DatagramSocket> upstream = new ConcurrentHashMap<>();
    private volatile boolean cut;

    /** @param listen where the relay listens (a loopback address; any of 127.0.0.0/8 on Linux) */
    public UdpRelay(InetSocketAddress listen, InetSocketAddress target) throws SocketException {
        this.target = target;
        this.front = new DatagramSocket(listen);
        Thread t = new Thread(this::forward, "udp-relay-" + front.getLocalPort());
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return front.getLocalPort();
    }

    /** Drops everything from now on (true), or passes it again (false). */
    public void cut(boolean dropAll) {
        this.cut = dropAll;
    }

    private void forward() {
        byte[] buffer = new byte[65535];
        while (!front.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buffer, buffer.length);
                front.receive(p);
                if (cut) {
                    continue;
                }
                SocketAddress sender = p.getSocketAddress();
                DatagramSocket up = upstream.computeIfAbsent(sender, this::open);
                up.send(new DatagramPacket(p.getData(), p.getOffset(), p.getLength(), target));
            } catch (IOException | RuntimeException e) {
                // closed, or one datagram lost: a relay drops what it cannot pass
            }
        }
    }

    private DatagramSocket open(SocketAddress sender) {
        try {
            DatagramSocket up = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread back = new Thread(() -> backward(up, sender), "udp-relay-back-" + up.getLocalPort());
            back.setDaemon(true);
            back.start();
            return up;
        } catch (SocketException e) {
            throw new IllegalStateException(e);
        }
    }

    private void backward(DatagramSocket up, SocketAddress sender) {
        byte[] buffer = new byte[65535];
        while (!up.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buffer, buffer.length);
                up.receive(p);
                if (!cut) {
                    front.send(new DatagramPacket(p.getData(), p.getOffset(), p.getLength(), sender));
                }
            } catch (IOException e) {
                // closed, or one datagram lost
            }
        }
    }

    @Override
    public void close() {
        front.close();
        upstream.values().forEach(DatagramSocket::close);
    }
}

package io.switchboard.storage.testing;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ports for test servers that are started a while after the port is chosen (node processes,
 * Cassandra nodes, a pool's later members).
 *
 * <p>A port found free by binding port 0 comes from the kernel's ephemeral range, and between the
 * probe and the server's own bind any socket that the kernel binds automatically (an outgoing
 * connection, a listener on port 0 such as an RMI export) may take it: CI once saw a node process
 * refuse to start with "Address already in use" on its admin port 20 s after the probe. These ports
 * come from below the ephemeral range ({@code /proc/sys/net/ipv4/ip_local_port_range}), which the
 * kernel never hands out by itself, and each JVM walks that range from a random point so two calls
 * never return the same port. The walk steps by {@value #STRIDE}: the ports just above a returned one
 * are never returned, as some clients bind them too (SIPp's {@code -mp} port takes RTP on it and
 * RTCP and video on the next ones).
 */
public final class TestPorts {

    private static final int LOWEST = 20_000;
    private static final int HIGHEST = highestBelowEphemeral();
    private static final int STRIDE = 16;
    private static final AtomicInteger NEXT =
            new AtomicInteger(ThreadLocalRandom.current().nextInt(Math.max(1, (HIGHEST - LOWEST) / STRIDE)));

    private TestPorts() {}

    /** A TCP port free on {@code host}. */
    public static int tcp(String host) {
        return find(host, false);
    }

    /** A port free on {@code host} for both TCP and UDP (SIP listens on both with one number). */
    public static int udpAndTcp(String host) {
        return find(host, true);
    }

    /** A port free for TCP and UDP on every address (bound on the wildcard address). */
    public static int any() {
        return find(null, true);
    }

    private static int find(String host, boolean udpToo) {
        int span = HIGHEST - LOWEST;
        if (span < 1_000) {
            return ephemeral(host); // a machine whose ephemeral range starts low: no room below it
        }
        int slots = span / STRIDE;
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = LOWEST + STRIDE * Math.floorMod(NEXT.getAndIncrement(), slots);
            if (tcpFree(host, port) && (!udpToo || udpFree(host, port))) {
                return port;
            }
        }
        throw new IllegalStateException("no free port in " + LOWEST + ".." + HIGHEST + " on " + describe(host));
    }

    private static boolean tcpFree(String host, int port) {
        try (ServerSocket s = host == null ? new ServerSocket(port) : new ServerSocket(port, 1, address(host))) {
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    private static boolean udpFree(String host, int port) {
        InetSocketAddress at = host == null ? new InetSocketAddress(port) : new InetSocketAddress(address(host), port);
        try (DatagramSocket s = new DatagramSocket(at)) {
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    private static int ephemeral(String host) {
        try (ServerSocket s = host == null ? new ServerSocket(0) : new ServerSocket(0, 1, address(host))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("cannot bind " + describe(host) + " (is 127.0.0.0/8 routed to lo?)", e);
        }
    }

    private static InetAddress address(String host) {
        try {
            return InetAddress.getByName(host);
        } catch (IOException e) {
            throw new IllegalArgumentException("not an address: " + host, e);
        }
    }

    private static String describe(String host) {
        return host == null ? "any address" : host;
    }

    /** One below the first ephemeral port (Linux default 32768), at most 32767. */
    private static int highestBelowEphemeral() {
        return Math.min(32_767, firstEphemeral() - 1);
    }

    /**
     * The first port of the kernel's ephemeral range, or 32768 where it cannot be read. Read with a
     * stream: on some kernels (this project's CI sandbox) {@code Files.readAllBytes} of a /proc file
     * returns only its first byte, as the file reports a size of 0.
     */
    static int firstEphemeral() {
        try (InputStream in = new FileInputStream("/proc/sys/net/ipv4/ip_local_port_range")) {
            String[] bounds = new String(in.readAllBytes(), StandardCharsets.US_ASCII)
                    .trim()
                    .split("\\s+");
            return Integer.parseInt(bounds[0]);
        } catch (IOException | RuntimeException notLinux) {
            return 32_768;
        }
    }
}

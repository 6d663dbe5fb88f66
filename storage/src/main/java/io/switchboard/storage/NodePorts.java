package io.switchboard.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/**
 * The two ports of a node (CQL native transport, internode storage), chosen once and remembered in
 * {@code ports.properties} of the data folder, so an operator sees the same ports after a restart. A
 * remembered port is only reused while it is free; asked-for ports (non-zero) always win.
 *
 * @param autoChosen true if at least one port was picked here rather than asked for: a clash with another
 *     process that grabbed it in between can then be solved by picking again
 */
record NodePorts(int nativePort, int storagePort, boolean autoChosen) {

    static final String FILE_NAME = "ports.properties";
    private static final String NATIVE = "native_transport_port";
    private static final String STORAGE = "storage_port";

    /**
     * Chooses the ports for {@code listenAddress} and writes them to {@code dataDir/ports.properties}.
     *
     * @param forgetRemembered pick fresh free ports instead of the remembered ones (after a clash)
     */
    static NodePorts choose(
            Path dataDir, String listenAddress, int nativePort, int storagePort, boolean forgetRemembered) {
        Path file = dataDir.resolve(FILE_NAME);
        Properties remembered = forgetRemembered ? new Properties() : load(file);
        InetAddress address = address(listenAddress);
        int chosenNative = choose(address, nativePort, remembered.getProperty(NATIVE), -1);
        int chosenStorage = choose(address, storagePort, remembered.getProperty(STORAGE), chosenNative);
        NodePorts ports = new NodePorts(chosenNative, chosenStorage, nativePort == 0 || storagePort == 0);
        ports.save(file);
        return ports;
    }

    private static int choose(InetAddress address, int asked, String remembered, int taken) {
        if (asked != 0) {
            if (!isFree(address, asked)) {
                throw new IllegalStateException("port " + asked + " on " + address.getHostAddress() + " is in use");
            }
            return asked;
        }
        if (remembered != null) {
            try {
                int port = Integer.parseInt(remembered.strip());
                if (port > 0 && port < 65536 && port != taken && isFree(address, port)) {
                    return port;
                }
            } catch (NumberFormatException e) {
                // a hand-edited file: fall through and pick a new port, which overwrites it
                return freePort(address, taken);
            }
        }
        return freePort(address, taken);
    }

    static boolean isFree(InetAddress address, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            // Cassandra binds with SO_REUSEADDR too, so a port in TIME_WAIT after a stop counts as free.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(address, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort(InetAddress address, int taken) {
        for (int attempt = 0; attempt < 10; attempt++) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(address, 0));
                if (socket.getLocalPort() != taken) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find a free port on " + address.getHostAddress(), e);
            }
        }
        throw new IllegalStateException("cannot find a second free port on " + address.getHostAddress());
    }

    private static InetAddress address(String listenAddress) {
        try {
            return InetAddress.getByName(listenAddress);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot resolve listen address " + listenAddress, e);
        }
    }

    private static Properties load(Path file) {
        Properties properties = new Properties();
        if (Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                properties.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return properties;
    }

    private void save(Path file) {
        Properties properties = new Properties();
        properties.setProperty(NATIVE, Integer.toString(nativePort));
        properties.setProperty(STORAGE, Integer.toString(storagePort));
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            properties.store(out, "Ports of this Cassandra node, reused at the next start while they are free");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + tmp, e);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}

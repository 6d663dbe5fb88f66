package io.switchboard.node.localpool;

import java.io.IOException;
import java.io.InputStream;

/**
 * Ties a node started by local-pool to its launcher, as the embedded Cassandra's {@code ParentWatchdog}
 * does: the launcher holds the write end of our stdin and never writes. When it closes it (a clean stop)
 * or dies, even by {@code kill -9}, stdin reaches end of file and the node exits through its shutdown
 * hook (leaving the cluster), so no node is left holding ports.
 */
public final class ParentLink {

    private ParentLink() {}

    public static void exitWhenStdinCloses() {
        Thread t = new Thread(ParentLink::watch, "parent-link");
        t.setDaemon(true);
        t.start();
    }

    private static void watch() {
        byte[] buffer = new byte[256];
        InputStream in = System.in;
        try {
            while (in.read(buffer) >= 0) {
                // anything written is ignored
            }
            System.err.println("Launcher closed stdin: stopping the node");
        } catch (IOException e) {
            System.err.println("Launcher stdin failed (" + e + "): stopping the node");
        }
        System.exit(0);
    }
}

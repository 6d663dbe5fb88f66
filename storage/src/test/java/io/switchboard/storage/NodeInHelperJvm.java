package io.switchboard.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Main class of the helper JVM in {@link EmbeddedCassandraParentDeathTest}: starts a node, prints its
 * pid, and lives until its stdin closes or it is killed.
 */
public final class NodeInHelperJvm {

    static final String PID_PREFIX = "CASSANDRA_PID=";

    private NodeInHelperJvm() {}

    public static void main(String[] args) throws IOException {
        EmbeddedCassandra node = EmbeddedCassandra.start(
                EmbeddedCassandra.Options.defaults(Path.of(args[0])).withHeap("512m"));
        System.out.println(PID_PREFIX + node.pid());
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for the test to close our stdin (or to kill us, which is the point of the test)
        }
        node.close();
    }
}

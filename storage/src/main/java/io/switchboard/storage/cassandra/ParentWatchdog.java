package io.switchboard.storage.cassandra;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Main class of a forked Cassandra node: ties the node's life to the JVM that launched it, then runs
 * {@code CassandraDaemon}.
 *
 * <p>The parent holds the write end of this process's stdin. When it closes it (graceful stop) or the
 * parent dies, even by {@code kill -9}, stdin reaches EOF and this process exits; Cassandra's own shutdown
 * hook then drains the node. So a crashed test or pool JVM never leaves a node holding ports and data.
 *
 * <p>Only JDK classes may be used here: this class is copied alone onto the child's class path, in front of
 * Cassandra's jars (whose guava, netty and logback must not meet ours).
 */
public final class ParentWatchdog {

    /** System property: a file this process keeps locked while it runs, so one data folder has one node. */
    public static final String LOCK_FILE_PROPERTY = "switchboard.watchdog.lock";

    static final String DAEMON_CLASS = "org.apache.cassandra.service.CassandraDaemon";

    /** Kept reachable for the whole life of the process: the lock is released when the process ends. */
    private static FileLock dataDirLock;

    private ParentWatchdog() {}

    public static void main(String[] args) throws Exception {
        String lockFile = System.getProperty(LOCK_FILE_PROPERTY);
        if (lockFile != null) {
            dataDirLock = lock(Path.of(lockFile));
        }
        Thread watchdog = new Thread(ParentWatchdog::exitWhenStdinCloses, "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        runDaemon(args);
    }

    private static FileLock lock(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock();
        if (lock == null) {
            System.err.println("Another Cassandra process is using this data folder (" + file + " is locked); exiting");
            System.exit(2);
        }
        return lock;
    }

    private static void exitWhenStdinCloses() {
        byte[] buffer = new byte[256];
        InputStream in = System.in;
        try {
            while (in.read(buffer) >= 0) {
                // the parent never writes; anything it might send is ignored
            }
            System.out.println("Parent closed stdin: stopping Cassandra");
        } catch (IOException e) {
            System.out.println("Parent stdin failed (" + e + "): stopping Cassandra");
        }
        System.exit(0);
    }

    private static void runDaemon(String[] args) throws Exception {
        try {
            Class.forName(DAEMON_CLASS).getMethod("main", String[].class).invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            // CassandraDaemon usually exits by itself on a failed start; this is the rare case it throws.
            // JDK logging only (see above); it writes to stderr, which the parent shows when the start fails.
            System.getLogger(ParentWatchdog.class.getName())
                    .log(System.Logger.Level.ERROR, "CassandraDaemon failed", e.getCause());
            System.exit(3);
        }
    }
}

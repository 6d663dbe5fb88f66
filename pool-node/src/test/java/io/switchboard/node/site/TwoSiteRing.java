package io.switchboard.node.site;

import io.switchboard.storage.testing.CassandraRing;
import java.nio.file.Path;
import java.util.List;

/**
 * One Cassandra cluster of two data centers for the test JVM, {@value #POOL_DC} (127.0.0.11) and
 * {@value #BRANCH_DC} (127.0.0.12), one small node each, started on first use and stopped when the JVM exits:
 * starting it takes about a minute, so the test classes of sites share it, each in keyspaces of its own.
 */
public final class TwoSiteRing {

    public static final String POOL_DC = "pool";
    public static final String BRANCH_DC = "ams";

    private static CassandraRing ring;
    /** A failed start is not retried by every later test class. */
    private static RuntimeException startFailure;

    private TwoSiteRing() {}

    public static synchronized CassandraRing get() {
        if (startFailure != null) {
            throw new IllegalStateException("the two-site test ring failed to start earlier", startFailure);
        }
        if (ring == null) {
            try {
                ring = CassandraRing.startDataCenters(
                        Path.of("target", "two-sites-" + ProcessHandle.current().pid()),
                        List.of(POOL_DC, BRANCH_DC),
                        "384m");
            } catch (RuntimeException e) {
                startFailure = e;
                throw e;
            }
            CassandraRing started = ring;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "two-site-ring-stop"));
        }
        return ring;
    }
}

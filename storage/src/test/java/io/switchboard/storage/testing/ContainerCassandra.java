package io.switchboard.storage.testing;

import java.net.InetSocketAddress;
import org.testcontainers.cassandra.CassandraContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The tests' shared Cassandra node as a container (Testcontainers' Cassandra module), used by
 * {@link TestCassandra} where a container engine answers ({@link ContainerEngine}). The image is
 * the Cassandra release the forked node runs ({@code cassandra-all} 5.0), overridable with
 * {@code -Dswitchboard.test.cassandra-image=...}. Testcontainers' own reaper removes the container
 * when the JVM ends; the shutdown hook stops it sooner.
 */
final class ContainerCassandra {

    static final String IMAGE_PROPERTY = "switchboard.test.cassandra-image";
    static final String DEFAULT_IMAGE = "cassandra:5.0";

    private final CassandraContainer container;

    private ContainerCassandra(CassandraContainer container) {
        this.container = container;
    }

    static ContainerCassandra start() {
        String image = System.getProperty(IMAGE_PROPERTY, DEFAULT_IMAGE);
        // The image's defaults size the heap from the host's memory; the forked node gets 1 GB
        // (TestCassandra says why that much), and so does this one.
        CassandraContainer container = new CassandraContainer(
                        DockerImageName.parse(image).asCompatibleSubstituteFor("cassandra"))
                .withEnv("MAX_HEAP_SIZE", "1G")
                .withEnv("HEAP_NEWSIZE", "200M");
        container.start();
        ContainerCassandra started = new ContainerCassandra(container);
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "test-cassandra-container"));
        return started;
    }

    InetSocketAddress contactPoint() {
        return container.getContactPoint();
    }

    String localDc() {
        return container.getLocalDatacenter();
    }

    boolean isAlive() {
        return container.isRunning();
    }

    String describe() {
        return container.getDockerImageName() + " (container " + container.getContainerId() + ")";
    }
}

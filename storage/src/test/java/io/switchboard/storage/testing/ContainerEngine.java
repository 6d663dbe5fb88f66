package io.switchboard.storage.testing;

import java.util.Optional;
import org.testcontainers.DockerClientFactory;

/**
 * Whether a Docker-compatible container engine answers here, as Testcontainers finds one
 * ({@code DOCKER_HOST}, {@code ~/.testcontainers.properties}, the Docker socket; a Podman socket
 * works through {@code DOCKER_HOST}). Asked once per test JVM: the tests' Cassandra and the image
 * smoke test (deploy-check) come from containers where one answers, and from forked processes
 * where none does (storage/README.md, "Tests").
 */
public final class ContainerEngine {

    /** {@code switchboard.test.containers}: {@code auto} (default), {@code on} (must answer) or {@code off}. */
    public static final String PROPERTY = "switchboard.test.containers";

    private static Optional<String> whyNot;

    private ContainerEngine() {}

    /** Empty when an engine answers and containers are allowed; else why the tests do without one. */
    public static synchronized Optional<String> whyNot() {
        if (whyNot == null) {
            whyNot = ask(System.getProperty(PROPERTY, "auto"));
        }
        return whyNot;
    }

    private static Optional<String> ask(String setting) {
        switch (setting) {
            case "off":
                return Optional.of(PROPERTY + "=off");
            case "auto":
            case "on":
                break;
            default:
                throw new IllegalArgumentException(PROPERTY + " must be auto, on or off, not '" + setting + "'");
        }
        boolean answers;
        String failure = null;
        try {
            answers = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            answers = false;
            failure = e.toString();
        }
        if (answers) {
            return Optional.empty();
        }
        String reason = "no Docker-compatible container engine answers (Testcontainers looked at DOCKER_HOST,"
                + " ~/.testcontainers.properties and /var/run/docker.sock"
                + (failure == null ? "" : "; " + failure) + ")";
        if (setting.equals("on")) {
            throw new IllegalStateException(PROPERTY + "=on, but " + reason);
        }
        return Optional.of(reason);
    }
}

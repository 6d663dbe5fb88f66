package io.switchboard.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the {@code java} that runs a forked Cassandra node. cassandra-all 5.0 needs Java 17: on newer
 * JDKs (25 here) its use of the security manager fails at start, so the current JVM is only taken when it
 * is a 17.
 */
final class JavaLocator {

    static final String PROPERTY = "switchboard.cassandra.java";
    static final String ENV = "SWITCHBOARD_CASSANDRA_JAVA";

    private static final Logger log = LoggerFactory.getLogger(JavaLocator.class);
    private static final Path JVM_ROOT = Path.of("/usr/lib/jvm");

    private JavaLocator() {}

    /** {@code explicit} if given, else the property, the environment, the current JVM, a JDK 17 under /usr/lib/jvm. */
    static Path java17(Path explicit) {
        if (explicit != null) {
            return checked(explicit, "EmbeddedCassandra.Options.java17");
        }
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            return checked(Path.of(property), "-D" + PROPERTY);
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return checked(Path.of(env), ENV);
        }
        if (Runtime.version().feature() == 17) {
            return Path.of(System.getProperty("java.home"), "bin", "java");
        }
        return firstJava17Under(JVM_ROOT)
                .orElseThrow(() -> new IllegalStateException("No Java 17 found to run Cassandra 5.0 (this JVM is Java "
                        + Runtime.version().feature()
                        + ", and Cassandra does not run on newer Java versions). Set -D" + PROPERTY + " or " + ENV
                        + " to the path of a Java 17 'java' executable."));
    }

    /**
     * The {@code bin/java} of the first folder under {@code root} (by name) whose name contains 17, that
     * exists and, per its release file, is a Java 17.
     */
    static Optional<Path> firstJava17Under(Path root) {
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> homes = Files.list(root)) {
            List<Path> candidates = homes.filter(
                            home -> home.getFileName().toString().contains("17"))
                    .sorted(Comparator.comparing(home -> home.getFileName().toString()))
                    .toList();
            return candidates.stream()
                    .map(home -> home.resolve("bin").resolve("java"))
                    .filter(Files::isExecutable) // e.g. /usr/lib/jvm/openjdk-17 may hold only src.zip
                    .filter(java -> releaseVersion(java)
                            .map(v -> v.equals("17") || v.startsWith("17."))
                            .orElse(true))
                    .findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    private static Path checked(Path java, String source) {
        if (!Files.isExecutable(java)) {
            throw new IllegalStateException(source + " points to " + java + ", which is not an executable java");
        }
        releaseVersion(java)
                .filter(v -> !(v.equals("17") || v.startsWith("17.")))
                .ifPresent(v -> log.warn(
                        "{} points to Java {} ({}); Cassandra 5.0 is only known to run on Java 17", source, v, java));
        return java;
    }

    /** JAVA_VERSION from {@code <home>/release}, when the JDK ships that file (all modern ones do). */
    static Optional<String> releaseVersion(Path java) {
        Path bin = java.toAbsolutePath().getParent();
        Path home = bin == null ? null : bin.getParent();
        if (home == null || !Files.isRegularFile(home.resolve("release"))) {
            return Optional.empty();
        }
        try (Stream<String> lines = Files.lines(home.resolve("release"))) {
            return lines.filter(line -> line.startsWith("JAVA_VERSION="))
                    .map(line -> line.substring("JAVA_VERSION=".length())
                            .replace("\"", "")
                            .strip())
                    .findFirst();
        } catch (IOException | UncheckedIOException e) {
            log.debug("cannot read the release file of {}", java, e);
            return Optional.empty();
        }
    }
}

package io.switchboard.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JavaLocatorTest {

    @TempDir
    Path root;

    @Test
    void picksTheFirstJdk17WithAnExecutableJava() throws IOException {
        jdk("temurin-25-jdk-amd64", "25.0.1");
        Files.createDirectories(root.resolve("openjdk-17")); // a source-only package: no bin/java
        Path expected = jdk("java-17-openjdk-amd64", "17.0.15");
        jdk("zulu-17", "17.0.9");

        assertThat(JavaLocator.firstJava17Under(root)).contains(expected);
    }

    @Test
    void skipsAFolderNamed17ThatHoldsAnotherVersion() throws IOException {
        jdk("jdk-17-but-really-21", "21.0.2");
        assertThat(JavaLocator.firstJava17Under(root)).isEmpty();
    }

    @Test
    void anExplicitJavaMustBeExecutable() {
        assertThatThrownBy(() -> JavaLocator.java17(root.resolve("nothing/bin/java")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not an executable java");
    }

    @Test
    void readsTheReleaseVersion() throws IOException {
        assertThat(JavaLocator.releaseVersion(jdk("some-jdk", "17.0.15"))).contains("17.0.15");
    }

    private Path jdk(String name, String version) throws IOException {
        Path home = root.resolve(name);
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"" + version + "\"\n");
        return java;
    }
}

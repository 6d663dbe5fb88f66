package io.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OCI image tarball {@code mvn -Pimage package} builds (pool-node's "image" profile, Jib on
 * scratch): config (entrypoint, ports, non-root user), layers (runtime, third-party jars, our
 * modules, the node jar, each apart; no Cassandra server), and the image's own Java running the
 * entrypoint inside the extracted layers (chroot, as the image's user). Runs only in a build with
 * {@code -Pimage}, which sets {@code switchboard.image.tar}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Path oci;
    private JsonNode config;
    /** Each layer's entries (paths without a leading slash), bottom layer first. */
    private final List<List<String>> layers = new ArrayList<>();

    @BeforeAll
    void open(@TempDir Path tmp) throws IOException {
        String tar = System.getProperty("switchboard.image.tar");
        Assumptions.assumeTrue(tar != null, "the image is built and checked with -Pimage only");
        Path file = Path.of(tar);
        assertThat(file).as("mvn -Pimage package builds it").isRegularFile();
        oci = tmp.resolve("oci");
        untar(Files.newInputStream(file), oci);
        JsonNode index = JSON.readTree(oci.resolve("index.json").toFile());
        JsonNode manifest = blob(index.path("manifests").get(0).path("digest").asText());
        config = blob(manifest.path("config").path("digest").asText());
        for (JsonNode layer : manifest.path("layers")) {
            assertThat(layer.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
            List<String> entries = new ArrayList<>();
            try (TarArchiveInputStream in = layerStream(layer.path("digest").asText())) {
                for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                    entries.add(e.getName().replaceFirst("^/", ""));
                }
            }
            layers.add(entries);
        }
    }

    @Test
    void runsTheNodeAsANonRootUser() {
        JsonNode c = config.path("config");
        assertThat(c.path("User").asText()).isEqualTo("10001:10001");
        List<String> entrypoint = strings(c.path("Entrypoint"));
        assertThat(entrypoint.get(0)).isEqualTo("/opt/java/bin/java");
        assertThat(entrypoint).last().isEqualTo("io.switchboard.node.Main");
        assertThat(strings(c.path("Cmd"))).containsExactly("start", "--config", "/etc/switchboard/switchboard.conf");
        assertThat(config.path("os").asText()).isEqualTo("linux");
    }

    @Test
    void exposesThePortsTheKubernetesPodUses() {
        List<String> exposed = new ArrayList<>();
        config.path("config").path("ExposedPorts").fieldNames().forEachRemaining(exposed::add);
        assertThat(exposed)
                .contains("5060/udp", "5060/tcp", "5061/tcp", "8080/tcp", "8081/tcp", "2551/tcp", "7626/tcp");
        // every port the production pod declares is one the image exposes
        Container pod = Rendered.container(
                new Rendered(
                                "overlays/production",
                                StrictKubernetes.parse(Kustomize.render(
                                        Path.of(System.getProperty("switchboard.deploy.dir", "../deploy/k8s"))
                                                .resolve("overlays/production"))))
                        .pool(),
                "pool-node");
        assertThat(pod.getPorts())
                .allSatisfy(p -> assertThat(exposed)
                        .contains(p.getContainerPort() + "/" + p.getProtocol().toLowerCase()));
    }

    @Test
    void keepsRuntimeLibrariesAndTheNodeJarInLayersOfTheirOwn() {
        int runtime = layerWith("opt/java/bin/java");
        int nodeJar = layerWith("app/classpath/pool-node.jar");
        int thirdParty = layerWithPrefix("app/libs/pekko-actor_");
        int ours = layerWithPrefix("app/libs/registrar-");
        assertThat(List.of(runtime, nodeJar, thirdParty, ours)).doesNotHaveDuplicates();
        assertThat(layers.get(nodeJar))
                .filteredOn(e -> e.endsWith(".jar"))
                .containsExactly("app/classpath/pool-node.jar");
        assertThat(layers.get(thirdParty)).noneMatch(e -> e.contains("SNAPSHOT"));
        assertThat(layers.get(runtime))
                .contains("lib64/ld-linux-x86-64.so.2", "lib/x86_64-linux-gnu/libc.so.6", "etc/passwd")
                .contains("opt/java/lib/security/cacerts", "etc/ssl/certs/ca-certificates.crt");
        // the pool uses an external Cassandra: no server in the image
        assertThat(layers.stream().flatMap(List::stream))
                .noneMatch(e -> e.matches(".*/cassandra-all-.*\\.jar"))
                .noneMatch(e -> e.startsWith("app/libs/") && e.contains("cassandra-server") && e.endsWith(".jar"));
    }

    @Test
    void theImagesJavaRunsTheEntrypointInsideTheLayers(@TempDir Path tmp) throws Exception {
        Path chroot = Path.of("/usr/sbin/chroot");
        boolean root = "root".equals(System.getProperty("user.name"));
        Assumptions.assumeTrue(
                root && Files.isExecutable(chroot), "chroot needs root (CI runs as root); skipped as another user");
        Path rootfs = tmp.resolve("rootfs");
        for (JsonNode layer : blob(blobDigestOfManifest()).path("layers")) {
            try (TarArchiveInputStream in = layerStream(layer.path("digest").asText())) {
                extract(in, rootfs);
            }
        }
        List<String> command = new ArrayList<>(List.of(chroot.toString(), "--userspec=10001:10001", rootfs.toString()));
        command.addAll(strings(config.path("config").path("Entrypoint")));
        command.add("help");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().clear();
        for (JsonNode e : config.path("config").path("Env")) {
            String[] kv = e.asText().split("=", 2);
            pb.environment().put(kv[0], kv[1]);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("usage: switchboard").contains("start [--config FILE]");
    }

    private String blobDigestOfManifest() throws IOException {
        return JSON.readTree(oci.resolve("index.json").toFile())
                .path("manifests")
                .get(0)
                .path("digest")
                .asText();
    }

    private int layerWith(String entry) {
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).contains(entry)) {
                return i;
            }
        }
        throw new AssertionError("no layer has " + entry);
    }

    private int layerWithPrefix(String prefix) {
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).stream().anyMatch(e -> e.startsWith(prefix))) {
                return i;
            }
        }
        throw new AssertionError("no layer has " + prefix + "*");
    }

    private JsonNode blob(String digest) throws IOException {
        return JSON.readTree(blobPath(digest).toFile());
    }

    private Path blobPath(String digest) {
        return oci.resolve("blobs").resolve("sha256").resolve(digest.substring("sha256:".length()));
    }

    private TarArchiveInputStream layerStream(String digest) throws IOException {
        return new TarArchiveInputStream(
                new GZIPInputStream(new BufferedInputStream(Files.newInputStream(blobPath(digest)))));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static void untar(InputStream raw, Path into) throws IOException {
        try (TarArchiveInputStream in = new TarArchiveInputStream(new BufferedInputStream(raw))) {
            extract(in, into);
        }
    }

    /** Regular files and directories with their modes (the layers have no links but the C library's own names). */
    private static void extract(TarArchiveInputStream in, Path into) throws IOException {
        Map<Path, Integer> modes = new HashMap<>();
        for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
            Path target = into.resolve(e.getName().replaceFirst("^/", "")).normalize();
            if (!target.startsWith(into)) {
                throw new AssertionError("entry outside the archive's root: " + e.getName());
            }
            if (e.isDirectory()) {
                Files.createDirectories(target);
            } else if (e.isSymbolicLink()) {
                Files.createDirectories(target.getParent());
                Files.deleteIfExists(target);
                Files.createSymbolicLink(target, Path.of(e.getLinkName()));
                continue;
            } else {
                Files.createDirectories(target.getParent());
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            }
            modes.put(target, e.getMode());
        }
        for (Map.Entry<Path, Integer> m : modes.entrySet()) {
            Files.setPosixFilePermissions(m.getKey(), permissions(m.getValue()));
        }
    }

    private static java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions(int mode) {
        StringBuilder s = new StringBuilder();
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            s.append((mode & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
        }
        return java.nio.file.attribute.PosixFilePermissions.fromString(s.toString());
    }
}

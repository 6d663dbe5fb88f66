package io.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.Network.Ipam;
import io.switchboard.storage.testing.ContainerEngine;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.cassandra.CassandraContainer;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * Where a container engine answers (a contributor's laptop; never our CI machines, whose log then
 * says why this did not run): the image {@code mvn -Pimage package} built is loaded into the engine,
 * started next to a Cassandra container on a network of the test's own, and a SIPp user registers
 * through it over TCP, with digest authentication, as a phone would; the admin API then lists the
 * binding. {@link ImageTest} checks the same tarball without an engine.
 */
class ImageContainerSmokeTest {

    /** A subnet of the test's own network: the node must be told its own address (sip.bind-address). */
    private static final String SUBNET = "172.29.77.0/24";

    private static final String NODE_IP = "172.29.77.10";
    private static final String TOKEN = "image-smoke-admin-token";
    private static final String SECRET = "image-smoke-sip-secret-0123456789";

    @Test
    void the_image_registers_a_sipp_user_against_a_cassandra_container(@TempDir Path tmp) throws Exception {
        String tar = System.getProperty("switchboard.image.tar");
        Assumptions.assumeTrue(tar != null, "the image is built and checked with -Pimage only");
        Optional<String> noEngine = ContainerEngine.whyNot();
        if (noEngine.isPresent()) {
            System.out.println("ImageContainerSmokeTest did not start the image: " + noEngine.get()
                    + "; ImageTest checked the tarball without an engine");
            Assumptions.abort(noEngine.get());
        }
        String image = System.getProperty("switchboard.image.name");
        try (InputStream in = Files.newInputStream(Path.of(tar))) {
            // Docker 25+ and Podman load OCI layout archives as Jib writes them
            DockerClientFactory.instance().client().loadImageCmd(in).exec();
        }
        try (Network network = Network.builder()
                        .createNetworkCmdModifier(
                                cmd -> cmd.withIpam(new Ipam().withConfig(new Ipam.Config().withSubnet(SUBNET))))
                        .build();
                CassandraContainer cassandra = new CassandraContainer(DockerImageName.parse("cassandra:5.0"))
                        .withNetwork(network)
                        .withNetworkAliases("cassandra")
                        .withEnv("MAX_HEAP_SIZE", "1G")
                        .withEnv("HEAP_NEWSIZE", "200M");
                GenericContainer<?> node = new GenericContainer<>(DockerImageName.parse(image))
                        .withNetwork(network)
                        .withCreateContainerCmdModifier(cmd -> cmd.withIpv4Address(NODE_IP))
                        .withCopyToContainer(Transferable.of(config()), "/etc/switchboard/switchboard.conf")
                        .withExposedPorts(5060, 8080)
                        .waitingFor(Wait.forHttp("/health/ready")
                                .forPort(8080)
                                .withStartupTimeout(Duration.ofMinutes(3)))) {
            cassandra.start();
            node.start();
            String admin = "http://" + node.getHost() + ":" + node.getMappedPort(8080);
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> added = http.send(
                    HttpRequest.newBuilder(URI.create(admin + "/api/users"))
                            .header("Authorization", "Bearer " + TOKEN)
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "uri=" + URLEncoder.encode("sip:alice@example.test", StandardCharsets.UTF_8)
                                            + "&password=alice-secret"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(added.statusCode()).as(added.body()).isEqualTo(201);

            Path users = tmp.resolve("users.csv");
            Files.writeString(
                    users, "SEQUENTIAL\nalice;example.test;[authentication username=alice password=alice-secret]\n");
            Process sipp = new ProcessBuilder(
                            "sipp",
                            node.getHost() + ":" + node.getMappedPort(5060),
                            "-t",
                            "t1",
                            "-sf",
                            Path.of("..", "bench", "sipp", "register-digest.xml")
                                    .toString(),
                            "-inf",
                            users.toString(),
                            "-m",
                            "1",
                            "-nostdin",
                            "-timeout",
                            "30s")
                    .directory(tmp.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("sipp.log").toFile())
                    .start();
            assertThat(sipp.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(sipp.exitValue())
                    .as("SIPp's REGISTER through the image: %s", Files.readString(tmp.resolve("sipp.log")))
                    .isZero();

            HttpResponse<String> bindings = http.send(
                    HttpRequest.newBuilder(URI.create(admin + "/api/registrations?aor=sip:alice@example.test"))
                            .header("Authorization", "Bearer " + TOKEN)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(bindings.statusCode()).isEqualTo(200);
            assertThat(bindings.body()).contains("alice@").containsIgnoringCase("tcp");
        }
    }

    /** One node of its own cluster, its data in the Cassandra container, MD5 offered first for SIPp 3.6. */
    private static String config() {
        return """
                switchboard {
                  node.id = "smoke-1"
                  node.data-dir = "/tmp/switchboard"
                  cluster { host = "%1$s", port = 2551, seed-nodes = ["%1$s:2551"] }
                  sip { bind-address = "%1$s", udp-port = 5060, tcp-port = 5060, secret = "%2$s" }
                  auth.algorithms = ["MD5", "SHA-256"]
                  domains = ["example.test"]
                  storage {
                    mode = "external"
                    keyspace = "switchboard"
                    replication = "{'class': 'SimpleStrategy', 'replication_factor': 1}"
                    consistency = "LOCAL_ONE"
                    external { contact-points = ["cassandra:9042"], local-dc = "datacenter1" }
                  }
                  admin { bind-address = "0.0.0.0", port = 8080, token = "%3$s" }
                }
                """.formatted(NODE_IP, SECRET, TOKEN);
    }
}

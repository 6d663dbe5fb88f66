package io.switchboard.addressbook.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.util.ssl.KeyStoreKeyManager;
import com.unboundid.util.ssl.SSLUtil;
import io.switchboard.addressbook.domain.AttributeMapping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * LDAPS: the in-memory server listens with TLS from the first byte, with a self-signed certificate for
 * 127.0.0.1 made by the JDK's keytool; the source trusts it through a trust store, and refuses it without.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LdapsSourceTest {

    private static final String BASE = "dc=example,dc=com";
    private static final String PASSWORD = "changeit-test";

    private Path dir;
    private Path trustStore;
    private InMemoryDirectoryServer server;

    private void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("keytool.log").toFile())
                .start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue())
                .as(Files.readString(dir.resolve("keytool.log")))
                .isZero();
    }

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("ldaps-test");
        keytool(
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-dname",
                "CN=127.0.0.1",
                "-ext",
                "SAN=ip:127.0.0.1",
                "-validity",
                "2",
                "-keystore",
                "server.p12",
                "-storetype",
                "PKCS12",
                "-storepass",
                PASSWORD,
                "-keypass",
                PASSWORD);
        keytool(
                "-exportcert",
                "-alias",
                "server",
                "-keystore",
                "server.p12",
                "-storepass",
                PASSWORD,
                "-rfc",
                "-file",
                "server.pem");
        keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                "server",
                "-file",
                "server.pem",
                "-keystore",
                "trust.p12",
                "-storetype",
                "PKCS12",
                "-storepass",
                PASSWORD);
        trustStore = dir.resolve("trust.p12");

        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(BASE);
        config.addAdditionalBindCredentials("cn=sync," + BASE, "secret");
        SSLUtil serverSsl = new SSLUtil(
                new KeyStoreKeyManager(dir.resolve("server.p12").toFile(), PASSWORD.toCharArray(), "PKCS12", "server"),
                null);
        config.setListenerConfigs(InMemoryListenerConfig.createLDAPSConfig(
                "ldaps", null, 0, serverSsl.createSSLServerSocketFactory(), null));
        config.setSchema(null);
        server = new InMemoryDirectoryServer(config);
        server.add(new Entry("dn: " + BASE, "objectClass: domain", "dc: example"));
        server.add(new Entry("dn: cn=ann," + BASE, "objectClass: person", "cn: ann", "displayName: Ann"));
        server.startListening();
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            server.shutDown(true);
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    private LdapSettings settings(Optional<Path> trust) {
        return new LdapSettings(
                "ldaps://127.0.0.1:" + server.getListenPort(),
                "cn=sync," + BASE,
                "secret",
                BASE,
                "(objectClass=person)",
                100,
                Duration.ofSeconds(5),
                Duration.ofSeconds(10),
                trust,
                PASSWORD,
                AttributeMapping.ldapDefaults());
    }

    @Test
    void readsOverTlsWithTheServersCertificateTrusted() throws Exception {
        SourceRead read = new LdapSource(settings(Optional.of(trustStore))).read(n -> {});
        assertThat(read.entries()).hasSize(1);
        assertThat(read.entries().get(0).sourceId()).isEqualTo("cn=ann," + BASE);
    }

    @Test
    void anUntrustedCertificateFailsTheRead() {
        // the JVM's authorities do not know the self-signed certificate
        assertThatThrownBy(() -> new LdapSource(settings(Optional.empty())).read(n -> {}))
                .isInstanceOf(SourceException.class)
                .hasMessageStartingWith("LDAP directory ldaps://127.0.0.1:" + server.getListenPort());
    }
}

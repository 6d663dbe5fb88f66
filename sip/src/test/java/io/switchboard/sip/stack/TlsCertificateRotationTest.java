package io.switchboard.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A certificate rotated on disk is presented from the next handshake on, with no restart, and a broken
 * replacement never takes TLS down (issue 16, item 7: the certificate comes from a Secret and can be
 * rotated). Real stack, real TLS listening point, key stores made by the JDK's keytool.
 */
class TlsCertificateRotationTest {
    @TempDir
    Path dir;

    @Test
    void aReplacedKeyStoreIsPresentedByTheNextHandshakeAndABrokenOneIsIgnored() throws Exception {
        Path live = dir.resolve("sip.p12");
        Path first = keyStore("CN=first.example.test");
        Path second = keyStore("CN=second.example.test");
        Files.copy(first, live);
        TlsSettings tls = TlsSettings.of(live, "changeit", 0).withReloadCheck(Duration.ofMillis(200));
        try (SipEndpoint server = SipEndpoint.start(
                SipStackSettings.defaults("tls-rotation-test", "127.0.0.1", -1, -1)
                        .withTls(tls)
                        .withThreadPoolSize(1),
                new RecordingServer())) {
            assertThat(presented(server.tlsPort())).isEqualTo("CN=first.example.test");

            replace(live, second);
            // within the check interval the next handshake presents the new certificate
            assertThat(presentedWithin(server.tlsPort(), "CN=second.example.test"))
                    .isEqualTo("CN=second.example.test");

            // a half-written file: every handshake until the node has tried it, and after, still
            // presents the loaded certificate; the failed load is logged
            Path garbage = dir.resolve("garbage");
            Files.write(garbage, "not a PKCS12 file".getBytes(StandardCharsets.US_ASCII));
            Logger watched = (Logger) LoggerFactory.getLogger(WatchedKeyStore.class);
            ListAppender<ILoggingEvent> log = new ListAppender<>();
            log.start();
            watched.addAppender(log);
            try {
                replace(live, garbage);
                Instant deadline = Instant.now().plusSeconds(10);
                while (log.list.stream().noneMatch(e -> e.getLevel() == Level.ERROR)
                        && Instant.now().isBefore(deadline)) {
                    assertThat(presented(server.tlsPort())).isEqualTo("CN=second.example.test");
                    Thread.sleep(50);
                }
                assertThat(log.list)
                        .anySatisfy(e -> assertThat(e.getFormattedMessage())
                                .contains("changed on disk but does not load")
                                .contains("CN=second.example.test"));
            } finally {
                watched.detachAppender(log);
            }
            assertThat(presented(server.tlsPort())).isEqualTo("CN=second.example.test");

            // and the next good file is taken again
            replace(live, first);
            assertThat(presentedWithin(server.tlsPort(), "CN=first.example.test"))
                    .isEqualTo("CN=first.example.test");
        }
    }

    @Test
    void withoutReloadChecksTheStartCertificateStays() throws Exception {
        Path live = dir.resolve("fixed.p12");
        Files.copy(keyStore("CN=fixed.example.test"), live);
        TlsSettings tls = TlsSettings.of(live, "changeit", 0).withReloadCheck(Duration.ZERO);
        try (SipEndpoint server = SipEndpoint.start(
                SipStackSettings.defaults("tls-fixed-test", "127.0.0.1", -1, -1)
                        .withTls(tls)
                        .withThreadPoolSize(1),
                new RecordingServer())) {
            // no wait needed: with checks off, not even the first handshake after the change may look
            replace(live, keyStore("CN=other.example.test"));
            assertThat(presented(server.tlsPort())).isEqualTo("CN=fixed.example.test");
        }
    }

    /** As Kubernetes updates a mounted Secret: the new content appears at once, with a newer time. */
    private void replace(Path live, Path with) throws Exception {
        Path staged = dir.resolve("staged");
        Files.copy(with, staged, StandardCopyOption.REPLACE_EXISTING);
        // a later time than the file it replaces, even on a file system with coarse timestamps
        Files.setLastModifiedTime(
                staged,
                FileTime.from(Files.getLastModifiedTime(live).toInstant().plusSeconds(2)));
        Files.move(staged, live, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String presentedWithin(int port, String expected) throws Exception {
        Instant deadline = Instant.now().plusSeconds(10);
        String seen = presented(port);
        while (!seen.equals(expected) && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
            seen = presented(port);
        }
        return seen;
    }

    /** The subject of the certificate the server presents in a fresh handshake (no session reuse). */
    private static String presented(int port) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new AcceptAny()}, null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.setEnabledProtocols(new String[] {"TLSv1.2"});
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0])
                    .getSubjectX500Principal()
                    .getName();
        }
    }

    private Path keyStore(String dname) throws Exception {
        Path file = dir.resolve(dname.replaceAll("\\W", "_") + ".p12");
        TestKeyStores.selfSigned(file, dname);
        return file;
    }

    /** The test asks which certificate is presented, not whether it is trusted. */
    private static final class AcceptAny implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}

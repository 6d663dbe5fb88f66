package io.switchboard.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.sip.message.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS listening point with a throwaway self-signed key made by the JDK's keytool. */
class TlsEndpointTest {
    @TempDir
    static Path dir;

    private static final RecordingServer SERVER = new RecordingServer();
    private static SipEndpoint server;
    private static TestUa ua;
    private static Path keys;

    @BeforeAll
    static void start() throws Exception {
        keys = dir.resolve("sip.p12");
        TestKeyStores.selfSigned(keys, "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1");
        TlsSettings tls = TlsSettings.of(keys, "changeit", 0);
        server = SipEndpoint.start(
                SipStackSettings.defaults("tls-test-server", "127.0.0.1", -1, -1)
                        .withTls(tls),
                SERVER);
        SERVER.attach(server);
        // the UA trusts the server's self-signed certificate explicitly: without a trust store the
        // RI's NIO TLS uses the JVM's cacerts
        ua = TestUa.startWithTls("tls-test-ua", tls.withTrustStore(keys, "changeit"));
    }

    @AfterAll
    static void stop() {
        if (ua != null) {
            ua.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void optionsOverTls() throws Exception {
        assertThat(server.tlsPort()).isPositive();
        assertThat(server.udpPort()).isEqualTo(-1);
        Response r = ua.options("TLS", server.tlsPort()).get(15, TimeUnit.SECONDS);
        assertThat(r.getStatusCode()).isEqualTo(200);
    }

    @Test
    void serverSpeaksTls12WithForwardSecrecyAndNeedsNoClientCertificate() throws Exception {
        SSLSocketFactory f = trustingKeys();
        for (String protocol : List.of("TLSv1.2")) {
            try (SSLSocket s = (SSLSocket) f.createSocket("127.0.0.1", server.tlsPort())) {
                s.setSoTimeout(10_000);
                s.startHandshake();
                assertThat(s.getSession().getProtocol()).isEqualTo(protocol);
                assertThat(s.getSession().getCipherSuite()).startsWith("TLS_ECDHE_");
                // the RI answers the RFC 5626 keep-alive on TLS too
                s.getOutputStream().write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                assertThat(s.getInputStream().readNBytes(2)).asString().isEqualTo("\r\n");
            }
        }
    }

    @Test
    void serverSideHandlesTls13WhenEnabled() throws Exception {
        TlsSettings tls13 = TlsSettings.of(keys, "changeit", 0).withProtocols(List.of("TLSv1.3", "TLSv1.2"));
        try (SipEndpoint e = SipEndpoint.start(
                SipStackSettings.defaults("tls13-test-server", "127.0.0.1", -1, -1)
                        .withTls(tls13)
                        .withThreadPoolSize(1),
                new RecordingServer())) {
            try (SSLSocket s = (SSLSocket) trustingKeys().createSocket("127.0.0.1", e.tlsPort())) {
                s.setSoTimeout(10_000);
                s.startHandshake();
                assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
            }
        }
    }

    private static SSLSocketFactory trustingKeys() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(keys)) {
            ks.load(in, "changeit".toCharArray());
        }
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx.getSocketFactory();
    }
}

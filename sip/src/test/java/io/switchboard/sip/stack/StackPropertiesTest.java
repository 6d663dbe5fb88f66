package io.switchboard.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class StackPropertiesTest {

    @Test
    void plainStack() {
        Properties p = StackProperties.of(
                SipStackSettings.defaults("node-1", "10.0.0.5", 5060, 5060).withThreadPoolSize(16));
        assertThat(p)
                .containsEntry("javax.sip.STACK_NAME", "node-1")
                .containsEntry("javax.sip.AUTOMATIC_DIALOG_SUPPORT", "off")
                .containsEntry("gov.nist.javax.sip.REENTRANT_LISTENER", "true")
                .containsEntry("gov.nist.javax.sip.THREAD_POOL_SIZE", "16")
                .containsEntry(
                        "gov.nist.javax.sip.MESSAGE_PROCESSOR_FACTORY",
                        PatchedNioMessageProcessorFactory.class.getName())
                .containsEntry("gov.nist.javax.sip.MESSAGE_PARSER_FACTORY", KeepBadHeadersParserFactory.class.getName())
                .containsEntry("gov.nist.javax.sip.NIO_BLOCKING_MODE", "NONBLOCKING")
                .containsEntry("gov.nist.javax.sip.STACK_LOGGER", Slf4jStackLogger.class.getName())
                .containsEntry("gov.nist.javax.sip.SERVER_LOGGER", Slf4jServerLogger.class.getName())
                .containsEntry("gov.nist.javax.sip.RECEIVE_UDP_BUFFER_SIZE", "4194304")
                .containsEntry("gov.nist.javax.sip.SEND_UDP_BUFFER_SIZE", "4194304")
                .containsEntry("gov.nist.javax.sip.MAX_MESSAGE_SIZE", "65536")
                .containsEntry("gov.nist.javax.sip.MAX_SERVER_TRANSACTIONS", "100000")
                .containsEntry(
                        "gov.nist.javax.sip.SIP_MESSAGE_VALVE",
                        "gov.nist.javax.sip.stack.CongestionControlMessageValve")
                .containsEntry("gov.nist.javax.sip.NIO_MAX_SOCKET_IDLE_TIME", "7200000")
                .containsEntry("gov.nist.javax.sip.CACHE_SERVER_CONNECTIONS", "true")
                .containsEntry("gov.nist.javax.sip.DELIVER_UNSOLICITED_NOTIFY", "true")
                .doesNotContainKey("javax.net.ssl.keyStore")
                .doesNotContainKey("gov.nist.javax.sip.TCP_POST_PARSING_THREAD_POOL_SIZE");
    }

    @Test
    void tlsStackNeverKeepsTheRiDefaultsForClientAuthProtocolsAndCiphers() {
        TlsSettings tls = TlsSettings.of(Path.of("/etc/switchboard/sip.p12"), "s3cret", 5061)
                .withTrustStore(Path.of("/etc/switchboard/trust.p12"), "tru5t");
        Properties p = StackProperties.of(
                SipStackSettings.defaults("node-1", "10.0.0.5", 5060, 5060).withTls(tls));
        assertThat(p)
                .containsEntry("javax.net.ssl.keyStore", "/etc/switchboard/sip.p12")
                .containsEntry("javax.net.ssl.keyStorePassword", "s3cret")
                .containsEntry("javax.net.ssl.keyStoreType", "PKCS12")
                .containsEntry("javax.net.ssl.trustStore", "/etc/switchboard/trust.p12")
                .containsEntry("javax.net.ssl.trustStorePassword", "tru5t")
                .containsEntry("gov.nist.javax.sip.TLS_CLIENT_AUTH_TYPE", "Disabled")
                .containsEntry("gov.nist.javax.sip.TLS_CLIENT_PROTOCOLS", "TLSv1.2")
                .containsEntry("gov.nist.javax.sip.SSL_HANDSHAKE_TIMEOUT", "10000");
        assertThat(p.getProperty("gov.nist.javax.sip.ENABLED_CIPHER_SUITES").split(","))
                .contains("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
                .doesNotContain("SSL_DH_anon_WITH_3DES_EDE_CBC_SHA", "TLS_DH_anon_WITH_AES_128_CBC_SHA");
        assertThat(StackProperties.describe(p))
                .contains("javax.net.ssl.keyStorePassword=***")
                .doesNotContain("s3cret", "tru5t");
        assertThat(tls.toString()).doesNotContain("s3cret", "tru5t");
    }

    @Test
    void clientAuthMapsToRiValues() {
        assertThat(List.of(TlsSettings.ClientAuth.values()))
                .extracting(TlsSettings.ClientAuth::riValue)
                .containsExactly("Disabled", "Want", "Enabled");
    }

    @Test
    void extraPropertiesComeLast() {
        Properties p = StackProperties.of(SipStackSettings.defaults("n", "127.0.0.1", 0, 0)
                .withExtraProperties(Map.of(
                        "gov.nist.javax.sip.MAX_MESSAGE_SIZE",
                        "1000000",
                        "gov.nist.javax.sip.LOG_MESSAGE_CONTENT",
                        "false")));
        assertThat(p)
                .containsEntry("gov.nist.javax.sip.MAX_MESSAGE_SIZE", "1000000")
                .containsEntry("gov.nist.javax.sip.LOG_MESSAGE_CONTENT", "false");
    }
}

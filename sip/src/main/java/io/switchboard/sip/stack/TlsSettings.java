package io.switchboard.sip.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The TLS listening point (SIPS, RFC 3261 section 26.2; RFC 5630). With the NIO message processors
 * JAIN-SIP RI 1.3 takes key material from {@code gov.nist.core.net.DefaultSecurityManagerProvider}
 * (replaceable with {@code gov.nist.javax.sip.SECURITY_MANAGER_PROVIDER}), which reads the stack
 * properties {@code javax.net.ssl.keyStore}, {@code keyStorePassword}, {@code keyStoreType},
 * {@code trustStore}, {@code trustStorePassword}, {@code trustStoreType} (falling back to the
 * same-named JVM system properties) when the TLS listening point is created. {@link SipEndpoint}
 * passes them per stack and never touches system properties.
 *
 * @param keyStore           server certificate and key (PKCS12 or JKS)
 * @param keyStoreType       "PKCS12" or "JKS"
 * @param port               TLS port (5061), 0 for a free one (tests)
 * @param trustStore         certificates trusted for client certificates and for the servers we
 *                           connect to over TLS; empty = the JVM's default trust store (cacerts)
 *                           - not the key store, unlike the RI's blocking TLS layer
 * @param trustStorePassword empty = the key store password (RI behaviour)
 * @param clientAuth         whether clients must present certificates; phones usually have none
 * @param protocols          default TLSv1.2 only: the RI 1.3.0-91 NIO TLS <em>client</em> stalls in
 *                           a TLS 1.3 handshake (its SSLStateMachine unwraps while the engine needs
 *                           to wrap the client Finished), and the RI applies one protocol list to
 *                           both roles. Its server side handles TLS 1.3, so a node that never opens
 *                           outgoing TLS may add "TLSv1.3". The RI's own default lists TLSv1 and 1.1
 * @param cipherSuites       empty = the JVM's defaults; the RI's own default is four obsolete suites
 *                           (RSA key exchange, 3DES, anonymous DH), so we never leave it in place
 * @param handshakeTimeout   a connection that has not completed its handshake by then is closed
 *                           (the RI's HandshakeWatchdog); protects against idle TLS sockets
 * @param reloadCheck        how often a handshake looks whether the key or trust store file changed
 *                           and reloads it ({@link RotatingKeyMaterialProvider}: certificate rotation
 *                           without a restart); zero = read once at start
 */
public record TlsSettings(
        Path keyStore,
        String keyStorePassword,
        String keyStoreType,
        int port,
        Optional<Path> trustStore,
        Optional<String> trustStorePassword,
        ClientAuth clientAuth,
        List<String> protocols,
        List<String> cipherSuites,
        Duration handshakeTimeout,
        Duration reloadCheck) {

    /** How a TLS server asks for client certificates. */
    public enum ClientAuth {
        /** No client certificate requested (RI "Disabled"). Note the RI's own default is NEED. */
        NONE("Disabled"),
        /** Requested, not required (RI "Want"). */
        WANT("Want"),
        /** Required (RI "Enabled"); for trunks and pool-internal links with certificates. */
        NEED("Enabled");

        private final String riValue;

        ClientAuth(String riValue) {
            this.riValue = riValue;
        }

        /** The value of {@code gov.nist.javax.sip.TLS_CLIENT_AUTH_TYPE}. */
        public String riValue() {
            return riValue;
        }
    }

    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.2");
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_RELOAD_CHECK = Duration.ofSeconds(10);

    public TlsSettings {
        Objects.requireNonNull(keyStore, "keyStore");
        Objects.requireNonNull(keyStorePassword, "keyStorePassword");
        Objects.requireNonNull(keyStoreType, "keyStoreType");
        Objects.requireNonNull(trustStore, "trustStore");
        Objects.requireNonNull(trustStorePassword, "trustStorePassword");
        Objects.requireNonNull(clientAuth, "clientAuth");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(reloadCheck, "reloadCheck");
        if (reloadCheck.isNegative()) {
            throw new IllegalArgumentException("negative TLS reload check interval: " + reloadCheck);
        }
        protocols = List.copyOf(protocols);
        cipherSuites = List.copyOf(cipherSuites);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("TLS port out of range: " + port);
        }
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("no TLS protocols");
        }
    }

    /** PKCS12 key store, JVM trust store, no client certificates, TLS 1.2, JVM cipher suites. */
    public static TlsSettings of(Path keyStore, String keyStorePassword, int port) {
        return new TlsSettings(
                keyStore,
                keyStorePassword,
                "PKCS12",
                port,
                Optional.empty(),
                Optional.empty(),
                ClientAuth.NONE,
                DEFAULT_PROTOCOLS,
                List.of(),
                DEFAULT_HANDSHAKE_TIMEOUT,
                DEFAULT_RELOAD_CHECK);
    }

    public TlsSettings withPort(int newPort) {
        return new TlsSettings(
                keyStore,
                keyStorePassword,
                keyStoreType,
                newPort,
                trustStore,
                trustStorePassword,
                clientAuth,
                protocols,
                cipherSuites,
                handshakeTimeout,
                reloadCheck);
    }

    public TlsSettings withTrustStore(Path store, String password) {
        return new TlsSettings(
                keyStore,
                keyStorePassword,
                keyStoreType,
                port,
                Optional.of(store),
                Optional.of(password),
                clientAuth,
                protocols,
                cipherSuites,
                handshakeTimeout,
                reloadCheck);
    }

    public TlsSettings withProtocols(List<String> enabled) {
        return new TlsSettings(
                keyStore,
                keyStorePassword,
                keyStoreType,
                port,
                trustStore,
                trustStorePassword,
                clientAuth,
                enabled,
                cipherSuites,
                handshakeTimeout,
                reloadCheck);
    }

    public TlsSettings withClientAuth(ClientAuth auth) {
        return new TlsSettings(
                keyStore,
                keyStorePassword,
                keyStoreType,
                port,
                trustStore,
                trustStorePassword,
                auth,
                protocols,
                cipherSuites,
                handshakeTimeout,
                reloadCheck);
    }

    public TlsSettings withReloadCheck(Duration every) {
        return new TlsSettings(
                keyStore,
                keyStorePassword,
                keyStoreType,
                port,
                trustStore,
                trustStorePassword,
                clientAuth,
                protocols,
                cipherSuites,
                handshakeTimeout,
                every);
    }

    @Override
    public String toString() {
        // never print passwords into logs
        return "TlsSettings[keyStore=" + keyStore + ", keyStoreType=" + keyStoreType + ", port=" + port
                + ", trustStore=" + trustStore + ", clientAuth=" + clientAuth + ", protocols=" + protocols
                + ", cipherSuites=" + (cipherSuites.isEmpty() ? "JVM defaults" : cipherSuites)
                + ", handshakeTimeout=" + handshakeTimeout + ", reloadCheck=" + reloadCheck + "]";
    }
}

package io.switchboard.sip.stack;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/** The JAIN-SIP RI 1.3 properties for {@link SipStackSettings}; one place, so they can be reviewed. */
final class StackProperties {
    private StackProperties() {}

    static Properties of(SipStackSettings s) {
        Properties p = new Properties();
        p.setProperty("javax.sip.STACK_NAME", s.stackName());
        // docs/architecture.md, rule 5: dialog state lives in the entities, never in the RI's in-memory Dialogs
        p.setProperty("javax.sip.AUTOMATIC_DIALOG_SUPPORT", "off");
        // log4j-free logging (the RI's default LogWriter needs log4j 1.x)
        p.setProperty("gov.nist.javax.sip.STACK_LOGGER", Slf4jStackLogger.class.getName());
        p.setProperty("gov.nist.javax.sip.SERVER_LOGGER", Slf4jServerLogger.class.getName());
        // listener calls run concurrently on the pool below; our listeners never block (rule 4)
        p.setProperty("gov.nist.javax.sip.REENTRANT_LISTENER", "true");
        p.setProperty("gov.nist.javax.sip.THREAD_POOL_SIZE", Integer.toString(s.threadPoolSize()));
        // one selector thread for all TCP/TLS connections instead of a thread per connection: the
        // RI's NioMessageProcessorFactory, with its lost-first-request bug worked around
        p.setProperty(
                "gov.nist.javax.sip.MESSAGE_PROCESSOR_FACTORY", PatchedNioMessageProcessorFactory.class.getName());
        // TCP/TLS keep malformed optional headers as "unrecognized" like UDP instead of dropping them
        p.setProperty("gov.nist.javax.sip.MESSAGE_PARSER_FACTORY", KeepBadHeadersParserFactory.class.getName());
        // connect outgoing TCP/TLS in the selector, not on the sending thread (docs/architecture.md, rule 4: a
        // sender must never block for a connect timeout); failures arrive as processIOException
        p.setProperty("gov.nist.javax.sip.NIO_BLOCKING_MODE", "NONBLOCKING");
        p.setProperty(
                "gov.nist.javax.sip.NIO_MAX_SOCKET_IDLE_TIME",
                Long.toString(s.connectionIdleTimeout().toMillis()));
        p.setProperty("gov.nist.javax.sip.RECEIVE_UDP_BUFFER_SIZE", Integer.toString(s.udpBufferSize()));
        p.setProperty("gov.nist.javax.sip.SEND_UDP_BUFFER_SIZE", Integer.toString(s.udpBufferSize()));
        p.setProperty("gov.nist.javax.sip.MAX_MESSAGE_SIZE", Integer.toString(s.maxMessageSize()));
        // load shedding: RI 1.3.0-91 ignores MAX_SERVER_TRANSACTIONS by itself (its
        // unlimitedServerTransactionTableSize flag is never cleared); the RI's congestion valve reads it
        // and answers new out-of-dialog requests 503 above it, so clients fail over to another node
        p.setProperty("gov.nist.javax.sip.MAX_SERVER_TRANSACTIONS", Integer.toString(s.maxServerTransactions()));
        p.setProperty("gov.nist.javax.sip.SIP_MESSAGE_VALVE", "gov.nist.javax.sip.stack.CongestionControlMessageValve");
        // RFC 5626 / docs/architecture.md, rule 6: keep the connections clients opened to us, and reuse them to
        // send requests back (a NAT lets nothing else in); reuse our own outgoing connections too
        p.setProperty("gov.nist.javax.sip.CACHE_SERVER_CONNECTIONS", "true");
        p.setProperty("gov.nist.javax.sip.CACHE_CLIENT_CONNECTIONS", "true");
        // a proxy forwards NOTIFYs of subscriptions it is not party to; without this the RI
        // answers them 481 itself
        p.setProperty("gov.nist.javax.sip.DELIVER_UNSOLICITED_NOTIFY", "true");
        // NOT set, on purpose: TCP_POST_PARSING_THREAD_POOL_SIZE only affects the blocking (OIO) TCP
        // parser, MAX_CONNECTIONS only the blocking TCP processor; both are ignored with NIO (see README)
        s.tls().ifPresent(t -> tls(p, t));
        s.extraProperties().forEach(p::setProperty);
        return p;
    }

    private static void tls(Properties p, TlsSettings t) {
        p.setProperty("javax.net.ssl.keyStore", t.keyStore().toAbsolutePath().toString());
        p.setProperty("javax.net.ssl.keyStorePassword", t.keyStorePassword());
        p.setProperty("javax.net.ssl.keyStoreType", t.keyStoreType());
        t.trustStore()
                .ifPresent(ts -> p.setProperty(
                        "javax.net.ssl.trustStore", ts.toAbsolutePath().toString()));
        t.trustStorePassword().ifPresent(pw -> p.setProperty("javax.net.ssl.trustStorePassword", pw));
        // trustStoreType is left to the RI (the JVM default, PKCS12): with the JDK's
        // keystore.type.compat (on by default) that loader reads JKS files too
        // the RI's default is "Enabled" (client certificate required), which no phone can meet
        p.setProperty("gov.nist.javax.sip.TLS_CLIENT_AUTH_TYPE", t.clientAuth().riValue());
        p.setProperty("gov.nist.javax.sip.TLS_CLIENT_PROTOCOLS", String.join(",", t.protocols()));
        p.setProperty(
                "gov.nist.javax.sip.ENABLED_CIPHER_SUITES",
                String.join(",", t.cipherSuites().isEmpty() ? jvmDefaultCipherSuites() : t.cipherSuites()));
        p.setProperty(
                "gov.nist.javax.sip.SSL_HANDSHAKE_TIMEOUT",
                Long.toString(t.handshakeTimeout().toMillis()));
        // key and trust managers that follow the files, so a certificate is rotated without a restart
        p.setProperty("gov.nist.javax.sip.SECURITY_MANAGER_PROVIDER", RotatingKeyMaterialProvider.class.getName());
        p.setProperty(
                RotatingKeyMaterialProvider.RELOAD_CHECK_PROPERTY,
                Long.toString(t.reloadCheck().toMillis()));
    }

    /** The JVM's enabled-by-default suites: current, and maintained with the JDK's security updates. */
    static List<String> jvmDefaultCipherSuites() {
        try {
            SSLParameters params = SSLContext.getDefault().getDefaultSSLParameters();
            return Arrays.asList(params.getCipherSuites());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JVM has no default TLS context", e);
        }
    }

    /** Names of RI properties whose values must not be logged. */
    static final Set<String> SECRET_KEYS = Set.of("javax.net.ssl.keyStorePassword", "javax.net.ssl.trustStorePassword");

    /** For a debug line: all properties, passwords masked. */
    static String describe(Properties p) {
        return p.stringPropertyNames().stream()
                .sorted()
                .map(k -> k + "=" + (SECRET_KEYS.contains(k) ? "***" : p.getProperty(k)))
                .collect(Collectors.joining(", "));
    }
}

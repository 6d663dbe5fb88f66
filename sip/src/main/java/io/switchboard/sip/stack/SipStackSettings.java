package io.switchboard.sip.stack;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How to run one JAIN-SIP stack. Ports: 0 picks a free port (tests; the RI itself refuses port 0,
 * see {@link SipEndpoint}), -1 disables that transport; at least one transport must be enabled
 * when the endpoint starts.
 *
 * @param stackName             names the stack's threads and log lines; unique per JVM
 * @param bindAddress           IP literal to listen on (one address per stack, as in the RI)
 * @param threadPoolSize        {@code gov.nist.javax.sip.THREAD_POOL_SIZE}: threads that parse and
 *                              deliver UDP messages, and (JVM-wide, first stack wins) the executor
 *                              the NIO TCP/TLS parser hands messages to, keyed by Call-ID. Listeners
 *                              never block (docs/architecture.md, rule 4), so a small multiple of the cores is right
 * @param maxMessageSize        {@code MAX_MESSAGE_SIZE}: larger requests get 413 (TCP) or are dropped
 * @param maxServerTransactions load shedding: with more server transactions than this, new
 *                              out-of-dialog requests (not BYE, ACK, PRACK, CANCEL, nothing with a To
 *                              tag) are answered 503 by the RI's CongestionControlMessageValve, so
 *                              clients fail over to another pool node. UDP non-INVITE transactions
 *                              live 32 s (Timer J), so this bounds the sustained UDP request rate to
 *                              about value / 32 s
 * @param udpBufferSize         {@code RECEIVE_UDP_BUFFER_SIZE} and {@code SEND_UDP_BUFFER_SIZE}:
 *                              absorbs bursts (re-REGISTER storms after an outage); the kernel caps it
 *                              at net.core.rmem_max / wmem_max
 * @param connectionIdleTimeout {@code NIO_MAX_SOCKET_IDLE_TIME}: TCP/TLS connections without any
 *                              traffic (CRLF keep-alives count) for this long are closed. Longer than
 *                              the longest registration interval, or phones that keep their
 *                              connection only by re-registering become unreachable
 * @param extraProperties       any further RI properties, applied last (operator escape hatch)
 */
public record SipStackSettings(
        String stackName,
        String bindAddress,
        int udpPort,
        int tcpPort,
        Optional<TlsSettings> tls,
        int threadPoolSize,
        int maxMessageSize,
        int maxServerTransactions,
        int udpBufferSize,
        Duration connectionIdleTimeout,
        Map<String, String> extraProperties) {

    public static final int DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024;
    public static final int DEFAULT_MAX_SERVER_TRANSACTIONS = 100_000;
    public static final int DEFAULT_UDP_BUFFER_SIZE = 4 * 1024 * 1024;
    public static final Duration DEFAULT_CONNECTION_IDLE_TIMEOUT = Duration.ofHours(2);

    public SipStackSettings {
        Objects.requireNonNull(stackName, "stackName");
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(connectionIdleTimeout, "connectionIdleTimeout");
        extraProperties = Map.copyOf(extraProperties);
        requirePort("udpPort", udpPort);
        requirePort("tcpPort", tcpPort);
        if (threadPoolSize < 1 || maxMessageSize < 1024 || maxServerTransactions < 1 || udpBufferSize < 1) {
            throw new IllegalArgumentException("sizes must be positive (max message size at least 1024)");
        }
    }

    /** UDP and TCP on the given ports, no TLS, defaults for the rest. */
    public static SipStackSettings defaults(String stackName, String bindAddress, int udpPort, int tcpPort) {
        return new SipStackSettings(
                stackName,
                bindAddress,
                udpPort,
                tcpPort,
                Optional.empty(),
                Math.max(8, 2 * Runtime.getRuntime().availableProcessors()),
                DEFAULT_MAX_MESSAGE_SIZE,
                DEFAULT_MAX_SERVER_TRANSACTIONS,
                DEFAULT_UDP_BUFFER_SIZE,
                DEFAULT_CONNECTION_IDLE_TIMEOUT,
                Map.of());
    }

    public SipStackSettings withTls(TlsSettings t) {
        return new SipStackSettings(
                stackName,
                bindAddress,
                udpPort,
                tcpPort,
                Optional.of(t),
                threadPoolSize,
                maxMessageSize,
                maxServerTransactions,
                udpBufferSize,
                connectionIdleTimeout,
                extraProperties);
    }

    public SipStackSettings withThreadPoolSize(int n) {
        return new SipStackSettings(
                stackName,
                bindAddress,
                udpPort,
                tcpPort,
                tls,
                n,
                maxMessageSize,
                maxServerTransactions,
                udpBufferSize,
                connectionIdleTimeout,
                extraProperties);
    }

    public SipStackSettings withMaxServerTransactions(int n) {
        return new SipStackSettings(
                stackName,
                bindAddress,
                udpPort,
                tcpPort,
                tls,
                threadPoolSize,
                maxMessageSize,
                n,
                udpBufferSize,
                connectionIdleTimeout,
                extraProperties);
    }

    public SipStackSettings withExtraProperties(Map<String, String> extra) {
        return new SipStackSettings(
                stackName,
                bindAddress,
                udpPort,
                tcpPort,
                tls,
                threadPoolSize,
                maxMessageSize,
                maxServerTransactions,
                udpBufferSize,
                connectionIdleTimeout,
                extra);
    }

    private static void requirePort(String name, int port) {
        if (port < -1 || port > 65535) {
            throw new IllegalArgumentException(name + " out of range: " + port);
        }
    }
}

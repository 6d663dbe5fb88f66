package io.switchboard.sip.stack;

import gov.nist.javax.sip.stack.MessageProcessor;
import gov.nist.javax.sip.stack.MessageProcessorFactory;
import gov.nist.javax.sip.stack.NIOHandler;
import gov.nist.javax.sip.stack.NioMessageProcessorFactory;
import gov.nist.javax.sip.stack.NioTcpMessageChannel;
import gov.nist.javax.sip.stack.NioTcpMessageProcessor;
import gov.nist.javax.sip.stack.NioTlsMessageProcessor;
import gov.nist.javax.sip.stack.ReusingBufferUdpMessageProcessor;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.SocketChannel;

/**
 * The RI's {@link NioMessageProcessorFactory} (NIO TCP and TLS, one selector thread for all
 * connections) with its outgoing-connection bug worked around. Set as
 * {@code gov.nist.javax.sip.MESSAGE_PROCESSOR_FACTORY}.
 *
 * <p>The bug (RI 1.3.0-91, RestComm/jain-sip#188, usnistgov/jsip#77, both open): in
 * {@code NIOHandler.openOutgoingConnection} a flag meant to say "connected" is never set, so every
 * new outgoing socket is removed from the socket cache right after being added. A client
 * transaction's channel is created on socket A, then its send finds no cached socket, opens socket
 * B and queues the request on B before B has a channel registered; the selector finds no channel
 * for B, closes it ("Dead socketChannel") and the request is lost without an error (over TCP no
 * retransmission follows; the transaction times out after 32 s). Seen in our tests for the first
 * request to every new TCP destination - exactly what a proxy forwarding to TCP targets does.
 *
 * <p>The workaround puts the socket back into the cache after the RI took it out, so the send
 * path reuses socket A, whose channel was registered when it was created. It uses only public and
 * protected RI API (subclasses), no copied RI code. A send that finds a dead cached socket and
 * reconnects can still hit the registration race of jsip#77; with NONBLOCKING connects the
 * registration normally wins because the write waits for the TCP handshake.
 *
 * <p>UDP gets {@link ReusingBufferUdpMessageProcessor}: the RI's receive loop allocated a 64 KiB
 * buffer per datagram (see there).
 */
public final class PatchedNioMessageProcessorFactory implements MessageProcessorFactory {
    private final NioMessageProcessorFactory ri = new NioMessageProcessorFactory();

    /** Public no-argument constructor: the RI instantiates the class named in its properties. */
    public PatchedNioMessageProcessorFactory() {
        // stateless apart from the RI factory for the transports we do not patch
    }

    @Override
    public MessageProcessor createMessageProcessor(
            SIPTransactionStack stack, InetAddress address, int port, String transport) throws IOException {
        if ("TCP".equalsIgnoreCase(transport)) {
            return new Tcp(address, stack, port);
        }
        if ("TLS".equalsIgnoreCase(transport)) {
            return new Tls(address, stack, port);
        }
        if ("UDP".equalsIgnoreCase(transport)) {
            // one reused receive buffer instead of a new 64 KiB array per datagram
            return new ReusingBufferUdpMessageProcessor(address, stack, port);
        }
        return ri.createMessageProcessor(stack, address, port, transport);
    }

    private static final class Tcp extends NioTcpMessageProcessor {
        Tcp(InetAddress address, SIPTransactionStack stack, int port) {
            super(address, stack, port);
            // the RI's handler made in super() is replaced before start(); its idle-socket audit
            // task keeps running on an empty table until the stack's timer stops, which is harmless
            nioHandler = new CachingNioHandler(stack, this);
        }

        @Override
        public NioTcpMessageChannel createMessageChannel(NioTcpMessageProcessor processor, SocketChannel socket)
                throws IOException {
            NioTcpMessageChannel channel = super.createMessageChannel(processor, socket);
            ((CachingNioHandler) nioHandler).keepAccepted(socket);
            return channel;
        }
    }

    private static final class Tls extends NioTlsMessageProcessor {
        Tls(InetAddress address, SIPTransactionStack stack, int port) {
            super(address, stack, port);
            nioHandler = new CachingNioHandler(stack, this);
        }

        @Override
        public NioTcpMessageChannel createMessageChannel(NioTcpMessageProcessor processor, SocketChannel socket)
                throws IOException {
            NioTcpMessageChannel channel = super.createMessageChannel(processor, socket);
            ((CachingNioHandler) nioHandler).keepAccepted(socket);
            return channel;
        }
    }

    /** Keeps the outgoing sockets the RI opens in its cache, as the RI intended to. */
    static final class CachingNioHandler extends NIOHandler {
        CachingNioHandler(SIPTransactionStack stack, NioTcpMessageProcessor processor) {
            super(stack, processor);
        }

        @Override
        public SocketChannel createOrReuseSocket(InetAddress address, int port) throws IOException {
            SocketChannel channel = super.createOrReuseSocket(address, port);
            keep(makeKey(address, port), channel);
            return channel;
        }

        @Override
        public SocketChannel sendBytes(
                InetAddress sender,
                InetAddress receiver,
                int port,
                String transport,
                byte[] bytes,
                boolean retry,
                NioTcpMessageChannel messageChannel)
                throws IOException {
            SocketChannel channel = super.sendBytes(sender, receiver, port, transport, bytes, retry, messageChannel);
            keep(makeKey(receiver, port), channel);
            return channel;
        }

        /**
         * Caches a connection a client opened to us under the client's address and port, so a
         * request we send to that address later (into the client's flow, RFC 5626 section 5.3)
         * goes over it. The RI caches such a socket only once it has sent a message on it through
         * one particular path, and otherwise opens a new connection to the client's ephemeral
         * port, which fails: found by the proxy's tests (see sip/README.md).
         */
        void keepAccepted(SocketChannel socket) {
            try {
                if (socket.getRemoteAddress() instanceof java.net.InetSocketAddress remote) {
                    keep(makeKey(remote.getAddress(), remote.getPort()), socket);
                }
            } catch (IOException e) {
                // closed already: nothing to cache
            }
        }

        private void keep(String key, SocketChannel channel) {
            if (channel != null && channel.isOpen()) {
                putSocket(key, channel);
            }
        }
    }
}

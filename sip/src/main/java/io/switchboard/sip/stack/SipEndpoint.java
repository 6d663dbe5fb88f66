package io.switchboard.sip.stack;

import gov.nist.javax.sip.header.SIPHeaderList;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TooManyListenersException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sip.InvalidArgumentException;
import javax.sip.ListeningPoint;
import javax.sip.ObjectInUseException;
import javax.sip.PeerUnavailableException;
import javax.sip.SipException;
import javax.sip.SipFactory;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.SipStack;
import javax.sip.address.AddressFactory;
import javax.sip.header.HeaderFactory;
import javax.sip.message.MessageFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running JAIN-SIP stack: UDP, TCP and optionally TLS listening points on one address, all
 * in one {@link SipProvider} with one {@link SipListener}. Properties: see {@link StackProperties}
 * and the module README.
 *
 * <p>The stack is created directly ({@code new LeanSipStack}, the RI's stack), not through
 * {@code SipFactory.createSipStack}, because the factory caches stacks by name for the whole JVM and
 * would hand a stopped stack back to the next caller with the same name.
 *
 * <p>Port 0: the RI refuses it ({@code createListeningPoint} throws "bad port"), so a free port is
 * found by binding a socket of the same kind to port 0 and releasing it, and binding is retried
 * with a new port if another process took it in between.
 */
public final class SipEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SipEndpoint.class);
    private static final int BIND_ATTEMPTS = 5;

    private final SipStackSettings settings;
    private final SipStack stack;
    private final SipProvider provider;
    private final SipListener listener;
    private final List<ListeningPoint> listeningPoints;
    private final MessageFactory messages;
    private final HeaderFactory headers;
    private final AddressFactory addresses;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SipEndpoint(
            SipStackSettings settings,
            SipStack stack,
            SipProvider provider,
            SipListener listener,
            List<ListeningPoint> listeningPoints,
            SipFactory factory)
            throws PeerUnavailableException {
        this.settings = settings;
        this.stack = stack;
        this.provider = provider;
        this.listener = listener;
        this.listeningPoints = List.copyOf(listeningPoints);
        this.messages = factory.createMessageFactory();
        this.headers = factory.createHeaderFactory();
        this.addresses = factory.createAddressFactory();
    }

    /**
     * Creates the stack, binds its listening points and starts delivering requests and responses to
     * {@code listener}.
     *
     * @throws SipStartException if the key store cannot be loaded, an address cannot be bound, or
     *                           the RI refuses its configuration
     */
    public static SipEndpoint start(SipStackSettings s, SipListener listener) {
        Objects.requireNonNull(s, "settings");
        Objects.requireNonNull(listener, "listener");
        if (s.udpPort() < 0 && s.tcpPort() < 0 && s.tls().isEmpty()) {
            throw new SipStartException("SIP stack " + s.stackName() + ": no transport enabled");
        }
        s.tls().ifPresent(KeyMaterial::check);
        Slf4jStackLogger.install();
        onePerLine();
        Properties props = StackProperties.of(s);
        LOG.debug("starting SIP stack {} with {}", s.stackName(), StackProperties.describe(props));
        SipStack stack;
        try {
            stack = new LeanSipStack(props);
        } catch (PeerUnavailableException | RuntimeException e) {
            throw new SipStartException("cannot create SIP stack " + s.stackName() + ": " + e.getMessage(), e);
        }
        List<ListeningPoint> points = new ArrayList<>();
        try {
            if (s.udpPort() >= 0) {
                points.add(listen(stack, s.bindAddress(), s.udpPort(), ListeningPoint.UDP));
            }
            if (s.tcpPort() >= 0) {
                points.add(listen(stack, s.bindAddress(), s.tcpPort(), ListeningPoint.TCP));
            }
            if (s.tls().isPresent()) {
                points.add(listen(stack, s.bindAddress(), s.tls().get().port(), ListeningPoint.TLS));
            }
            SipProvider provider = stack.createSipProvider(points.get(0));
            for (ListeningPoint lp : points.subList(1, points.size())) {
                provider.addListeningPoint(lp);
            }
            // requests the parser refused are answered here and never reach the listener (see ScreenedListener)
            SipFactory factory = SipFactory.getInstance();
            SipListener screened =
                    new ScreenedListener(listener, factory.createMessageFactory(), factory.createHeaderFactory());
            provider.addSipListener(screened);
            stack.start();
            SipEndpoint endpoint = new SipEndpoint(s, stack, provider, screened, points, SipFactory.getInstance());
            LOG.info("SIP stack {} listening on {}", s.stackName(), endpoint.describeListeningPoints());
            return endpoint;
        } catch (SipException | InvalidArgumentException | TooManyListenersException | IOException e) {
            stack.stop();
            throw new SipStartException(
                    "cannot start SIP stack " + s.stackName() + " on " + s.bindAddress() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Via, Route and Record-Route go out with one value per header line, in every message the
     * stack encodes: our own requests and responses, forwarded requests, relayed responses. The
     * RI otherwise joins a list into one line ({@code Via: A,B}), which RFC 3261 section 7.3.1
     * allows, but some phones (linphone 5.1) then copy only the last value of a joined
     * Record-Route or Via into their answers, which duplicates a flow-token Route. The RI's switch
     * is JVM-wide ({@code SIPHeaderList.prettyEncode}, read in {@code SIPHeaderList.encode}); every
     * stack of this process wants it, so setting it again is harmless. Other lists (Contact,
     * Path, Allow, Supported) stay joined: the RI offers no switch for them, and they are not
     * the ones a phone copies from our messages into its own.
     */
    static void onePerLine() {
        SIPHeaderList.setPrettyEncode(true);
    }

    private static ListeningPoint listen(SipStack stack, String address, int port, String transport)
            throws SipException, InvalidArgumentException, IOException {
        if (port != 0) {
            return stack.createListeningPoint(address, port, transport);
        }
        InvalidArgumentException last = null;
        for (int attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
            int candidate = freePort(address, transport);
            try {
                return stack.createListeningPoint(address, candidate, transport);
            } catch (InvalidArgumentException e) {
                // most likely taken by someone else since we probed it: try another one
                LOG.debug("could not bind {} {}:{}, retrying: {}", transport, address, candidate, e.getMessage());
                last = e;
            }
        }
        throw last;
    }

    private static int freePort(String address, String transport) throws IOException {
        InetAddress bind = InetAddress.getByName(address);
        if (ListeningPoint.UDP.equalsIgnoreCase(transport)) {
            try (DatagramSocket s = new DatagramSocket(0, bind)) {
                return s.getLocalPort();
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, bind)) {
            return s.getLocalPort();
        }
    }

    public SipProvider provider() {
        return provider;
    }

    public SipStack stack() {
        return stack;
    }

    public MessageFactory messages() {
        return messages;
    }

    public HeaderFactory headers() {
        return headers;
    }

    public AddressFactory addresses() {
        return addresses;
    }

    public SipStackSettings settings() {
        return settings;
    }

    public String bindAddress() {
        return settings.bindAddress();
    }

    /** The listening point for "UDP", "TCP" or "TLS" (any case), if that transport is enabled. */
    public Optional<ListeningPoint> listeningPoint(String transport) {
        return listeningPoints.stream()
                .filter(lp -> lp.getTransport().equalsIgnoreCase(transport))
                .findFirst();
    }

    /**
     * New UDP work is refused by {@code refusal} before the parse while the workers' queue has a
     * standing backlog ({@link EarlyRefusal}); null stops it.
     *
     * @return how many UDP listening points it applies to (0 when UDP is off)
     */
    public int refuseEarly(EarlyRefusal refusal) {
        return stack instanceof gov.nist.javax.sip.stack.SIPTransactionStack s
                ? gov.nist.javax.sip.stack.ReusingBufferUdpMessageProcessor.refuseEarly(s, refusal)
                : 0;
    }

    /** The bound UDP port, or -1 if UDP is disabled. */
    public int udpPort() {
        return port(ListeningPoint.UDP);
    }

    /** The bound TCP port, or -1 if TCP is disabled. */
    public int tcpPort() {
        return port(ListeningPoint.TCP);
    }

    /** The bound TLS port, or -1 if TLS is not configured. */
    public int tlsPort() {
        return port(ListeningPoint.TLS);
    }

    private int port(String transport) {
        return listeningPoint(transport).map(ListeningPoint::getPort).orElse(-1);
    }

    private String describeListeningPoints() {
        StringBuilder b = new StringBuilder();
        for (ListeningPoint lp : listeningPoints) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(lp.getTransport().toLowerCase(Locale.ROOT))
                    .append(' ')
                    .append(lp.getIPAddress())
                    .append(':')
                    .append(lp.getPort());
        }
        return b.toString();
    }

    /**
     * Stops delivering events, closes the listening points and stops the stack (the RI waits about
     * a second inside {@code stop()}). Idempotent. The provider is not deleted separately: the RI
     * stops the whole stack when its last provider is deleted, and would then be stopped twice.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        provider.removeSipListener(listener);
        for (ListeningPoint lp : listeningPoints) {
            try {
                provider.removeListeningPoint(lp);
                stack.deleteListeningPoint(lp);
            } catch (ObjectInUseException e) {
                LOG.warn(
                        "SIP stack {}: could not remove listening point {}: {}",
                        settings.stackName(),
                        lp,
                        e.getMessage());
            }
        }
        stack.stop();
        LOG.info("SIP stack {} stopped", settings.stackName());
    }
}

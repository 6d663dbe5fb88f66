package io.switchboard.sip.routing;

import gov.nist.javax.sip.message.SIPMessage;
import io.switchboard.sip.flow.FlowTokens;
import io.switchboard.sip.flow.FlowTuple;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sip.address.SipURI;
import javax.sip.header.CallIdHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.Request;

/**
 * Who this node is on the SIP side: the address and ports it listens on, the domains it serves,
 * and the flow tokens it can read. Decides whether a Route or Request-URI points at us, and builds
 * the URIs we put in Record-Route (signed for their dialog, {@link RecordRouteSigner}) and in
 * Routes towards other nodes.
 *
 * <p>With a pool name ({@code switchboard.sip.pool-fqdn}), the Record-Routes we insert without a
 * flow token and the Contact of our presence dialogs name the pool instead of this node, and every
 * node takes that name as its own: an RFC 3263 client resolves it to all nodes (SRV, or one A/AAAA
 * record per node) and, when the node it used stops answering or answers 503, sends the in-dialog
 * request to the next one (RFC 3263 section 4.3); any node verifies our signature (the pool secret)
 * and routes the request on (RFC 3261 section 16.12.1.1). A node that drains and leaves (a rolling
 * restart) so takes no dialog with it.
 */
public final class ProxyIdentity {

    private final String nodeId;
    private final String address;
    private final Map<String, Integer> ports;
    private final Set<String> domains;
    private final FlowTokens tokens;
    private final RecordRouteSigner signer;
    private final String poolName;

    /**
     * @param address the address clients and other nodes reach this node at (its SIP bind address)
     * @param ports   listening port per lower-case transport ("udp", "tcp", "tls")
     * @param signer  signs our Record-Routes for their dialog, with the pool secret
     */
    public ProxyIdentity(
            String nodeId,
            String address,
            Map<String, Integer> ports,
            Set<String> domains,
            FlowTokens tokens,
            RecordRouteSigner signer) {
        this(nodeId, address, ports, domains, tokens, signer, "");
    }

    /**
     * @param poolName a DNS name resolving to every node of the pool, put in our Record-Routes and
     *                 presence Contacts instead of this node's address; empty: this node's address
     */
    public ProxyIdentity(
            String nodeId,
            String address,
            Map<String, Integer> ports,
            Set<String> domains,
            FlowTokens tokens,
            RecordRouteSigner signer,
            String poolName) {
        this.poolName = poolName.toLowerCase(Locale.ROOT);
        this.nodeId = nodeId;
        this.address = address.toLowerCase(Locale.ROOT);
        this.ports = Map.copyOf(ports);
        this.domains = Set.copyOf(domains);
        this.tokens = tokens;
        this.signer = signer;
    }

    public String nodeId() {
        return nodeId;
    }

    public String address() {
        return address;
    }

    public boolean servesDomain(String host) {
        return host != null && domains.contains(host.toLowerCase(Locale.ROOT));
    }

    /** Port we listen on for {@code transport}, falling back to UDP's. */
    public int port(String transport) {
        Integer p = ports.get(transport.toLowerCase(Locale.ROOT));
        return p != null
                ? p
                : ports.getOrDefault("udp", ports.values().iterator().next());
    }

    /** The pool name ({@code switchboard.sip.pool-fqdn}), or empty. */
    public String poolName() {
        return poolName;
    }

    /**
     * True when {@code uri} names this node: our address and one of our ports (RFC 3261 section
     * 16.4), or one of our domains or the pool name without a user part (a client's outbound proxy
     * setting such as {@code sip:example.test;lr}, a Record-Route naming the pool).
     */
    public boolean isOurs(SipURI uri) {
        String host = uri.getHost();
        if (host == null) {
            return false;
        }
        host = host.toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.equals(address)) {
            int port = uri.getPort();
            if (port <= 0) {
                port = uri.isSecure() || "tls".equalsIgnoreCase(uri.getTransportParam()) ? 5061 : 5060;
            }
            return ports.containsValue(port);
        }
        return (uri.getUser() == null || uri.getUser().isEmpty()) && (domains.contains(host) || host.equals(poolName));
    }

    /**
     * True when a Via's sent-by is ours: our address and our port for its transport. Other nodes
     * may share the address (several nodes on one machine), so the port decides.
     */
    public boolean isOwnSentBy(String host, int port, String transport) {
        if (host == null || !host.equalsIgnoreCase(address)) {
            return false;
        }
        String t = transport == null ? "udp" : transport.toLowerCase(Locale.ROOT);
        return port(t) == (port > 0 ? port : ("tls".equals(t) ? 5061 : 5060));
    }

    /**
     * Our Record-Route URI for one side of a request:
     * {@code sip:[token@]address:port;transport=t;lr;sbsig=signature}, or with a pool name and no
     * flow token {@code sip:pool-name;transport=t;lr;sbsig=signature}. A flow token names a
     * connection that only this node holds (RFC 5626 section 5.3), so its Record-Route keeps
     * naming this node. The pool name has no port: a client finds the nodes by SRV for it or by its
     * A/AAAA records at the transport's default port (RFC 3263 section 4.2).
     *
     * @param signature {@link #dialogSignature} of the request being record-routed
     */
    public String recordRouteUri(String transport, String token, String signature) {
        String t = transport.toLowerCase(Locale.ROOT);
        String sig = ";lr;" + RecordRouteSigner.PARAMETER + "=" + signature;
        if (token.isEmpty() && !poolName.isEmpty()) {
            return "sip:" + poolName + ";transport=" + t + sig;
        }
        return "sip:" + (token.isEmpty() ? "" : token + "@") + hostPort(t) + ";transport=" + t + sig;
    }

    /**
     * The Contact of a dialog the pool itself serves (presence subscriptions, their NOTIFYs), for
     * {@code transport}: the pool name when there is one (any node serves the dialog's later
     * requests: its state is stored), else this node's {@code address:port}.
     */
    public String contactUri(String transport) {
        String t = transport.toLowerCase(Locale.ROOT);
        return "sip:" + (poolName.isEmpty() ? hostPort(t) : poolName) + ";transport=" + t;
    }

    private String hostPort(String transport) {
        String host = address.indexOf(':') >= 0 ? "[" + address + "]" : address;
        return host + ":" + port(transport);
    }

    /** The signature our Record-Routes carry for the dialog {@code request} creates (its Call-ID and From tag). */
    public String dialogSignature(Request request) {
        CallIdHeader callId = (CallIdHeader) request.getHeader(CallIdHeader.NAME);
        FromHeader from = (FromHeader) request.getHeader(FromHeader.NAME);
        return signer.sign(callId == null ? "" : callId.getCallId(), from == null ? null : from.getTag());
    }

    /**
     * True when {@code route} (a Route naming this node) carries a signature this pool made for the
     * dialog of {@code request}: a Record-Route we inserted when the dialog was created, on any node.
     */
    public boolean isSignedForDialog(SipURI route, Request request) {
        CallIdHeader callId = (CallIdHeader) request.getHeader(CallIdHeader.NAME);
        FromHeader from = (FromHeader) request.getHeader(FromHeader.NAME);
        ToHeader to = (ToHeader) request.getHeader(ToHeader.NAME);
        return callId != null
                && signer.verifies(
                        route.getParameter(RecordRouteSigner.PARAMETER),
                        callId.getCallId(),
                        from == null ? null : from.getTag(),
                        to == null ? null : to.getTag());
    }

    /** The flow named by a token, when this pool made it (any node). */
    public Optional<FlowTuple> flow(String token) {
        return tokens.decode(token);
    }

    /** The token of the connection {@code request} arrived on, or "" for UDP. */
    public String arrivalToken(Request request) {
        SIPMessage m = (SIPMessage) request;
        String transport = arrivalTransport(request);
        if ("udp".equals(transport) || m.getRemoteAddress() == null || m.getLocalAddress() == null) {
            return "";
        }
        return tokens.encode(new FlowTuple(
                nodeId,
                transport,
                m.getLocalAddress().getHostAddress(),
                m.getLocalPort(),
                m.getRemoteAddress().getHostAddress(),
                m.getRemotePort()));
    }

    /** True when {@code request} arrived on {@code flow} (same connection end points). */
    public static boolean arrivedOn(Request request, FlowTuple flow) {
        SIPMessage m = (SIPMessage) request;
        return m.getRemoteAddress() != null
                && flow.transport().equalsIgnoreCase(arrivalTransport(request))
                && flow.remoteAddress().equals(m.getRemoteAddress().getHostAddress())
                && flow.remotePort() == m.getRemotePort();
    }

    /** Transport of the connection the request came in on (the top Via says what the sender used). */
    public static String arrivalTransport(Request request) {
        javax.sip.header.ViaHeader via =
                (javax.sip.header.ViaHeader) request.getHeader(javax.sip.header.ViaHeader.NAME);
        return via == null ? "udp" : via.getTransport().toLowerCase(Locale.ROOT);
    }
}

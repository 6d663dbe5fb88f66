package io.switchboard.sip.flow;

import io.switchboard.sip.crypto.Hmac;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Flow tokens (RFC 5626 section 5.2): a {@link Flow} packed into a short string that this pool
 * puts in the user part of its Path (RFC 3327) or Record-Route URI, e.g.
 * {@code <sip:TOKEN@node-1.pool.example.com;transport=tcp;lr;ob>}, and gets back on requests
 * routed to the client. Any node can read it and forward the request to the node holding the
 * connection; nobody else can make or alter one, because it is HMAC-signed with the pool secret
 * (RFC 5626 section 5.2: the token must not be forgeable, or a client could have us send
 * requests into someone else's connection).
 *
 * <p>Layout before base64url (no padding; only characters valid unescaped in a SIP user part):
 * {@code version(1) | nodeId(len+utf8) | transport(code, or 0+len+ascii) | local address | local port(2)
 * | remote address | remote port(2) | HMAC-SHA256(secret, label | all before)[0..16)}, where an
 * address is {@code 4}+4 bytes (IPv4), {@code 6}+16 bytes (IPv6 in Java's canonical text form)
 * or {@code 0}+len+utf8 (anything else, e.g. a host name). A typical IPv4 TCP token is about
 * 55 characters.
 *
 * <p>Thread-safe and stateless. Tokens do not expire: a token outlives its connection only until
 * the binding expires, and a request to a dead flow gets 430 Flow Failed (RFC 5626 section 5.3).
 */
public final class FlowTokens {
    private static final String PURPOSE = "switchboard flow token v1";
    private static final int VERSION = 1;
    private static final int MAC_BYTES = 16;
    private static final int MAX_TOKEN_CHARS = 1024;
    private static final Map<String, Integer> TRANSPORT_CODES =
            Map.of("UDP", 1, "TCP", 2, "TLS", 3, "SCTP", 4, "WS", 5, "WSS", 6);
    private static final String[] TRANSPORT_NAMES = {null, "UDP", "TCP", "TLS", "SCTP", "WS", "WSS"};
    private static final Pattern IPV4 =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-fA-F:.]+");

    private final Hmac hmac;

    /** @param secret the pool secret (at least 16 bytes), the same on every node */
    public FlowTokens(byte[] secret) {
        this.hmac = new Hmac(secret, PURPOSE);
    }

    public String encode(FlowTuple f) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        out.write(VERSION);
        writeString(out, f.nodeId());
        Integer code = TRANSPORT_CODES.get(f.transport());
        if (code != null) {
            out.write(code);
        } else {
            out.write(0);
            writeString(out, f.transport());
        }
        writeAddress(out, f.localAddress());
        writePort(out, f.localPort());
        writeAddress(out, f.remoteAddress());
        writePort(out, f.remotePort());
        byte[] payload = out.toByteArray();
        byte[] mac = hmac.truncatedMac(MAC_BYTES, payload);
        byte[] token = ByteBuffer.allocate(payload.length + MAC_BYTES)
                .put(payload)
                .put(mac)
                .array();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(token);
    }

    /** The flow in {@code token}, or empty if it was not made by this pool, altered or malformed. */
    public Optional<FlowTuple> decode(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
            return Optional.empty();
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        // base64 leaves unused bits in the last character: accept only the one canonical spelling
        if (raw.length <= MAC_BYTES
                || !Base64.getUrlEncoder().withoutPadding().encodeToString(raw).equals(token)) {
            return Optional.empty();
        }
        int payloadLength = raw.length - MAC_BYTES;
        ByteBuffer payload = ByteBuffer.wrap(raw, 0, payloadLength);
        byte[] mac = new byte[MAC_BYTES];
        System.arraycopy(raw, payloadLength, mac, 0, MAC_BYTES);
        byte[] payloadBytes = new byte[payloadLength];
        System.arraycopy(raw, 0, payloadBytes, 0, payloadLength);
        if (!Hmac.constantTimeEquals(mac, hmac.truncatedMac(MAC_BYTES, payloadBytes))) {
            return Optional.empty();
        }
        // authentic from here on: a parse failure means a token of a newer version or a bug
        try {
            if (payload.get() != VERSION) {
                return Optional.empty();
            }
            String nodeId = readString(payload);
            int code = payload.get() & 0xff;
            String transport;
            if (code == 0) {
                transport = readString(payload);
            } else if (code < TRANSPORT_NAMES.length) {
                transport = TRANSPORT_NAMES[code];
            } else {
                return Optional.empty();
            }
            Optional<String> local = readAddress(payload);
            int localPort = payload.getShort() & 0xffff;
            Optional<String> remote = readAddress(payload);
            int remotePort = payload.getShort() & 0xffff;
            if (payload.hasRemaining() || local.isEmpty() || remote.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new FlowTuple(nodeId, transport, local.get(), localPort, remote.get(), remotePort));
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b.length); // FlowTuple guarantees 1..255 bytes
        out.writeBytes(b);
    }

    private static String readString(ByteBuffer in) {
        int len = in.get() & 0xff;
        byte[] b = new byte[len];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void writePort(ByteArrayOutputStream out, int port) {
        out.write(port >>> 8);
        out.write(port & 0xff);
    }

    private static void writeAddress(ByteArrayOutputStream out, String address) {
        byte[] ip = literal(address);
        if (ip != null) {
            out.write(ip.length == 4 ? 4 : 6);
            out.writeBytes(ip);
        } else {
            out.write(0);
            writeString(out, address);
        }
    }

    private static Optional<String> readAddress(ByteBuffer in) {
        int type = in.get() & 0xff;
        if (type == 0) {
            return Optional.of(readString(in));
        }
        if (type != 4 && type != 6) {
            return Optional.empty();
        }
        byte[] ip = new byte[type == 4 ? 4 : 16];
        in.get(ip);
        try {
            return Optional.of(InetAddress.getByAddress(ip).getHostAddress());
        } catch (UnknownHostException e) {
            return Optional.empty(); // only thrown for a wrong length, excluded above
        }
    }

    /**
     * The bytes of an IP literal whose canonical text is exactly {@code address} (so decoding gives
     * the same string back), else null. Never resolves names: only strings that are literals reach
     * InetAddress.
     */
    private static byte[] literal(String address) {
        try {
            if (IPV4.matcher(address).matches()) {
                return InetAddress.getByName(address).getAddress();
            }
            if (address.indexOf(':') >= 0 && IPV6_CHARS.matcher(address).matches()) {
                InetAddress a = InetAddress.getByName(address);
                return a.getHostAddress().equals(address) ? a.getAddress() : null;
            }
        } catch (UnknownHostException e) {
            return null; // looked like a literal but is not one: keep it as text
        }
        return null;
    }
}

package io.switchboard.sip.auth;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.sip.header.AuthorizationHeader;

/**
 * The parameters of a Digest {@code Authorization} or {@code Proxy-Authorization} header
 * (RFC 3261 section 22.4, RFC 7616 section 3.4), validated far enough that {@link DigestVerifier}
 * can compute with them: all required fields present, an algorithm we offer, well-formed
 * {@code nc}. Whether the credentials are right is not decided here.
 *
 * <p>{@code qop}, {@code nc}, {@code cnonce} and {@code opaque} are null when absent;
 * {@code algorithm} is MD5 when absent (RFC 7616 section 3.4.2).
 */
public record DigestResponse(
        String username,
        String realm,
        String nonce,
        String uri,
        String response,
        DigestAlgorithm algorithm,
        String qop,
        String nc,
        String cnonce,
        String opaque) {

    private static final Pattern NC = Pattern.compile("[0-9a-fA-F]{8}");
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]+");

    /** Outcome of parsing: either a usable response or the reason it is not one. */
    public sealed interface Parsed permits Parsed.Ok, Parsed.Invalid {
        /** The parsed response, or empty when invalid. */
        Optional<DigestResponse> response();

        record Ok(DigestResponse value) implements Parsed {
            @Override
            public Optional<DigestResponse> response() {
                return Optional.of(value);
            }
        }

        /** {@code reason} is short English fit for a log line, e.g. "Authorization lacks nonce". */
        record Invalid(String reason) implements Parsed {
            @Override
            public Optional<DigestResponse> response() {
                return Optional.empty();
            }
        }
    }

    /**
     * Reads a JAIN-SIP Authorization header; a {@code ProxyAuthorizationHeader} is one too.
     * Values come from the header's parameters, which the RI stores without the surrounding quotes
     * but with quoted-pairs still escaped ({@code a\"b}); they are unescaped here, because the hash
     * input is the plain value (RFC 7616 section 3.4).
     */
    public static Parsed from(AuthorizationHeader header) {
        if (header == null) {
            return new Parsed.Invalid("no credentials");
        }
        Map<String, String> params = new HashMap<>();
        for (Iterator<?> it = header.getParameterNames(); it.hasNext(); ) {
            String name = String.valueOf(it.next());
            String value = header.getParameter(name);
            if (value != null) {
                params.put(name.toLowerCase(Locale.ROOT), unescape(value));
            }
        }
        return validate(header.getName(), header.getScheme(), params);
    }

    /** Parses a raw header value such as {@code Digest username="bob", realm="...", ...}. */
    public static Parsed parse(String headerValue) {
        return parse(AuthorizationHeader.NAME, headerValue);
    }

    /** As {@link #parse(String)}, naming {@code headerName} in reasons. */
    public static Parsed parse(String headerName, String headerValue) {
        String scheme = AuthParams.scheme(headerValue);
        if (!scheme.equalsIgnoreCase("Digest")) {
            // other schemes have other syntax (Basic carries base64): do not parse their parameters
            return new Parsed.Invalid(headerName + " scheme " + scheme + " is not Digest");
        }
        try {
            AuthParams p = AuthParams.parse(headerValue);
            return validate(headerName, p.scheme, p.params);
        } catch (AuthParams.SyntaxException e) {
            return new Parsed.Invalid(headerName + " is malformed: " + e.getMessage());
        }
    }

    /** The nonce count as a number (RFC 7616 section 3.4: 8 hex digits), or -1 when absent. */
    public long nonceCount() {
        return nc == null ? -1 : Long.parseLong(nc, 16);
    }

    private static String unescape(String value) {
        if (value.indexOf('\\') < 0) {
            return value;
        }
        StringBuilder b = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                c = value.charAt(++i);
            }
            b.append(c);
        }
        return b.toString();
    }

    private static Parsed validate(String header, String scheme, Map<String, String> p) {
        if (scheme == null || !scheme.equalsIgnoreCase("Digest")) {
            return new Parsed.Invalid(header + " scheme " + scheme + " is not Digest");
        }
        if (!p.containsKey("username") && p.containsKey("username*")) {
            // RFC 7616 section 3.4.4: only sent when we offer charset=UTF-8, which we do not
            return new Parsed.Invalid(header + " uses username*, which is not supported");
        }
        for (String required : new String[] {"username", "realm", "nonce", "uri", "response"}) {
            if (p.get(required) == null) {
                return new Parsed.Invalid(header + " lacks " + required);
            }
        }
        if ("true".equalsIgnoreCase(p.get("userhash"))) {
            // RFC 7616 section 3.4.4: we never offer userhash=true
            return new Parsed.Invalid(header + " uses userhash, which is not supported");
        }
        String algorithmToken = p.get("algorithm");
        Optional<DigestAlgorithm> algorithm = DigestAlgorithm.fromToken(algorithmToken);
        if (algorithm.isEmpty()) {
            return new Parsed.Invalid("unsupported algorithm " + algorithmToken);
        }
        String response = p.get("response");
        if (!HEX.matcher(response).matches()) {
            return new Parsed.Invalid(header + " response is not hex");
        }
        String qop = p.get("qop");
        String nc = p.get("nc");
        String cnonce = p.get("cnonce");
        if (qop != null) {
            qop = qop.toLowerCase(Locale.ROOT);
            // RFC 7616 section 3.4: with qop, cnonce and nc MUST be sent
            if (nc == null) {
                return new Parsed.Invalid(header + " with qop lacks nc");
            }
            if (cnonce == null) {
                return new Parsed.Invalid(header + " with qop lacks cnonce");
            }
        }
        if (nc != null && !NC.matcher(nc).matches()) {
            return new Parsed.Invalid(header + " nc is not 8 hex digits");
        }
        return new Parsed.Ok(new DigestResponse(
                p.get("username"),
                p.get("realm"),
                p.get("nonce"),
                p.get("uri"),
                response.toLowerCase(Locale.ROOT),
                algorithm.get(),
                qop,
                nc,
                cnonce,
                p.get("opaque")));
    }
}

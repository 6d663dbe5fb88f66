package io.switchboard.registrar.sip;

import io.switchboard.registrar.domain.ContactSpec;
import io.switchboard.registrar.domain.RegisterRequest;
import io.switchboard.sip.flow.Flow;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Locale;
import java.util.OptionalLong;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.ContactHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.header.Header;
import javax.sip.header.SupportedHeader;
import javax.sip.header.UserAgentHeader;
import javax.sip.message.Request;

/**
 * Turns a JAIN-SIP REGISTER into a {@link RegisterRequest}, or says in one phrase what is wrong
 * with it (the phrase becomes the reason of a 400, RFC 3261 section 21.4.1).
 */
public final class RegisterParser {

    /** The outcome: exactly one of {@code request} and {@code error} is set. */
    public record Parsed(RegisterRequest request, String error) {
        static Parsed ok(RegisterRequest r) {
            return new Parsed(r, null);
        }

        static Parsed bad(String error) {
            return new Parsed(null, error);
        }

        public boolean isOk() {
            return request != null;
        }
    }

    private RegisterParser() {}

    /** The canonical AOR of a To or From URI: {@code sip:user@domain}, domain lower case, no parameters. */
    public static String aorOf(URI uri) {
        if (!(uri instanceof SipURI sip)
                || sip.getUser() == null
                || sip.getUser().isEmpty()
                || sip.getHost() == null) {
            return null;
        }
        return "sip:" + sip.getUser() + "@" + sip.getHost().toLowerCase(Locale.ROOT);
    }

    /** Headers the registrar relies on; the RI sets aside a garbled one instead of failing (sip/README.md). */
    private static final java.util.Map<String, String> NEEDED = java.util.Map.of(
            "contact",
            "Contact",
            "m",
            "Contact",
            "expires",
            "Expires",
            "path",
            "Path",
            "supported",
            "Supported",
            "k",
            "Supported",
            "require",
            "Require");

    public static Parsed parse(Request request, Flow flow) {
        String garbled = garbledHeader(request);
        if (garbled != null) {
            // A REGISTER whose Contact could not be parsed must not be mistaken for a fetch.
            return Parsed.bad("Malformed " + garbled + " header");
        }
        String aor = aorOf(((javax.sip.header.ToHeader) request.getHeader("To"))
                .getAddress()
                .getURI());
        if (aor == null) {
            return Parsed.bad("To must be a sip: URI with a user part");
        }
        String callId = ((javax.sip.header.CallIdHeader) request.getHeader("Call-ID")).getCallId();
        long cseq = ((javax.sip.header.CSeqHeader) request.getHeader("CSeq")).getSeqNumber();

        OptionalLong expiresHeader = OptionalLong.empty();
        ExpiresHeader expires = (ExpiresHeader) request.getHeader(ExpiresHeader.NAME);
        if (expires != null) {
            if (expires.getExpires() < 0) {
                return Parsed.bad("Expires must be a non-negative number");
            }
            expiresHeader = OptionalLong.of(expires.getExpires());
        }

        boolean wildcard = false;
        List<ContactSpec> contacts = new ArrayList<>();
        ListIterator<Header> it = request.getHeaders(ContactHeader.NAME);
        while (it.hasNext()) {
            ContactHeader c = (ContactHeader) it.next();
            if (c.isWildCard() || (c.getAddress() != null && c.getAddress().isWildcard())) {
                wildcard = true;
                continue;
            }
            ContactSpec spec;
            try {
                spec = contact(c);
            } catch (IllegalArgumentException e) {
                return Parsed.bad(e.getMessage());
            }
            contacts.add(spec);
        }

        List<String> path = new ArrayList<>();
        ListIterator<Header> paths = request.getHeaders("Path");
        while (paths.hasNext()) {
            path.add(headerValue(paths.next()));
        }
        UserAgentHeader ua = (UserAgentHeader) request.getHeader(UserAgentHeader.NAME);
        String userAgent = ua == null ? "" : headerValue(ua);
        return Parsed.ok(new RegisterRequest(
                aor,
                callId,
                cseq,
                wildcard,
                contacts,
                expiresHeader,
                path,
                supports(request, "outbound"),
                flow,
                userAgent));
    }

    private static String garbledHeader(Request request) {
        if (!(request instanceof gov.nist.javax.sip.message.SIPMessage m)) {
            return null;
        }
        ListIterator<String> it = m.getUnrecognizedHeaders();
        while (it != null && it.hasNext()) {
            String line = it.next();
            int colon = line.indexOf(':');
            String name = (colon < 0 ? line : line.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
            if (NEEDED.containsKey(name)) {
                return NEEDED.get(name);
            }
        }
        return null;
    }

    private static ContactSpec contact(ContactHeader c) {
        if (c.getAddress() == null || c.getAddress().getURI() == null) {
            throw new IllegalArgumentException("Contact without a URI");
        }
        String uri = c.getAddress().getURI().toString();
        OptionalLong expires = OptionalLong.empty();
        String expiresParam = c.getParameter("expires");
        if (expiresParam != null) {
            try {
                long e = Long.parseLong(expiresParam.trim());
                if (e < 0) {
                    throw new NumberFormatException();
                }
                expires = OptionalLong.of(e);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Contact expires must be a non-negative number");
            }
        }
        int q = 1000;
        String qParam = c.getParameter("q");
        if (qParam != null) {
            q = parseQ(qParam.trim());
        }
        String instance = c.getParameter("+sip.instance");
        if (instance != null) {
            instance = unquote(instance);
            if (instance.isEmpty()) {
                throw new IllegalArgumentException("Empty +sip.instance");
            }
        }
        int regId = 0;
        String regIdParam = c.getParameter("reg-id");
        if (regIdParam != null) {
            try {
                regId = Integer.parseInt(regIdParam.trim());
            } catch (NumberFormatException e) {
                regId = -1;
            }
            // RFC 5626 section 4.2: reg-id = 1*DIGIT, and 0 is not a valid value
            if (regId < 1) {
                throw new IllegalArgumentException("reg-id must be a positive number");
            }
        }
        return new ContactSpec(uri, expires, q, instance, regId);
    }

    /** qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), RFC 3261 section 25.1. */
    static int parseQ(String q) {
        if (!q.matches("0(\\.\\d{0,3})?|1(\\.0{0,3})?")) {
            throw new IllegalArgumentException("Contact q must be a qvalue between 0 and 1");
        }
        int dot = q.indexOf('.');
        int whole = q.charAt(0) - '0';
        String frac = dot < 0 ? "" : q.substring(dot + 1);
        int millis = frac.isEmpty() ? 0 : Integer.parseInt((frac + "00").substring(0, 3));
        return whole * 1000 + millis;
    }

    static boolean supports(Request request, String option) {
        ListIterator<Header> it = request.getHeaders(SupportedHeader.NAME);
        while (it != null && it.hasNext()) {
            Header h = it.next();
            String tags = h instanceof SupportedHeader s ? s.getOptionTag() : headerValue(h);
            if (tags == null) {
                continue;
            }
            for (String t : tags.split(",")) {
                if (t.trim().equalsIgnoreCase(option)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String unquote(String s) {
        String t = s.trim();
        if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
            return t.substring(1, t.length() - 1);
        }
        return t;
    }

    static String headerValue(Header h) {
        String s = h.toString();
        int colon = s.indexOf(':');
        return (colon >= 0 ? s.substring(colon + 1) : s).trim();
    }
}

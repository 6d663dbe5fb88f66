package io.switchboard.node.sip;

import javax.sip.address.SipURI;

/** Small readings of URIs and header values that the front end and the GRUU resolver share. */
final class UriParts {

    private UriParts() {}

    /**
     * Whether {@code uri} carries parameter {@code name} (any case), also without a value: the RI's
     * {@code getParameter} answers null for a bare {@code ;gr}, the form of a temporary GRUU
     * (RFC 5627 section 3.2).
     */
    static boolean hasParameter(SipURI uri, String name) {
        for (var it = uri.getParameterNames(); it.hasNext(); ) {
            if (name.equalsIgnoreCase((String) it.next())) {
                return true;
            }
        }
        return false;
    }

    /** {@code <x>} as {@code x}; anything else unchanged (a {@code +sip.instance} value, RFC 5626 section 4.1). */
    static String stripBrackets(String s) {
        return s != null && s.startsWith("<") && s.endsWith(">") ? s.substring(1, s.length() - 1) : s;
    }
}

package io.switchboard.presence.domain;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which URIs of a resource list are our users (issue 10: the presence server serves only its own
 * users' presence; it is not a list server for the world). A URI is ours when, read as
 * {@code sip:user@domain} (a {@code sips:} or {@code pres:} scheme counts as the same user, RFC
 * 3856 section 4; no port, parameters or escapes, as {@link ContactListRules#canonicalUri}), its
 * domain is one of the pool's. Anything else is answered in the list's NOTIFYs as an instance
 * {@code state="terminated" reason="rejected"} (RFC 4662 section 5.2) and never reaches a
 * presentity: no entity starts and no row is written for it.
 */
public final class PresenceResources {

    /** The RFC 6665 reason given for a list entry that is not one of our users. */
    public static final String NOT_OURS = "rejected";

    private PresenceResources() {}

    /** The canonical {@code sip:user@domain} of {@code uri} when it is one of our users, else null. */
    public static String ours(String uri, Set<String> domains) {
        if (uri == null) {
            return null;
        }
        String u = uri.strip();
        String lower = u.toLowerCase(Locale.ROOT);
        if (lower.startsWith("sips:")) {
            u = "sip:" + u.substring(5);
        } else if (lower.startsWith("pres:")) {
            u = "sip:" + u.substring(5);
        }
        Checked<String> c = ContactListRules.canonicalUri("uri", u);
        if (!(c instanceof Checked.Ok<String> ok)) {
            return null;
        }
        String canonical = ok.value();
        String domain = canonical.substring(canonical.lastIndexOf('@') + 1);
        return domains.contains(domain) ? canonical : null;
    }

    /** True when {@code resource} is already the canonical form of one of our users. */
    public static boolean isOurs(String resource, Set<String> domains) {
        return resource != null && resource.equals(ours(resource, domains));
    }

    /**
     * The entries of a list with ours in canonical form (so one user is one presentity however
     * the list spells them) and the others as written, each once, in order.
     */
    public static List<String> canonical(List<String> uris, Set<String> domains) {
        Set<String> out = new LinkedHashSet<>();
        for (String u : uris) {
            String mine = ours(u, domains);
            out.add(mine != null ? mine : u);
        }
        return new ArrayList<>(out);
    }
}

package io.switchboard.presence.domain;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a contact list may hold (limits as in Lync / Skype for Business):
 * <ul>
 *   <li>a contact URI is {@code sip:user@domain}: no parameters, headers, port or escapes, so one
 *       contact has one spelling (it is a row key). The domain is lower-cased (RFC 3261 section
 *       19.1.4: hosts compare without case); the user part keeps its case (it does not);</li>
 *   <li>at most {@value #MAX_CONTACTS} contacts and {@value #MAX_GROUPS} distinct groups per list;</li>
 *   <li>a group name has 1 to {@value #MAX_GROUP_NAME} characters, a display name at most
 *       {@value #MAX_DISPLAY_NAME}, neither with control characters; surrounding blanks are dropped;</li>
 *   <li>nobody is their own contact (a resource list that contains its owner would make the
 *       owner's own SUBSCRIBE watch itself, RFC 4662 section 4.1).</li>
 * </ul>
 * Adding a URI that is already on the list replaces that contact (name and groups), in place.
 */
public final class ContactListRules {

    public static final int MAX_CONTACTS = 1000;
    public static final int MAX_GROUPS = 64;
    public static final int MAX_GROUP_NAME = 64;
    public static final int MAX_DISPLAY_NAME = 256;
    static final int MAX_USER = 128;
    static final int MAX_DOMAIN = 253;

    /** RFC 3261 unreserved and user-unreserved, less the delimiters ; ? / and the escape %. */
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9\\-_.!~*'()&=+$,]+");

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private ContactListRules() {}

    /** {@code uri} as a canonical {@code sip:user@domain}; reasons start with {@code field}. */
    public static Checked<String> canonicalUri(String field, String uri) {
        if (uri == null || uri.isBlank()) {
            return Checked.invalid(field + " is missing: give sip:user@domain");
        }
        String u = uri.strip();
        if (!u.regionMatches(true, 0, "sip:", 0, 4)) {
            return Checked.invalid(field + " \"" + u + "\" must be sip:user@domain");
        }
        String rest = u.substring(4);
        int at = rest.indexOf('@');
        if (at < 0) {
            return Checked.invalid(field + " \"" + u + "\" has no user part: give sip:user@domain");
        }
        String user = rest.substring(0, at);
        String host = rest.substring(at + 1);
        if (host.indexOf(';') >= 0 || host.indexOf('?') >= 0) {
            return Checked.invalid(field + " \"" + u + "\" must have no parameters or headers (;... ?...)");
        }
        if (host.indexOf(':') >= 0) {
            return Checked.invalid(field + " \"" + u + "\" must have no port");
        }
        if (user.isEmpty() || user.length() > MAX_USER || !USER.matcher(user).matches()) {
            return Checked.invalid(field + " \"" + u + "\" has an invalid user part (1-" + MAX_USER
                    + " characters: letters, digits and -_.!~*'()&=+$,)");
        }
        return canonicalDomain(field, host, u).flatMap(domain -> Checked.ok("sip:" + user + "@" + domain));
    }

    /** {@code domain} lower-cased when it is a host name; reasons start with {@code field}. */
    public static Checked<String> canonicalDomain(String field, String domain) {
        return canonicalDomain(field, domain == null ? "" : domain.strip(), domain);
    }

    private static Checked<String> canonicalDomain(String field, String host, String shown) {
        String d = host.toLowerCase(Locale.ROOT);
        boolean ok = !d.isEmpty() && d.length() <= MAX_DOMAIN;
        if (ok) {
            String[] labels = d.split("\\.", -1);
            for (String label : labels) {
                ok &= LABEL.matcher(label).matches();
            }
            // the last label starts with a letter: this also tells a host name from an IPv4 address
            ok &= ok && Character.isLetter(labels[labels.length - 1].charAt(0));
        }
        return ok
                ? Checked.ok(d)
                : Checked.invalid(field + " \"" + shown + "\" has no valid domain (a host name such as example.com)");
    }

    /**
     * {@code contact} checked on its own and made canonical (URI, trimmed name and group names,
     * duplicate groups dropped): every reason, not only the first.
     */
    public static Checked<Contact> checkContact(String owner, Contact contact) {
        List<String> reasons = new ArrayList<>();
        Checked<String> uri = canonicalUri("uri", contact.uri());
        String canonical = null;
        if (uri instanceof Checked.Invalid<String> bad) {
            reasons.addAll(bad.reasons());
        } else {
            canonical = ((Checked.Ok<String>) uri).value();
            if (canonical.equals(canonicalOwner(owner))) {
                reasons.add("uri " + canonical + " is the owner of the list: nobody is their own contact");
            }
        }
        String name = contact.displayName().strip();
        if (name.length() > MAX_DISPLAY_NAME) {
            reasons.add("name is longer than " + MAX_DISPLAY_NAME + " characters (" + name.length() + ")");
        } else if (hasControl(name)) {
            reasons.add("name must not contain control characters");
        }
        Set<String> groups = new LinkedHashSet<>();
        for (int i = 0; i < contact.groups().size(); i++) {
            String g = contact.groups().get(i) == null
                    ? ""
                    : contact.groups().get(i).strip();
            if (g.isEmpty() || g.length() > MAX_GROUP_NAME) {
                reasons.add(
                        "groups[" + i + "] must have 1 to " + MAX_GROUP_NAME + " characters (got " + g.length() + ")");
            } else if (hasControl(g)) {
                reasons.add("groups[" + i + "] must not contain control characters");
            } else {
                groups.add(g);
            }
        }
        if (groups.size() > MAX_GROUPS) {
            reasons.add("groups: at most " + MAX_GROUPS + " groups (got " + groups.size() + ")");
        }
        return reasons.isEmpty()
                ? Checked.ok(new Contact(canonical, name, List.copyOf(groups)))
                : new Checked.Invalid<>(reasons);
    }

    /** {@code current} with {@code contact} added, or replacing the contact with its URI. */
    public static Checked<ContactList> add(ContactList current, Contact contact) {
        return checkContact(current.owner(), contact).flatMap(c -> {
            ContactList next = current.with(c);
            if (next.contacts().size() > MAX_CONTACTS) {
                return Checked.invalid("uri " + c.uri() + " cannot be added: a contact list holds at most "
                        + MAX_CONTACTS + " contacts");
            }
            if (next.groups().size() > MAX_GROUPS) {
                return Checked.invalid("groups: a contact list has at most " + MAX_GROUPS
                        + " groups; remove one or use an existing group");
            }
            return Checked.ok(next);
        });
    }

    /** {@code current} without {@code uri}; removing a contact that is not there changes nothing. */
    public static Checked<ContactList> remove(ContactList current, String uri) {
        return canonicalUri("uri", uri).flatMap(u -> Checked.ok(current.without(u)));
    }

    /** The owner as a contact URI would spell it (owners are canonical AORs already; this is defensive). */
    private static String canonicalOwner(String owner) {
        Checked<String> c = canonicalUri("owner", owner);
        return c instanceof Checked.Ok<String> ok ? ok.value() : owner;
    }

    private static boolean hasControl(String s) {
        return s.chars().anyMatch(ch -> Character.isISOControl(ch));
    }
}

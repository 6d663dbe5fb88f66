package io.switchboard.conference.domain;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The RFC 4575 conference-info documents the focus sends its subscribers ({@code
 * application/conference-info+xml}): the full state, and partial ones naming what changed between
 * two rosters. Pure; every text and attribute that came from a user (subject, URIs) is escaped.
 *
 * <p>What the documents say:
 *
 * <ul>
 *   <li>{@code version} (section 4.6) is the subscription's own counter, given by the caller: 1 for
 *       the first document in a subscription, one more for each further one. A partial document
 *       describes the change from the roster the subscriber last got to the current one, so several
 *       roster versions between two notifications make one document (coalescing), never a gap.</li>
 *   <li>{@code conference-description} (section 5.3): the subject, the participant limit as {@code
 *       maximum-user-count} and the media the mixer offers ({@code audio}); only in full documents
 *       (the definition never changes).</li>
 *   <li>{@code conference-state} (section 5.4): {@code user-count} (users with a connected
 *       endpoint), {@code active} (any connected endpoint), {@code locked}; in a partial document
 *       only when one of them changed.</li>
 *   <li>{@code users} (sections 5.6, 5.7): one {@code user} per user URI, its legs as {@code
 *       endpoint}s with {@code status} {@code connected}, {@code pending} (the lobby) or {@code
 *       dialing-out} (called by the focus on a REFER, not answered yet); {@code
 *       roles} {@code presenter} or {@code attendee}. A user whose legs changed is sent whole
 *       ({@code state="full"}), a leg that left as an endpoint {@code disconnected}.</li>
 *   <li>Entities: a user's is its URI; an anonymous caller's is {@code
 *       sip:anonymous-<n>@anonymous.invalid} (RFC 3323 section 4.1.1.3), never the address it
 *       claimed, which nobody vouched for. An endpoint's is {@code urn:uuid:} of a name-based UUID
 *       of the leg id, stable for the leg without showing its Call-ID to other participants.</li>
 * </ul>
 */
public final class ConferenceInfo {

    public static final String CONTENT_TYPE = "application/conference-info+xml";
    public static final String NAMESPACE = "urn:ietf:params:xml:ns:conference-info";

    private ConferenceInfo() {}

    /** The full state of {@code roster} (section 4.4 {@code state="full"}). */
    public static String full(Conference c, Roster roster, long version) {
        StringBuilder b = head(c, "full", version);
        b.append("  <conference-description>\n");
        b.append("    <subject>").append(escape(c.subject())).append("</subject>\n");
        b.append("    <maximum-user-count>").append(c.participantLimit()).append("</maximum-user-count>\n");
        b.append("    <available-media>\n");
        b.append("      <entry label=\"audio\"><type>audio</type><status>sendrecv</status></entry>\n");
        b.append("    </available-media>\n");
        b.append("  </conference-description>\n");
        state(b, roster);
        Map<String, List<Participant>> users = byUser(roster);
        if (users.isEmpty()) {
            b.append("  <users/>\n");
        } else {
            b.append("  <users>\n");
            users.forEach((entity, legs) -> user(b, entity, legs, List.of()));
            b.append("  </users>\n");
        }
        return b.append("</conference-info>\n").toString();
    }

    /**
     * What changed from {@code before} (the roster the subscriber last got) to {@code after}
     * (section 4.4 {@code state="partial"}); empty when nothing a subscriber sees changed.
     */
    public static Optional<String> partial(Conference c, Roster before, Roster after, long version) {
        StringBuilder body = new StringBuilder();
        if (!conferenceState(before).equals(conferenceState(after))) {
            state(body, after);
        }
        Map<String, List<Participant>> was = byUser(before);
        Map<String, List<Participant>> now = byUser(after);
        List<String> changed = new ArrayList<>();
        now.forEach((entity, legs) -> {
            if (!legs.equals(was.get(entity))) {
                changed.add(entity);
            }
        });
        was.keySet().stream().filter(e -> !now.containsKey(e)).forEach(changed::add);
        if (!changed.isEmpty()) {
            body.append("  <users>\n");
            for (String entity : changed) {
                List<Participant> current = now.getOrDefault(entity, List.of());
                List<Participant> gone = was.getOrDefault(entity, List.of()).stream()
                        .filter(p -> !after.participants().containsKey(p.legId()))
                        .toList();
                user(body, entity, current, gone);
            }
            body.append("  </users>\n");
        }
        if (body.length() == 0) {
            return Optional.empty();
        }
        return Optional.of(head(c, "partial", version)
                .append(body)
                .append("</conference-info>\n")
                .toString());
    }

    // ------------------------------------------------------------------ parts

    private static StringBuilder head(Conference c, String state, long version) {
        if (version < 1) {
            throw new IllegalArgumentException("conference-info versions start at 1: " + version);
        }
        return new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<conference-info xmlns=\"")
                .append(NAMESPACE)
                .append("\" entity=\"")
                .append(escape(c.uri()))
                .append("\" state=\"")
                .append(state)
                .append("\" version=\"")
                .append(version)
                .append("\">\n");
    }

    private record State(long users, boolean active, boolean locked) {}

    private static State conferenceState(Roster r) {
        long users = r.participants().values().stream()
                .filter(Participant::connected)
                .map(ConferenceInfo::userEntity)
                .distinct()
                .count();
        return new State(users, r.connected() > 0, r.locked());
    }

    private static void state(StringBuilder b, Roster r) {
        State s = conferenceState(r);
        b.append("  <conference-state>\n");
        b.append("    <user-count>").append(s.users()).append("</user-count>\n");
        b.append("    <active>").append(s.active()).append("</active>\n");
        b.append("    <locked>").append(s.locked()).append("</locked>\n");
        b.append("  </conference-state>\n");
    }

    /** The legs by user entity, users in the order of their first leg. */
    private static Map<String, List<Participant>> byUser(Roster r) {
        Map<String, List<Participant>> users = new LinkedHashMap<>();
        for (Participant p : r.participants().values()) {
            users.computeIfAbsent(userEntity(p), e -> new ArrayList<>()).add(p);
        }
        return users;
    }

    /** One user, whole: its current legs, then the legs that left as {@code disconnected}. */
    private static void user(StringBuilder b, String entity, List<Participant> legs, List<Participant> gone) {
        Participant any = legs.isEmpty() ? gone.get(0) : legs.get(0);
        b.append("    <user entity=\"").append(escape(entity)).append("\" state=\"full\">\n");
        b.append("      <display-text>").append(escape(displayText(any))).append("</display-text>\n");
        // section 5.6.2: the user's roles; a promotion holds for all of a user's legs (RosterRules)
        boolean presenter = legs.stream().anyMatch(p -> p.role() == Role.PRESENTER)
                || (legs.isEmpty() && any.role() == Role.PRESENTER);
        b.append("      <roles><entry>")
                .append(presenter ? "presenter" : "attendee")
                .append("</entry></roles>\n");
        for (Participant p : legs) {
            endpoint(b, p, statusOf(p));
        }
        for (Participant p : gone) {
            endpoint(b, p, "disconnected");
        }
        b.append("    </user>\n");
    }

    /** RFC 4575 section 5.7.2's endpoint status of a current leg. */
    static String statusOf(Participant p) {
        return switch (p.status()) {
            case CONNECTED -> "connected";
            case PENDING -> "pending";
            case DIALING_OUT -> "dialing-out";
        };
    }

    private static void endpoint(StringBuilder b, Participant p, String status) {
        b.append("      <endpoint entity=\"").append(endpointEntity(p.legId())).append("\" state=\"full\">\n");
        b.append("        <status>").append(status).append("</status>\n");
        if (status.equals("connected")) {
            b.append("        <joining-method>dialed-in</joining-method>\n");
            b.append("        <joining-info><when>").append(p.since()).append("</when></joining-info>\n");
        }
        b.append("      </endpoint>\n");
    }

    /** The user's entity: its URI, or for an anonymous caller one of its own under anonymous.invalid. */
    public static String userEntity(Participant p) {
        if (p.kind() == JoinerKind.ANONYMOUS) {
            String n = endpointEntity(p.legId()).substring("urn:uuid:".length(), "urn:uuid:".length() + 8);
            return "sip:anonymous-" + n + "@anonymous.invalid";
        }
        return p.uri();
    }

    /** A leg's endpoint entity: stable for the leg, its Call-ID not shown. */
    public static String endpointEntity(String legId) {
        return "urn:uuid:"
                + UUID.nameUUIDFromBytes(Objects.requireNonNull(legId).getBytes(StandardCharsets.UTF_8));
    }

    /** The user part of the URI (there is no stored display name); "Anonymous" for anonymous callers. */
    static String displayText(Participant p) {
        if (p.kind() == JoinerKind.ANONYMOUS) {
            return "Anonymous";
        }
        String uri = p.uri();
        int colon = uri.indexOf(':');
        int at = uri.lastIndexOf('@');
        return colon >= 0 && at > colon ? uri.substring(colon + 1, at) : uri;
    }

    /**
     * XML 1.0 text and attribute values: the five markup characters as entities, and characters
     * XML 1.0 does not allow at all (controls other than tab, line feed and carriage return,
     * lone surrogates, U+FFFE/U+FFFF) left out, so a user's subject can never break the document.
     */
    public static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> {
                    if (Character.isHighSurrogate(ch)
                            && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1))) {
                        b.append(ch).append(s.charAt(++i));
                    } else if (allowed(ch)) {
                        b.append(ch);
                    }
                }
            }
        }
        return b.toString();
    }

    private static boolean allowed(char ch) {
        if (ch < 0x20) {
            return ch == '\t' || ch == '\n' || ch == '\r';
        }
        return !Character.isSurrogate(ch) && ch != 0xFFFE && ch != 0xFFFF;
    }
}

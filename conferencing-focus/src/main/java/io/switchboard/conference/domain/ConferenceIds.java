package io.switchboard.conference.domain;

import java.util.Optional;
import java.util.Random;
import java.util.regex.Pattern;

/**
 * The two names of a conference. Its id is the user part of its URI and must be unguessable,
 * since in an {@code open} conference the URI is all a stranger needs: 20 characters of RFC 4648
 * base32 (lower case, so it survives case-insensitive handling of user parts by some clients), 100
 * random bits. Its numeric id is what a desk phone dials: 7 digits, no leading zero, unique only
 * among the pool's live conferences (which the store's claim ensures), guessable by design and
 * therefore never the only thing that admits anyone to a non-open conference.
 */
public final class ConferenceIds {

    /** User parts of conference URIs start with this, so routing can tell them from users. */
    public static final String USER_PREFIX = "conf-";

    public static final int ID_LENGTH = 20;
    public static final int NUMERIC_LENGTH = 7;

    private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
    private static final Pattern ID = Pattern.compile("[a-z2-7]{" + ID_LENGTH + "}");
    private static final Pattern NUMERIC = Pattern.compile("[1-9][0-9]{" + (NUMERIC_LENGTH - 1) + "}");

    private ConferenceIds() {}

    /** A new id from {@code random}, which in production is a {@code SecureRandom}. */
    public static String newId(Random random) {
        StringBuilder id = new StringBuilder(ID_LENGTH);
        for (int i = 0; i < ID_LENGTH; i++) {
            id.append(BASE32.charAt(random.nextInt(32)));
        }
        return id.toString();
    }

    public static String newNumericId(Random random) {
        return (1 + random.nextInt(9)) + String.format("%06d", random.nextInt(1_000_000));
    }

    public static boolean validId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    public static boolean validNumericId(String numeric) {
        return numeric != null && NUMERIC.matcher(numeric).matches();
    }

    /** The conference URI for {@code id} in {@code domain}: {@code sip:conf-<id>@<domain>}. */
    public static String uri(String id, String domain) {
        return "sip:" + USER_PREFIX + id + "@" + domain;
    }

    /**
     * The conference id a SIP URI names, if its user part is one: {@code sip:} or {@code sips:},
     * parameters and headers ignored (RFC 3261 section 19.1.1). The domain is the caller's to check.
     */
    public static Optional<String> idOf(String uri) {
        if (uri == null) {
            return Optional.empty();
        }
        String rest;
        if (uri.regionMatches(true, 0, "sip:", 0, 4)) {
            rest = uri.substring(4);
        } else if (uri.regionMatches(true, 0, "sips:", 0, 5)) {
            rest = uri.substring(5);
        } else {
            return Optional.empty();
        }
        int at = rest.indexOf('@');
        if (at < 0) {
            return Optional.empty();
        }
        String user = rest.substring(0, at);
        if (!user.regionMatches(true, 0, USER_PREFIX, 0, USER_PREFIX.length())) {
            return Optional.empty();
        }
        String id = user.substring(USER_PREFIX.length());
        return validId(id) ? Optional.of(id) : Optional.empty();
    }
}

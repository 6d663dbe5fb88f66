package io.switchboard.park.domain;

import java.time.Duration;
import java.util.Collection;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rules for orbit ranges (pure; the admin API and the store ask it). A rejected range names the
 * rule it broke ({@link OrbitRule}). Each check is its own step, in a fixed order, so that a range
 * breaking several rules is always answered with the first.
 */
public final class OrbitRules {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** Two orbit-like words around one dash; spaces around the dash are allowed ({@code 900 - 950}). */
    private static final Pattern RANGE = Pattern.compile("\\s*([*#]?[0-9]+)\\s*-\\s*([*#]?[0-9]+)\\s*");

    private OrbitRules() {}

    /** A range to add, as the operator gave it. */
    public record Request(String name, String range, RangeOverrides overrides) {}

    /**
     * Checks {@code request} by itself, then against the ranges that exist and the numbers users
     * already have.
     */
    public static OrbitDecision validate(
            Request request, Collection<OrbitRange> existing, Collection<UserNumber> userNumbers) {
        OrbitDecision own = validate(request);
        if (own instanceof OrbitDecision.Rejected) {
            return own;
        }
        OrbitRange range = ((OrbitDecision.Accepted) own).range();
        return conflicts(range, existing, userNumbers).orElse(own);
    }

    /** The rules a range keeps by itself (400 when broken). */
    public static OrbitDecision validate(Request request) {
        String name = request.name() == null ? "" : request.name();
        if (!NAME.matcher(name).matches()) {
            return reject(
                    OrbitRule.NAME, "name must be 1 to 64 letters, digits, '.', '-' or '_', was \"" + name + "\"");
        }
        String text = request.range() == null ? "" : request.range();
        Matcher m = RANGE.matcher(text);
        if (!m.matches()) {
            return reject(
                    OrbitRule.SYNTAX,
                    "range must be START-END, each 1 to 9 digits optionally after * or #, e.g. #900-#950; was \"" + text
                            + "\"");
        }
        String startText = m.group(1);
        String endText = m.group(2);
        for (String o : new String[] {startText, endText}) {
            if (Orbit.parse(o).isEmpty()) {
                return reject(
                        OrbitRule.SYNTAX,
                        "orbit " + o + " has more than " + Orbit.MAX_DIGITS + " digits (range \"" + text + "\")");
            }
        }
        Orbit start = Orbit.parse(startText).orElseThrow();
        Orbit end = Orbit.parse(endText).orElseThrow();
        if (!start.prefix().equals(end.prefix())) {
            return reject(
                    OrbitRule.SAME_PREFIX,
                    "start " + start + " and end " + end + " must begin with the same prefix (none, * or #)");
        }
        if (start.length() != end.length()) {
            return reject(
                    OrbitRule.SAME_LENGTH,
                    "start " + start + " has " + start.length() + " digits and end " + end + " has " + end.length()
                            + ": they must have the same number");
        }
        if (start.value() > end.value()) {
            return reject(OrbitRule.START_NOT_AFTER_END, "start " + start + " is greater than end " + end);
        }
        long size = end.value() - start.value() + 1;
        if (size > OrbitRange.MAX_ORBITS) {
            return reject(
                    OrbitRule.MAX_SIZE,
                    "range " + start + "-" + end + " holds " + size + " orbits, at most " + OrbitRange.MAX_ORBITS
                            + " are allowed");
        }
        Optional<String> bad = settings(request.overrides());
        if (bad.isPresent()) {
            return reject(OrbitRule.SETTING, bad.get());
        }
        return new OrbitDecision.Accepted(new OrbitRange(name, start, end, request.overrides()));
    }

    /** Why {@code range} cannot join {@code existing} and the users' numbers (409), or empty. */
    public static Optional<OrbitDecision> conflicts(
            OrbitRange range, Collection<OrbitRange> existing, Collection<UserNumber> userNumbers) {
        for (OrbitRange other : existing) {
            if (other.name().equals(range.name())) {
                return Optional.of(reject(
                        OrbitRule.UNIQUE_NAME,
                        "a range named " + other.name() + " exists already (" + other.text() + "); remove it first"));
            }
        }
        for (OrbitRange other : existing) {
            Optional<Orbit> shared = range.firstSharedWith(other);
            if (shared.isPresent()) {
                return Optional.of(reject(
                        OrbitRule.NO_OVERLAP,
                        "range " + range.text() + " overlaps range " + other.name() + " (" + other.text()
                                + ") at orbit " + shared.get()));
            }
        }
        for (UserNumber u : userNumbers) {
            Optional<String> hit = userConflict(range, u);
            if (hit.isPresent()) {
                return Optional.of(reject(OrbitRule.NO_USER_NUMBER, hit.get()));
            }
        }
        return Optional.empty();
    }

    /**
     * Whether a user is reachable by dialing one of the range's orbits: their user part is the
     * orbit as dialed ({@code sip:905@example.test}), or their E.164 phone number is the orbit's
     * digits after the {@code +} ({@code +905}). Orbits with a {@code *} or {@code #} prefix can
     * only meet user parts, never E.164 numbers.
     */
    static Optional<String> userConflict(OrbitRange range, UserNumber u) {
        Optional<Orbit> asUser = Orbit.parse(u.user());
        if (asUser.isPresent() && range.contains(asUser.get())) {
            return Optional.of(
                    "orbit " + asUser.get() + " of range " + range.text() + " is the user part of " + u.aor());
        }
        if (u.phone() != null && u.phone().startsWith("+")) {
            Optional<Orbit> asPhone = Orbit.parse(u.phone().substring(1));
            if (asPhone.isPresent() && range.contains(asPhone.get())) {
                return Optional.of("orbit " + asPhone.get() + " of range " + range.text() + " is the phone number "
                        + u.phone() + " of " + u.aor());
            }
        }
        return Optional.empty();
    }

    /**
     * Why user {@code u} cannot be added while {@code ranges} hold one of their numbers (the same
     * rule as a range added over users, the other way round: a 409 naming the rule), or empty.
     */
    public static Optional<String> userConflict(UserNumber u, Collection<OrbitRange> ranges) {
        for (OrbitRange range : ranges) {
            Optional<String> hit = userConflict(range, u);
            if (hit.isPresent()) {
                return Optional.of(
                        hit.get() + " (range " + range.name() + "; rule " + OrbitRule.NO_USER_NUMBER.token() + ")");
            }
        }
        return Optional.empty();
    }

    /** The first range that holds {@code orbit}, exactly as dialed. */
    public static Optional<OrbitRange> rangeOf(Orbit orbit, Collection<OrbitRange> ranges) {
        return ranges.stream().filter(r -> r.contains(orbit)).findFirst();
    }

    private static Optional<String> settings(RangeOverrides o) {
        if (o.pickupTimeout().isPresent()) {
            Duration d = o.pickupTimeout().get();
            Optional<String> e = ParkSettings.checkTimeout(d);
            if (e.isPresent()) {
                return Optional.of("pickupTimeout " + e.get());
            }
        }
        if (o.maxPickupAttempts().isPresent()) {
            Optional<String> e =
                    ParkSettings.checkAttempts(o.maxPickupAttempts().get());
            if (e.isPresent()) {
                return Optional.of("maxPickupAttempts " + e.get());
            }
        }
        if (o.onTimeoutUri().isPresent()) {
            Optional<String> e = ParkSettings.checkUri(o.onTimeoutUri().get());
            if (e.isPresent()) {
                return Optional.of("onTimeoutUri " + e.get());
            }
        }
        return Optional.empty();
    }

    private static OrbitDecision.Rejected reject(OrbitRule rule, String message) {
        return new OrbitDecision.Rejected(rule, message + " (rule " + rule.token() + ")");
    }
}

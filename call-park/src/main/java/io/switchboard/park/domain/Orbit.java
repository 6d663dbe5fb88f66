package io.switchboard.park.domain;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An orbit number as users dial it: 1 to 9 digits, optionally after one {@code *} or {@code #}
 * ({@code 905}, {@code *905}, {@code #905}). Orbits compare as dialed: {@code 905}, {@code 0905}
 * and {@code #905} are three different orbits, and no dial-plan normalization applies.
 *
 * @param prefix "", "*" or "#"
 * @param digits 1 to 9 ASCII digits, leading zeros kept
 */
public record Orbit(String prefix, String digits) implements Comparable<Orbit> {

    /** Most digits an orbit may have (so every orbit fits a {@code long} and a phone keypad). */
    public static final int MAX_DIGITS = 9;

    private static final Pattern SYNTAX = Pattern.compile("([*#]?)([0-9]+)");

    public Orbit {
        if (!prefix.isEmpty() && !prefix.equals("*") && !prefix.equals("#")) {
            throw new IllegalArgumentException("orbit prefix must be empty, * or #, was " + prefix);
        }
        if (digits.isEmpty() || digits.length() > MAX_DIGITS || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("orbit digits must be 1 to " + MAX_DIGITS + " digits, was " + digits);
        }
    }

    /** The orbit written {@code text} ({@code #905}), or empty when it is not one. */
    public static Optional<Orbit> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        java.util.regex.Matcher m = SYNTAX.matcher(text);
        if (!m.matches() || m.group(2).length() > MAX_DIGITS) {
            return Optional.empty();
        }
        return Optional.of(new Orbit(m.group(1), m.group(2)));
    }

    /** The number the digits spell (leading zeros do not count here; {@link #length} keeps them apart). */
    public long value() {
        return Long.parseLong(digits);
    }

    /** Number of digits, the prefix not counted. */
    public int length() {
        return digits.length();
    }

    /** The orbit {@code offset} places after this one, with the same prefix and length. */
    public Orbit plus(long offset) {
        String next = Long.toString(value() + offset);
        if (next.length() > length()) {
            throw new IllegalArgumentException(this + " + " + offset + " does not fit " + length() + " digits");
        }
        return new Orbit(prefix, "0".repeat(length() - next.length()) + next);
    }

    /** Same prefix and same number of digits: only such orbits can lie in one range. */
    public boolean sameShape(Orbit other) {
        return prefix.equals(other.prefix) && length() == other.length();
    }

    @Override
    public int compareTo(Orbit o) {
        int c = prefix.compareTo(o.prefix);
        if (c != 0) {
            return c;
        }
        c = Integer.compare(length(), o.length());
        return c != 0 ? c : Long.compare(value(), o.value());
    }

    @Override
    public String toString() {
        return prefix + digits;
    }
}

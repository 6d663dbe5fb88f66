package io.switchboard.park.domain;

import java.util.Optional;

/**
 * A named range of orbits, {@code start} to {@code end} inclusive, both of the same shape (prefix
 * and number of digits; {@link OrbitRules#validate} makes sure), with its own overrides of the
 * pool's park settings.
 */
public record OrbitRange(String name, Orbit start, Orbit end, RangeOverrides overrides) {

    /** Most orbits in one range (the Skype for Business limit). */
    public static final int MAX_ORBITS = 10_000;

    public OrbitRange {
        if (!start.sameShape(end) || start.value() > end.value()) {
            throw new IllegalArgumentException("not a range: " + start + "-" + end);
        }
    }

    /** Number of orbits in the range. */
    public int size() {
        return (int) (end.value() - start.value() + 1);
    }

    /** The {@code index}-th orbit, 0 is {@link #start}. */
    public Orbit orbitAt(int index) {
        if (index < 0 || index >= size()) {
            throw new IndexOutOfBoundsException(index + " not in 0.." + (size() - 1));
        }
        return start.plus(index);
    }

    /** Whether {@code orbit}, exactly as dialed, is one of this range's. */
    public boolean contains(Orbit orbit) {
        return start.sameShape(orbit) && orbit.value() >= start.value() && orbit.value() <= end.value();
    }

    /** Some orbit both ranges contain, or empty. */
    public Optional<Orbit> firstSharedWith(OrbitRange other) {
        if (!start.sameShape(other.start)) {
            return Optional.empty();
        }
        long from = Math.max(start.value(), other.start.value());
        long to = Math.min(end.value(), other.end.value());
        return from <= to ? Optional.of(start.plus(from - start.value())) : Optional.empty();
    }

    /** The range as operators write it: {@code #900-#950}. */
    public String text() {
        return start + "-" + end;
    }
}

package io.switchboard.presence.domain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A policy's custom states, with the Skype for Business limits: at most {@value #MAX_STATES}, ids 1 to
 * {@value #MAX_STATES} without duplicates, a non-blank text of at most {@value #MAX_TEXT}
 * characters (counted as Unicode code points, so an emoji is one character) without control
 * characters (the text goes into NOTIFY bodies and one-line client labels), each mapped onto
 * Available, Busy or Do Not Disturb. Only {@link #of} builds one, so every instance is valid.
 * Held in id order.
 */
public final class CustomStates {

    public static final int MAX_STATES = 4;
    public static final int MAX_TEXT = 64;

    /** No custom states: every {@code <sb:custom-state>} is unknown. */
    public static final CustomStates NONE = new CustomStates(List.of());

    private static final Set<Availability> MAPPABLE =
            EnumSet.of(Availability.AVAILABLE, Availability.BUSY, Availability.DO_NOT_DISTURB);

    /** The answer of {@link #of}: the states, or why they were refused. */
    public sealed interface Validated {
        /** All entries are valid. */
        record Ok(CustomStates states) implements Validated {}

        /** The first problem found, naming the entry, e.g. "custom state 3: text longer than 64 characters". */
        record Invalid(String reason) implements Validated {}
    }

    private final List<CustomState> states;

    private CustomStates(List<CustomState> states) {
        this.states = states;
    }

    /** Checks {@code states} (any order); the first problem found is the answer. */
    public static Validated of(List<CustomState> states) {
        if (states == null) {
            return new Validated.Invalid("custom states missing");
        }
        if (states.size() > MAX_STATES) {
            return new Validated.Invalid("at most " + MAX_STATES + " custom states, got " + states.size());
        }
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < states.size(); i++) {
            CustomState s = states.get(i);
            if (s == null) {
                return new Validated.Invalid("custom state entry " + (i + 1) + " is empty");
            }
            String problem = problemOf(s);
            if (problem == null && !seen.add(s.id())) {
                problem = "duplicate id";
            }
            if (problem != null) {
                return new Validated.Invalid("custom state " + s.id() + ": " + problem);
            }
        }
        List<CustomState> sorted = new ArrayList<>(states);
        sorted.sort(Comparator.comparingInt(CustomState::id));
        return new Validated.Ok(new CustomStates(List.copyOf(sorted)));
    }

    private static String problemOf(CustomState s) {
        if (s.id() < 1 || s.id() > MAX_STATES) {
            return "ids must be 1 to " + MAX_STATES;
        }
        String text = s.text();
        if (text == null || text.isBlank()) {
            return "text is empty";
        }
        int length = text.codePointCount(0, text.length());
        if (length > MAX_TEXT) {
            return "text longer than " + MAX_TEXT + " characters (" + length + ")";
        }
        if (text.codePoints().anyMatch(Character::isISOControl)) {
            return "text contains control characters";
        }
        if (s.availability() == null) {
            return "no availability; map it onto available, busy or do-not-disturb";
        }
        if (!MAPPABLE.contains(s.availability())) {
            return "cannot be mapped onto " + s.availability().token() + "; only available, busy or do-not-disturb";
        }
        return null;
    }

    /** The state with this id, if the policy has one. */
    public Optional<CustomState> byId(int id) {
        return states.stream().filter(s -> s.id() == id).findFirst();
    }

    /** All states, in id order. */
    public List<CustomState> all() {
        return states;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CustomStates other && states.equals(other.states);
    }

    @Override
    public int hashCode() {
        return states.hashCode();
    }

    @Override
    public String toString() {
        return "CustomStates" + states;
    }
}

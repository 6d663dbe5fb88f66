package io.switchboard.addressbook.numbers;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One normalization rule: a Java regular expression that must match the whole cleaned number, and a
 * translation that builds the result from literal digits, '+' and the pattern's groups ({@code $1} to
 * {@code $9}, {@code ${n}} for any group, {@code $0} for the whole number). Made only through {@link #parse},
 * which checks both halves, so a rule that exists can always be applied.
 *
 * <p>{@code position} says where the rule came from (its line in a rules file, or its place in a list) so
 * that a result can name the rule that produced it.
 */
public final class NumberRule {

    private final int position;
    private final String pattern;
    private final String translation;
    private final Pattern compiled;
    private final List<Object> parts;

    private NumberRule(int position, String pattern, String translation, Pattern compiled, List<Object> parts) {
        this.position = position;
        this.pattern = pattern;
        this.translation = translation;
        this.compiled = compiled;
        this.parts = parts;
    }

    /** A rule, or what is wrong with it. */
    public sealed interface Parsed {}

    public record Valid(NumberRule rule) implements Parsed {}

    public record Invalid(String problem) implements Parsed {}

    public static Parsed parse(int position, String pattern, String translation) {
        if (pattern == null || pattern.isEmpty()) {
            return new Invalid("empty pattern");
        }
        if (translation == null || translation.isEmpty()) {
            return new Invalid("empty translation");
        }
        Pattern compiled;
        try {
            compiled = Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            return new Invalid("bad pattern: " + e.getDescription()
                    + (e.getIndex() >= 0 ? " at character " + (e.getIndex() + 1) : ""));
        }
        int groups = compiled.matcher("").groupCount();
        List<Object> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < translation.length()) {
            char c = translation.charAt(i);
            if (c == '$') {
                int group;
                int next;
                if (i + 1 < translation.length() && Character.isDigit(translation.charAt(i + 1))) {
                    group = translation.charAt(i + 1) - '0';
                    next = i + 2;
                } else if (i + 1 < translation.length() && translation.charAt(i + 1) == '{') {
                    int close = translation.indexOf('}', i + 2);
                    String number = close < 0 ? "" : translation.substring(i + 2, close);
                    if (number.isEmpty()
                            || number.length() > 3
                            || !number.chars().allMatch(Character::isDigit)) {
                        return new Invalid("bad translation: '${' at character " + (i + 1)
                                + " must be followed by a group number and '}'");
                    }
                    group = Integer.parseInt(number);
                    next = close + 1;
                } else {
                    return new Invalid("bad translation: '$' at character " + (i + 1)
                            + " must be followed by a group number ($1 or ${12})");
                }
                if (group > groups) {
                    return new Invalid("bad translation: $" + group + " refers to group " + group
                            + " but the pattern has " + groups + (groups == 1 ? " group" : " groups"));
                }
                if (literal.length() > 0) {
                    parts.add(literal.toString());
                    literal.setLength(0);
                }
                parts.add(group);
                i = next;
            } else if ((c >= '0' && c <= '9') || c == '+') {
                literal.append(c);
                i++;
            } else {
                return new Invalid("bad translation: unexpected '" + c + "' at character " + (i + 1)
                        + " (a translation holds digits, '+' and group references)");
            }
        }
        if (literal.length() > 0) {
            parts.add(literal.toString());
        }
        return new Valid(new NumberRule(position, pattern, translation, compiled, List.copyOf(parts)));
    }

    /** For rules written in code: the rule, or IllegalArgumentException with the problem. */
    public static NumberRule of(int position, String pattern, String translation) {
        Parsed parsed = parse(position, pattern, translation);
        if (parsed instanceof Invalid invalid) {
            throw new IllegalArgumentException(invalid.problem());
        }
        return ((Valid) parsed).rule();
    }

    /** The translated number when the pattern matches the whole of {@code digits}; empty otherwise. */
    public Optional<String> apply(String digits) {
        Matcher m = compiled.matcher(digits);
        if (!m.matches()) {
            return Optional.empty();
        }
        StringBuilder out = new StringBuilder();
        for (Object part : parts) {
            if (part instanceof Integer group) {
                String value = m.group(group);
                // an optional group that did not take part in the match contributes nothing
                out.append(value == null ? "" : value);
            } else {
                out.append((String) part);
            }
        }
        return Optional.of(out.toString());
    }

    public int position() {
        return position;
    }

    public String pattern() {
        return pattern;
    }

    public String translation() {
        return translation;
    }

    @Override
    public String toString() {
        return pattern + " -> " + translation;
    }
}

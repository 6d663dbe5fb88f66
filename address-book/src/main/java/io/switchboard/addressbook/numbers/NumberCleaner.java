package io.switchboard.addressbook.numbers;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a number as people type it into {@link CleanedNumber} form, before any rule sees it, so that rules are
 * written against digits only: "+31 (0)20-123.45.67 x 89" becomes "+31201234567" with extension "89".
 *
 * <p>In order: a {@code tel:} prefix is dropped; an extension at the end is split off ({@code ;ext=89} as in
 * RFC 3966 section 5.1.5, {@code x89}, {@code ext89}, {@code ext. 89}); in an international number the
 * trunk prefix written "(0)" after the country code is dropped (it is dialled only from inside the country);
 * spaces (also no-break spaces), dashes, dots, slashes and parentheses are removed. What is left must be
 * digits with an optional leading '+'; anything else (letters, a second '+') is {@link Problem}.
 */
public final class NumberCleaner {

    private static final Pattern EXTENSION =
            Pattern.compile("(?:;\\s*ext\\s*=\\s*|\\s*(?:ext\\.?|x)\\s*)([0-9]{1,10})\\s*$", Pattern.CASE_INSENSITIVE);
    private static final Pattern TRUNK_ZERO = Pattern.compile("\\(\\s*0\\s*\\)");
    private static final Pattern SEPARATORS = Pattern.compile("[\\s\\u00A0\\-./()]");
    private static final Pattern CLEAN = Pattern.compile("\\+?[0-9]+");

    private NumberCleaner() {}

    /** Either a {@link CleanedNumber} or the reason there is none. */
    public sealed interface Result {}

    public record Clean(CleanedNumber number) implements Result {}

    public record Problem(Normalization.Reason reason, String detail) implements Result {}

    public static Result clean(String raw) {
        if (raw == null || raw.isBlank()) {
            return new Problem(Normalization.Reason.EMPTY, "no number");
        }
        String text = raw.strip();
        if (text.regionMatches(true, 0, "tel:", 0, 4)) {
            text = text.substring(4);
        }
        String extension = "";
        Matcher ext = EXTENSION.matcher(text);
        if (ext.find() && ext.start() > 0) {
            extension = ext.group(1);
            text = text.substring(0, ext.start());
        }
        if (text.startsWith("+")) {
            text = TRUNK_ZERO.matcher(text).replaceFirst("");
        }
        String digits = SEPARATORS.matcher(text).replaceAll("");
        if (digits.isEmpty()) {
            return new Problem(Normalization.Reason.EMPTY, "no digits");
        }
        if (!CLEAN.matcher(digits).matches()) {
            return new Problem(Normalization.Reason.INVALID_CHARACTERS, "unexpected '" + firstBad(digits) + "'");
        }
        return new Clean(new CleanedNumber(digits, extension));
    }

    private static String firstBad(String digits) {
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (!(c >= '0' && c <= '9') && !(c == '+' && i == 0)) {
                return String.valueOf(c);
            }
        }
        return "";
    }
}

package io.switchboard.addressbook.numbers;

/**
 * What normalizing one number gave: an E.164 number (by a rule, or because the cleaned number already was
 * one) or the reason there is none. A value, not an exception, so that callers list failures rather than
 * lose them.
 */
public sealed interface Normalization {

    /** The number as it was given. */
    String input();

    enum Reason {
        /** Nothing but white space or separators. */
        EMPTY,
        /** Letters or other characters that are neither digits nor separators. */
        INVALID_CHARACTERS,
        /** No rule matched and the cleaned number is not E.164 by itself. */
        NO_RULE_MATCHED,
        /** The first matching rule produced something that is not E.164. */
        NOT_E164
    }

    /**
     * {@code rule} is the first rule that matched, or null when none matched and the cleaned number was
     * already E.164 (then it is taken as it is).
     */
    record Normalized(String input, String e164, String extension, NumberRule rule) implements Normalization {

        public boolean byRule() {
            return rule != null;
        }

        /** The RFC 3966 form with the extension, as shown to people and dialled: {@code +31201234567;ext=89}. */
        public String withExtension() {
            return extension.isEmpty() ? e164 : e164 + ";ext=" + extension;
        }
    }

    /**
     * {@code cleaned} is the number after cleaning (empty when cleaning failed); {@code rule} and
     * {@code produced} are set for {@link Reason#NOT_E164} only.
     */
    record NotNormalized(String input, Reason reason, String detail, String cleaned, NumberRule rule, String produced)
            implements Normalization {}

    /** One line for a report or the CLI. */
    default String describe() {
        if (this instanceof Normalized n) {
            return n.withExtension()
                    + (n.byRule()
                            ? " (rule at " + n.rule().position() + ": " + n.rule() + ")"
                            : " (already E.164, no rule matched)");
        }
        NotNormalized n = (NotNormalized) this;
        return switch (n.reason()) {
            case EMPTY, INVALID_CHARACTERS -> "not a number: " + n.detail();
            case NO_RULE_MATCHED -> "no rule matched " + n.cleaned() + " and it is not E.164";
            case NOT_E164 ->
                "rule at " + n.rule().position() + " (" + n.rule() + ") gave " + n.produced() + ", which is not E.164";
        };
    }
}

package io.switchboard.addressbook.numbers;

import java.util.List;
import java.util.Optional;

/**
 * An ordered list of {@link NumberRule}s: a number is cleaned ({@link NumberCleaner}), then the first rule
 * whose pattern matches the whole cleaned number translates it, and the result must be E.164. When no rule
 * matches, a cleaned number that is already E.164 is kept as it is; anything else is {@link
 * Normalization.NotNormalized}. Holds no knowledge of where numbers come from, so address book and dial plans
 * can share it.
 */
public record NumberRules(List<NumberRule> rules) {

    public static final NumberRules NONE = new NumberRules(List.of());

    public NumberRules {
        rules = List.copyOf(rules);
    }

    public Normalization normalize(String raw) {
        String input = raw == null ? "" : raw;
        NumberCleaner.Result cleaning = NumberCleaner.clean(input);
        if (cleaning instanceof NumberCleaner.Problem problem) {
            return new Normalization.NotNormalized(input, problem.reason(), problem.detail(), "", null, null);
        }
        CleanedNumber cleaned = ((NumberCleaner.Clean) cleaning).number();
        for (NumberRule rule : rules) {
            Optional<String> produced = rule.apply(cleaned.digits());
            if (produced.isPresent()) {
                String number = produced.get();
                if (E164.isValid(number)) {
                    return new Normalization.Normalized(input, number, cleaned.extension(), rule);
                }
                return new Normalization.NotNormalized(
                        input, Normalization.Reason.NOT_E164, "not E.164", cleaned.digits(), rule, number);
            }
        }
        if (E164.isValid(cleaned.digits())) {
            return new Normalization.Normalized(input, cleaned.digits(), cleaned.extension(), null);
        }
        return new Normalization.NotNormalized(
                input, Normalization.Reason.NO_RULE_MATCHED, "no rule matched", cleaned.digits(), null, null);
    }
}

package io.switchboard.addressbook.domain;

import io.switchboard.addressbook.numbers.Normalization;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The phone numbers a build kept out of the phone fields because no rule made them E.164 (issue 14, item 3:
 * listed, never silently dropped): how many, by reason, and the first {@value #EXAMPLES} as examples.
 */
public final class NumberReport {

    public static final int EXAMPLES = 10;

    /** One number left out: whose, which field, what was written, why. */
    public record Example(String entryId, Attribute attribute, String number, String why) {
        @Override
        public String toString() {
            return entryId + " " + attribute.key() + " '" + number + "': " + why;
        }
    }

    private final Map<Normalization.Reason, Integer> byReason = new EnumMap<>(Normalization.Reason.class);
    private final List<Example> examples = new ArrayList<>();
    private int total;

    void add(String entryId, Attribute attribute, Normalization.NotNormalized failure) {
        total++;
        byReason.merge(failure.reason(), 1, Integer::sum);
        if (examples.size() < EXAMPLES) {
            examples.add(new Example(entryId, attribute, failure.input(), failure.describe()));
        }
    }

    public int total() {
        return total;
    }

    public Map<Normalization.Reason, Integer> byReason() {
        return Map.copyOf(byReason);
    }

    public List<Example> examples() {
        return List.copyOf(examples);
    }
}

package io.switchboard.addressbook.numbers;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a rules file: one rule per line, {@code PATTERN -> TRANSLATION}, in the order they are tried.
 *
 * <pre>
 * # Netherlands, Amsterdam office
 * ^0(\d{9})$      -> +31$1     # national number
 * ^00(\d{6,15})$  -> +$1       # international access prefix
 * ^(\d{4})$       -> +3120555$1
 * </pre>
 *
 * <p>Blank lines and lines whose first non-blank character is '#' are ignored; after the translation, '#'
 * starts a comment (a translation holds no '#'). The pattern is everything before the last "->", trimmed, so
 * a pattern may itself contain "->". Every line is checked: a file with problems yields all of them, each
 * with its line number, and no rules, so a bad file is never half applied.
 */
public final class RulesFile {

    private RulesFile() {}

    public record Problem(int line, String problem) {
        @Override
        public String toString() {
            return "line " + line + ": " + problem;
        }
    }

    /** The rules when {@code problems} is empty; otherwise no rules. */
    public record Parsed(NumberRules rules, List<Problem> problems) {
        public Parsed {
            problems = List.copyOf(problems);
        }

        public boolean ok() {
            return problems.isEmpty();
        }
    }

    public static Parsed parse(String text) {
        List<NumberRule> rules = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        String[] lines = text.split("\r\n|\r|\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNumber = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int arrow = line.lastIndexOf("->");
            if (arrow < 0) {
                problems.add(new Problem(lineNumber, "expected 'PATTERN -> TRANSLATION'"));
                continue;
            }
            String pattern = line.substring(0, arrow).strip();
            String translation = line.substring(arrow + 2);
            int comment = translation.indexOf('#');
            if (comment >= 0) {
                translation = translation.substring(0, comment);
            }
            translation = translation.strip();
            NumberRule.Parsed parsed = NumberRule.parse(lineNumber, pattern, translation);
            if (parsed instanceof NumberRule.Valid valid) {
                rules.add(valid.rule());
            } else {
                problems.add(new Problem(lineNumber, ((NumberRule.Invalid) parsed).problem()));
            }
        }
        return problems.isEmpty()
                ? new Parsed(new NumberRules(rules), List.of())
                : new Parsed(NumberRules.NONE, problems);
    }
}

package io.switchboard.addressbook.numbers;

import java.util.ArrayList;
import java.util.List;

/**
 * A file of test cases for a rule set, one {@code NUMBER -> EXPECTED} per line (as administrators keep
 * next to their rules): {@code EXPECTED} is the E.164 result, with {@code ;ext=N} when the number has an
 * extension, or {@code none} when the number must not normalize. {@code #} starts a comment line. Running
 * them reports every case whose result differs, with the rule that produced it.
 */
public final class RuleCases {

    private RuleCases() {}

    public record Case(int line, String number, String expected) {}

    /** One case's outcome: {@code actual} is the E.164 result (with extension) or "none". */
    public record Outcome(Case testCase, String actual, String how) {
        public boolean passed() {
            return testCase.expected().equals(actual);
        }

        @Override
        public String toString() {
            return "line " + testCase.line() + ": " + testCase.number() + " -> " + actual
                    + (passed() ? "" : ", expected " + testCase.expected()) + " (" + how + ")";
        }
    }

    /** The cases, or the problems (a line without "->"), by line. */
    public record Parsed(List<Case> cases, List<RulesFile.Problem> problems) {}

    public static Parsed parse(String text) {
        List<Case> cases = new ArrayList<>();
        List<RulesFile.Problem> problems = new ArrayList<>();
        String[] lines = text.split("\r\n|\r|\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int arrow = line.lastIndexOf("->");
            if (arrow < 0) {
                problems.add(new RulesFile.Problem(i + 1, "expected 'NUMBER -> EXPECTED'"));
                continue;
            }
            String number = line.substring(0, arrow).strip();
            String expected = line.substring(arrow + 2).strip();
            if (number.isEmpty() || expected.isEmpty()) {
                problems.add(new RulesFile.Problem(i + 1, "expected 'NUMBER -> EXPECTED'"));
                continue;
            }
            cases.add(new Case(i + 1, number, expected));
        }
        return new Parsed(cases, problems);
    }

    public static List<Outcome> run(NumberRules rules, List<Case> cases) {
        List<Outcome> outcomes = new ArrayList<>();
        for (Case c : cases) {
            Normalization n = rules.normalize(c.number());
            String actual = n instanceof Normalization.Normalized ok ? ok.withExtension() : "none";
            String how = n instanceof Normalization.Normalized ok && ok.byRule()
                    ? "rule at " + ok.rule().position() + ": " + ok.rule()
                    : n instanceof Normalization.Normalized ? "already E.164" : n.describe();
            outcomes.add(new Outcome(c, actual, how));
        }
        return outcomes;
    }
}

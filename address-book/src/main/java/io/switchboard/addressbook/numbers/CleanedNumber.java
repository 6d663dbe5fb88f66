package io.switchboard.addressbook.numbers;

/**
 * A number after cleaning, before the rules: only digits with an optional leading '+' ({@code digits}),
 * and the extension that was written after it, kept aside ({@code extension}, digits, empty when none).
 */
public record CleanedNumber(String digits, String extension) {

    public boolean hasExtension() {
        return !extension.isEmpty();
    }
}

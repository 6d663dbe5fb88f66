package io.switchboard.addressbook.sync;

import io.switchboard.addressbook.domain.NumberReport;
import io.switchboard.addressbook.source.SourceRead;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What a sync did. {@code version} is the committed version after it (equal to {@code previousVersion} when
 * nothing changed: a sync that finds no change makes no new version). {@code rejected} are the source's records
 * left out ({@code rejectedExamples} the first ten), {@code numbers} the phone numbers that did not normalize.
 */
public record SyncReport(
        String source,
        long previousVersion,
        long version,
        int read,
        int rejected,
        List<SourceRead.Problem> rejectedExamples,
        int entries,
        int added,
        int changed,
        int removed,
        int accountsMerged,
        int accountsAdded,
        NumberReport numbers,
        List<Long> deltasFrom,
        List<Long> deltasTooLarge,
        Duration took) {

    public static final int EXAMPLES = 10;

    public boolean newVersion() {
        return version != previousVersion;
    }

    /** The report as lines for a terminal. */
    public String describe() {
        StringBuilder out = new StringBuilder();
        out.append(
                        newVersion()
                                ? "Address book version " + version + " (was " + previousVersion + ")"
                                : "No change: address book stays at version " + version)
                .append(", from ")
                .append(source)
                .append(", in ")
                .append(took.toMillis())
                .append(" ms\n");
        out.append("  entries ")
                .append(entries)
                .append(": added ")
                .append(added)
                .append(", changed ")
                .append(changed)
                .append(", removed ")
                .append(removed)
                .append('\n');
        out.append("  read ")
                .append(read)
                .append(", rejected ")
                .append(rejected)
                .append('\n');
        rejectedExamples.forEach(p -> out.append("    ").append(p).append('\n'));
        out.append("  accounts: ")
                .append(accountsMerged)
                .append(" matched a directory entry, ")
                .append(accountsAdded)
                .append(" added\n");
        out.append("  numbers that did not normalize: ").append(numbers.total());
        if (numbers.total() > 0) {
            out.append(" (")
                    .append(numbers.byReason().entrySet().stream()
                            .map(e -> e.getKey().name().toLowerCase(java.util.Locale.ROOT) + " " + e.getValue())
                            .sorted()
                            .collect(Collectors.joining(", ")))
                    .append(")");
        }
        out.append('\n');
        numbers.examples().forEach(e -> out.append("    ").append(e).append('\n'));
        if (newVersion()) {
            out.append("  deltas from versions ").append(deltasFrom.isEmpty() ? "none" : deltasFrom.toString());
            if (!deltasTooLarge.isEmpty()) {
                out.append("; not made (over 20% of the full file): ").append(deltasTooLarge);
            }
            out.append('\n');
        }
        return out.toString();
    }
}

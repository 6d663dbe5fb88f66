package io.switchboard.accounts.domain;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Reads a bulk import file: RFC 4180 CSV with the header {@code uri,password,display_name,phone}
 * and optionally {@code site} (the user's home site; empty: the central pool).
 *
 * <p>Columns are found by name (case-insensitive, in any order); {@code uri} and
 * {@code password} are required, the others may be left out. An unknown or repeated column
 * rejects the whole file, because a misspelt optional column would otherwise silently drop
 * that data for every user. Blank lines are skipped anywhere.
 *
 * <p>Every data row gets its own outcome with the line it starts on, so the caller imports the
 * valid rows and reports the others. Besides {@link AccountRules}, a row is invalid when its
 * field count differs from the header's (a shifted column would otherwise put a password in the
 * display name) or when it names the same account as an earlier row (which one should win?).
 */
public final class UserCsv {

    public static final String URI = "uri";
    public static final String PASSWORD = "password";
    public static final String DISPLAY_NAME = "display_name";
    public static final String PHONE = "phone";
    public static final String SITE = "site";
    private static final List<String> KNOWN = List.of(URI, PASSWORD, DISPLAY_NAME, PHONE, SITE);
    private static final List<String> REQUIRED = List.of(URI, PASSWORD);

    /** What came of one data row. */
    public record Row(int line, Validation<AccountDraft> outcome) {
        public Row {
            Objects.requireNonNull(outcome, "outcome");
        }
    }

    public sealed interface Result {}

    /** The header was usable; one entry per non-blank data row, in file order. */
    public record Parsed(List<Row> rows) implements Result {
        public Parsed {
            rows = List.copyOf(rows);
        }

        public List<AccountDraft> valid() {
            List<AccountDraft> drafts = new ArrayList<>();
            for (Row row : rows) {
                if (row.outcome() instanceof Validation.Valid<AccountDraft> ok) {
                    drafts.add(ok.value());
                }
            }
            return drafts;
        }

        public List<Row> invalid() {
            return rows.stream().filter(row -> !row.outcome().isValid()).toList();
        }
    }

    /** Nothing in the file can be trusted, e.g. the header lacks a required column. */
    public record Rejected(String reason) implements Result {}

    private final AccountRules rules;

    public UserCsv(AccountRules rules) {
        this.rules = Objects.requireNonNull(rules, "rules");
    }

    public Result parse(String text) {
        try {
            return parse(new StringReader(text));
        } catch (IOException e) {
            throw new UncheckedIOException("a StringReader does not fail", e);
        }
    }

    /** Reads {@code in} to its end; it stays open. IOException is the reader's, never the data's. */
    public Result parse(Reader in) throws IOException {
        CsvReader reader = new CsvReader(in);
        CsvRecord header = nextNonBlank(reader);
        if (header == null) {
            return new Rejected("the file is empty; expected the header " + String.join(",", KNOWN));
        }
        if (header instanceof CsvRecord.Malformed bad) {
            return new Rejected("line " + bad.line() + ": header: " + bad.reason());
        }
        List<String> names = ((CsvRecord.Fields) header).values();
        Map<String, Integer> columns = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i).strip().toLowerCase(Locale.ROOT);
            if (!KNOWN.contains(name)) {
                return new Rejected("line " + header.line() + ": unknown column \""
                        + names.get(i).strip() + "\" (known: " + String.join(", ", KNOWN) + ")");
            }
            if (columns.putIfAbsent(name, i) != null) {
                return new Rejected("line " + header.line() + ": column " + name + " appears twice");
            }
        }
        for (String required : REQUIRED) {
            if (!columns.containsKey(required)) {
                return new Rejected("line " + header.line() + ": the header lacks the required column " + required);
            }
        }
        return new Parsed(readRows(reader, columns));
    }

    private List<Row> readRows(CsvReader reader, Map<String, Integer> columns) throws IOException {
        List<Row> rows = new ArrayList<>();
        Map<SipAddress, Integer> firstLineOf = new HashMap<>();
        for (CsvRecord record = nextNonBlank(reader); record != null; record = nextNonBlank(reader)) {
            rows.add(new Row(record.line(), outcome(record, columns, firstLineOf)));
        }
        return rows;
    }

    private Validation<AccountDraft> outcome(
            CsvRecord record, Map<String, Integer> columns, Map<SipAddress, Integer> firstLineOf) {
        if (record instanceof CsvRecord.Malformed bad) {
            return Validation.invalid(bad.reason());
        }
        List<String> values = ((CsvRecord.Fields) record).values();
        if (values.size() != columns.size()) {
            return Validation.invalid("row has " + values.size() + (values.size() == 1 ? " field" : " fields")
                    + ", the header has " + columns.size());
        }
        NewAccountRequest request = new NewAccountRequest(
                field(values, columns, URI),
                field(values, columns, PASSWORD),
                field(values, columns, DISPLAY_NAME),
                field(values, columns, PHONE),
                field(values, columns, SITE));
        return rules.validate(request).flatMap(draft -> {
            Integer earlier = firstLineOf.putIfAbsent(draft.address(), record.line());
            return earlier == null
                    ? Validation.valid(draft)
                    : Validation.invalid("same account " + draft.address().aor() + " as line " + earlier);
        });
    }

    private static String field(List<String> values, Map<String, Integer> columns, String name) {
        Integer index = columns.get(name);
        return index == null ? null : values.get(index);
    }

    private static CsvRecord nextNonBlank(CsvReader reader) throws IOException {
        CsvRecord record = reader.next();
        while (record instanceof CsvRecord.Fields fields && fields.isBlank()) {
            record = reader.next();
        }
        return record;
    }
}

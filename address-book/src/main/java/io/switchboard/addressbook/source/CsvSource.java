package io.switchboard.addressbook.source;

import io.switchboard.accounts.domain.CsvReader;
import io.switchboard.accounts.domain.CsvRecord;
import io.switchboard.addressbook.domain.Attribute;
import io.switchboard.addressbook.domain.AttributeMapping;
import io.switchboard.addressbook.domain.DirectoryEntry;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * A directory kept as an RFC 4180 CSV file (UTF-8), for companies without LDAP. The first non-blank line is
 * the header: column names are matched to attributes by the {@link AttributeMapping} (by default the
 * attributes' own keys: {@code display-name,given-name,surname,mail,sip-uri,telephone,...}); other columns are
 * ignored. The header must name a mail or a SIP URI column, which identify a person across syncs.
 *
 * <p>Rows are checked one by one: a row with broken quoting, a different number of fields than the header, no
 * mail and no SIP URI, no name (neither display name nor given name or surname) or the same mail / SIP URI as
 * an earlier row is reported with its line number and left out; the good rows are kept (issue 14, item 8).
 */
public final class CsvSource implements DirectorySource {

    private final Path file;
    private final AttributeMapping mapping;

    public CsvSource(Path file, AttributeMapping mapping) {
        this.file = file;
        this.mapping = mapping;
    }

    @Override
    public String describe() {
        return "csv " + file;
    }

    @Override
    public SourceRead read(LongConsumer progress) throws SourceException {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(in, mapping, progress);
        } catch (NoSuchFileException e) {
            throw new SourceException("CSV directory file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new SourceException("cannot read CSV directory file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads CSV text; public for tests and for imports that arrive as a request body. */
    public static SourceRead read(Reader in, AttributeMapping mapping, LongConsumer progress)
            throws IOException, SourceException {
        CsvReader reader = new CsvReader(in);
        List<Optional<Attribute>> columns = null;
        List<DirectoryEntry> entries = new ArrayList<>();
        List<SourceRead.Problem> problems = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        CsvRecord record;
        while ((record = reader.next()) != null) {
            String where = "line " + record.line();
            if (record instanceof CsvRecord.Malformed malformed) {
                if (columns == null) {
                    throw new SourceException("CSV header (" + where + ") is malformed: " + malformed.reason());
                }
                problems.add(new SourceRead.Problem(where, malformed.reason()));
                continue;
            }
            CsvRecord.Fields fields = (CsvRecord.Fields) record;
            if (fields.isBlank()) {
                continue;
            }
            if (columns == null) {
                columns = header(fields, mapping);
                continue;
            }
            if (fields.values().size() != columns.size()) {
                problems.add(new SourceRead.Problem(
                        where, fields.values().size() + " fields, the header has " + columns.size()));
                continue;
            }
            EnumMap<Attribute, String> values = new EnumMap<>(Attribute.class);
            for (int i = 0; i < columns.size(); i++) {
                int column = i;
                columns.get(i).ifPresent(a -> values.put(a, fields.values().get(column)));
            }
            DirectoryEntry entry = new DirectoryEntry("", values);
            Optional<String> id = entry.get(Attribute.SIP_URI).or(() -> entry.get(Attribute.MAIL));
            if (id.isEmpty()) {
                problems.add(new SourceRead.Problem(where, "no mail and no SIP URI: nothing identifies this person"));
                continue;
            }
            if (entry.get(Attribute.DISPLAY_NAME).isEmpty()
                    && entry.get(Attribute.GIVEN_NAME).isEmpty()
                    && entry.get(Attribute.SURNAME).isEmpty()) {
                problems.add(new SourceRead.Problem(where, "no display name, given name or surname"));
                continue;
            }
            String key = id.get().toLowerCase(Locale.ROOT);
            Integer earlier = seen.putIfAbsent(key, record.line());
            if (earlier != null) {
                problems.add(new SourceRead.Problem(where, "same " + id.get() + " as line " + earlier));
                continue;
            }
            entries.add(new DirectoryEntry(key, entry.values()));
            if (entries.size() % 1000 == 0) {
                progress.accept(entries.size());
            }
        }
        if (columns == null) {
            throw new SourceException("CSV directory has no header line");
        }
        progress.accept(entries.size());
        return new SourceRead(entries, problems);
    }

    private static List<Optional<Attribute>> header(CsvRecord.Fields fields, AttributeMapping mapping)
            throws SourceException {
        List<Optional<Attribute>> columns = new ArrayList<>();
        for (String name : fields.values()) {
            columns.add(mapping.attributeFor(name));
        }
        if (!columns.contains(Optional.of(Attribute.MAIL)) && !columns.contains(Optional.of(Attribute.SIP_URI))) {
            throw new SourceException("CSV header (line " + fields.line() + ") has no "
                    + mapping.nameOf(Attribute.MAIL).orElse("mail") + " and no "
                    + mapping.nameOf(Attribute.SIP_URI).orElse("sip-uri")
                    + " column; one of them identifies a person");
        }
        return columns;
    }
}

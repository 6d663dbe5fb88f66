package io.switchboard.accounts.domain;

import java.util.List;

/** One record of an RFC 4180 file, located by the 1-based line it starts on. */
public sealed interface CsvRecord {

    int line();

    record Fields(int line, List<String> values) implements CsvRecord {
        public Fields {
            values = List.copyOf(values);
        }

        /** An empty or white-space-only line; RFC 4180 has no such thing, people's files do. */
        public boolean isBlank() {
            return values.size() == 1 && values.get(0).isBlank();
        }
    }

    /** A record that breaks the quoting rules; reading resumes on the next line. */
    record Malformed(int line, String reason) implements CsvRecord {}
}

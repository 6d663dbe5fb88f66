package io.switchboard.accounts.domain;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits text into RFC 4180 records: fields separated by commas, records by CRLF or LF (a lone
 * CR too), fields optionally in double quotes, in which commas and line breaks are data and a
 * doubled quote is one quote. Spaces are data, as the RFC says; trimming is the caller's choice.
 *
 * <p>Deviations chosen for files made by hand or by spreadsheets: a leading UTF-8 byte order mark
 * is skipped, and a quote inside an unquoted field or text after a closing quote make that one
 * record {@link CsvRecord.Malformed} instead of failing the file.
 */
public final class CsvReader {

    private static final int EOF = -1;

    private final Reader in;
    private int peeked = Integer.MIN_VALUE;
    private int line = 1;
    private boolean started;

    public CsvReader(Reader in) {
        this.in = in;
    }

    /** The next record, or null at the end of the input. */
    public CsvRecord next() throws IOException {
        if (!started) {
            started = true;
            if (peek() == '\uFEFF') {
                read();
            }
        }
        if (peek() == EOF) {
            return null;
        }
        int startLine = line;
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        while (true) {
            int c = read();
            if (c == '"' && field.length() == 0) {
                String error = readQuoted(field, startLine);
                if (error != null) {
                    return malformed(startLine, error);
                }
                c = read();
                if (c != ',' && !isLineEnd(c)) {
                    return malformed(startLine, "text after the closing quote of field " + (fields.size() + 1));
                }
            } else {
                while (c != ',' && !isLineEnd(c)) {
                    if (c == '"') {
                        return malformed(
                                startLine,
                                "quote inside unquoted field " + (fields.size() + 1)
                                        + " (quote the whole field and double the inner quotes)");
                    }
                    field.append((char) c);
                    c = read();
                }
            }
            fields.add(field.toString());
            field.setLength(0);
            if (c != ',') {
                endLine(c);
                return new CsvRecord.Fields(startLine, fields);
            }
        }
    }

    /** Reads after an opening quote up to and including the closing one; returns an error or null. */
    private String readQuoted(StringBuilder field, int startLine) throws IOException {
        while (true) {
            int c = read();
            if (c == EOF) {
                return "quoted field starting on line " + startLine + " is never closed";
            }
            if (c == '"') {
                if (peek() != '"') {
                    return null;
                }
                read();
            } else if (c == '\r' || c == '\n') {
                // Line breaks inside quotes are data; keep them as written but count the line.
                if (c == '\r' && peek() == '\n') {
                    field.append('\r');
                    c = read();
                }
                line++;
            }
            field.append((char) c);
        }
    }

    private CsvRecord malformed(int startLine, String reason) throws IOException {
        skipRestOfLine();
        return new CsvRecord.Malformed(startLine, reason);
    }

    private void skipRestOfLine() throws IOException {
        int c = read();
        while (!isLineEnd(c)) {
            c = read();
        }
        endLine(c);
    }

    /** Consumes the LF of a CRLF pair and counts the line; c is the line end just read. */
    private void endLine(int c) throws IOException {
        if (c == EOF) {
            return;
        }
        if (c == '\r' && peek() == '\n') {
            read();
        }
        line++;
    }

    private static boolean isLineEnd(int c) {
        return c == '\n' || c == '\r' || c == EOF;
    }

    private int peek() throws IOException {
        if (peeked == Integer.MIN_VALUE) {
            peeked = in.read();
        }
        return peeked;
    }

    private int read() throws IOException {
        int c = peek();
        peeked = Integer.MIN_VALUE;
        return c;
    }
}

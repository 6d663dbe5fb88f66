package io.switchboard.storage;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a CQL script (a {@code .cql} schema resource) into statements: comments ({@code --}, {@code //}
 * and block comments) are dropped and {@code ;} ends a statement, except inside string literals, quoted
 * identifiers and {@code $$} blocks, where both are ordinary text (a table comment may well say
 * {@code 'expires -- see RFC 3261; section 10'}).
 */
public final class CqlScript {

    private CqlScript() {}

    /** The non-empty statements of {@code script}, in order, trimmed, without the final {@code ;}. */
    public static List<String> statements(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int i = 0;
        int n = script.length();
        while (i < n) {
            char c = script.charAt(i);
            char next = i + 1 < n ? script.charAt(i + 1) : '\0';
            if (c == '\'' || c == '"') {
                int end = endOfQuoted(script, i);
                current.append(script, i, end);
                i = end;
            } else if (c == '$' && next == '$') {
                int end = endOf(script, i, "$$", "$$ block");
                current.append(script, i, end);
                i = end;
            } else if ((c == '-' && next == '-') || (c == '/' && next == '/')) {
                int eol = script.indexOf('\n', i);
                i = eol < 0 ? n : eol; // the newline itself is kept: it still separates words
            } else if (c == '/' && next == '*') {
                i = endOf(script, i, "*/", "block comment");
                current.append(' ');
            } else if (c == ';') {
                flush(current, statements);
                i++;
            } else {
                current.append(c);
                i++;
            }
        }
        flush(current, statements);
        return List.copyOf(statements);
    }

    /** Index just after the closing quote; a doubled quote is an escaped quote, as in CQL. */
    private static int endOfQuoted(String script, int start) {
        char quote = script.charAt(start);
        int i = start + 1;
        while (i < script.length()) {
            if (script.charAt(i) == quote) {
                if (i + 1 < script.length() && script.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        throw unterminated(script, start, quote == '\'' ? "string literal" : "quoted identifier");
    }

    private static int endOf(String script, int start, String closing, String what) {
        int close = script.indexOf(closing, start + 2);
        if (close < 0) {
            throw unterminated(script, start, what);
        }
        return close + closing.length();
    }

    private static IllegalArgumentException unterminated(String script, int start, String what) {
        int line = 1;
        for (int i = 0; i < start; i++) {
            if (script.charAt(i) == '\n') {
                line++;
            }
        }
        return new IllegalArgumentException("unterminated " + what + " starting on line " + line);
    }

    private static void flush(StringBuilder current, List<String> statements) {
        String statement = current.toString().strip();
        if (!statement.isEmpty()) {
            statements.add(statement);
        }
        current.setLength(0);
    }
}

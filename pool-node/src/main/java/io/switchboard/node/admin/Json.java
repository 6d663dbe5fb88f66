package io.switchboard.node.admin;

import java.util.Iterator;
import java.util.Map;

/** Just enough JSON writing for the admin API's answers (keeps a JSON library off the classpath). */
final class Json {

    private Json() {
    }

    static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** An object from name/value pairs; values that are Numbers or Booleans are written bare, Strings quoted, RawJson as is. */
    static String object(Map<String, ?> fields) {
        StringBuilder b = new StringBuilder("{");
        Iterator<? extends Map.Entry<String, ?>> it = fields.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, ?> e = it.next();
            b.append(quote(e.getKey())).append(':').append(value(e.getValue()));
            if (it.hasNext()) {
                b.append(',');
            }
        }
        return b.append('}').toString();
    }

    static String array(Iterable<String> jsonItems) {
        return "[" + String.join(",", jsonItems) + "]";
    }

    record Raw(String json) {
    }

    private static String value(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        if (v instanceof Raw raw) {
            return raw.json();
        }
        return quote(v.toString());
    }
}

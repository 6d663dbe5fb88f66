package io.switchboard.presence.domain;

/** TEMPORARY: replaced by the xml helper's version at merge. */
public final class PidfParser {
    public sealed interface Result permits Ok, Invalid {
    }

    public record Ok(PidfDocument document) implements Result {
    }

    public record Invalid(String reason) implements Result {
    }

    public static Result parse(byte[] body) {
        String s = new String(body, java.nio.charset.StandardCharsets.UTF_8);
        if (!s.contains("<presence")) {
            return new Invalid("PIDF: root element must be presence");
        }
        String state = between(s, "<sb:state>", "</sb:state>");
        String note = between(s, "<dm:note>", "</dm:note>");
        return new Ok(new PidfDocument("sip:x@y", "open", java.util.List.of(), java.util.Set.of(), null, note, state, null));
    }

    private static String between(String s, String a, String b) {
        int i = s.indexOf(a);
        int j = i < 0 ? -1 : s.indexOf(b, i);
        return i < 0 || j < 0 ? null : s.substring(i + a.length(), j).trim();
    }
}

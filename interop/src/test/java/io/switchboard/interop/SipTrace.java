package io.switchboard.interop;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SIP messages a client printed (baresip's {@code -s} trace, liblinphone's level-6 log), each
 * with its direction: this is the packet view the tests assert on (what the node really sent to
 * the client and what the client sent back), rather than the client's own summary lines.
 */
final class SipTrace {

    /** One SIP message as the client printed it. */
    record Message(boolean incoming, String startLine, String text) {

        boolean isRequest(String method) {
            return startLine.startsWith(method + " ");
        }

        boolean isResponse(int status, String cseqMethod) {
            return startLine.startsWith("SIP/2.0 " + status + " ")
                    && cseqMethod().equals(cseqMethod);
        }

        String header(String name) {
            Matcher m = Pattern.compile("(?im)^" + Pattern.quote(name) + ":\\s*(.*)$")
                    .matcher(text);
            return m.find() ? m.group(1).trim() : null;
        }

        String cseqMethod() {
            String cseq = header("CSeq");
            return cseq == null ? "" : cseq.replaceAll("^\\d+\\s+", "");
        }

        String callId() {
            return header("Call-ID");
        }
    }

    private static final Pattern BARESIP_HOP = Pattern.compile("^(UDP|TCP|TLS) (\\S+) -> (\\S+)$");
    private static final Pattern LINPHONE_SENT = Pattern.compile("message sent to \\[");
    private static final Pattern LINPHONE_RECEIVED = Pattern.compile("received \\[\\d+\\] new bytes from \\[");
    private static final Pattern LOG_LINE = Pattern.compile("^(\\d{4}-\\d\\d-\\d\\d |linphonec>)");
    private static final Pattern ANSI = Pattern.compile("\u001b\\[[0-9;]*m");

    private SipTrace() {}

    /**
     * baresip's trace: "#", then "UDP src -> dst", then the message up to the colour reset; what
     * comes from {@code nodeAddress} is incoming. A message whose reset has not been printed yet is
     * left out: the output is read while the client writes it, and half a message (a 200 whose
     * Call-ID line is still to come) must not be taken for the whole.
     */
    static List<Message> baresip(List<String> lines, String nodeAddress) {
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher hop = BARESIP_HOP.matcher(ANSI.matcher(lines.get(i)).replaceAll(""));
            if (!hop.matches() || i + 1 >= lines.size()) {
                continue;
            }
            boolean incoming = hop.group(2).equals(nodeAddress);
            StringBuilder text = new StringBuilder();
            int j = i + 1;
            boolean complete = false;
            for (; j < lines.size(); j++) {
                String raw = lines.get(j);
                if (raw.contains("\u001b[;m") || raw.contains("\u001b[0m")) {
                    text.append(ANSI.matcher(raw).replaceAll(""));
                    complete = true;
                    break;
                }
                text.append(raw).append('\n');
            }
            if (!complete) {
                break;
            }
            out.add(new Message(incoming, ANSI.matcher(lines.get(i + 1)).replaceAll(""), text.toString()));
            i = j;
        }
        return out;
    }

    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?i)^(Content-Length|l):\\s*(\\d+)$");

    /**
     * Whether {@code message} (one printed line per element) has its blank line and then at least
     * Content-Length characters of body. The log drops line ends, which may have been CRLF in the
     * message: each body line is allowed two characters for its end.
     */
    static boolean whole(List<String> message) {
        int blank = -1;
        for (int k = 0; k < message.size() && blank < 0; k++) {
            if (message.get(k).strip().isEmpty()) {
                blank = k;
            }
        }
        if (blank < 0) {
            return false;
        }
        int contentLength = 0;
        for (String header : message.subList(0, blank)) {
            Matcher m = CONTENT_LENGTH.matcher(header.strip());
            if (m.matches()) {
                contentLength = Integer.parseInt(m.group(2));
            }
        }
        int body = 0;
        for (String line : message.subList(blank + 1, message.size())) {
            body += line.length() + 2;
        }
        return body >= contentLength;
    }

    /**
     * liblinphone's log: "message sent to [...]" / "received [n] new bytes from [...]", then the
     * message up to the next log line. The last message may still be being written, and liblinphone
     * often prints nothing after it for a while: it counts once its headers and the body its
     * Content-Length announces are there.
     */
    static List<Message> linphone(List<String> lines) {
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            boolean sent = LINPHONE_SENT.matcher(line).find();
            boolean received = !sent && LINPHONE_RECEIVED.matcher(line).find();
            if ((!sent && !received) || i + 1 >= lines.size()) {
                continue;
            }
            int j = i + 1;
            while (j < lines.size() && !LOG_LINE.matcher(lines.get(j)).find()) {
                j++;
            }
            // what TCP delivered at once may hold several messages (a 200 and a NOTIFY)
            List<List<String>> messages = split(lines.subList(i + 1, j));
            for (int k = 0; k < messages.size(); k++) {
                List<String> m = messages.get(k);
                boolean last = k == messages.size() - 1;
                if (last && j == lines.size() && !whole(m)) {
                    return out;
                }
                out.add(new Message(received, m.get(0), String.join("\n", m) + "\n"));
            }
            i = j - 1;
        }
        return out;
    }

    private static final Pattern START_LINE = Pattern.compile("^(SIP/2\\.0 \\d{3} .*|[A-Z]+ \\S+ SIP/2\\.0)$");

    /** The messages in one printed block: a start line after a blank line begins the next one. */
    static List<List<String>> split(List<String> block) {
        List<List<String>> messages = new ArrayList<>();
        List<String> current = null;
        boolean afterBlank = true;
        for (String line : block) {
            if (afterBlank && START_LINE.matcher(line.strip()).matches()) {
                current = new ArrayList<>();
                messages.add(current);
            }
            if (current != null) {
                current.add(line);
            }
            afterBlank = line.strip().isEmpty();
        }
        return messages;
    }
}

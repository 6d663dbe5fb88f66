package io.switchboard.interop;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/** What the tests do with either softphone: the same steps, each client's own commands. */
abstract class SipClient implements AutoCloseable {

    final String user;
    final String transport;
    final ClientProcess process;

    SipClient(String user, String transport, ClientProcess process) {
        this.user = user;
        this.transport = transport;
        this.process = process;
    }

    String aor() {
        return "sip:" + user + "@example.test";
    }

    /** The SIP messages this client sent and received so far. */
    List<SipTrace.Message> trace() {
        return parse(process.linesSince(0));
    }

    abstract List<SipTrace.Message> parse(List<String> lines);

    /** Waits until the messages seen so far satisfy {@code done}. */
    void awaitTrace(Predicate<List<SipTrace.Message>> done, Duration timeout, String what) {
        process.awaitLines(lines -> done.test(parse(lines)), timeout, what);
    }

    /** Waits for a message {@code match} accepts; returns the first one. */
    SipTrace.Message awaitMessage(Predicate<SipTrace.Message> match, Duration timeout, String what) {
        process.awaitLines(lines -> parse(lines).stream().anyMatch(match), timeout, what);
        return trace().stream().filter(match).findFirst().orElseThrow();
    }

    /**
     * This client's {@code method} requests and their responses, a line each (direction, start
     * line, CSeq, the RFC 3903 tags, Expires and any PIDF {@code <basic>}): what a failure message
     * needs to tell which request of a sequence went astray.
     */
    String exchange(String method) {
        StringBuilder out = new StringBuilder();
        for (SipTrace.Message m : trace()) {
            if (!m.cseqMethod().equals(method)) {
                continue;
            }
            out.append(m.incoming() ? "  <- " : "  -> ").append(m.startLine());
            for (String h : List.of("CSeq", "SIP-If-Match", "SIP-ETag", "Expires")) {
                String v = m.header(h);
                if (v != null) {
                    out.append(" | ").append(h).append(": ").append(v);
                }
            }
            java.util.regex.Matcher basic =
                    java.util.regex.Pattern.compile("<basic>(\\w+)</basic>").matcher(m.text());
            if (basic.find()) {
                out.append(" | basic ").append(basic.group(1));
            }
            out.append('\n');
        }
        return out.toString();
    }

    long count(Predicate<SipTrace.Message> match) {
        return trace().stream().filter(match).count();
    }

    /** Waits until the client reports its registration done (the node's 200 to REGISTER). */
    abstract void awaitRegistered(Duration timeout);

    abstract void dial(String uri);

    abstract void hangup();

    abstract void message(String uri, String text);

    /** Unregisters (REGISTER with expires 0, as the client does it) and leaves the process running. */
    abstract void unregister();

    abstract String userAgent();

    @Override
    public void close() {
        process.close();
    }

    @Override
    public String toString() {
        return process.name();
    }
}

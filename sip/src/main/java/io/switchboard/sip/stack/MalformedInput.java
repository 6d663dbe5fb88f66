package io.switchboard.sip.stack;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the SIP edge does with input it refuses: a counter per reason and at most one log line per
 * reason every {@value #LOG_INTERVAL_SECONDS} s, saying how many were refused in between. Nothing
 * from the input is ever logged or answered: the reason phrases come from {@link Reason} alone, so
 * an attacker's bytes, control characters or Java object ids never reach a response or the log,
 * and a flood of junk costs a counter increment per datagram, not a log line.
 *
 * <p>JVM-wide, like the RI's own logger ({@link Slf4jStackLogger}); the node exposes the counts
 * as {@code switchboard_sip_malformed_total{reason}}. Never blocks: counters are {@link LongAdder}s
 * and the log window is claimed with a compare-and-set.
 */
public final class MalformedInput {
    static final long LOG_INTERVAL_SECONDS = 10;
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(LOG_INTERVAL_SECONDS);
    private static final Logger LOG = LoggerFactory.getLogger(MalformedInput.class);

    /** Why a message was refused: the metric label, and the status and reason phrase it is answered with. */
    public enum Reason {
        // cannot be answered: a response copies Via, From, To, Call-ID and CSeq (RFC 3261 section 8.2.6.2)
        MISSING_VIA("missing_via", 0, "missing Via"),
        MISSING_FROM("missing_from", 0, "missing From"),
        MISSING_TO("missing_to", 0, "missing To"),
        MISSING_CALL_ID("missing_call_id", 0, "missing Call-ID"),
        MISSING_CSEQ("missing_cseq", 0, "missing CSeq"),
        // a header the RI cannot parse; over UDP the RI answers 400 with this phrase (RFC 3261 section 8.2.2 ff.)
        MALFORMED_REQUEST_LINE("malformed_request_line", 400, "malformed Request-Line"),
        MALFORMED_VIA("malformed_via", 400, "malformed Via"),
        MALFORMED_FROM("malformed_from", 400, "malformed From"),
        MALFORMED_TO("malformed_to", 400, "malformed To"),
        MALFORMED_CALL_ID("malformed_call_id", 400, "malformed Call-ID"),
        MALFORMED_CSEQ("malformed_cseq", 400, "malformed CSeq"),
        MALFORMED_CONTENT_LENGTH("malformed_content_length", 400, "malformed Content-Length"),
        MALFORMED_STATUS_LINE("malformed_status_line", 0, "malformed Status-Line"),
        UNPARSEABLE("unparseable", 400, "unparseable message"),
        // RFC 3261 section 18.3: over UDP a body shorter than Content-Length is an error, answered 400
        BODY_TOO_SHORT("body_too_short", 400, "body shorter than Content-Length"),
        // what the RI's SIPRequest.checkHeaders demands before it opens a server transaction; without
        // an answer here the request would be dropped silently when the application asks for one
        MISSING_CONTACT("missing_contact", 400, "missing Contact"), // RFC 3261 section 8.1.1.8, RFC 6665, RFC 3515
        MISSING_EVENT("missing_event", 400, "missing Event"), // RFC 3903 section 4, RFC 6665 section 8.2.1
        MISSING_SUBSCRIPTION_STATE("missing_subscription_state", 400, "missing Subscription-State"), // RFC 6665 8.2.3
        // RFC 3261 section 7.3.1: these header fields appear at most once (section 20 for the list)
        DUPLICATE_CALL_ID("duplicate_call_id", 400, "duplicate Call-ID"),
        DUPLICATE_CSEQ("duplicate_cseq", 400, "duplicate CSeq"),
        DUPLICATE_FROM("duplicate_from", 400, "duplicate From"),
        DUPLICATE_TO("duplicate_to", 400, "duplicate To"),
        DUPLICATE_CONTENT_LENGTH("duplicate_content_length", 400, "duplicate Content-Length"),
        DUPLICATE_MAX_FORWARDS("duplicate_max_forwards", 400, "duplicate Max-Forwards"),
        // RFC 3261 section 8.1.1.5: the sequence number MUST be less than 2**31
        CSEQ_OUT_OF_RANGE("cseq_out_of_range", 400, "CSeq out of range"),
        // RFC 3261 section 20.22: 0-255
        INVALID_MAX_FORWARDS("invalid_max_forwards", 400, "invalid Max-Forwards"),
        // RFC 3261 section 19.1.1: a Request-URI carries no headers component (RFC 4475 section 3.1.2.11)
        REQUEST_URI_HEADERS("request_uri_headers", 400, "headers in Request-URI"),
        // RFC 3261 section 16.3 item 4: an option tag in Proxy-Require we do not support (none, today)
        BAD_EXTENSION("bad_extension", 420, "Bad Extension"),
        // RFC 3261 section 8.2.2 (ACK excepted): the RI answers these itself; counted here
        CSEQ_METHOD_MISMATCH("cseq_method_mismatch", 400, "CSeq method mismatch"),
        // RFC 3261 section 21.5.20
        VERSION_NOT_SUPPORTED("version_not_supported", 505, "Version Not Supported"),
        // the RI threw while processing a datagram (a bug of its own that a peer triggered)
        STACK_ERROR("stack_error", 0, "stack error");

        private final String label;
        private final int status;
        private final String detail;

        Reason(String label, int status, String detail) {
            this.label = label;
            this.status = status;
            this.detail = detail;
        }

        /** The Prometheus label value. */
        public String label() {
            return label;
        }

        /** The status the request is answered with, or 0 if it is dropped unanswered. */
        public int status() {
            return status;
        }

        /** The reason phrase of the answer: fixed text, never taken from the input. */
        public String phrase() {
            return status == 400 ? "Bad Request (" + detail + ")" : detail;
        }

        /** The short description used in the log and in the RI's automatic 400 ("Bad Request (...)"). */
        public String detail() {
            return detail;
        }
    }

    private static final Map<Reason, LongAdder> COUNTS = new EnumMap<>(Reason.class);
    private static final Map<Reason, AtomicLong> NEXT_LOG = new EnumMap<>(Reason.class);
    private static final Map<Reason, LongAdder> SUPPRESSED = new EnumMap<>(Reason.class);

    static {
        long now = System.nanoTime();
        for (Reason r : Reason.values()) {
            COUNTS.put(r, new LongAdder());
            NEXT_LOG.put(r, new AtomicLong(now));
            SUPPRESSED.put(r, new LongAdder());
        }
    }

    private MalformedInput() {}

    /**
     * Counts one refused message and logs it if no line was logged for this reason in the last
     * {@value #LOG_INTERVAL_SECONDS} s.
     *
     * @param source the peer's IP address, or null when the caller does not know it (TCP parsing)
     */
    public static void refused(Reason reason, String source) {
        COUNTS.get(reason).increment();
        AtomicLong next = NEXT_LOG.get(reason);
        long now = System.nanoTime();
        long due = next.get();
        if (now - due >= 0 && next.compareAndSet(due, now + LOG_INTERVAL_NANOS)) {
            long earlier = SUPPRESSED.get(reason).sumThenReset();
            LOG.info(
                    "Refused malformed SIP input ({}){}; {} more since the last report",
                    reason.detail(),
                    source == null ? "" : " from " + source,
                    earlier);
        } else {
            SUPPRESSED.get(reason).increment();
        }
    }

    /** How many messages were refused for this reason since the JVM started. */
    public static long count(Reason reason) {
        return COUNTS.get(reason).sum();
    }
}

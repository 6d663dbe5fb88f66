package io.switchboard.sip.stack;

import gov.nist.core.CommonLogger;
import gov.nist.core.LogLevels;
import gov.nist.core.StackLogger;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JAIN-SIP RI's diagnostic log, sent to SLF4J, so the RI never loads its default
 * {@code gov.nist.core.LogWriter}, which needs log4j 1.x (end of life, not shipped by us).
 * Set with {@code gov.nist.javax.sip.STACK_LOGGER}; {@link SipEndpoint} does.
 *
 * <p>Logger name {@value #NAME}. Level mapping, chosen so that production (INFO) costs nothing:
 * the RI's info messages are per-message chatter (e.g. "serving msg on call id") and go to
 * DEBUG; its level 16 means both INFO and "trace messages" (LogLevels.TRACE_MESSAGES), and
 * answering true makes the RI encode every message for the {@link Slf4jServerLogger}, so it is
 * true only when DEBUG is on here or on {@value Slf4jServerLogger#NAME}.
 *
 * <p>Messages the RI logs at ERROR because a <em>peer</em> sent something malformed ("bad message
 * ...", ">>> Dropped Bad Msg", responses with a bad tag or format, a CSeq method mismatch) go to
 * DEBUG instead and are counted in {@link #peerMessagesDropped()}: one ERROR line (with the whole
 * message) per garbage packet would let any scanner fill the disks. Internal errors stay ERROR.
 * The RI's error for a datagram it failed on (which carries the datagram as a decimal byte array)
 * and its TCP "Problem parsing message" warning (the whole message) are never logged at INFO or
 * above: {@link MalformedInput} counts them and reports them in one line per 10 s.
 *
 * <p>The RI keeps one JVM-wide logger ({@code CommonLogger.legacyLogger}, a static set by every
 * stack it creates); before the first stack exists any RI class that logs would reach for log4j
 * and fail with NoClassDefFoundError. {@link #install()} plugs this logger in early, for code that
 * uses the RI's factories and parsers without a stack (tests, tools).
 */
public final class Slf4jStackLogger implements StackLogger {
    public static final String NAME = "gov.nist.javax.sip";
    private static final Logger LOG = LoggerFactory.getLogger(NAME);
    private static final Logger MESSAGES = LoggerFactory.getLogger(Slf4jServerLogger.NAME);
    private static final LongAdder PEER_DROPS = new LongAdder();
    /** Starts of RI error messages that report a peer's malformed message, not a fault of ours. */
    private static final List<String> PEER_FAULTS = List.of(
            "bad message ",
            ">>> Dropped Bad Msg",
            "Dropping Badly formatted response message",
            "Dropping response message with invalid tag");
    /** Start of UDPMessageChannel.run()'s error line for a datagram it failed on, followed by the datagram's bytes. */
    static final String UDP_PACKET_FAILED = "Error while processing incoming UDP packet";
    /** Start of NioPipelineParser's warning for a message that failed to parse, followed by the message. */
    static final String PROBLEM_PARSING = "Problem parsing message";
    /** Exception messages of ConnectionOrientedMessageChannel's "Error occured processing message" caused by the peer. */
    private static final List<String> PEER_FAULT_EXCEPTIONS =
            List.of("Bad CSeq method", "Message size exceeded", "Bad version");

    /** Public no-argument constructor: the RI instantiates the class named in its properties. */
    public Slf4jStackLogger() {
        // stateless: all state is in the SLF4J backend
    }

    /**
     * Malformed messages from peers the RI dropped or rejected and reported through its log (each
     * counted once, though the RI may log several lines for one): for a Prometheus counter.
     */
    public static long peerMessagesDropped() {
        return PEER_DROPS.sum();
    }

    /** Routes the RI's static logging to SLF4J now, unless a stack already did. Idempotent. */
    public static synchronized void install() {
        if (CommonLogger.legacyLogger == null) {
            CommonLogger.legacyLogger = new Slf4jStackLogger();
        }
    }

    @Override
    public boolean isLoggingEnabled() {
        return LOG.isWarnEnabled();
    }

    @Override
    public boolean isLoggingEnabled(int level) {
        if (level >= LogLevels.TRACE_TRACE) {
            return LOG.isTraceEnabled();
        }
        if (level >= LogLevels.TRACE_DEBUG) {
            return LOG.isDebugEnabled();
        }
        if (level >= LogLevels.TRACE_INFO) {
            return LOG.isDebugEnabled() || MESSAGES.isDebugEnabled();
        }
        if (level >= LogLevels.TRACE_WARN) {
            return LOG.isWarnEnabled();
        }
        if (level >= LogLevels.TRACE_FATAL) {
            return LOG.isErrorEnabled();
        }
        return false;
    }

    @Override
    public void logStackTrace() {
        if (LOG.isDebugEnabled()) {
            LOG.debug("stack trace requested by JAIN-SIP", new Throwable("stack trace"));
        }
    }

    @Override
    public void logStackTrace(int traceLevel) {
        if (isLoggingEnabled(traceLevel) && LOG.isDebugEnabled()) {
            LOG.debug("stack trace requested by JAIN-SIP", new Throwable("stack trace"));
        }
    }

    @Override
    public int getLineCount() {
        return 0;
    }

    @Override
    public void logException(Throwable ex) {
        LOG.warn("JAIN-SIP exception", ex);
    }

    @Override
    public void logDebug(String message) {
        LOG.debug(message);
    }

    @Override
    public void logDebug(String message, Exception ex) {
        LOG.debug(message, ex);
    }

    @Override
    public void logTrace(String message) {
        LOG.trace(message);
    }

    @Override
    public void logFatalError(String message) {
        LOG.error(message);
    }

    @Override
    public void logError(String message) {
        if (startsWithAny(message, PEER_FAULTS)) {
            if (!message.startsWith(">>> Dropped Bad Msg")) {
                PEER_DROPS.increment(); // "bad message" and ">>> Dropped" come in pairs
            }
            LOG.debug(message);
        } else {
            LOG.error(message);
        }
    }

    @Override
    public void logError(String message, Exception ex) {
        if (message != null && message.startsWith(UDP_PACKET_FAILED)) {
            // UDPMessageChannel.run() appends the whole datagram as a decimal byte array (about 4
            // log bytes per byte received): counted and reported by MalformedInput, never logged
            MalformedInput.refused(MalformedInput.Reason.STACK_ERROR, null);
            if (LOG.isDebugEnabled()) {
                LOG.debug(UDP_PACKET_FAILED, ex);
            }
            return;
        }
        if (ex != null && startsWithAny(ex.getMessage(), PEER_FAULT_EXCEPTIONS)) {
            PEER_DROPS.increment();
            LOG.debug(message, ex);
        } else {
            LOG.error(message, ex);
        }
    }

    private static boolean startsWithAny(String message, List<String> prefixes) {
        if (message == null) {
            return false;
        }
        for (String p : prefixes) {
            if (message.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void logWarning(String message) {
        if (message != null && message.startsWith(PROBLEM_PARSING)) {
            // NioPipelineParser (TCP/TLS) adds the whole message; our parser counted and reported it already
            LOG.debug(message);
            return;
        }
        LOG.warn(message);
    }

    @Override
    public void logInfo(String message) {
        LOG.debug(message);
    }

    @Override
    public void disableLogging() {
        // levels belong to the SLF4J backend's configuration, not to the RI
    }

    @Override
    public void enableLogging() {
        // levels belong to the SLF4J backend's configuration, not to the RI
    }

    @Override
    public void setBuildTimeStamp(String buildTimeStamp) {
        LOG.debug("JAIN-SIP RI build {}", buildTimeStamp);
    }

    @Override
    public void setStackProperties(Properties stackProperties) {
        // nothing to configure: see the class comment for the level mapping
    }

    @Override
    public String getLoggerName() {
        return NAME;
    }
}

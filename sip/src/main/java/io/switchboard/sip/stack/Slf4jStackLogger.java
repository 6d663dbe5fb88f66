package io.switchboard.sip.stack;

import gov.nist.core.CommonLogger;
import gov.nist.core.LogLevels;
import gov.nist.core.StackLogger;
import java.util.Properties;
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
 * <p>The RI keeps one JVM-wide logger ({@code CommonLogger.legacyLogger}, a static set by every
 * stack it creates); before the first stack exists any RI class that logs would reach for log4j
 * and fail with NoClassDefFoundError. {@link #install()} plugs this logger in early, for code that
 * uses the RI's factories and parsers without a stack (tests, tools).
 */
public final class Slf4jStackLogger implements StackLogger {
    public static final String NAME = "gov.nist.javax.sip";
    private static final Logger LOG = LoggerFactory.getLogger(NAME);
    private static final Logger MESSAGES = LoggerFactory.getLogger(Slf4jServerLogger.NAME);

    /** Public no-argument constructor: the RI instantiates the class named in its properties. */
    public Slf4jStackLogger() {
        // stateless: all state is in the SLF4J backend
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
        LOG.error(message);
    }

    @Override
    public void logError(String message, Exception ex) {
        LOG.error(message, ex);
    }

    @Override
    public void logWarning(String message) {
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

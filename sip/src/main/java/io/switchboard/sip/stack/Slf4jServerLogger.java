package io.switchboard.sip.stack;

import gov.nist.core.ServerLogger;
import gov.nist.javax.sip.message.SIPMessage;
import java.util.Properties;
import javax.sip.SipStack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RI's message trace (every SIP message sent and received), sent to SLF4J at DEBUG under
 * {@value #NAME}. Set with {@code gov.nist.javax.sip.SERVER_LOGGER}. Off unless that logger is at
 * DEBUG: encoding each message for the log would cost real throughput.
 */
public final class Slf4jServerLogger implements ServerLogger {
    public static final String NAME = "gov.nist.javax.sip.messages";
    private static final Logger MESSAGES = LoggerFactory.getLogger(NAME);
    private static final Logger LOG = LoggerFactory.getLogger(Slf4jStackLogger.NAME);

    /** Public no-argument constructor: the RI instantiates the class named in its properties. */
    public Slf4jServerLogger() {
        // stateless
    }

    @Override
    public void logMessage(SIPMessage message, String from, String to, boolean sender, long time) {
        trace(message, from, to, null, sender);
    }

    @Override
    public void logMessage(SIPMessage message, String from, String to, String status, boolean sender, long time) {
        trace(message, from, to, status, sender);
    }

    @Override
    public void logMessage(SIPMessage message, String from, String to, String status, boolean sender) {
        trace(message, from, to, status, sender);
    }

    private static void trace(SIPMessage message, String from, String to, String status, boolean sender) {
        if (MESSAGES.isDebugEnabled()) {
            MESSAGES.debug(
                    "{} {} -> {}{}\n{}",
                    sender ? "sent" : "received",
                    from,
                    to,
                    status == null ? "" : " (" + status + ")",
                    message.encode());
        }
    }

    @Override
    public void logException(Exception ex) {
        LOG.warn("JAIN-SIP exception", ex);
    }

    @Override
    public void closeLogFile() {
        // no file: the SLF4J backend owns the output
    }

    @Override
    public void setStackProperties(Properties stackProperties) {
        // nothing to configure
    }

    @Override
    public void setSipStack(SipStack sipStack) {
        // the stack is not needed to log
    }
}

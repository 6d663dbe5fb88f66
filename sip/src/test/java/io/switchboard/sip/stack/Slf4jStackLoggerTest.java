package io.switchboard.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import gov.nist.core.LogLevels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class Slf4jStackLoggerTest {
    private final Logger stack = (Logger) LoggerFactory.getLogger(Slf4jStackLogger.NAME);
    private final Logger messages = (Logger) LoggerFactory.getLogger(Slf4jServerLogger.NAME);
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();
    private Level stackLevel;
    private Level messagesLevel;
    private final Slf4jStackLogger logger = new Slf4jStackLogger();

    @BeforeEach
    void capture() {
        stackLevel = stack.getLevel();
        messagesLevel = messages.getLevel();
        events.start();
        stack.addAppender(events);
    }

    @AfterEach
    void restore() {
        stack.detachAppender(events);
        stack.setLevel(stackLevel);
        messages.setLevel(messagesLevel);
    }

    @Test
    void atInfoTheRiTracesNothingAndEncodesNoMessages() {
        stack.setLevel(Level.INFO);
        messages.setLevel(Level.INFO);
        assertThat(logger.isLoggingEnabled(LogLevels.TRACE_DEBUG)).isFalse();
        assertThat(logger.isLoggingEnabled(LogLevels.TRACE_MESSAGES)).isFalse();
        assertThat(logger.isLoggingEnabled(LogLevels.TRACE_WARN)).isTrue();
        assertThat(logger.isLoggingEnabled(LogLevels.TRACE_ERROR)).isTrue();
        logger.logInfo("serving msg on call id 42");
        assertThat(events.list).isEmpty();
    }

    @Test
    void messageTraceCanBeEnabledWithoutTheRiDebugChatter() {
        stack.setLevel(Level.INFO);
        messages.setLevel(Level.DEBUG);
        assertThat(logger.isLoggingEnabled(LogLevels.TRACE_MESSAGES)).isTrue();
        assertThat(logger.isLoggingEnabled(LogLevels.TRACE_DEBUG)).isFalse();
    }

    @Test
    void peerGarbageIsDemotedToDebugAndCounted() {
        stack.setLevel(Level.INFO);
        long before = Slf4jStackLogger.peerMessagesDropped();
        logger.logError("bad message OPTIONS sip:x SIP/2.0 ...");
        logger.logError(">>> Dropped Bad Msg From = ...");
        logger.logError("Error occured processing message ", new Exception("Bad CSeq methodOPTIONS ..."));
        assertThat(events.list).isEmpty();
        assertThat(Slf4jStackLogger.peerMessagesDropped() - before).isEqualTo(2);
        logger.logError(
                "Unexpected exception caught while delivering event -- carrying on bravely",
                new IllegalStateException("bug"));
        logger.logError("something internal broke");
        assertThat(events.list).extracting(ILoggingEvent::getLevel).containsExactly(Level.ERROR, Level.ERROR);
    }
}

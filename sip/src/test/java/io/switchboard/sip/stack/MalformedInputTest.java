package io.switchboard.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.switchboard.sip.stack.MalformedInput.Reason;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class MalformedInputTest {

    @Test
    void aFloodIsCountedInFullAndLoggedAtMostOncePerWindow() {
        Logger logger = (Logger) LoggerFactory.getLogger(MalformedInput.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logger.addAppender(events);
        try {
            Reason reason = Reason.DUPLICATE_MAX_FORWARDS;
            long before = MalformedInput.count(reason);
            for (int i = 0; i < 10_000; i++) {
                MalformedInput.refused(reason, "192.0.2.1");
            }
            assertThat(MalformedInput.count(reason) - before).isEqualTo(10_000);
            // one line, unless another test used up this reason's window in the last 10 s
            assertThat(events.list).hasSizeLessThanOrEqualTo(1);
            assertThat(events.list)
                    .allSatisfy(e -> assertThat(e.getFormattedMessage())
                            .isEqualTo("Refused malformed SIP input (duplicate Max-Forwards) from 192.0.2.1; "
                                    + "0 more since the last report"));
        } finally {
            logger.detachAppender(events);
        }
    }

    @Test
    void theRisPacketErrorLineNeverReachesTheLog() {
        Logger stack = (Logger) LoggerFactory.getLogger(Slf4jStackLogger.NAME);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        stack.addAppender(events);
        try {
            long before = MalformedInput.count(Reason.STACK_ERROR);
            // what UDPMessageChannel.run() logs when processing a datagram throws
            new Slf4jStackLogger()
                    .logError(
                            "Error while processing incoming UDP packet[79, 80, 84, 73, 79, 78, 83]",
                            new NullPointerException());
            new Slf4jStackLogger().logWarning("Problem parsing message OPTIONS sip:x SIP/2.0 ...");
            assertThat(MalformedInput.count(Reason.STACK_ERROR)).isEqualTo(before + 1);
            assertThat(events.list)
                    .allSatisfy(e ->
                            assertThat(e.getLevel().toInt()).isLessThan(ch.qos.logback.classic.Level.INFO.toInt()));
        } finally {
            stack.detachAppender(events);
        }
    }
}

package io.switchboard.sip.stack;

import gov.nist.javax.sip.header.CSeq;
import gov.nist.javax.sip.header.CallID;
import gov.nist.javax.sip.header.ContentLength;
import gov.nist.javax.sip.header.From;
import gov.nist.javax.sip.header.RequestLine;
import gov.nist.javax.sip.header.StatusLine;
import gov.nist.javax.sip.header.To;
import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.parser.MessageParser;
import gov.nist.javax.sip.parser.MessageParserFactory;
import gov.nist.javax.sip.parser.ParseExceptionListener;
import gov.nist.javax.sip.parser.StringMsgParser;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import java.text.ParseException;
import java.util.Set;

/**
 * Makes TCP/TLS report malformed optional headers the way UDP does. Set as
 * {@code gov.nist.javax.sip.MESSAGE_PARSER_FACTORY}.
 *
 * <p>Why: the RI's UDP channel parses with itself as {@link ParseExceptionListener} and keeps a
 * malformed optional header as an "unrecognized" header ({@code SIPMessage.getUnrecognizedHeaders()}),
 * but its NIO TCP/TLS parser passes no listener, and the RI's parser then silently drops the
 * header. A REGISTER over TCP with a garbled Contact would reach the registrar as a REGISTER without
 * Contact, which RFC 3261 section 10.3 treats as a query for the bindings - the client would be
 * told "200 OK" and never learn its registration failed. With this parser the adapter sees the bad
 * header on every transport and can answer 400: a malformed request is answered 400 at the edge,
 * before any entity is asked.
 *
 * <p>Everything else is the RI's behaviour, unchanged: when the RI passes its own listener (UDP)
 * that listener is used; a malformed first line or unparseable header name still fails the whole
 * message; a malformed From/To/Via/CSeq/Call-ID/Content-Length is still dropped, so the channel
 * discards the message as it does today.
 */
public final class KeepBadHeadersParserFactory implements MessageParserFactory {
    private static final MessageParser PARSER = new KeepBadHeadersParser();

    /** Public no-argument constructor: the RI instantiates the class named in its properties. */
    public KeepBadHeadersParserFactory() {
        // the parser is stateless and shared, as the RI's StringMsgParserFactory does
    }

    @Override
    public MessageParser createMessageParser(SIPTransactionStack stack) {
        return PARSER;
    }

    static final class KeepBadHeadersParser extends StringMsgParser {
        /** The headers whose parse errors the RI treats as fatal for the message (its UDPMessageChannel's list). */
        private static final Set<Class<?>> REQUIRED = Set.of(
                From.class,
                To.class,
                CSeq.class,
                Via.class,
                CallID.class,
                ContentLength.class,
                RequestLine.class,
                StatusLine.class);

        private static final ParseExceptionListener KEEP_AS_UNRECOGNIZED = KeepBadHeadersParser::keep;

        @Override
        public SIPMessage parseSIPMessage(
                byte[] message, boolean readBody, boolean strict, ParseExceptionListener listener)
                throws ParseException {
            return super.parseSIPMessage(message, readBody, strict, listener != null ? listener : KEEP_AS_UNRECOGNIZED);
        }

        private static void keep(
                ParseException ex, SIPMessage message, Class<?> headerClass, String header, String rawMessage)
                throws ParseException {
            if (headerClass == null
                    || header == null
                    || headerClass == RequestLine.class
                    || headerClass == StatusLine.class) {
                throw ex; // what the RI's parser does without a listener
            }
            if (!REQUIRED.contains(headerClass) && message != null) {
                message.addUnparsed(header);
            }
            // a bad required header is dropped, as without a listener; the channel then drops the message
        }
    }
}

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
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.parser.MessageParser;
import gov.nist.javax.sip.parser.MessageParserFactory;
import gov.nist.javax.sip.parser.ParseExceptionListener;
import gov.nist.javax.sip.parser.StringMsgParser;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import io.switchboard.sip.stack.MalformedInput.Reason;
import java.text.ParseException;
import java.util.Optional;
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
 * <p>It also screens every message for what the RI lets through or fails on (see
 * {@link RequestScreen} and the module README). A message the RI cannot parse, or a request
 * without Via, From, To, Call-ID or CSeq, is counted and logged by {@link MalformedInput} and
 * fails with a {@link Refused} exception whose text is a fixed phrase: over UDP the RI's automatic
 * 400 then reads "Bad Request (malformed From)" instead of echoing the parser's message (which
 * held input bytes and a Java object id), and a request without CSeq no longer reaches the
 * channel's NullPointerException. A request that parses but breaks RFC 3261 (version, duplicate
 * single-valued headers, CSeq range, Max-Forwards, and the rest {@link RequestScreen} checks) is
 * delivered marked for {@link ScreenedListener}, which answers it on every transport; a request
 * without Max-Forwards (RFC 2543) gets one. The parser's own listener is used
 * on every transport; the RI's UDP channel as listener would log each bad header with a stack
 * trace and the whole message.
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

        /**
         * Parses with our own listener whatever the RI passes: the RI's UDP channel as listener
         * would log every bad header with its stack trace and the whole message at ERROR.
         */
        @Override
        public SIPMessage parseSIPMessage(
                byte[] message, boolean readBody, boolean strict, ParseExceptionListener channel)
                throws ParseException {
            KeepAsUnrecognized listener = new KeepAsUnrecognized();
            SIPMessage parsed;
            try {
                parsed = super.parseSIPMessage(message, readBody, strict, listener);
            } catch (ParseException | RuntimeException | StackOverflowError e) {
                // the RI's parser recurses on some inputs; whatever it threw, the message is refused
                Reason reason = listener.reason();
                if (reason == Reason.UNPARSEABLE
                        && e.getMessage() != null
                        && e.getMessage().startsWith("Invalid content length")) {
                    reason = Reason.BODY_TOO_SHORT; // StringMsgParser's text when the datagram ends early
                }
                MalformedInput.refused(reason, sourceOf(channel));
                throw new Refused(reason);
            }
            if (parsed instanceof SIPRequest request) {
                Optional<Reason> refusal = RequestScreen.parsed(request).or(() -> RequestScreen.raw(message));
                if (refusal.isPresent()) {
                    Reason reason = refusal.get();
                    MalformedInput.refused(reason, sourceOf(channel));
                    if (reason.status() == 0) {
                        // no response can be built without this header: the RI drops the message
                        // (UDP: its automatic 400 finds nothing to copy) instead of failing on it
                        throw new Refused(reason);
                    }
                    if (reason != Reason.CSEQ_METHOD_MISMATCH) { // that one the RI answers itself
                        ScreenedListener.refuse(request, reason);
                    }
                } else {
                    RequestScreen.addMissingMaxForwards(request);
                }
            }
            return parsed;
        }

        private static String sourceOf(ParseExceptionListener channel) {
            try {
                return channel instanceof MessageChannel c ? c.getPeerAddress() : null;
            } catch (RuntimeException e) {
                return null;
            }
        }

        /** Keeps malformed optional headers as unrecognized; remembers which required one failed. */
        private static final class KeepAsUnrecognized implements ParseExceptionListener {
            private Class<?> failed;

            @Override
            public void handleException(
                    ParseException ex, SIPMessage message, Class headerClass, String header, String rawMessage)
                    throws ParseException {
                if (headerClass == null
                        || header == null
                        || headerClass == RequestLine.class
                        || headerClass == StatusLine.class) {
                    failed = headerClass;
                    throw ex; // what the RI's parser does without a listener
                }
                if (!REQUIRED.contains(headerClass) && message != null) {
                    message.addUnparsed(header);
                    return;
                }
                // a bad required header fails the message, as the RI's UDP channel does
                failed = headerClass;
                throw ex;
            }

            Reason reason() {
                if (failed == RequestLine.class) {
                    return Reason.MALFORMED_REQUEST_LINE;
                } else if (failed == StatusLine.class) {
                    return Reason.MALFORMED_STATUS_LINE;
                } else if (failed == Via.class) {
                    return Reason.MALFORMED_VIA;
                } else if (failed == From.class) {
                    return Reason.MALFORMED_FROM;
                } else if (failed == To.class) {
                    return Reason.MALFORMED_TO;
                } else if (failed == CallID.class) {
                    return Reason.MALFORMED_CALL_ID;
                } else if (failed == CSeq.class) {
                    return Reason.MALFORMED_CSEQ;
                } else if (failed == ContentLength.class) {
                    return Reason.MALFORMED_CONTENT_LENGTH;
                }
                return Reason.UNPARSEABLE;
            }
        }
    }

    /**
     * A refused message. Its text is the fixed {@link Reason#detail()}, because the RI's UDP channel
     * puts the exception text into its automatic "400 Bad Request (...)" (MessageChannel.createBadReqRes).
     */
    static final class Refused extends ParseException {
        private static final long serialVersionUID = 1L;

        Refused(Reason reason) {
            super(reason.detail(), 0);
        }
    }
}

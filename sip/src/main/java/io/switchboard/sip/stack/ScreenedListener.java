package io.switchboard.sip.stack;

import gov.nist.javax.sip.message.SIPMessage;
import io.switchboard.sip.stack.MalformedInput.Reason;
import java.text.ParseException;
import java.util.concurrent.ThreadLocalRandom;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.SipException;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ProxyRequireHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the requests the parser marked as refused (see {@link KeepBadHeadersParserFactory}) and
 * hands everything else to the application's listener, so no adapter ever sees a request that
 * breaks RFC 3261 in a way the RI lets through. {@link SipEndpoint} installs it in front of every
 * listener.
 *
 * <p>The answer is stateless (RFC 3261 section 8.2.6.1; {@link SipProvider#sendResponse}): a refused
 * request creates no server transaction, so a flood of them holds no state; a retransmission is
 * refused again at the same cost. An ACK is never answered (RFC 3261 section 17.2.1). The reason
 * phrase is {@link Reason#phrase()}, fixed text.
 */
final class ScreenedListener implements SipListener {
    private static final Logger LOG = LoggerFactory.getLogger(ScreenedListener.class);
    private final SipListener application;
    private final MessageFactory messages;
    private final HeaderFactory headers;

    ScreenedListener(SipListener application, MessageFactory messages, HeaderFactory headers) {
        this.application = application;
        this.messages = messages;
        this.headers = headers;
    }

    /** Marks a parsed request as refused; only the parser calls this, before the RI delivers it. */
    static void refuse(SIPMessage request, Reason reason) {
        request.setApplicationData(reason);
    }

    /** The reason a request was refused for, if the parser refused it. */
    static Reason refusalOf(Request request) {
        return request instanceof SIPMessage m && m.getApplicationData() instanceof Reason r ? r : null;
    }

    @Override
    public void processRequest(RequestEvent event) {
        Request request = event.getRequest();
        Reason refused = refusalOf(request);
        if (refused == null) {
            application.processRequest(event);
            return;
        }
        if (Request.ACK.equals(request.getMethod())) {
            return;
        }
        try {
            Response response = messages.createResponse(refused.status(), request);
            response.setReasonPhrase(refused.phrase());
            ToHeader to = (ToHeader) response.getHeader(ToHeader.NAME);
            if (to != null && to.getTag() == null) {
                // RFC 3261 section 8.2.6.2: a response the UAS makes carries its own To tag
                to.setTag(Long.toHexString(ThreadLocalRandom.current().nextLong()));
            }
            if (refused == Reason.BAD_EXTENSION) {
                // RFC 3261 section 8.2.2.3: list the option tags not understood (tokens, as parsed)
                for (var it = request.getHeaders(ProxyRequireHeader.NAME); it.hasNext(); ) {
                    String tag = ((ProxyRequireHeader) it.next()).getOptionTag();
                    response.addHeader(headers.createUnsupportedHeader(tag));
                }
            }
            ((SipProvider) event.getSource()).sendResponse(response);
        } catch (ParseException | SipException | RuntimeException e) {
            LOG.debug("Could not answer a refused {}: {}", request.getMethod(), e.toString());
        }
    }

    @Override
    public void processResponse(ResponseEvent event) {
        application.processResponse(event);
    }

    @Override
    public void processTimeout(TimeoutEvent event) {
        application.processTimeout(event);
    }

    @Override
    public void processIOException(IOExceptionEvent event) {
        application.processIOException(event);
    }

    @Override
    public void processTransactionTerminated(TransactionTerminatedEvent event) {
        application.processTransactionTerminated(event);
    }

    @Override
    public void processDialogTerminated(DialogTerminatedEvent event) {
        application.processDialogTerminated(event);
    }
}

package io.switchboard.sip.stack;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.header.CallIdHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;

/** A UAS for tests: answers OPTIONS 200 (statefully) and remembers every request it saw. */
final class RecordingServer implements SipListener {
    final List<Request> requests = new CopyOnWriteArrayList<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private volatile MessageFactory messages;

    void attach(SipEndpoint endpoint) {
        this.messages = endpoint.messages();
    }

    boolean saw(String callId) {
        return requests.stream()
                .anyMatch(r -> callId.equals(((CallIdHeader) r.getHeader(CallIdHeader.NAME)).getCallId()));
    }

    @Override
    public void processRequest(RequestEvent event) {
        Request request = event.getRequest();
        requests.add(request);
        if (!Request.OPTIONS.equals(request.getMethod())) {
            return;
        }
        try {
            ServerTransaction st = event.getServerTransaction();
            if (st == null) {
                st = ((SipProvider) event.getSource()).getNewServerTransaction(request);
            }
            st.sendResponse(messages.createResponse(Response.OK, request));
        } catch (Exception e) {
            errors.add(e);
        }
    }

    @Override
    public void processResponse(ResponseEvent event) {
        // a UAS: no requests sent
    }

    @Override
    public void processTimeout(TimeoutEvent event) {
        // nothing to retry
    }

    @Override
    public void processIOException(IOExceptionEvent event) {
        errors.add(new java.io.IOException("I/O error with " + event.getHost() + ":" + event.getPort()));
    }

    @Override
    public void processTransactionTerminated(TransactionTerminatedEvent event) {
        // nothing held per transaction
    }

    @Override
    public void processDialogTerminated(DialogTerminatedEvent event) {
        // no dialogs: AUTOMATIC_DIALOG_SUPPORT is off
    }
}

package io.switchboard.sip.stack;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import javax.sip.ClientTransaction;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.SipListener;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.address.SipURI;
import javax.sip.header.CallIdHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;

/** A UAC for tests on top of a second SipEndpoint: sends OPTIONS, hands back the final response. */
final class TestUa implements SipListener, AutoCloseable {
    private final Map<String, CompletableFuture<Response>> pending = new ConcurrentHashMap<>();
    private SipEndpoint endpoint;

    static TestUa start(String name) {
        TestUa ua = new TestUa();
        ua.endpoint = SipEndpoint.start(
                SipStackSettings.defaults(name, "127.0.0.1", 0, 0).withThreadPoolSize(2), ua);
        return ua;
    }

    static TestUa startWithTls(String name, TlsSettings tls) {
        TestUa ua = new TestUa();
        ua.endpoint = SipEndpoint.start(
                SipStackSettings.defaults(name, "127.0.0.1", -1, -1)
                        .withTls(tls)
                        .withThreadPoolSize(2),
                ua);
        return ua;
    }

    SipEndpoint endpoint() {
        return endpoint;
    }

    /** Sends OPTIONS to 127.0.0.1:port over transport; the future completes with the final response. */
    CompletableFuture<Response> options(String transport, int port) throws Exception {
        HeaderFactory h = endpoint.headers();
        SipURI target = endpoint.addresses().createSipURI("server", "127.0.0.1");
        target.setPort(port);
        target.setTransportParam(transport);
        SipURI me = endpoint.addresses().createSipURI("ua", "127.0.0.1");
        CallIdHeader callId = endpoint.provider().getNewCallId();
        int myPort = endpoint.listeningPoint(transport).orElseThrow().getPort();
        ViaHeader via = h.createViaHeader("127.0.0.1", myPort, transport, null);
        Request request = endpoint.messages()
                .createRequest(
                        target,
                        Request.OPTIONS,
                        callId,
                        h.createCSeqHeader(1L, Request.OPTIONS),
                        h.createFromHeader(endpoint.addresses().createAddress(me), "t" + System.nanoTime()),
                        h.createToHeader(endpoint.addresses().createAddress(target), null),
                        List.of(via),
                        h.createMaxForwardsHeader(70));
        CompletableFuture<Response> f = new CompletableFuture<>();
        pending.put(callId.getCallId(), f);
        ClientTransaction ct = endpoint.provider().getNewClientTransaction(request);
        ct.sendRequest();
        return f;
    }

    @Override
    public void processResponse(ResponseEvent event) {
        Response r = event.getResponse();
        if (r.getStatusCode() >= 200) {
            String id = ((CallIdHeader) r.getHeader(CallIdHeader.NAME)).getCallId();
            CompletableFuture<Response> f = pending.remove(id);
            if (f != null) {
                f.complete(r);
            }
        }
    }

    @Override
    public void processTimeout(TimeoutEvent event) {
        Request r = event.getClientTransaction().getRequest();
        String id = ((CallIdHeader) r.getHeader(CallIdHeader.NAME)).getCallId();
        CompletableFuture<Response> f = pending.remove(id);
        if (f != null) {
            f.completeExceptionally(new TimeoutException("transaction timeout for " + id));
        }
    }

    @Override
    public void processRequest(RequestEvent event) {
        // a UAC only
    }

    @Override
    public void processIOException(IOExceptionEvent event) {
        pending.values()
                .forEach(f -> f.completeExceptionally(
                        new java.io.IOException("I/O error with " + event.getHost() + ":" + event.getPort())));
    }

    @Override
    public void processTransactionTerminated(TransactionTerminatedEvent event) {
        // futures complete on the response or timeout
    }

    @Override
    public void processDialogTerminated(DialogTerminatedEvent event) {
        // no dialogs
    }

    @Override
    public void close() {
        endpoint.close();
    }
}

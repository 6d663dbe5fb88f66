package io.switchboard.park.sip;

import io.switchboard.park.domain.ParkNotice;
import io.switchboard.park.domain.ParkedCall;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import javax.sip.ClientTransaction;
import javax.sip.ResponseEvent;
import javax.sip.TimeoutEvent;
import javax.sip.address.Address;
import javax.sip.message.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The parker's MESSAGE naming the orbit (RFC 3428), to each of the parker's registered endpoints. */
final class ParkerMessages {

    private static final Logger LOG = LoggerFactory.getLogger(ParkerMessages.class);

    /** Marks the MESSAGE client transactions, so the node's listener hands their responses here. */
    private record Notice(String parkId) {}

    private final SipKit sip;
    private final Function<String, CompletionStage<List<ParkSip.MessageTarget>>> targets;

    ParkerMessages(SipKit sip, Function<String, CompletionStage<List<ParkSip.MessageTarget>>> targets) {
        this.sip = sip;
        this.targets = targets;
    }

    void notifyParker(String parkId, ParkedCall call) {
        targets.apply(call.parker()).whenComplete((list, failure) -> {
            if (failure != null) {
                LOG.info("Parker {} of {} not told: {}", call.parker(), parkId, failure.toString());
                return;
            }
            for (ParkSip.MessageTarget t : list) {
                try {
                    send(parkId, call, t);
                } catch (Exception e) {
                    LOG.info("MESSAGE to {} for {} not sent: {}", t.requestUri(), parkId, e.toString());
                }
            }
        });
    }

    /** A MESSAGE from the park service to one endpoint of the parker, outside any dialog. */
    private void send(String parkId, ParkedCall call, ParkSip.MessageTarget t) throws Exception {
        String transport = t.hop() != null ? t.hop().transport().toLowerCase(Locale.ROOT) : "udp";
        Address from = sip.addresses.createAddress(sip.parkUri);
        Address to = sip.addresses.createAddress(call.parker());
        Request message = sip.messages.createRequest(
                sip.addresses.createURI(t.requestUri()),
                Request.MESSAGE,
                sip.provider.getNewCallId(),
                sip.headers.createCSeqHeader(1L, Request.MESSAGE),
                sip.headers.createFromHeader(from, SipKit.newTag()),
                sip.headers.createToHeader(to, null),
                List.of(sip.headers.createViaHeader(
                        sip.identity.address(), sip.identity.port(transport), transport, SipKit.newBranch())),
                sip.headers.createMaxForwardsHeader(70));
        message.setContent(
                ParkNotice.parked(call).getBytes(StandardCharsets.UTF_8),
                sip.headers.createContentTypeHeader("text", "plain"));
        SipKit.via(message, t.hop()); // into this connection (ProxyRouter)
        ClientTransaction ct = sip.provider.getNewClientTransaction(message);
        ct.setApplicationData(new Notice(parkId));
        ct.sendRequest();
    }

    static boolean onResponse(ResponseEvent event) {
        ClientTransaction ct = event.getClientTransaction();
        if (ct != null && ct.getApplicationData() instanceof Notice n) {
            int status = event.getResponse().getStatusCode();
            if (status >= 300) {
                LOG.info("Parker's MESSAGE for {} answered {}", n.parkId(), status);
            }
            return true;
        }
        return false;
    }

    static boolean onTimeout(TimeoutEvent event) {
        ClientTransaction ct = event.getClientTransaction();
        if (ct != null && ct.getApplicationData() instanceof Notice n) {
            LOG.info("Parker's MESSAGE for {} timed out", n.parkId());
            return true;
        }
        return false;
    }
}

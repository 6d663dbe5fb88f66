package io.switchboard.park.sip;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.sip.ClientTransaction;
import javax.sip.ResponseEvent;
import javax.sip.TimeoutEvent;
import javax.sip.address.Address;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rings a parked call out of its orbit: to the parker (a ring-back) or to the range's fallback. An
 * INVITE goes to each registered endpoint at once (parallel forking done by us, each its own call,
 * RFC 3261 section 16.7's "first 2xx wins" without a proxy in between); the first 2xx wins and the
 * other branches are CANCELled (section 9.1), a 2xx arriving after that is ACKed and hung up.
 * The offer is the parked caller's own, so the one who answers sends media to the caller at once.
 * One ringing per park at a time: a new one cancels the previous.
 */
final class Ringer {

    private static final Logger LOG = LoggerFactory.getLogger(Ringer.class);

    /** The 2xx of one branch: our dialog with whoever answered, and its SDP answer. */
    record Answered(Leg leg, byte[] sdp) {}

    /** Marks an INVITE branch's client transaction: every response of it (1xx too) goes to {@link #onBranch}. */
    record Branch(Ringing ringing, ParkSip.MessageTarget target) {}

    /** One park's ringing: its branches, and whether it is over (answered, given up or cancelled). */
    final class Ringing {
        final Ringer ringer = Ringer.this;
        final String parkId;
        final Consumer<Answered> answered;
        final Runnable notAnswered;
        final List<ClientTransaction> branches = new ArrayList<>();
        final List<ClientTransaction> provisional = new ArrayList<>();
        int failed;
        boolean over;
        ScheduledFuture<?> noAnswer;

        Ringing(String parkId, Consumer<Answered> answered, Runnable notAnswered) {
            this.parkId = parkId;
            this.answered = answered;
            this.notAnswered = notAnswered;
        }
    }

    private final SipKit sip;
    private final ScheduledExecutorService timer;
    private final Map<String, Ringing> byPark = new ConcurrentHashMap<>();

    Ringer(SipKit sip, ScheduledExecutorService timer) {
        this.sip = sip;
        this.timer = timer;
    }

    /**
     * Rings {@code targets} for park {@code parkId}: From the park service with {@code display},
     * To {@code toUri}, a Subject saying what this call is (RFC 3261 section 20.36), the parked
     * caller's {@code identity} as P-Asserted-Identity, the caller's {@code offer}. {@code answered} gets the first 2xx; {@code notAnswered} runs when every
     * branch failed or, with {@code noAnswerAfter}, nobody answered in time (then the branches
     * are cancelled). Without targets {@code notAnswered} runs at once.
     */
    void ring(
            String parkId,
            List<ParkSip.MessageTarget> targets,
            String toUri,
            String display,
            String identity,
            String subject,
            String offer,
            Duration noAnswerAfter,
            Consumer<Answered> answered,
            Runnable notAnswered) {
        cancel(parkId);
        Ringing ringing = new Ringing(parkId, answered, notAnswered);
        byPark.put(parkId, ringing);
        // every branch is known before the first is sent, so "all failed" counts them all
        List<ClientTransaction> toSend = new ArrayList<>();
        for (ParkSip.MessageTarget t : targets) {
            try {
                ClientTransaction ct =
                        sip.provider.getNewClientTransaction(invite(t, toUri, display, identity, subject, offer));
                ct.setApplicationData(new Branch(ringing, t));
                toSend.add(ct);
            } catch (Exception e) {
                LOG.info("Park {}: INVITE to {} not made: {}", parkId, t.requestUri(), e.toString());
            }
        }
        synchronized (ringing) {
            ringing.branches.addAll(toSend);
        }
        for (ClientTransaction ct : toSend) {
            try {
                ct.sendRequest();
            } catch (Exception e) {
                LOG.info(
                        "Park {}: INVITE to {} not sent: {}",
                        parkId,
                        ct.getRequest().getRequestURI(),
                        e.toString());
                onBranch(ringing, ct, null);
            }
        }
        boolean none;
        synchronized (ringing) {
            none = ringing.branches.isEmpty();
            if (!none && noAnswerAfter != null) {
                ringing.noAnswer = timer.schedule(
                        () -> {
                            if (finish(ringing)) {
                                LOG.info("Park {}: nobody answered within {}", parkId, noAnswerAfter);
                                ringing.notAnswered.run();
                            }
                        },
                        noAnswerAfter.toMillis(),
                        TimeUnit.MILLISECONDS);
            }
        }
        if (none && finish(ringing)) {
            notAnswered.run();
        }
    }

    /** Stops the ringing of {@code parkId}, if any: its branches are cancelled, nothing is told. */
    void cancel(String parkId) {
        Ringing ringing = byPark.get(parkId);
        if (ringing != null) {
            finish(ringing);
        }
    }

    /** Ends {@code ringing} once: forgets it, stops its timer, cancels the branches that rang. True the first time. */
    private boolean finish(Ringing ringing) {
        List<ClientTransaction> toCancel;
        synchronized (ringing) {
            if (ringing.over) {
                return false;
            }
            ringing.over = true;
            if (ringing.noAnswer != null) {
                ringing.noAnswer.cancel(false);
            }
            toCancel = List.copyOf(ringing.provisional);
        }
        byPark.remove(ringing.parkId, ringing);
        toCancel.forEach(this::sendCancel);
        return true;
    }

    /**
     * RFC 3261 section 9.1: a CANCEL only after a provisional response (a branch that has not
     * answered yet is cancelled when its first 1xx arrives).
     */
    private void sendCancel(ClientTransaction ct) {
        try {
            Request cancel = ct.createCancel();
            if (ct.getApplicationData() instanceof Branch b) {
                SipKit.via(cancel, b.target().hop());
            }
            ClientTransaction cancelTx = sip.provider.getNewClientTransaction(cancel);
            cancelTx.setApplicationData(new SipKit.Awaiting(response -> {}));
            cancelTx.sendRequest();
        } catch (Exception e) {
            LOG.info("CANCEL not sent: {}", e.toString());
        }
    }

    private Request invite(
            ParkSip.MessageTarget t, String toUri, String display, String identity, String subject, String offer)
            throws Exception {
        String transport = t.hop() != null ? t.hop().transport().toLowerCase(Locale.ROOT) : "udp";
        Address from = sip.addresses.createAddress(sip.parkUri);
        from.setDisplayName(display);
        Request invite = sip.messages.createRequest(
                sip.addresses.createURI(t.requestUri()),
                Request.INVITE,
                sip.provider.getNewCallId(),
                sip.headers.createCSeqHeader(1L, Request.INVITE),
                sip.headers.createFromHeader(from, SipKit.newTag()),
                sip.headers.createToHeader(sip.addresses.createAddress(toUri), null),
                List.of(sip.headers.createViaHeader(
                        sip.identity.address(), sip.identity.port(transport), transport, SipKit.newBranch())),
                sip.headers.createMaxForwardsHeader(70));
        invite.addHeader(sip.headers.createContactHeader(sip.addresses.createAddress(sip.ownContact())));
        invite.addHeader(sip.headers.createSubjectHeader(subject));
        // who is really calling: the parked caller (RFC 3325), the park service being only the From
        invite.addHeader(sip.headers.createHeader("P-Asserted-Identity", identity));
        invite.setContent(
                offer.getBytes(StandardCharsets.UTF_8), sip.headers.createContentTypeHeader("application", "sdp"));
        SipKit.via(invite, t.hop()); // into the endpoint's connection (ProxyRouter)
        return invite;
    }

    /** True when {@code event} answers one of our ringing INVITEs. */
    static boolean onResponse(ResponseEvent event) {
        ClientTransaction ct = event.getClientTransaction();
        if (ct != null && ct.getApplicationData() instanceof Branch b) {
            b.ringing().ringer.onBranch(b.ringing(), ct, event.getResponse());
            return true;
        }
        return false;
    }

    /** True when {@code event} is the timeout of one of our ringing INVITEs (counted as a failed branch). */
    static boolean onTimeout(TimeoutEvent event) {
        ClientTransaction ct = event.getClientTransaction();
        if (ct != null && ct.getApplicationData() instanceof Branch b) {
            b.ringing().ringer.onBranch(b.ringing(), ct, null);
            return true;
        }
        return false;
    }

    private void onBranch(Ringing ringing, ClientTransaction ct, Response response) {
        int status = response == null ? Response.REQUEST_TIMEOUT : response.getStatusCode();
        if (status < 200) {
            boolean cancelNow;
            synchronized (ringing) {
                if (ringing.provisional.contains(ct)) {
                    return;
                }
                ringing.provisional.add(ct);
                cancelNow = ringing.over;
            }
            if (cancelNow) {
                sendCancel(ct);
            }
            return;
        }
        if (status < 300) {
            Leg leg = Leg.asCaller(ct.getRequest(), response);
            sip.ack(leg, response); // RFC 3261 section 13.2.2.4
            boolean first;
            synchronized (ringing) {
                first = !ringing.over;
                ringing.provisional.remove(ct); // answered: not to be cancelled
            }
            if (!first || !finish(ringing)) {
                sip.bye(leg); // answered too late: another branch won, or the ringing was stopped
                return;
            }
            ringing.answered.accept(new Answered(leg, response.getRawContent()));
            return;
        }
        boolean allFailed;
        synchronized (ringing) {
            ringing.failed++;
            allFailed = ringing.failed >= ringing.branches.size();
        }
        if (allFailed && finish(ringing)) {
            LOG.info("Park {}: every branch refused (last {})", ringing.parkId, status);
            ringing.notAnswered.run();
        }
    }
}

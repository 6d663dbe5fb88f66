package io.switchboard.park.sip;

import io.switchboard.sip.routing.ParallelFork;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
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
 * INVITE goes to each registered endpoint at once ({@link ParallelFork}: parallel forking done by
 * us, each its own call, RFC 3261 section 16.7's "first 2xx wins" without a proxy in between); the
 * first 2xx wins and the other branches are CANCELled (section 9.1), a 2xx arriving after that is
 * ACKed and hung up. The offer is the parked caller's own, so the one who answers sends media to
 * the caller at once. One ringing per park at a time: a new one cancels the previous.
 */
final class Ringer {

    private static final Logger LOG = LoggerFactory.getLogger(Ringer.class);

    /** The 2xx of one branch: our dialog with whoever answered, and its SDP answer. */
    record Answered(Leg leg, byte[] sdp) {}

    private final SipKit sip;
    private final ScheduledExecutorService timer;
    private final Map<String, ParallelFork> byPark = new ConcurrentHashMap<>();

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
        List<Request> invites = new ArrayList<>();
        for (ParkSip.MessageTarget t : targets) {
            try {
                invites.add(invite(t, toUri, display, identity, subject, offer));
            } catch (Exception e) {
                LOG.info("Park {}: INVITE to {} not made: {}", parkId, t.requestUri(), e.toString());
            }
        }
        ParallelFork[] self = new ParallelFork[1];
        ParallelFork fork = new ParallelFork(sip.provider, new ParallelFork.Listener() {
            @Override
            public void answered(ClientTransaction branch, Response ok) {
                byPark.remove(parkId, self[0]);
                Leg leg = Leg.asCaller(branch.getRequest(), ok);
                sip.ack(leg, ok); // RFC 3261 section 13.2.2.4
                answered.accept(new Answered(leg, ok.getRawContent()));
            }

            @Override
            public void answeredLate(ClientTransaction branch, Response ok) {
                Leg leg = Leg.asCaller(branch.getRequest(), ok);
                sip.ack(leg, ok);
                sip.bye(leg); // answered too late: another branch won, or the ringing was stopped
            }

            @Override
            public void answeredAgain(ClientTransaction branch, Response ok) {
                sip.ack(Leg.asCaller(branch.getRequest(), ok), ok); // our ACK was lost
            }

            @Override
            public void notAnswered(Response best) {
                byPark.remove(parkId, self[0]);
                LOG.info(
                        "Park {}: nobody answered ({})",
                        parkId,
                        best == null ? "no answer in time" : "last " + best.getStatusCode());
                notAnswered.run();
            }
        });
        self[0] = fork;
        byPark.put(parkId, fork);
        fork.start(invites, noAnswerAfter, timer);
    }

    /** Stops the ringing of {@code parkId}, if any: its branches are cancelled, nothing is told. */
    void cancel(String parkId) {
        ParallelFork fork = byPark.remove(parkId);
        if (fork != null) {
            fork.stop();
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

    /** True when {@code event} answers one of our ringing INVITEs (or one of their CANCELs). */
    static boolean onResponse(ResponseEvent event) {
        return ParallelFork.onResponse(event);
    }

    /** True when {@code event} is the timeout of one of our ringing INVITEs (counted as a failed branch). */
    static boolean onTimeout(TimeoutEvent event) {
        return ParallelFork.onTimeout(event);
    }
}

package io.switchboard.conference.sip;

import io.switchboard.conference.domain.MixerHealth;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.sip.ClientTransaction;
import javax.sip.header.CallIdHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the configured mixers from this node (conferencing-focus/README.md, "Mixer watching"):
 * every check interval an OPTIONS to each (RFC 3261 section 11, the usual SIP keep-alive probe);
 * an OPTIONS still unanswered when the next one is due counts as no answer, so the timeout is the
 * interval itself. What each answer (or its absence, or a mixer's BYE) means is {@link
 * MixerHealth}'s; the result goes to the {@link MixerPool} (down mixers are not offered) and to
 * {@link Listener}. Every node watches every mixer: each node allocates mixers for the joins it
 * takes and moves the legs it holds, so each needs its own current view; the probes cost one
 * OPTIONS per mixer per interval per node.
 */
final class MixerWatch {

    private static final Logger LOG = LoggerFactory.getLogger(MixerWatch.class);

    interface Listener {
        /** One failed observation of {@code mixer} ({@link MixerHealth#NO_ANSWER}, 5xx, bye), counted. */
        void failed(String mixer, String reason);

        /** {@code mixer} went up or down. */
        void changed(String mixer, boolean up);
    }

    /** One OPTIONS on its way; {@code answered} once its final response (or its loss) was taken. */
    private static final class Ping {
        volatile ClientTransaction tx;
        volatile boolean answered;
    }

    private final MixerPool pool;
    private final Signalling sip;
    private final Listener listener;
    private final Map<String, Ping> outstanding = new ConcurrentHashMap<>();
    private volatile ScheduledFuture<?> checking;

    MixerWatch(MixerPool pool, Signalling sip, Listener listener) {
        this.pool = pool;
        this.sip = sip;
        this.listener = listener;
    }

    void start(ScheduledExecutorService timer, Duration interval) {
        if (!pool.configured()) {
            return;
        }
        long ms = interval.toMillis();
        checking = timer.scheduleWithFixedDelay(this::check, 0, ms, TimeUnit.MILLISECONDS);
    }

    void stop() {
        ScheduledFuture<?> f = checking;
        if (f != null) {
            f.cancel(false);
        }
    }

    /** One round: the last OPTIONS to each mixer is answered or counts as no answer; a new one goes out. */
    void check() {
        for (String mixer : pool.mixers()) {
            try {
                Ping last = outstanding.get(mixer);
                if (last != null && take(last)) {
                    ClientTransaction tx = last.tx;
                    if (tx != null) {
                        try {
                            tx.terminate(); // no more retransmissions to a mixer we gave up on
                        } catch (Exception e) {
                            LOG.debug("OPTIONS transaction to {} not terminated: {}", mixer, e.toString());
                        }
                    }
                    observe(mixer, new MixerHealth.Observation.NoAnswer());
                }
                ping(mixer);
            } catch (RuntimeException e) {
                LOG.warn("Checking mixer {} failed: {}", mixer, e.toString());
            }
        }
    }

    private void ping(String mixer) {
        Ping ping = new Ping();
        outstanding.put(mixer, ping);
        try {
            DialogSide d = DialogSide.uac(
                    ((CallIdHeader) sip.provider.getNewCallId()).getCallId(),
                    Signalling.newTag(),
                    sip.nodeContact("focus"),
                    mixer);
            Request options = sip.inDialog(d, Request.OPTIONS, null);
            ping.tx = sip.sendInTransaction(options, response -> answered(mixer, ping, response));
        } catch (Exception e) {
            // not sent (say an unresolvable host): left unanswered, the next round counts it
            LOG.debug("OPTIONS to mixer {} not sent: {}", mixer, e.toString());
        }
    }

    private void answered(String mixer, Ping ping, Response response) {
        if (outstanding.get(mixer) != ping || !take(ping)) {
            return; // a late answer to a probe already counted as lost
        }
        observe(
                mixer,
                response == null
                        ? new MixerHealth.Observation.NoAnswer()
                        : new MixerHealth.Observation.Answered(response.getStatusCode()));
    }

    /** True the first time, for the one who counts {@code ping}. */
    private static boolean take(Ping ping) {
        synchronized (ping) {
            if (ping.answered) {
                return false;
            }
            ping.answered = true;
            return true;
        }
    }

    /** What was seen of {@code mixer} (also a BYE from it, from the focus): counted, and its state set. */
    void observe(String mixer, MixerHealth.Observation seen) {
        MixerHealth.Verdict v = MixerHealth.next(seen);
        if (v.failure() != null) {
            listener.failed(mixer, v.failure());
        }
        if (pool.mixers().contains(mixer) && pool.setUp(mixer, v.up())) {
            LOG.warn(
                    "Conference mixer {} is {} ({})",
                    mixer,
                    v.up() ? "up" : "down",
                    v.failure() != null ? v.failure() : seen);
            listener.changed(mixer, v.up());
        }
    }
}

package io.switchboard.node.metrics;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import io.switchboard.conference.sip.FocusSip;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

/**
 * The conferencing focus's metrics on the node's registry: its SIP outcomes by label (joins,
 * lobby waits, refusals, leaves, mixer allocations and failures, {@link FocusSip}'s labels) and
 * what this node holds now (conferences with a leg here, participant legs).
 */
public final class ConferenceMetrics {

    private final Counter events;
    private final Counter mixerFailures;

    public ConferenceMetrics(NodeMetrics node, IntSupplier conferences, IntSupplier participants) {
        CollectorRegistry registry = node.registry();
        events = Counter.build(
                        "switchboard_conference_events_total",
                        "Conferencing focus events on this node, by outcome (joined, lobby, refused, left, "
                                + "mixer-allocated, mixer-failed, mixer-moved, created, unavailable, message, subscribed, notify, "
                                + "dialed-out, dial-out-failed)")
                .labelNames("outcome")
                .register(registry);
        for (String outcome : new String[] {
            FocusSip.JOINED,
            FocusSip.LOBBY,
            FocusSip.REFUSED,
            FocusSip.LEFT,
            FocusSip.MIXER_ALLOCATED,
            FocusSip.MIXER_FAILED,
            FocusSip.MIXER_MOVED,
            FocusSip.CREATED,
            FocusSip.UNAVAILABLE,
            FocusSip.MESSAGE,
            FocusSip.SUBSCRIBED,
            FocusSip.NOTIFIED,
            FocusSip.DIALED_OUT,
            FocusSip.DIAL_OUT_FAILED
        }) {
            events.labels(outcome); // present at 0 from the start
        }
        mixerFailures = Counter.build(
                        "switchboard_conference_mixer_failures_total",
                        "Failed checks of a conference mixer seen by this node, by mixer and reason "
                                + "(no-answer: OPTIONS unanswered for the check interval, 5xx, bye: the mixer ended a leg)")
                .labelNames("mixer", "reason")
                .register(registry);
        gauge(
                registry,
                "switchboard_conference_active",
                "Conferences with a participant leg on this node",
                conferences);
        gauge(
                registry,
                "switchboard_conference_participants",
                "Participant legs this node holds (in a conference, its lobby or being connected)",
                participants);
    }

    /**
     * {@code switchboard_conference_mixer_up{mixer}}: 1 while this node sees the mixer up (it may
     * be allocated), 0 while down; one series per configured mixer.
     */
    public void watchMixers(NodeMetrics node, List<String> mixers, Predicate<String> up) {
        Gauge state = Gauge.build(
                        "switchboard_conference_mixer_up",
                        "1 while this node sees the conference mixer up (allocated to conferences), 0 while down")
                .labelNames("mixer")
                .create();
        for (String m : mixers) {
            state.setChild(
                    new Gauge.Child() {
                        @Override
                        public double get() {
                            return up.test(m) ? 1 : 0;
                        }
                    },
                    m);
        }
        state.register(node.registry());
    }

    /** A failed check of {@code mixer} (see the counter's help). */
    public void mixerFailed(String mixer, String reason) {
        mixerFailures.labels(mixer, reason).inc();
    }

    public void count(String outcome) {
        events.labels(outcome).inc();
    }

    private static void gauge(CollectorRegistry registry, String name, String help, IntSupplier value) {
        Gauge.build(name, help)
                .create()
                .setChild(new Gauge.Child() {
                    @Override
                    public double get() {
                        return value.getAsInt();
                    }
                })
                .register(registry);
    }
}

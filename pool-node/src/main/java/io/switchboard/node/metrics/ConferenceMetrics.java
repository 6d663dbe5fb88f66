package io.switchboard.node.metrics;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import io.switchboard.conference.sip.FocusSip;
import java.util.function.IntSupplier;

/**
 * The conferencing focus's metrics on the node's registry: its SIP outcomes by label (joins,
 * lobby waits, refusals, leaves, mixer allocations and failures, {@link FocusSip}'s labels) and
 * what this node holds now (conferences with a leg here, participant legs).
 */
public final class ConferenceMetrics {

    private final Counter events;

    public ConferenceMetrics(NodeMetrics node, IntSupplier conferences, IntSupplier participants) {
        CollectorRegistry registry = node.registry();
        events = Counter.build(
                        "switchboard_conference_events_total",
                        "Conferencing focus events on this node, by outcome (joined, lobby, refused, left, "
                                + "mixer-allocated, mixer-failed, unavailable, message, subscribed, notify)")
                .labelNames("outcome")
                .register(registry);
        for (String outcome : new String[] {
            FocusSip.JOINED,
            FocusSip.LOBBY,
            FocusSip.REFUSED,
            FocusSip.LEFT,
            FocusSip.MIXER_ALLOCATED,
            FocusSip.MIXER_FAILED,
            FocusSip.UNAVAILABLE,
            FocusSip.MESSAGE,
            FocusSip.SUBSCRIBED,
            FocusSip.NOTIFIED
        }) {
            events.labels(outcome); // present at 0 from the start
        }
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

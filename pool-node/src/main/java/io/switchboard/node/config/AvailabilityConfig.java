package io.switchboard.node.config;

import io.switchboard.entity.AskBudget;
import io.switchboard.node.routing.AdmissionRules;
import io.switchboard.node.routing.WorkClass;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * The {@code switchboard.availability} section (issue 17): how an ask's time is shared between
 * waiting and writing, so an answer never says "failed" for a write that completed.
 *
 * @param budget         the SIP edge's asks to entities: {@code registrar.ask-timeout}, split by
 *                       {@code write-timeout} and {@code answer-margin} (see {@link AskBudget})
 * @param warmUpRounds   {@code warm-up.rounds}: at least this many warm-up rounds before ready
 * @param normalRounds   {@code warm-up.normal-rounds}: the last this many each within normalLatency
 * @param normalLatency  {@code warm-up.normal-latency}: what one round takes at normal latency
 * @param warmUpSipRequests {@code warm-up.sip-requests}: REGISTERs the node sends its own SIP port
 *                       before it is ready (each answered 401), so the SIP stack's code is compiled
 * @param warmUpEveryShard {@code warm-up.every-shard}: "auto", "yes" or "no": whether the rounds go
 *                       through a reserved AOR in every shard (auto: in a pool of one, see SwitchboardNode)
 * @param retryAfter     {@code retry-after}: the Retry-After of the SIP edge's 503s while not
 *                       serving (warming up, shedding)
 * @param inFlight      {@code admission.registers-in-flight}, {@code invites-in-flight},
 *                       {@code messages-in-flight}, {@code subscribes-in-flight},
 *                       {@code publishes-in-flight}: requests of each {@link WorkClass} in flight
 *                       at once on this node (taken and not yet answered or sent on); beyond it
 *                       503 at once (0: no bound)
 * @param load          {@code admission.queue-wait} and {@code queue-wait-credentials}: the standing
 *                       backlog of the SIP stack's UDP queue at which new work without, and with,
 *                       credentials is shed (0: never); and 80% and 90% of {@code
 *                       sip.max-server-transactions}, where the same is shed for the stack's
 *                       transactions
 * @param sendDeadlines  {@code send-deadlines}: REGISTERs, PUBLISHes and SUBSCRIBEs travel to
 *                       their entities in the messages that carry the time their asker still
 *                       waits (RegisterWithin, PublishWithin, SubscribeWithin, RefreshWithin:
 *                       a TimeLeft, never an instant of the asker's clock), and watches carry
 *                       their lifetime (WatchFor), which a node of an earlier release cannot
 *                       read; false: the older messages (Register, Publish with an instant,
 *                       Subscribe, Refresh, Watch)
 */
public record AvailabilityConfig(
        AskBudget budget,
        int warmUpRounds,
        int normalRounds,
        Duration normalLatency,
        int warmUpSipRequests,
        String warmUpEveryShard,
        Duration retryAfter,
        Map<WorkClass, Integer> inFlight,
        AdmissionRules.LoadLimits load,
        boolean sendDeadlines) {

    public static AvailabilityConfig of(NodeConfig config) {
        ConfigReader a = new ConfigReader(config.raw(), "").at("switchboard").at("availability");
        Duration writeTimeout = a.duration("write-timeout", Duration.ofMillis(10));
        Duration margin = a.duration("answer-margin", Duration.ZERO);
        AskBudget budget;
        try {
            budget = new AskBudget(config.registrar().askTimeout(), writeTimeout, margin);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(a.key("write-timeout"), e.getMessage() + " (switchboard.registrar.ask-timeout)");
        }
        ConfigReader w = a.at("warm-up");
        int rounds = w.integer("rounds", 1, 100_000);
        int normal = w.integer("normal-rounds", 1, 100_000);
        if (normal > rounds) {
            throw new ConfigError(w.key("normal-rounds"), "must not exceed warm-up.rounds (" + rounds + ")");
        }
        Duration normalLatency = w.duration("normal-latency", Duration.ofMillis(1));
        int sipRequests = w.integer("sip-requests", 0, 1_000_000);
        String everyShard = w.matching(
                "every-shard", v -> v.equals("auto") || v.equals("yes") || v.equals("no"), "must be auto, yes or no");
        Duration retryAfter = a.duration("retry-after", Duration.ofSeconds(1));
        if (retryAfter.toSeconds() > 3600) {
            throw new ConfigError(a.key("retry-after"), "must be at most 3600s, was " + retryAfter.toSeconds() + "s");
        }
        ConfigReader admission = a.at("admission");
        Map<WorkClass, Integer> inFlight = new EnumMap<>(WorkClass.class);
        for (WorkClass c : WorkClass.values()) {
            inFlight.put(c, admission.integer(c.key(), 0, 10_000_000));
        }
        Duration queueWait = admission.duration("queue-wait", Duration.ZERO);
        Duration queueWaitCredentials = admission.duration("queue-wait-credentials", Duration.ZERO);
        if (!queueWaitCredentials.isZero() && queueWaitCredentials.compareTo(queueWait) < 0) {
            throw new ConfigError(
                    admission.key("queue-wait-credentials"),
                    "must not be shorter than queue-wait (" + queueWait.toMillis() + "ms): requests with credentials "
                            + "are the last to be shed (0s: never)");
        }
        if (queueWait.isZero() && !queueWaitCredentials.isZero()) {
            throw new ConfigError(
                    admission.key("queue-wait-credentials"),
                    "must be 0s when queue-wait is 0s (off): requests with credentials are never shed before those "
                            + "without");
        }
        int heapPercent = admission.integer("heap-percent", 0, 100);
        int heapPercentCredentials = admission.integer("heap-percent-credentials", 0, 100);
        if (heapPercentCredentials != 0 && heapPercentCredentials < heapPercent) {
            throw new ConfigError(
                    admission.key("heap-percent-credentials"),
                    "must not be below heap-percent (" + heapPercent + "): requests with credentials are the last "
                            + "to be shed (0: never)");
        }
        if (heapPercent == 0 && heapPercentCredentials != 0) {
            throw new ConfigError(
                    admission.key("heap-percent-credentials"),
                    "must be 0 when heap-percent is 0 (off): requests with credentials are never shed before those "
                            + "without");
        }
        return new AvailabilityConfig(
                budget,
                rounds,
                normal,
                normalLatency,
                sipRequests,
                everyShard,
                retryAfter,
                Collections.unmodifiableMap(inFlight),
                AdmissionRules.LoadLimits.of(
                                queueWait.toMillis(),
                                queueWaitCredentials.toMillis(),
                                config.sip().maxServerTransactions())
                        .withHeap(heapPercent, heapPercentCredentials),
                a.bool("send-deadlines"));
    }

    /** REGISTERs in flight at once ({@code admission.registers-in-flight}). */
    public int registersInFlight() {
        return inFlight.get(WorkClass.REGISTER);
    }
}

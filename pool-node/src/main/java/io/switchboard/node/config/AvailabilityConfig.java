package io.switchboard.node.config;

import io.switchboard.entity.AskBudget;
import java.time.Duration;

/**
 * The {@code switchboard.availability} section (issue 17): how an ask's time is shared between
 * waiting and writing, so an answer never says "failed" for a write that completed.
 *
 * @param budget         the SIP edge's asks to entities: {@code registrar.ask-timeout}, split by
 *                       {@code write-timeout} and {@code answer-margin} (see {@link AskBudget})
 * @param warmUpRounds   {@code warm-up.rounds}: at least this many warm-up rounds before ready
 * @param normalRounds   {@code warm-up.normal-rounds}: the last this many each within normalLatency
 * @param normalLatency  {@code warm-up.normal-latency}: what one round takes at normal latency
 * @param retryAfter     {@code retry-after}: the Retry-After of the SIP edge's 503s while not
 *                       serving (warming up, shedding)
 * @param registersInFlight {@code admission.registers-in-flight}: REGISTERs waiting for their
 *                       entity at once on this node; beyond it 503 at once (0: no bound)
 * @param sendDeadlines  {@code send-deadlines}: REGISTERs and SUBSCRIBEs travel to their entities
 *                       in the messages that carry the deadline (RegisterBefore, SubscribeBefore,
 *                       RefreshBefore), which a node of an earlier release cannot read
 */
public record AvailabilityConfig(
        AskBudget budget,
        int warmUpRounds,
        int normalRounds,
        Duration normalLatency,
        Duration retryAfter,
        int registersInFlight,
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
        Duration retryAfter = a.duration("retry-after", Duration.ofSeconds(1));
        if (retryAfter.toSeconds() > 3600) {
            throw new ConfigError(a.key("retry-after"), "must be at most 3600s, was " + retryAfter.toSeconds() + "s");
        }
        int registers = a.at("admission").integer("registers-in-flight", 0, 10_000_000);
        return new AvailabilityConfig(
                budget, rounds, normal, normalLatency, retryAfter, registers, a.bool("send-deadlines"));
    }
}

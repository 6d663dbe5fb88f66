package io.switchboard.node.config;

import io.switchboard.entity.AskBudget;
import java.time.Duration;

/**
 * The {@code switchboard.availability} section (issue 17): how an ask's time is shared between
 * waiting and writing, so an answer never says "failed" for a write that completed.
 *
 * @param budget the SIP edge's asks to entities: {@code registrar.ask-timeout}, split by
 *               {@code write-timeout} and {@code answer-margin} (see {@link AskBudget})
 */
public record AvailabilityConfig(AskBudget budget) {

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
        return new AvailabilityConfig(budget);
    }
}

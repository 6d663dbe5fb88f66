package io.switchboard.node.config;

import com.typesafe.config.Config;
import io.switchboard.presence.domain.Availability;
import io.switchboard.presence.domain.CustomState;
import io.switchboard.presence.domain.CustomStates;
import io.switchboard.presence.domain.PresenceLimits;
import io.switchboard.presence.domain.PublishRules;
import io.switchboard.presence.domain.SubscribeRules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code switchboard.presence} section.
 *
 * @param notifyInterval at most one NOTIFY per watcher's dialog, and one fan-out per presentity,
 *                       per interval; changes in between are merged into the next (storms)
 * @param subscribe      SUBSCRIBE durations and the largest resource list
 * @param publish        PUBLISH durations and publications per presentity
 * @param customStates   the pool's custom presence states (up to 4)
 * @param limits         the caps per watcher, per presentity and per source ({@code limits.*})
 */
public record PresenceConfig(
        Duration notifyInterval,
        SubscribeRules.Limits subscribe,
        PublishRules.Limits publish,
        CustomStates customStates,
        PresenceLimits limits) {

    public static PresenceConfig of(NodeConfig config) {
        ConfigReader p = new ConfigReader(config.raw(), "").at("switchboard").at("presence");
        Duration interval = p.duration("notify-interval", Duration.ZERO);
        if (interval.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new ConfigError(p.key("notify-interval"), "must be at most 60s");
        }
        ConfigReader s = p.at("subscription");
        SubscribeRules.Limits subscribe = new SubscribeRules.Limits(
                seconds(s, "min-expires"),
                seconds(s, "default-expires"),
                seconds(s, "max-expires"),
                s.integer("max-list-size", 1, 10_000));
        order(s, subscribe.minExpires(), subscribe.defaultExpires(), subscribe.maxExpires());
        ConfigReader pub = p.at("publication");
        PublishRules.Limits publish = new PublishRules.Limits(
                seconds(pub, "min-expires"),
                seconds(pub, "default-expires"),
                seconds(pub, "max-expires"),
                pub.integer("max-per-user", 1, 1000));
        order(pub, publish.minExpires(), publish.defaultExpires(), publish.maxExpires());
        ConfigReader l = p.at("limits");
        PresenceLimits limits = new PresenceLimits(
                l.integer("dialogs-per-watcher", 1, 100_000),
                l.integer("watchers-per-presentity", 1, 1_000_000),
                l.integer("new-dialogs-per-second", 1, 1_000_000),
                l.integer("new-dialogs-burst", 1, 10_000_000));
        return new PresenceConfig(interval, subscribe, publish, customStates(p), limits);
    }

    private static long seconds(ConfigReader r, String key) {
        return r.duration(key, Duration.ofSeconds(1)).toSeconds();
    }

    private static void order(ConfigReader r, long min, long dflt, long max) {
        if (!(min <= dflt && dflt <= max)) {
            throw new ConfigError(
                    r.key("default-expires"),
                    "must lie between min-expires (" + min + "s) and max-expires (" + max + "s), was " + dflt + "s");
        }
    }

    private static CustomStates customStates(ConfigReader p) {
        List<CustomState> states = new ArrayList<>();
        List<? extends Config> list = p.objects("custom-states");
        for (int i = 0; i < list.size(); i++) {
            ConfigReader c = new ConfigReader(list.get(i), p.key("custom-states") + "[" + i + "]");
            Availability a = Availability.ofToken(c.string("availability"));
            if (a == null) {
                throw new ConfigError(
                        c.key("availability"),
                        "must be available, busy or do-not-disturb, was \"" + c.string("availability") + "\"");
            }
            states.add(new CustomState(c.integer("id", 1, 4), c.string("text"), a));
        }
        CustomStates.Validated v = CustomStates.of(states);
        if (v instanceof CustomStates.Validated.Invalid invalid) {
            throw new ConfigError(p.key("custom-states"), invalid.reason());
        }
        return ((CustomStates.Validated.Ok) v).states();
    }
}

package io.switchboard.presence.domain;

/**
 * The duration rules of RFC 6665 section 4.2.1.1 for presence subscriptions: a requested
 * duration below the minimum gets 423 (Interval Too Brief) with Min-Expires; above the maximum
 * it is lowered and the 200 says so; absent means the package default, one hour for presence
 * (RFC 3856 section 6.4). Zero is an unsubscribe (or, on an initial SUBSCRIBE, a fetch: one
 * NOTIFY with the current state and the subscription terminated, section 4.4.3).
 */
public final class SubscribeRules {

    public record Limits(long minExpires, long defaultExpires, long maxExpires, int maxListSize) {
        public static final Limits DEFAULTS = new Limits(60, 3600, 7200, 1000);
    }

    /** Granted seconds, or the 423 refusal. */
    public sealed interface Duration permits Granted, TooBrief {}

    public record Granted(long seconds) implements Duration {}

    public record TooBrief(long minExpires) implements Duration {}

    private final Limits limits;

    public SubscribeRules(Limits limits) {
        this.limits = limits;
    }

    public Limits limits() {
        return limits;
    }

    /** @param requested the Expires value, or -1 when absent */
    public Duration duration(long requested) {
        if (requested < 0) {
            return new Granted(limits.defaultExpires());
        }
        if (requested == 0) {
            return new Granted(0);
        }
        if (requested < limits.minExpires()) {
            return new TooBrief(limits.minExpires());
        }
        return new Granted(Math.min(requested, limits.maxExpires()));
    }
}

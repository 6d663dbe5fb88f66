package io.switchboard.node.routing;

import java.util.Locale;

/**
 * The kinds of new work the SIP edge bounds separately (issue 17, item 3; docs/architecture.md,
 * rule 11): each has its own number of requests in flight on a node, its own configuration key
 * ({@code switchboard.availability.admission.<key>}) and its own reason in
 * {@code switchboard_sip_shed_total{reason}}, so one kind of overload (a presence storm) does not
 * shed another (calls) and the metrics say which was shed.
 */
public enum WorkClass {
    REGISTER("registers-in-flight", "Too many registrations in progress, try again"),
    INVITE("invites-in-flight", "Too many calls in progress, try again"),
    MESSAGE("messages-in-flight", "Too many messages in progress, try again"),
    SUBSCRIBE("subscribes-in-flight", "Too many subscriptions in progress, try again"),
    PUBLISH("publishes-in-flight", "Too many publications in progress, try again");

    private final String key;
    private final String reasonPhrase;

    WorkClass(String key, String reasonPhrase) {
        this.key = key;
        this.reasonPhrase = reasonPhrase;
    }

    /** The configuration key under {@code switchboard.availability.admission}. */
    public String key() {
        return key;
    }

    /** The reason phrase of the 503 that sheds a request of this class. */
    public String reasonPhrase() {
        return reasonPhrase;
    }

    /** The {@code reason} label of {@code switchboard_sip_shed_total}: {@code invite-in-flight}, ... */
    public String shedReason() {
        return name().toLowerCase(Locale.ROOT) + "-in-flight";
    }

    /** The {@code reason} label of a request shed for the SIP stack's backlog: {@code register-queue-wait}, ... */
    public String queueWaitReason() {
        return name().toLowerCase(Locale.ROOT) + "-queue-wait";
    }

    /**
     * The {@code reason} label of a request shed because the SIP stack holds nearly as many server
     * transactions as it may: {@code register-transactions}, ...
     */
    public String transactionsReason() {
        return name().toLowerCase(Locale.ROOT) + "-transactions";
    }

    /** The reason label when one is shed because the heap stays full after collections ({@code <class>-heap}). */
    public String heapReason() {
        return name().toLowerCase(Locale.ROOT) + "-heap";
    }

    /** The {@code class} label of {@code switchboard_sip_in_flight}: {@code invite}, ... */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

package io.switchboard.node;

import java.time.Duration;

/**
 * The entities' and caches' settings that are not configuration keys (yet), each named once instead of passed
 * as a bare number in {@link SwitchboardNode}'s wiring. Each is a trade-off measured or reasoned
 * in the comment beside it.
 */
final class EntityTuning {

    /** Registrar: REGISTERs for one AOR that may wait behind a write; more get 503 at once. */
    static final int REGISTRAR_MAX_WAITING = 1_000;

    /** Presence: commands for one presentity or watcher that may wait behind a write (a popular presentity's watchers). */
    static final int PRESENCE_MAX_WAITING = 10_000;

    /** Presence: an idle presentity or watcher that holds nothing stops after this long; the next message reloads it. */
    static final Duration PRESENCE_PASSIVATE_AFTER = Duration.ofSeconds(120);

    /** Presentity: a view a watcher's entity has not acknowledged is sent again after this long (the watcher may have moved). */
    static final Duration PRESENTITY_RESEND_AFTER = Duration.ofSeconds(2);

    /** Watcher: a new dialog waits at most this long for the first view of each resource before its first NOTIFY. */
    static final Duration WATCHER_INITIAL_WAIT = Duration.ofSeconds(2);

    /** Watcher: presentities that did not answer a watch are asked again after this long. */
    static final Duration WATCHER_REWATCH_AFTER = Duration.ofSeconds(5);

    /** Watcher: NOTIFY CSeqs reserved in Cassandra per write (one write per this many NOTIFYs of a dialog). */
    static final long WATCHER_CSEQ_BLOCK = 100;

    /** Accounts: how many accounts a node caches at most (about the users of a busy node). */
    static final int ACCOUNT_CACHE_MAX_ENTRIES = 100_000;

    /** Due sweeper: how often it looks for entities to wake (docs/architecture.md, "After a node loss" (a)). */
    static final Duration DUE_SWEEP_INTERVAL = Duration.ofSeconds(5);

    /**
     * Due sweeper: how long after its due time a row is left to the entity's own timer. With the
     * interval, less than the watcher's lead (WatcherBehavior.EXPIRY_WAKE_LEAD, 30 s).
     */
    static final Duration DUE_SWEEP_GRACE = Duration.ofSeconds(5);

    /**
     * Due sweeper: how far back a sweeper that starts looks (one Cassandra read per minute): rows
     * due longer ago than this when the whole pool was down are not woken.
     */
    static final Duration DUE_SWEEP_HORIZON = Duration.ofHours(1);

    private EntityTuning() {}

    /** Call park: commands for one parked call that may wait behind a write (a park, a retrieve, a few retries). */
    static final int PARK_MAX_WAITING = 100;

    /** Call park: a parked call entity that holds nothing (retrieved, gone) stops after this long. */
    static final java.time.Duration PARK_PASSIVATE_AFTER = java.time.Duration.ofSeconds(60);

    /** Call park: how long the SIP edge waits for a parked call entity's answer before 503. */
    static final java.time.Duration PARK_ASK_TIMEOUT = java.time.Duration.ofSeconds(5);

    /** Conferencing: commands for one conference that may wait behind a write (a burst of joins). */
    static final int CONFERENCE_MAX_WAITING = 500;

    /** Conferencing: a conference entity with nobody in it stops after this long (its expiry is in the due index). */
    static final java.time.Duration CONFERENCE_PASSIVATE_AFTER = java.time.Duration.ofSeconds(60);

    /** Conferencing: how long the focus and the admin API wait for a conference entity's answer before 503. */
    static final java.time.Duration CONFERENCE_ASK_TIMEOUT = java.time.Duration.ofSeconds(5);
}

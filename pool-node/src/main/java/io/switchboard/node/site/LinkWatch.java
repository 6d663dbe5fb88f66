package io.switchboard.node.site;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether the other end of a pool-branch link answers (README, "Sites and branches", WAN failure mode): the rule
 * behind {@link OptionsWatcher}, with time passed in. A peer counts as reachable when the watch starts (as it did
 * before it was watched, so a node that just started does not refuse traffic before its first probe comes back),
 * becomes unreachable once {@code downAfter} has passed without any answer, and reachable again once it has
 * answered for {@code holdDown} ({@code switchboard.branch.fail-back-hold-down}): from its first answer after the
 * outage, with no gap of {@code downAfter} between answers (a gap starts the hold-down again), so a line that
 * flaps does not switch the branch between modes on every answer that gets through. A hold-down of zero: up on
 * the first answer. Any response counts, whatever its status: it proves the peer and the path to it work, which is all the
 * watch asks (RFC 3261 section 11: OPTIONS asks a server about itself).
 *
 * <p>Thread-safe: probes' answers arrive on JAIN-SIP threads, checks on the watcher's timer and the proxy's
 * callbacks.
 */
public final class LinkWatch {

    /**
     * A change of state, to be logged and counted once.
     *
     * @param previousSince when the state it ends began
     */
    public record Transition(boolean reachable, Instant at, Instant lastAnswer, Instant previousSince) {}

    private final Duration downAfter;
    private final Duration holdDown;
    /** While unreachable: the first answer of the run of answers under way, or null. */
    private Instant answeringSince;

    private boolean reachable = true;
    private Instant lastAnswer;
    private Instant since;
    /** The length of the outages that have ended. */
    private Duration downBefore = Duration.ZERO;

    /** Without hold-down: reachable again on the first answer. */
    public LinkWatch(Duration downAfter, Instant start) {
        this(downAfter, Duration.ZERO, start);
    }

    public LinkWatch(Duration downAfter, Duration holdDown, Instant start) {
        if (downAfter.isNegative() || downAfter.isZero()) {
            throw new IllegalArgumentException("downAfter must be positive, was " + downAfter);
        }
        if (holdDown.isNegative()) {
            throw new IllegalArgumentException("holdDown must not be negative, was " + holdDown);
        }
        this.downAfter = downAfter;
        this.holdDown = holdDown;
        this.lastAnswer = start;
        this.since = start;
    }

    /** The peer answered at {@code now}: reachable again if it was not and has answered for the hold-down. */
    public synchronized Optional<Transition> answered(Instant now) {
        Instant previous = lastAnswer;
        if (now.isAfter(lastAnswer)) {
            lastAnswer = now;
        }
        if (reachable) {
            return Optional.empty();
        }
        if (answeringSince == null || Duration.between(previous, now).compareTo(downAfter) >= 0) {
            answeringSince = now;
        }
        if (Duration.between(answeringSince, now).compareTo(holdDown) < 0) {
            return Optional.empty();
        }
        answeringSince = null;
        reachable = true;
        Instant was = since;
        since = now;
        if (now.isAfter(was)) {
            downBefore = downBefore.plus(Duration.between(was, now));
        }
        return Optional.of(new Transition(true, now, lastAnswer, was));
    }

    /** Unreachable once {@code downAfter} has passed since the last answer (or the start). */
    public synchronized Optional<Transition> check(Instant now) {
        boolean silent = Duration.between(lastAnswer, now).compareTo(downAfter) >= 0;
        if (!reachable && silent) {
            answeringSince = null; // the answers stopped again: the hold-down starts over with the next one
        }
        if (!reachable || !silent) {
            return Optional.empty();
        }
        reachable = false;
        Instant was = since;
        since = now;
        return Optional.of(new Transition(false, now, lastAnswer, was));
    }

    /** Whether the peer counts as reachable at {@code now}, after {@link #check} at that instant. */
    public synchronized boolean reachable() {
        return reachable;
    }

    /** The last answer (the start until the first one). */
    public synchronized Instant lastAnswer() {
        return lastAnswer;
    }

    /**
     * How long the peer has counted as unreachable since the watch started, up to {@code now}: the outages that
     * ended plus the one under way (the "time in WAN failure mode" of a branch, README "Sites and branches").
     */
    public synchronized Duration downFor(Instant now) {
        if (reachable || !now.isAfter(since)) {
            return downBefore;
        }
        return downBefore.plus(Duration.between(since, now));
    }

    /** When the current state began (the start, or the last transition). */
    public synchronized Instant since() {
        return since;
    }
}

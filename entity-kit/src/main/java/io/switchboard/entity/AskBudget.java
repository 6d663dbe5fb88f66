package io.switchboard.entity;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * How an asker (the SIP edge) and an entity share the time of one ask, so that the asker's answer
 * always matches what the entity did: a client is never told "failed" for a write that completed
 * (issue 17, item 4).
 *
 * <pre>
 *   asked            deadline                      ask times out
 *   |---- wait ------|---- writeTimeout ----|-margin-|
 * </pre>
 *
 * A command carries {@link #timeLeft()} (older messages, kept for rolling upgrades:
 * {@link #answerBy(Instant)}); the entity refuses it without writing if it would start to handle it
 * later ({@link EntityCommand#timeLeft()}); a write it starts by then ends, successfully or not,
 * within {@link EntitySettings#writeTimeout()}; {@code margin} covers the command's and the reply's
 * time on the wire, which neither node's clock sees (and, for the older messages, whose deadline
 * is an instant of the asker's clock compared with the entity's, the clock skew between the two
 * nodes: docs/architecture.md, rule 10). So the entity's answer
 * arrives before the ask times out, and an ask that does time out (the entity's node died, the
 * message was lost) left nothing written by a command started after its deadline.
 *
 * @param askTimeout   how long the asker waits for the answer
 * @param writeTimeout the bound on one store write, {@link EntitySettings#writeTimeout()}
 * @param margin       time on the wire (and, for the older messages, clock skew)
 */
public record AskBudget(Duration askTimeout, Duration writeTimeout, Duration margin) {

    public AskBudget {
        Objects.requireNonNull(askTimeout, "askTimeout");
        Objects.requireNonNull(writeTimeout, "writeTimeout");
        Objects.requireNonNull(margin, "margin");
        if (writeTimeout.isNegative() || writeTimeout.isZero() || margin.isNegative()) {
            throw new IllegalArgumentException("writeTimeout must be positive and margin not negative");
        }
        if (waiting(askTimeout, writeTimeout, margin).isNegative()
                || waiting(askTimeout, writeTimeout, margin).isZero()) {
            throw new IllegalArgumentException("ask timeout " + askTimeout + " leaves no time before the deadline: it"
                    + " must be longer than write timeout " + writeTimeout + " + margin " + margin);
        }
    }

    /** The deadline of a command asked at {@code now} (the asker's clock). */
    public Instant answerBy(Instant now) {
        return now.plus(waiting(askTimeout, writeTimeout, margin));
    }

    /**
     * The time a command asked now may wait, as it travels ({@link EntityCommand#timeLeft()}): on
     * the monotonic clock of whichever node holds it, so no two nodes' clocks are compared.
     */
    public TimeLeft timeLeft() {
        return TimeLeft.of(waiting());
    }

    /** How long a command may wait (for sharding, a load, earlier writes) and still be handled. */
    public Duration waiting() {
        return waiting(askTimeout, writeTimeout, margin);
    }

    private static Duration waiting(Duration ask, Duration write, Duration margin) {
        return ask.minus(write).minus(margin);
    }
}

package io.switchboard.park.domain;

import java.time.Instant;

/**
 * A call waiting at an orbit: the state of its parked-call entity, stored before the park is
 * confirmed.
 *
 * @param rangeName the orbit range the orbit was claimed in
 * @param orbit     where it waits; dialing it retrieves the call
 * @param parker    the AOR of the user who parked it (rung back at the timeout)
 * @param caller    the parked party
 * @param parkedAt  when it was parked
 * @param deadline  the absolute instant of the next timeout (the entity's timer; after a takeover
 *                  the new owner fires at the same instant, docs/architecture.md rule 10)
 * @param ringBacks how many times the parker has been rung back so far
 * @param settings  the timeouts this call follows (the pool's, with its range's overrides)
 */
public record ParkedCall(
        String rangeName,
        Orbit orbit,
        String parker,
        CallerIdentity caller,
        Instant parkedAt,
        Instant deadline,
        int ringBacks,
        ParkSettings settings) {}

package io.switchboard.presence.domain;

import java.util.List;
import java.util.Objects;

/**
 * What one publication (or one registered endpoint) says about its user, after
 * {@link Publications#interpret} has applied the product rules to the PIDF document.
 *
 * @param machine         what the endpoint reports about itself
 * @param machineActivity {@link Activities#IN_A_CALL}, {@link Activities#IN_A_MEETING} or null
 * @param choice          the user's explicit choice; null when this publication says nothing about it
 *                        ({@link UserChoice#AUTOMATIC} is a statement: "back to automatic")
 * @param note            null when the publication says nothing about the note, "" when it clears
 *                        the note, else the note's text
 * @param phones          the user's phone contacts this endpoint offers (tel: URIs, sip: URIs with
 *                        {@code user=phone}), in document order
 */
public record PublishedState(
        MachineState machine, String machineActivity, UserChoice choice, String note, List<String> phones) {

    /**
     * What a registered endpoint that never published contributes: it is there, nothing more
     * (issue 4: an endpoint that registers makes its user Available unless it publishes otherwise).
     */
    public static final PublishedState REGISTERED =
            new PublishedState(MachineState.UNKNOWN, null, null, null, List.of());

    public PublishedState {
        Objects.requireNonNull(machine, "machine");
        if (!Activities.isMachineActivity(machineActivity)) {
            throw new IllegalArgumentException("not a machine activity: " + machineActivity);
        }
        phones = List.copyOf(phones);
    }
}

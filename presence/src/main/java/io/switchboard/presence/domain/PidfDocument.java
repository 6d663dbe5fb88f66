package io.switchboard.presence.domain;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a published PIDF document (RFC 3863, with RPID RFC 4480 and the data model RFC 4479)
 * says, reduced to what presence uses. Produced by {@link PidfParser}; interpreted into states
 * by {@link Publications}.
 *
 * @param entity      the {@code entity} attribute of {@code <presence>}
 * @param basic       "open" when any tuple is open, "closed" when tuples exist and all are closed,
 *                    null when no tuple has a basic status
 * @param contacts    the tuples' {@code <contact>} URIs, in document order, without duplicates
 * @param activities  RPID activities (local element names in lower case: "busy", "away",
 *                    "on-the-phone", "meeting", ...) from any person or tuple; the text of
 *                    {@code <rpid:other>} is not included
 * @param userInput   RPID {@code <user-input>} text: "active" or "idle", or null
 * @param note        null when no note element exists; otherwise the trimmed text of the first note
 *                    element (person notes first, then presence-level, then tuple notes), which may
 *                    be "" (an empty note element clears the note)
 * @param state       text of {@code <sb:state>} in namespace {@code urn:switchboard:params:xml:ns:presence}
 *                    (the user's explicit choice: available, busy, do-not-disturb, be-right-back,
 *                    away, appear-offline), trimmed and lower-cased; null when absent
 * @param customState value of {@code <sb:custom-state>} (1..4) in the same namespace, or null
 */
public record PidfDocument(
        String entity,
        String basic,
        List<String> contacts,
        Set<String> activities,
        String userInput,
        String note,
        String state,
        Integer customState) {

    public PidfDocument {
        Objects.requireNonNull(entity, "entity");
        contacts = List.copyOf(contacts);
        activities = Set.copyOf(activities);
    }
}

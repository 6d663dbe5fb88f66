package io.switchboard.presence.domain;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What one watcher is shown of a presentity: the aggregate after its access level has been
 * applied ({@link WatcherView}). This is what a NOTIFY body carries ({@link PidfWriter}).
 *
 * @param entity       the presentity's AOR, e.g. {@code sip:alice@example.com}
 * @param availability the aggregated state
 * @param activity     what the user is doing, shown next to the state: {@code in-a-call},
 *                     {@code in-a-meeting}, or a custom state's text; null when none or hidden
 * @param note         the user's free-text note; null when none or hidden
 * @param phones       the user's phone numbers / device contacts (tel: or sip: URIs); empty when hidden
 * @param since        server time at which the aggregate last changed
 */
public record PresenceView(
        String entity, Availability availability, String activity, String note, List<String> phones, Instant since) {

    public PresenceView {
        Objects.requireNonNull(entity, "entity");
        Objects.requireNonNull(availability, "availability");
        Objects.requireNonNull(since, "since");
        phones = List.copyOf(phones);
    }

    /** What a blocked watcher, or anyone watching a user who is signed out, sees. */
    public static PresenceView offline(String entity, Instant since) {
        return new PresenceView(entity, Availability.OFFLINE, null, null, List.of(), since);
    }
}

package io.switchboard.conference.domain;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * A conference's definition: what its organizer (or an operator) decided, unchanged while it
 * lives. Its changing state is the {@link Roster}.
 *
 * @param id               unguessable ({@link ConferenceIds#newId}); the entity's key
 * @param domain           one of our domains; the URI is {@link ConferenceIds#uri}
 * @param numericId        what desk phones dial ({@link ConferenceIds#newNumericId})
 * @param invitees         who may enter an {@link AccessType#INVITED} conference without waiting
 * @param lobbyBypass      our users skip the lobby (of an invited conference they are not invited
 *                         to, and while no presenter is there)
 * @param participantLimit legs in the conference and its lobby together, 1 to {@link #MAX_LIMIT}
 */
public record Conference(
        String id,
        String domain,
        String numericId,
        String organizer,
        String subject,
        AccessType access,
        Set<String> invitees,
        Presenters presenters,
        boolean lobbyBypass,
        int participantLimit,
        Expiry expiry,
        Instant createdAt) {

    /** As Skype for Business: 250 unless configured otherwise. */
    public static final int DEFAULT_LIMIT = 250;

    public static final int MAX_LIMIT = 10_000;

    public Conference {
        if (!ConferenceIds.validId(id)) {
            throw new IllegalArgumentException("not a conference id: " + id);
        }
        if (!ConferenceIds.validNumericId(numericId)) {
            throw new IllegalArgumentException("not a numeric conference id: " + numericId);
        }
        if (domain == null || domain.isBlank()) {
            throw new IllegalArgumentException("domain is required");
        }
        if (organizer == null || organizer.isBlank()) {
            throw new IllegalArgumentException("organizer is required");
        }
        if (participantLimit < 1 || participantLimit > MAX_LIMIT) {
            throw new IllegalArgumentException(
                    "participant limit must be between 1 and " + MAX_LIMIT + ": " + participantLimit);
        }
        subject = subject == null ? "" : subject;
        Objects.requireNonNull(access, "access");
        invitees = Set.copyOf(invitees);
        Objects.requireNonNull(presenters, "presenters");
        Objects.requireNonNull(expiry, "expiry");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    public String uri() {
        return ConferenceIds.uri(id, domain);
    }

    /**
     * Whether the definition makes {@code joiner} a presenter: the organizer, a listed presenter,
     * or (with {@code presenters.everyoneFromOurDomains()}) any user of ours. An anonymous caller
     * never is, whatever address it claims.
     */
    public boolean presenterByDefinition(Joiner joiner) {
        if (joiner.kind() == JoinerKind.ANONYMOUS) {
            return false;
        }
        if (joiner.kind() == JoinerKind.OUR_USER && joiner.uri().equals(organizer)) {
            return true;
        }
        if (presenters.listed().contains(joiner.uri())) {
            return true;
        }
        return presenters.everyoneFromOurDomains() && joiner.kind() == JoinerKind.OUR_USER;
    }

    /**
     * When the conference stops existing, given its roster, or null while it has no end yet (an
     * ad-hoc conference with someone in it). An ended conference expires when it ended.
     */
    public Instant expiresAt(Roster roster) {
        if (roster.ended()) {
            return roster.emptySince();
        }
        if (expiry instanceof Expiry.Scheduled s) {
            return s.end().plus(s.keepFor());
        }
        Expiry.AdHoc adHoc = (Expiry.AdHoc) expiry;
        return roster.emptySince() == null ? null : roster.emptySince().plus(adHoc.grace());
    }

    public boolean expired(Roster roster, Instant now) {
        Instant at = expiresAt(roster);
        return at != null && !now.isBefore(at);
    }
}

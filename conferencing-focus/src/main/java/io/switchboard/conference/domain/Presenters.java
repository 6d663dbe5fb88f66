package io.switchboard.conference.domain;

import java.util.Set;

/**
 * Who presents besides the organizer (who always does): the users listed, or, with
 * {@code everyoneFromOurDomains}, every user of our domains too (listed federated users still are).
 */
public record Presenters(boolean everyoneFromOurDomains, Set<String> listed) {
    public static final Presenters ORGANIZER_ONLY = new Presenters(false, Set.of());

    public Presenters {
        listed = Set.copyOf(listed);
    }

    public static Presenters listed(String... uris) {
        return new Presenters(false, Set.of(uris));
    }

    public static Presenters everyoneOfOurs() {
        return new Presenters(true, Set.of());
    }
}

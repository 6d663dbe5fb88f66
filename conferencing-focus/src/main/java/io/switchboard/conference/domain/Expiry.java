package io.switchboard.conference.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** When a conference stops existing (its URI then answers 404 and its rows are deleted). */
public sealed interface Expiry {

    /** A scheduled meeting: {@code keepFor} after its scheduled {@code end}, whoever is in it then. */
    record Scheduled(Instant end, Duration keepFor) implements Expiry {
        public Scheduled {
            Objects.requireNonNull(end, "end");
            if (keepFor.isNegative()) {
                throw new IllegalArgumentException("keepFor must not be negative: " + keepFor);
            }
        }
    }

    /**
     * An ad-hoc conference (RFC 4579 section 5.4's factory): {@code grace} after the last participant
     * left (or after its creation, if nobody ever joined).
     */
    record AdHoc(Duration grace) implements Expiry {
        public AdHoc {
            if (grace.isNegative()) {
                throw new IllegalArgumentException("grace must not be negative: " + grace);
            }
        }
    }
}

package io.switchboard.presence.domain;

import java.util.Locale;

/**
 * How much of a user's presence a watcher sees (Lync "privacy relationships"). Each level sees
 * everything the level below it sees, and more; {@link WatcherView} says exactly what.
 */
public enum AccessLevel {
    BLOCKED("blocked"),
    EXTERNAL("external"),
    COLLEAGUES("colleagues"),
    WORKGROUP("workgroup"),
    FRIENDS_AND_FAMILY("friends-and-family");

    private final String token;

    AccessLevel(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }

    public boolean atLeast(AccessLevel other) {
        return ordinal() >= other.ordinal();
    }

    /** By token ("friends-and-family") or enum name, case-insensitive; null when unknown. */
    public static AccessLevel ofToken(String token) {
        if (token == null) {
            return null;
        }
        String t = token.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (AccessLevel a : values()) {
            if (a.token.equals(t)) {
                return a;
            }
        }
        return null;
    }
}

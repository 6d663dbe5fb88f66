package io.switchboard.presence.domain;

import java.util.List;

/** TEMPORARY: replaced by the rules helper's version at merge. */
public final class CustomStates {
    public static final CustomStates NONE = new CustomStates();

    public sealed interface Validated permits Ok, Invalid {
    }

    public record Ok(CustomStates states) implements Validated {
    }

    public record Invalid(String reason) implements Validated {
    }

    public static Validated of(List<CustomState> states) {
        return new Ok(NONE);
    }
}

package io.switchboard.presence.domain;

/** TEMPORARY: replaced by the rules helper's version at merge. */
public final class Publications {
    public sealed interface Interpretation permits Ok, Invalid {
    }

    public record Ok(PublishedState state) implements Interpretation {
    }

    public record Invalid(String reason) implements Interpretation {
    }

    public static Interpretation interpret(PidfDocument doc, CustomStates custom) {
        UserChoice choice = null;
        if (doc.state() != null) {
            choice = switch (doc.state()) {
                case "busy" -> new UserChoice(Availability.BUSY, null);
                case "do-not-disturb" -> new UserChoice(Availability.DO_NOT_DISTURB, null);
                case "away" -> new UserChoice(Availability.AWAY, null);
                case "appear-offline" -> new UserChoice(Availability.OFFLINE, null);
                default -> new UserChoice(null, null);
            };
        }
        return new Ok(new PublishedState(MachineState.UNKNOWN, null, choice, doc.note(), java.util.List.of()));
    }
}

package io.switchboard.presence.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Turns a published PIDF document into what it says about its user ({@link PublishedState}).
 * These are product decisions; each rule below is tested in {@code PublicationsTest}.
 *
 * <h2>Machine state</h2>
 * <ul>
 *   <li>{@code <basic>closed</basic>} (every tuple closed, RFC 3863 section 4.1.4) &rarr;
 *       {@link MachineState#OFF}, whatever else the document says;</li>
 *   <li>otherwise RPID {@code <user-input>} (RFC 4480 section 3.13): {@code active} &rarr;
 *       {@link MachineState#ACTIVE}, {@code idle} &rarr; {@link MachineState#INACTIVE}, but
 *       {@code idle} together with the activity {@code away} &rarr; {@link MachineState#AWAY}
 *       (the automatic away a client publishes after a long idle time);</li>
 *   <li>no user-input, or a value RFC 4480 does not define &rarr; {@link MachineState#UNKNOWN}
 *       (the endpoint is there and says nothing more: it counts as available).</li>
 * </ul>
 *
 * <h2>Machine activity</h2>
 * RPID {@code on-the-phone} &rarr; {@link Activities#IN_A_CALL}; {@code meeting} or
 * {@code appointment} &rarr; {@link Activities#IN_A_MEETING}; a call beats a meeting when both are
 * present (the call is what is happening now). Taken even from a closed document: some phones
 * close their tuple while in a call, and the user is still busy in that call.
 *
 * <h2>User choice</h2>
 * <ol>
 *   <li>{@code <sb:state>} when present: {@code available} &rarr; {@link UserChoice#AUTOMATIC},
 *       {@code busy}, {@code do-not-disturb}, {@code be-right-back}, {@code away} &rarr; that
 *       state, {@code appear-offline} &rarr; {@link Availability#OFFLINE}; any other value is
 *       refused ("Unknown presence state 'x'"). It wins over a custom state in the same document.</li>
 *   <li>else {@code <sb:custom-state>} when present: the policy's custom state with that id (its
 *       availability, its text as the activity); an id the policy does not have is refused
 *       ("Unknown custom state N").</li>
 *   <li>else the RPID activities ordinary SIP phones publish: {@code busy} &rarr;
 *       {@link Availability#BUSY}; otherwise {@code away} (unless user-input is idle, see above),
 *       {@code vacation}, {@code holiday} or {@code permanent-absence} &rarr;
 *       {@link Availability#AWAY}.</li>
 *   <li>else the publication says nothing about the user's choice (null), so an earlier choice
 *       from another publication stands.</li>
 * </ol>
 *
 * <h2>Note and phones</h2>
 * The note is taken as the document has it (null: no note element; "": an empty note, which
 * clears the note; else its text). Phones are the contacts that are {@code tel:} URIs (RFC 3966)
 * or {@code sip:}/{@code sips:} URIs with the {@code user=phone} parameter (RFC 3261 section
 * 19.1.1), in document order.
 */
public final class Publications {

    /** What a document says, or why it was refused (the PUBLISH is answered 400 with the reason). */
    public sealed interface Interpretation {
        record Ok(PublishedState state) implements Interpretation {}

        record Invalid(String reason) implements Interpretation {}
    }

    private static final Set<String> ABSENCE = Set.of("vacation", "holiday", "permanent-absence");

    private Publications() {}

    /** Applies the rules above; {@code custom} is the publisher's policy (null = no custom states). */
    public static Interpretation interpret(PidfDocument doc, CustomStates custom) {
        Set<String> activities = doc.activities();
        String userInput =
                doc.userInput() == null ? null : doc.userInput().trim().toLowerCase(Locale.ROOT);
        boolean idle = "idle".equals(userInput);

        UserChoice choice;
        if (doc.state() != null) {
            choice = namedChoice(doc.state());
            if (choice == null) {
                return new Interpretation.Invalid("Unknown presence state '" + doc.state() + "'");
            }
        } else if (doc.customState() != null) {
            CustomStates states = custom == null ? CustomStates.NONE : custom;
            var state = states.byId(doc.customState());
            if (state.isEmpty()) {
                return new Interpretation.Invalid("Unknown custom state " + doc.customState());
            }
            choice = UserChoice.custom(state.get());
        } else {
            choice = choiceFromActivities(activities, idle);
        }
        return new Interpretation.Ok(new PublishedState(
                machine(doc.basic(), userInput, activities),
                machineActivity(activities),
                choice,
                doc.note(),
                phones(doc.contacts())));
    }

    private static MachineState machine(String basic, String userInput, Set<String> activities) {
        if ("closed".equalsIgnoreCase(basic)) {
            return MachineState.OFF;
        }
        if ("active".equals(userInput)) {
            return MachineState.ACTIVE;
        }
        if ("idle".equals(userInput)) {
            return activities.contains("away") ? MachineState.AWAY : MachineState.INACTIVE;
        }
        return MachineState.UNKNOWN;
    }

    private static String machineActivity(Set<String> activities) {
        if (activities.contains("on-the-phone")) {
            return Activities.IN_A_CALL;
        }
        if (activities.contains("meeting") || activities.contains("appointment")) {
            return Activities.IN_A_MEETING;
        }
        return null;
    }

    private static UserChoice namedChoice(String state) {
        return switch (state.trim().toLowerCase(Locale.ROOT)) {
            case "available" -> UserChoice.AUTOMATIC;
            case "busy" -> UserChoice.of(Availability.BUSY);
            case "do-not-disturb" -> UserChoice.of(Availability.DO_NOT_DISTURB);
            case "be-right-back" -> UserChoice.of(Availability.BE_RIGHT_BACK);
            case "away" -> UserChoice.of(Availability.AWAY);
            case "appear-offline" -> UserChoice.of(Availability.OFFLINE);
            default -> null;
        };
    }

    private static UserChoice choiceFromActivities(Set<String> activities, boolean idle) {
        if (activities.contains("busy")) {
            return UserChoice.of(Availability.BUSY);
        }
        if ((activities.contains("away") && !idle) || activities.stream().anyMatch(ABSENCE::contains)) {
            return UserChoice.of(Availability.AWAY);
        }
        return null;
    }

    private static List<String> phones(List<String> contacts) {
        List<String> phones = new ArrayList<>();
        for (String c : contacts) {
            if (c != null && isPhone(c.trim()) && !phones.contains(c.trim())) {
                phones.add(c.trim());
            }
        }
        return phones;
    }

    /** tel: URIs, and sip:/sips: URIs whose parameters (after the host) include user=phone. */
    static boolean isPhone(String uri) {
        String lower = uri.toLowerCase(Locale.ROOT);
        if (lower.startsWith("tel:")) {
            return lower.length() > 4;
        }
        if (!lower.startsWith("sip:") && !lower.startsWith("sips:")) {
            return false;
        }
        // URI parameters follow the host; the user part may hold its own ';' (tel-style user parts).
        int at = lower.lastIndexOf('@');
        int query = lower.indexOf('?', Math.max(at, 0));
        String hostAndParams =
                lower.substring(at < 0 ? lower.indexOf(':') + 1 : at + 1, query < 0 ? lower.length() : query);
        String[] parts = hostAndParams.split(";");
        for (int i = 1; i < parts.length; i++) {
            if (parts[i].trim().equals("user=phone")) {
                return true;
            }
        }
        return false;
    }
}

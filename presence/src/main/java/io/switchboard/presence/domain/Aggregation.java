package io.switchboard.presence.domain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Combines everything a user's endpoints say into one {@link Aggregate} (the Skype for Business
 * aggregation model, issue 4 item 3). Product rules, each tested in {@code AggregationTest}:
 *
 * <ol>
 *   <li><b>Not registered</b> (the user has no binding left) &rarr; {@link Availability#OFFLINE},
 *       no activity, no phones, whatever old publications say: the user is signed out. The note
 *       is still the latest note (rule 5), so it is there when they sign in again.</li>
 *   <li><b>Explicit choice.</b> Among the sources whose state has a non-null choice, the one with
 *       the latest server time stamp decides. {@link UserChoice#AUTOMATIC} means no override
 *       (rule 3 applies). Any other choice wins over machine state: its availability
 *       (Appear Offline is {@link Availability#OFFLINE}), and its text (custom states) as the
 *       activity, or no activity.</li>
 *   <li><b>Machine state</b> otherwise: any source in a call &rarr; {@link Availability#BUSY},
 *       activity {@link Activities#IN_A_CALL}; else any source in a meeting &rarr;
 *       {@link Availability#BUSY} ({@link Availability#BUSY_IDLE} when the most active machine
 *       state is {@link MachineState#INACTIVE}), activity {@link Activities#IN_A_MEETING}; else
 *       the availability of the most active {@link MachineState} among the sources (the most
 *       active endpoint wins). Registered with no sources at all &rarr;
 *       {@link Availability#AVAILABLE}.</li>
 *   <li><b>Phones</b>: the union of all sources' phones, in order of first appearance with the
 *       sources taken in endpoint order (so the list does not depend on the order the caller
 *       keeps its sources in, and a refresh does not reorder it).</li>
 *   <li><b>Note</b>: from the source with the latest time stamp among those whose note is
 *       non-null; an empty note clears it (null).</li>
 *   <li><b>Since</b>: the previous aggregate's {@code since} when availability, activity, note
 *       and phones are all unchanged (a refresh is no change); otherwise {@code now}.</li>
 * </ol>
 *
 * <p><b>Ties.</b> Two sources with the same {@code publishedAt}: the one whose endpoint string is
 * greater ({@link String#compareTo}) counts as the later one, so the result never depends on the
 * order of {@code sources}.
 */
public final class Aggregation {

    /** Latest first by server time, then by endpoint (greater first) to break ties. */
    private static final Comparator<Source> LATEST_FIRST = Comparator.comparing(Source::publishedAt)
            .thenComparing(Source::endpoint)
            .reversed();

    private Aggregation() {}

    /**
     * @param sources    the user's live publications and registered endpoints that did not publish
     * @param registered whether the user has at least one binding
     * @param previous   the aggregate before this change, or null for the first one
     * @param now        the server's current time, used for {@code since} when something changed
     */
    public static Aggregate aggregate(List<Source> sources, boolean registered, Aggregate previous, Instant now) {
        List<Source> byEndpoint = new ArrayList<>(sources);
        byEndpoint.sort(Comparator.comparing(Source::endpoint));

        String note = latest(sources, s -> s.state().note() != null)
                .map(s -> s.state().note())
                .filter(n -> !n.isEmpty())
                .orElse(null);

        Availability availability;
        String activity;
        List<String> phones;
        if (!registered) {
            availability = Availability.OFFLINE;
            activity = null;
            phones = List.of();
        } else {
            UserChoice choice = latest(sources, s -> s.state().choice() != null)
                    .map(s -> s.state().choice())
                    .orElse(UserChoice.AUTOMATIC);
            if (!choice.isAutomatic()) {
                availability = choice.availability();
                activity = choice.text();
            } else {
                MachineView machine = machine(sources);
                availability = machine.availability();
                activity = machine.activity();
            }
            phones = phones(byEndpoint);
        }

        Aggregate next = new Aggregate(availability, activity, note, phones, now);
        return next.sameStateAs(previous)
                ? new Aggregate(availability, activity, note, phones, previous.since())
                : next;
    }

    private record MachineView(Availability availability, String activity) {}

    private static MachineView machine(List<Source> sources) {
        if (sources.isEmpty()) {
            return new MachineView(Availability.AVAILABLE, null);
        }
        MachineState mostActive = MachineState.OFF;
        boolean inCall = false;
        boolean inMeeting = false;
        for (Source s : sources) {
            PublishedState st = s.state();
            if (st.machine().moreActiveThan(mostActive)) {
                mostActive = st.machine();
            }
            inCall |= Activities.IN_A_CALL.equals(st.machineActivity());
            inMeeting |= Activities.IN_A_MEETING.equals(st.machineActivity());
        }
        if (inCall) {
            return new MachineView(Availability.BUSY, Activities.IN_A_CALL);
        }
        if (inMeeting) {
            Availability busy = mostActive == MachineState.INACTIVE ? Availability.BUSY_IDLE : Availability.BUSY;
            return new MachineView(busy, Activities.IN_A_MEETING);
        }
        return new MachineView(mostActive.availability(), null);
    }

    private static Optional<Source> latest(List<Source> sources, Predicate<Source> says) {
        return sources.stream().filter(says).min(LATEST_FIRST);
    }

    private static List<String> phones(List<Source> byEndpoint) {
        Set<String> phones = new LinkedHashSet<>();
        for (Source s : byEndpoint) {
            phones.addAll(s.state().phones());
        }
        return List.copyOf(phones);
    }
}

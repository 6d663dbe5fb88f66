package io.switchboard.presence.domain;

import java.util.List;

/** TEMPORARY: replaced by the rules helper's version at merge. */
public record PublishedState(MachineState machine, String machineActivity, UserChoice choice, String note, List<String> phones) {
    public static final PublishedState REGISTERED = new PublishedState(MachineState.UNKNOWN, null, null, null, List.of());
}

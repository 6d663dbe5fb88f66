package io.switchboard.addressbook.domain;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * One person as a source gave it, before normalization: {@code sourceId} is stable across reads of the same
 * source (an LDAP entry's DN, a CSV row's mail or SIP URI), and the values are as written there (blank
 * values are left out).
 */
public record DirectoryEntry(String sourceId, Map<Attribute, String> values) {

    public DirectoryEntry {
        EnumMap<Attribute, String> copy = new EnumMap<>(Attribute.class);
        values.forEach((attribute, value) -> {
            if (value != null && !value.isBlank()) {
                copy.put(attribute, value.strip());
            }
        });
        values = Collections.unmodifiableMap(copy);
    }

    public Optional<String> get(Attribute attribute) {
        return Optional.ofNullable(values.get(attribute));
    }
}

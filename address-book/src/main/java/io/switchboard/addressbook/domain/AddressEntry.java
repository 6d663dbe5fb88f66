package io.switchboard.addressbook.domain;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One person in the address book as clients get it: a stable {@code id} (the directory entry's id, or the
 * account's AOR for an account the directory does not list) and the attribute values, phone numbers in E.164
 * (with {@code ;ext=} when there is an extension, RFC 3966 section 5.1.5), the SIP URI as {@code sip:user@host}.
 */
public record AddressEntry(String id, Map<Attribute, String> values) {

    public AddressEntry {
        Objects.requireNonNull(id, "id");
        EnumMap<Attribute, String> copy = new EnumMap<>(Attribute.class);
        values.forEach((attribute, value) -> {
            if (value != null && !value.isEmpty()) {
                copy.put(attribute, value);
            }
        });
        values = Collections.unmodifiableMap(copy);
    }

    public Optional<String> get(Attribute attribute) {
        return Optional.ofNullable(values.get(attribute));
    }
}

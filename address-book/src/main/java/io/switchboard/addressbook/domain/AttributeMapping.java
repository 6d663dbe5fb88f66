package io.switchboard.addressbook.domain;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which source attribute (LDAP attribute, CSV column) each {@link Attribute} is read from. An attribute left
 * out is not read. Source names are matched case-insensitively, as LDAP attribute names are (RFC 4512 section
 * 2.5).
 */
public record AttributeMapping(Map<Attribute, String> names) {

    public AttributeMapping {
        EnumMap<Attribute, String> copy = new EnumMap<>(Attribute.class);
        names.forEach((attribute, name) -> {
            if (name != null && !name.isBlank()) {
                copy.put(attribute, name.strip());
            }
        });
        names = Collections.unmodifiableMap(copy);
    }

    /** Active Directory's attribute names ({@link Attribute#ldapDefault()}). */
    public static AttributeMapping ldapDefaults() {
        EnumMap<Attribute, String> names = new EnumMap<>(Attribute.class);
        for (Attribute a : Attribute.values()) {
            names.put(a, a.ldapDefault());
        }
        return new AttributeMapping(names);
    }

    /** The attributes' own keys ({@code display-name}, {@code mail}, ...), the CSV header by default. */
    public static AttributeMapping keys() {
        EnumMap<Attribute, String> names = new EnumMap<>(Attribute.class);
        for (Attribute a : Attribute.values()) {
            names.put(a, a.key());
        }
        return new AttributeMapping(names);
    }

    /** These defaults with some attributes read from other names (a blank name: not read). */
    public AttributeMapping with(Map<Attribute, String> overrides) {
        EnumMap<Attribute, String> merged = new EnumMap<>(Attribute.class);
        merged.putAll(names);
        overrides.forEach((attribute, name) -> {
            if (name == null || name.isBlank()) {
                merged.remove(attribute);
            } else {
                merged.put(attribute, name);
            }
        });
        return new AttributeMapping(merged);
    }

    public Optional<String> nameOf(Attribute attribute) {
        return Optional.ofNullable(names.get(attribute));
    }

    /** The attribute read from source name {@code name}, if any. */
    public Optional<Attribute> attributeFor(String name) {
        return names.entrySet().stream()
                .filter(e -> e.getValue().equalsIgnoreCase(name.strip()))
                .map(Map.Entry::getKey)
                .findFirst();
    }
}

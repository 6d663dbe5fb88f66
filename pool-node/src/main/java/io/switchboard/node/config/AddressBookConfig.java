package io.switchboard.node.config;

import io.switchboard.addressbook.domain.Attribute;
import io.switchboard.addressbook.domain.AttributeMapping;
import io.switchboard.addressbook.domain.Visibility;
import io.switchboard.addressbook.numbers.NumberRules;
import io.switchboard.addressbook.numbers.RulesFile;
import io.switchboard.addressbook.source.LdapSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The {@code switchboard.address-book} section: where the directory comes from, the number normalization rules,
 * how often to sync. Read when the node starts; a bad value, a missing CSV or rules file, or a rules file with a
 * bad line stops the start with a message naming the key (and the file's line).
 *
 * @param ldap    set when {@code source = ldap}
 * @param csvFile set when {@code source = csv}
 * @param mapping the attribute mapping of the chosen source: its defaults with {@code attributes} over them
 */
public record AddressBookConfig(
        Source source,
        Optional<Path> csvFile,
        Optional<LdapSettings> ldap,
        AttributeMapping mapping,
        NumberRules rules,
        Optional<Path> rulesFile,
        Duration syncInterval,
        Duration firstSyncDelay,
        boolean includeAccounts,
        Duration fileRetention,
        Visibility visibility) {

    public enum Source {
        NONE,
        CSV,
        LDAP
    }

    public boolean enabled() {
        return source != Source.NONE;
    }

    public static AddressBookConfig of(NodeConfig config) {
        ConfigReader a = new ConfigReader(config.raw(), "").at("switchboard").at("address-book");
        Source source = a.oneOf("source", Source.class);
        Map<Attribute, String> overrides = attributes(a);
        AttributeMapping mapping =
                (source == Source.LDAP ? AttributeMapping.ldapDefaults() : AttributeMapping.keys()).with(overrides);

        Optional<Path> rulesFile = Optional.of(a.string("rules-file").strip())
                .filter(s -> !s.isEmpty())
                .map(Path::of);
        NumberRules rules = rulesFile.map(file -> rules(a, file)).orElse(NumberRules.NONE);

        Optional<Path> csv = Optional.empty();
        if (source == Source.CSV) {
            ConfigReader c = a.at("csv");
            Path file = Path.of(c.nonEmpty("file"));
            if (!Files.isRegularFile(file)) {
                throw new ConfigError(c.key("file"), file + " does not exist or is not a file");
            }
            csv = Optional.of(file);
        }
        Optional<LdapSettings> ldap = Optional.empty();
        if (source == Source.LDAP) {
            ldap = Optional.of(ldap(a.at("ldap"), mapping));
        }
        Duration interval = a.duration("sync-interval", Duration.ofSeconds(10));
        Duration firstDelay = a.duration("first-sync-delay", Duration.ZERO);
        return new AddressBookConfig(
                source,
                csv,
                ldap,
                mapping,
                rules,
                rulesFile,
                interval,
                firstDelay,
                a.bool("include-accounts"),
                a.duration("file-retention", Duration.ofHours(1)),
                visibility(a));
    }

    private static Visibility visibility(ConfigReader a) {
        try {
            return Visibility.hiding(a.strings("hidden-attributes"));
        } catch (IllegalArgumentException e) {
            throw new ConfigError(a.key("hidden-attributes"), e.getMessage());
        }
    }

    private static Map<Attribute, String> attributes(ConfigReader a) {
        Map<Attribute, String> overrides = new EnumMap<>(Attribute.class);
        ConfigReader attrs = a.at("attributes");
        for (String key : a.at("attributes").keys()) {
            Attribute attribute = Attribute.byKey(key)
                    .orElseThrow(() -> new ConfigError(
                            attrs.key(key),
                            "is not an address book attribute; they are "
                                    + java.util.Arrays.stream(Attribute.values())
                                            .map(Attribute::key)
                                            .collect(Collectors.joining(", "))));
            overrides.put(attribute, attrs.string(key));
        }
        return overrides;
    }

    private static NumberRules rules(ConfigReader a, Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigError(a.key("rules-file"), "cannot read " + file + " (" + e + ")");
        }
        RulesFile.Parsed parsed = RulesFile.parse(text);
        if (!parsed.ok()) {
            throw new ConfigError(
                    a.key("rules-file"),
                    file + ": "
                            + parsed.problems().stream().map(Object::toString).collect(Collectors.joining("; ")));
        }
        return parsed.rules();
    }

    private static LdapSettings ldap(ConfigReader l, AttributeMapping mapping) {
        String url = l.nonEmpty("url");
        try {
            LdapSettings.endpoint(url);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(l.key("url"), e.getMessage());
        }
        String trustStore = l.string("trust-store").strip();
        if (!trustStore.isEmpty() && !Files.isRegularFile(Path.of(trustStore))) {
            throw new ConfigError(l.key("trust-store"), trustStore + " does not exist or is not a file");
        }
        return new LdapSettings(
                url,
                l.string("bind-dn").strip(),
                l.string("password"),
                l.nonEmpty("base-dn"),
                l.nonEmpty("filter"),
                l.integer("page-size", 1, 100_000),
                l.duration("connect-timeout", Duration.ofSeconds(1)),
                l.duration("response-timeout", Duration.ofSeconds(1)),
                trustStore.isEmpty() ? Optional.empty() : Optional.of(Path.of(trustStore)),
                l.string("trust-store-password"),
                mapping);
    }
}

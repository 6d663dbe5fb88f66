package io.switchboard.addressbook.domain;

import io.switchboard.addressbook.numbers.Normalization;
import io.switchboard.addressbook.numbers.NumberRules;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Turns what a source gave, and the pool's own accounts, into the address book's entries (issue 14, items 1
 * to 3):
 *
 * <ul>
 *   <li>attributes the {@link Visibility} hides are dropped first, so they are neither stored nor reported;
 *   <li>every phone attribute is normalized with the rules; a number that does not become E.164 is left out
 *       of its field and counted in the {@link NumberReport};
 *   <li>a SIP URI is written {@code sip:user@host}, host in lower case ({@code sip:} added when missing);
 *   <li>an account and a directory entry describe the same person when the entry's SIP URI is the account's
 *       AOR or the entry's mail is the AOR's {@code user@domain}: the entry keeps its id and attributes and
 *       takes the account's AOR as its SIP URI (the account wins: that is where calls go);
 *   <li>an account no entry matches is added (when {@code includeAccounts}) under its AOR, with its display
 *       name (or user part) and phone.
 * </ul>
 */
public final class EntryBuilder {

    private EntryBuilder() {}

    public record Built(
            SortedMap<String, AddressEntry> entries, NumberReport numbers, int accountsMerged, int accountsAdded) {}

    public static Built build(
            List<DirectoryEntry> directory,
            List<OwnAccount> accounts,
            boolean includeAccounts,
            NumberRules rules,
            Visibility visibility) {
        NumberReport report = new NumberReport();
        Map<String, EnumMap<Attribute, String>> byId = new HashMap<>();
        Map<String, String> idBySip = new HashMap<>();
        Map<String, String> idByMail = new HashMap<>();
        for (DirectoryEntry entry : directory) {
            EnumMap<Attribute, String> values = new EnumMap<>(Attribute.class);
            entry.values().forEach((attribute, value) -> {
                if (!visibility.shows(attribute)) {
                    return;
                }
                if (attribute.isPhone()) {
                    Normalization n = rules.normalize(value);
                    if (n instanceof Normalization.Normalized ok) {
                        values.put(attribute, ok.withExtension());
                    } else {
                        report.add(entry.sourceId(), attribute, (Normalization.NotNormalized) n);
                    }
                } else if (attribute == Attribute.SIP_URI) {
                    values.put(attribute, sipUri(value));
                } else {
                    values.put(attribute, value);
                }
            });
            if (byId.putIfAbsent(entry.sourceId(), values) != null) {
                continue; // a source gives unique ids; a second one with the same id is not another person
            }
            if (values.containsKey(Attribute.SIP_URI)) {
                idBySip.putIfAbsent(values.get(Attribute.SIP_URI), entry.sourceId());
            }
            if (values.containsKey(Attribute.MAIL)) {
                idByMail.putIfAbsent(values.get(Attribute.MAIL).toLowerCase(Locale.ROOT), entry.sourceId());
            }
        }
        int merged = 0;
        int added = 0;
        for (OwnAccount account : accounts) {
            String aor = sipUri(account.aor());
            String id = idBySip.get(aor);
            if (id == null) {
                id = idByMail.get(aor.substring("sip:".length()));
            }
            if (id != null) {
                byId.get(id).put(Attribute.SIP_URI, aor);
                merged++;
            } else if (includeAccounts && !byId.containsKey(aor)) {
                EnumMap<Attribute, String> values = new EnumMap<>(Attribute.class);
                String name = account.displayName().isBlank()
                        ? aor.substring(4, aor.indexOf('@') < 0 ? aor.length() : aor.indexOf('@'))
                        : account.displayName();
                values.put(Attribute.DISPLAY_NAME, name);
                values.put(Attribute.SIP_URI, aor);
                if (!account.phone().isBlank() && visibility.shows(Attribute.TELEPHONE)) {
                    Normalization n = rules.normalize(account.phone());
                    if (n instanceof Normalization.Normalized ok) {
                        values.put(Attribute.TELEPHONE, ok.withExtension());
                    } else {
                        report.add(aor, Attribute.TELEPHONE, (Normalization.NotNormalized) n);
                    }
                }
                byId.put(aor, values);
                added++;
            }
        }
        SortedMap<String, AddressEntry> entries = new TreeMap<>();
        byId.forEach((id, values) -> entries.put(id, new AddressEntry(id, values)));
        return new Built(entries, report, merged, added);
    }

    /** {@code sip:user@host} with the host in lower case; {@code sip:} added to a bare {@code user@host}. */
    static String sipUri(String value) {
        String v = value.strip();
        if (v.regionMatches(true, 0, "sip:", 0, 4)) {
            v = v.substring(4);
        }
        int at = v.lastIndexOf('@');
        return "sip:" + (at < 0 ? v : v.substring(0, at) + v.substring(at).toLowerCase(Locale.ROOT));
    }
}

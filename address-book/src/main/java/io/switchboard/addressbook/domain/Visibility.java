package io.switchboard.addressbook.domain;

import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which attributes the address book publishes (issue 14, item 5). The book is one file that every user of our
 * domains downloads, so an attribute is either in it for all of them or for none: a hidden attribute is dropped
 * when the entries are built, before anything is stored, so it is in no file, no delta, no desk-phone
 * phonebook, no vCard and no search result (a search by a hidden mobile number finds nobody).
 *
 * <p>The default hides the mobile and home numbers, in line with presence, where only the Workgroup and
 * Friends &amp; Family levels see a user's numbers (see presence's {@code WatcherView}): the address book's reader
 * is any colleague. The work telephone is the directory's public number and stays.
 *
 * <p>The display name, the SIP URI and the mail cannot be hidden: an entry is found and shown by its name, called
 * by its SIP URI, and an entry without a SIP URI is identified by its mail (its id), which every file carries.
 */
public record Visibility(Set<Attribute> hidden) {

    public static final Set<Attribute> ALWAYS_SHOWN =
            EnumSet.of(Attribute.DISPLAY_NAME, Attribute.SIP_URI, Attribute.MAIL);

    /** Everything published (pure tests, or an operator who empties the list). */
    public static final Visibility ALL = new Visibility(Set.of());

    /** Mobile and home numbers hidden. */
    public static final Visibility DEFAULT = new Visibility(Set.of(Attribute.MOBILE, Attribute.HOME));

    public Visibility {
        for (Attribute a : hidden) {
            if (ALWAYS_SHOWN.contains(a)) {
                throw new IllegalArgumentException(
                        a.key() + " cannot be hidden (" + alwaysShownKeys() + " are always published)");
            }
        }
        hidden = hidden.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(hidden));
    }

    /** From attribute keys ({@code mobile}, {@code home}, ...); the message names the bad key. */
    public static Visibility hiding(Collection<String> keys) {
        EnumSet<Attribute> hidden = EnumSet.noneOf(Attribute.class);
        for (String key : keys) {
            Attribute a = Attribute.byKey(key.strip())
                    .orElseThrow(() ->
                            new IllegalArgumentException("'" + key + "' is not an address book attribute; they are "
                                    + Arrays.stream(Attribute.values())
                                            .map(Attribute::key)
                                            .collect(Collectors.joining(", "))));
            hidden.add(a);
        }
        return new Visibility(hidden);
    }

    public boolean shows(Attribute attribute) {
        return !hidden.contains(attribute);
    }

    private static String alwaysShownKeys() {
        return ALWAYS_SHOWN.stream().map(Attribute::key).collect(Collectors.joining(", "));
    }
}

package io.switchboard.addressbook.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What changed between two versions of the address book, by entry id: entries added, entries changed (the
 * whole new entry), ids removed; each list in id order. {@link #apply} is the one way a client's copy moves
 * forward, so {@code apply(before, between(before, after))} equals {@code after}.
 */
public record BookDiff(List<AddressEntry> adds, List<AddressEntry> changes, List<String> removes) {

    public BookDiff {
        adds = List.copyOf(adds);
        changes = List.copyOf(changes);
        removes = List.copyOf(removes);
    }

    public static BookDiff between(Map<String, AddressEntry> before, Map<String, AddressEntry> after) {
        List<AddressEntry> adds = new ArrayList<>();
        List<AddressEntry> changes = new ArrayList<>();
        List<String> removes = new ArrayList<>();
        new TreeMap<>(after).forEach((id, entry) -> {
            AddressEntry old = before.get(id);
            if (old == null) {
                adds.add(entry);
            } else if (!old.equals(entry)) {
                changes.add(entry);
            }
        });
        new TreeMap<>(before).keySet().forEach(id -> {
            if (!after.containsKey(id)) {
                removes.add(id);
            }
        });
        return new BookDiff(adds, changes, removes);
    }

    public SortedMap<String, AddressEntry> apply(Map<String, AddressEntry> before) {
        SortedMap<String, AddressEntry> after = new TreeMap<>(before);
        removes.forEach(after::remove);
        adds.forEach(e -> after.put(e.id(), e));
        changes.forEach(e -> after.put(e.id(), e));
        return after;
    }

    public boolean isEmpty() {
        return adds.isEmpty() && changes.isEmpty() && removes.isEmpty();
    }

    public int size() {
        return adds.size() + changes.size() + removes.size();
    }
}

package io.switchboard.addressbook.source;

import io.switchboard.addressbook.domain.DirectoryEntry;
import java.util.List;

/** What one read of a source gave: the entries, and the records it could not use ({@code problems}). */
public record SourceRead(List<DirectoryEntry> entries, List<Problem> problems) {

    public SourceRead {
        entries = List.copyOf(entries);
        problems = List.copyOf(problems);
    }

    /** A record left out: where it is ({@code "line 12"}, a DN) and why. */
    public record Problem(String where, String problem) {
        @Override
        public String toString() {
            return where + ": " + problem;
        }
    }
}

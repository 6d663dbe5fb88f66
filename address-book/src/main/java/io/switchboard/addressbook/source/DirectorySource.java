package io.switchboard.addressbook.source;

import java.util.function.LongConsumer;

/** Where the address book's people come from. A read is all or nothing: it returns every usable entry or throws. */
public interface DirectorySource {

    /**
     * Reads the whole directory. {@code progress} is told the number of entries read so far now and then
     * (for a progress display; never required).
     */
    SourceRead read(LongConsumer progress) throws SourceException;

    /** For messages and the sync report: "ldap://dir.example.com:389 dc=example,dc=com", "csv /etc/people.csv". */
    String describe();
}

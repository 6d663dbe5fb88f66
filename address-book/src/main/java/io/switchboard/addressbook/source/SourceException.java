package io.switchboard.addressbook.source;

/**
 * A source could not be read as a whole (unreachable directory, failed bind, size limit, missing file): the
 * message says what and where, for an operator, and a sync that gets one changes nothing.
 */
public final class SourceException extends Exception {

    public SourceException(String message, Throwable cause) {
        super(message, cause);
    }

    public SourceException(String message) {
        super(message);
    }
}

package io.switchboard.addressbook.sync;

/** A sync that changed nothing: the message says why, for an operator. */
public final class SyncFailed extends Exception {
    public SyncFailed(String message, Throwable cause) {
        super(message, cause);
    }

    public SyncFailed(String message) {
        super(message);
    }
}

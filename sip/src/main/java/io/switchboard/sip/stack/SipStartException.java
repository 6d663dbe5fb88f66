package io.switchboard.sip.stack;

/** The SIP stack could not be started: bad key store, port in use, bad address... Fatal at boot. */
public final class SipStartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SipStartException(String message, Throwable cause) {
        super(message, cause);
    }

    public SipStartException(String message) {
        super(message);
    }
}

package io.switchboard.park.domain;

/**
 * The text the parker receives in a MESSAGE (RFC 3428) once the call is parked: the orbit to dial,
 * and whose call it is. Plain text, one line, so any phone shows it.
 */
public final class ParkNotice {

    private ParkNotice() {}

    /** "Call from Bob parked at #905". */
    public static String parked(ParkedCall call) {
        return "Call from " + call.caller().shown() + " parked at " + call.orbit();
    }
}

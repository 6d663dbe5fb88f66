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

    /** The display name of the park service's INVITE when a parked call comes back: "Parked: Bob". */
    public static String ringingDisplay(ParkedCall call) {
        return "Parked: " + call.caller().shown();
    }

    /** The Subject of a ring-back to the parker: "Your parked call from Bob, back from #905". */
    public static String ringBack(ParkedCall call) {
        return "Your parked call from " + call.caller().shown() + ", back from " + call.orbit();
    }

    /** The Subject of the INVITE to the fallback: "Parked call from Bob, not picked up at #905". */
    public static String fallback(ParkedCall call) {
        return "Parked call from " + call.caller().shown() + ", not picked up at " + call.orbit();
    }
}

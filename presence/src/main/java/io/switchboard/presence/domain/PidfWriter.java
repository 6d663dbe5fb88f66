package io.switchboard.presence.domain;

/** TEMPORARY: replaced by the xml helper's version at merge. */
public final class PidfWriter {
    public static String write(PresenceView v) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"" + v.entity()
                + "\"><sb:availability>" + v.availability().number() + "</sb:availability><sb:state>" + v.availability().token()
                + "</sb:state>" + (v.note() == null ? "" : "<dm:note>" + v.note() + "</dm:note>") + "</presence>";
    }
}

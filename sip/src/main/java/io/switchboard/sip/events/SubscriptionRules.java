package io.switchboard.sip.events;

import java.util.Iterator;
import javax.sip.header.AcceptHeader;
import javax.sip.message.Request;

/**
 * What every notifier of an RFC 6665 event package decides the same way, whatever its package:
 * the duration granted to a SUBSCRIBE, whether the subscriber accepts the package's body type, and
 * which answers to a NOTIFY end the subscription. Shared by the conference event package
 * (conferencing-focus) and call park's dialog event package for orbits (call-park).
 */
public final class SubscriptionRules {

    private SubscriptionRules() {}

    /**
     * The granted duration in seconds, or -1 for 423 Interval Too Brief (RFC 6665 section
     * 4.2.1.1); 0 stays 0 (an unsubscribe, or a fetch when the subscription is new, section 4.4.3).
     *
     * @param requested the Expires value, or -1 when absent (the package's default applies)
     */
    public static long granted(long requested, long min, long dflt, long max) {
        if (requested < 0) {
            return dflt;
        }
        if (requested == 0) {
            return 0;
        }
        if (requested < min) {
            return -1;
        }
        return Math.min(requested, max);
    }

    /**
     * True when {@code request} accepts {@code type/subtype}: it has no Accept header (RFC 6665
     * section 7.2: the package's default type), or one naming it or a wildcard (RFC 3261 section
     * 20.1). False means 406 (RFC 6665 section 4.2.1).
     */
    public static boolean accepts(Request request, String type, String subtype) {
        Iterator<?> accepts = request.getHeaders(AcceptHeader.NAME);
        if (accepts == null || !accepts.hasNext()) {
            return true;
        }
        while (accepts.hasNext()) {
            AcceptHeader a = (AcceptHeader) accepts.next();
            String t = a.getContentType(), s = a.getContentSubType();
            if (("*".equals(t) || type.equalsIgnoreCase(t)) && ("*".equals(s) || subtype.equalsIgnoreCase(s))) {
                return true;
            }
        }
        return false;
    }

    /**
     * RFC 5057 section 5.1 and RFC 6665 section 4.2.2: the answers to a NOTIFY after which the
     * subscription is gone (the dialog or the usage is no more).
     */
    public static boolean endsSubscription(int status) {
        return switch (status) {
            case 404, 405, 408, 410, 416, 480, 481, 482, 483, 484, 485, 489, 501, 604 -> true;
            default -> false;
        };
    }
}

package io.switchboard.presence.domain;

/**
 * What became of a NOTIFY, and whether it ends the subscription. RFC 6665 section 4.2.2: a 481
 * ends it (the subscriber has forgotten the dialog), and so does a NOTIFY that got no answer at
 * all (Timer F: the subscriber is gone). A 408 <em>response</em> does not: RFC 5057 section 5.1
 * counts it among the responses that affect only that transaction, and treating it as fatal is a
 * known way presence servers silently lose subscriptions. Responses that RFC 5057 section 5.1
 * classes as ending the usage (405, 480, 489, 501) or the whole dialog (404, 410, 416, 482-485,
 * 502, 604: the remote target is wrong) end it too. Everything else affects that one NOTIFY only.
 */
public enum NotifyOutcome {
    DELIVERED,
    FAILED_KEEP,
    ENDS_SUBSCRIPTION,
    NOT_SENT;

    /** @param status the final response status, or 0 when the transaction timed out */
    public static NotifyOutcome ofStatus(int status) {
        if (status >= 200 && status < 300) {
            return DELIVERED;
        }
        return switch (status) {
            case 0, 404, 405, 410, 416, 480, 481, 482, 483, 484, 485, 489, 501, 502, 604 -> ENDS_SUBSCRIPTION;
            default -> FAILED_KEEP;
        };
    }
}

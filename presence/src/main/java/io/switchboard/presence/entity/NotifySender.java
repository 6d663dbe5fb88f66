package io.switchboard.presence.entity;

import io.switchboard.presence.domain.NotifyOutcome;
import io.switchboard.presence.domain.Subscription;
import java.util.concurrent.CompletionStage;

/**
 * Sends a NOTIFY in a stored subscription dialog from this node (the SIP adapter implements it).
 * Never blocks the caller; the stage completes with what became of the request.
 */
public interface NotifySender {

    /**
     * @param dialog            the dialog: Call-ID, tags, target, route set and flow
     * @param cseq              the CSeq number to use
     * @param subscriptionState the Subscription-State header value, e.g. {@code active;expires=3599}
     * @param contentType       the body's type, or null without a body
     * @param body              the body, or null
     * @param eventlist         true for an RFC 4662 list NOTIFY (adds {@code Require: eventlist})
     */
    record Notify(
            Subscription dialog,
            long cseq,
            String subscriptionState,
            String contentType,
            String body,
            boolean eventlist) {}

    CompletionStage<NotifyOutcome> send(Notify notify);
}

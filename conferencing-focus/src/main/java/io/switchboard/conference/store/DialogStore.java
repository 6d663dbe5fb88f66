package io.switchboard.conference.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The dialogs of the focus's SIP side, stored so that a surviving node resumes them after the node
 * holding them dies (conferencing-focus/README.md, "Surviving a node"): each participant leg of the
 * B2BUA with both of its dialogs, and each conference-info subscription. Rows are written by the
 * node named as their {@code holder}; another node takes one over only with {@link #claimLeg} /
 * {@link #claimSubscription}, which succeed for one asker only.
 */
public interface DialogStore {

    /**
     * Our side of one dialog (RFC 3261 section 12.2.1.1: what a request of ours inside it needs).
     *
     * @param cseqCeiling every CSeq of ours used in this dialog so far is at or below it: a node
     *                    that resumes the dialog starts above it
     */
    record Dialog(
            String callId,
            String localTag,
            String localUri,
            String remoteUri,
            String remoteTag,
            String remoteTarget,
            List<String> routeSet,
            long cseqCeiling) {
        public Dialog {
            routeSet = List.copyOf(routeSet);
        }
    }

    /**
     * A participant leg: its dialog with the participant ({@code participant}, Call-ID = leg id),
     * the transport its INVITE came over ({@code udp}, {@code tcp}, {@code tls}), the participant's
     * last SDP offer and the answer we last sent it, and our dialog with {@code mixer} (null when
     * the leg has none, e.g. no live mixer).
     */
    record Leg(
            String conferenceId,
            String conferenceUri,
            String holder,
            String transport,
            Dialog participant,
            byte[] offer,
            byte[] sentSdp,
            String mixer,
            Dialog mixerDialog) {
        public String legId() {
            return participant.callId();
        }
    }

    /**
     * A conference-info subscription (RFC 4575): its dialog, event id, expiry, and the ceiling of
     * the versions sent in it (a node that resumes it sends the next one above).
     */
    record Subscription(
            String conferenceId,
            String holder,
            String transport,
            Dialog dialog,
            String eventId,
            Instant expiresAt,
            long versionCeiling) {}

    /** Which node holds a stored leg or subscription ({@code id}: the leg id or the subscription's Call-ID). */
    record Held(String conferenceId, String id, String holder) {}

    CompletionStage<Void> saveLeg(Leg leg);

    CompletionStage<Optional<Leg>> leg(String conferenceId, String legId);

    CompletionStage<Void> deleteLeg(String conferenceId, String legId);

    /**
     * Makes {@code to} the leg's holder if {@code from} still is, raising both CSeq ceilings to
     * the given ones; true for the one asker that did.
     */
    CompletionStage<Boolean> claimLeg(
            String conferenceId, String legId, String from, String to, long cseqCeiling, long mixerCseqCeiling);

    /** Every stored leg's holder (a scan: run when a node leaves, not per request). */
    CompletionStage<List<Held>> legHolders();

    CompletionStage<Void> saveSubscription(Subscription subscription);

    CompletionStage<Optional<Subscription>> subscription(String conferenceId, String callId);

    CompletionStage<Void> deleteSubscription(String conferenceId, String callId);

    /** As {@link #claimLeg}, raising the CSeq and version ceilings. */
    CompletionStage<Boolean> claimSubscription(
            String conferenceId, String callId, String from, String to, long cseqCeiling, long versionCeiling);

    CompletionStage<List<Held>> subscriptionHolders();
}

package io.switchboard.conference.sip;

import io.switchboard.conference.entity.ConferenceEntity;
import io.switchboard.conference.entity.Conferences;
import io.switchboard.conference.store.DialogStore;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node does with the stored dialogs it takes over ({@link DialogTakeover};
 * conferencing-focus/README.md, "Surviving a node"): a leg becomes one of the node's connected legs,
 * in both of its dialogs above the stored CSeq ceilings (unless its participant's TCP/TLS
 * connection died with the node that held it: then {@code disconnected} takes it out of the
 * roster); a subscription is held here in the same dialog and, found by a sweep, notified at once.
 * Also lets a leg or subscription go when another node asks for it ({@link DialogHandover}).
 */
final class Adoption implements DialogTakeover.Adopter {

    private static final Logger LOG = LoggerFactory.getLogger(Adoption.class);

    private final Map<String, FocusLeg> legs;
    private final DialogRecords records;
    private final MixerLegs mixers;
    private final ConferenceInfoSubscriptions subscriptions;
    private final Conferences conferences;
    private final Consumer<FocusLeg> disconnected;

    /** @param disconnected ends a leg whose participant can no longer be reached: out of the roster, BYE to its mixer */
    Adoption(
            Map<String, FocusLeg> legs,
            DialogRecords records,
            MixerLegs mixers,
            ConferenceInfoSubscriptions subscriptions,
            Conferences conferences,
            Consumer<FocusLeg> disconnected) {
        this.legs = legs;
        this.records = records;
        this.mixers = mixers;
        this.subscriptions = subscriptions;
        this.conferences = conferences;
        this.disconnected = disconnected;
    }

    @Override
    public boolean holdsLeg(String legId) {
        return legs.containsKey(legId);
    }

    @Override
    public void adoptLeg(DialogStore.Leg stored, long nextCseq, long nextMixerCseq, boolean swept) {
        DialogSide participant = DialogSide.restore(stored.participant(), nextCseq);
        FocusLeg leg = new FocusLeg(stored, participant);
        if (legs.putIfAbsent(leg.legId, leg) != null) {
            return;
        }
        participant.nearCeiling = () -> records.saveLater(leg);
        if (stored.mixerDialog() != null) {
            DialogSide mixerDialog = DialogSide.restore(stored.mixerDialog(), nextMixerCseq);
            mixerDialog.nearCeiling = () -> records.saveLater(leg);
            mixers.adopt(leg, stored.mixer(), mixerDialog);
        } else {
            leg.mixer = stored.mixer();
        }
        if (swept && FocusLeg.connectionOriented(leg.transport)) {
            LOG.info(
                    "Leg {} of conference {} came over {} to a node that died: disconnected",
                    leg.legId,
                    leg.conferenceId,
                    leg.transport);
            disconnected.accept(leg);
        }
        // from here the reconciliation follows the roster and the mixer for it like any leg held here
    }

    @Override
    public boolean releaseLeg(String legId) {
        FocusLeg leg = legs.get(legId);
        if (leg == null) {
            return true;
        }
        if (leg.state != FocusLeg.State.CONNECTED || leg.moving.get() || !leg.acked) {
            return false; // being set up, moved, re-INVITEd or left: its stored state is not settled
        }
        if (legs.remove(legId, leg) && leg.end()) {
            mixers.release(leg); // no BYE: the dialogs go on from the other node
            LOG.info("Leg {} of conference {} released to another node", legId, leg.conferenceId);
        }
        return true;
    }

    @Override
    public void acked(String legId) {
        FocusLeg leg = legs.get(legId);
        if (leg != null) {
            leg.acked = true; // as if the ACK had come here (RFC 3261 section 13.3.1.4)
        }
    }

    @Override
    public boolean releaseSubscription(String callId) {
        subscriptions.release(callId);
        return true;
    }

    @Override
    public boolean holdsSubscription(String callId) {
        return subscriptions.holds(callId);
    }

    @Override
    public CompletionStage<Void> adoptSubscription(
            DialogStore.Subscription stored, long nextCseq, long lastVersion, boolean swept) {
        if (swept && FocusLeg.connectionOriented(stored.transport())) {
            // its connection ended with the node that died; a new SUBSCRIBE starts over
            return records.store()
                    .deleteSubscription(stored.conferenceId(), stored.dialog().callId());
        }
        return conferences
                .<ConferenceEntity.StateReply>ask(stored.conferenceId(), ConferenceEntity.GetConference::new)
                .thenCompose(reply -> {
                    if (reply instanceof ConferenceEntity.Current current
                            && current.state().isPresent()) {
                        subscriptions.adopt(
                                stored,
                                nextCseq,
                                lastVersion,
                                current.state().get().conference(),
                                current.state().get().roster(),
                                swept);
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    if (reply instanceof ConferenceEntity.Current) {
                        // the conference is gone: so is the subscription (a refresh gets 481)
                        return records.store()
                                .deleteSubscription(
                                        stored.conferenceId(), stored.dialog().callId());
                    }
                    return CompletableFuture.<Void>failedFuture(
                            new IllegalStateException("conference entity did not answer: " + reply));
                });
    }
}

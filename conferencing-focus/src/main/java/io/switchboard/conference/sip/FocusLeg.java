package io.switchboard.conference.sip;

import java.util.concurrent.atomic.AtomicBoolean;
import javax.sip.ServerTransaction;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * One participant's leg on this node: the focus is a B2BUA between the participant's dialog and
 * one dialog with the conference's mixer. Keyed by the participant dialog's Call-ID (the roster's
 * leg id).
 */
final class FocusLeg {

    enum State {
        /** In the lobby: the INVITE is held with 180 until a presenter admits or denies it. */
        LOBBY,
        /** Admitted; the mixer leg is being set up. */
        CONNECTING,
        /** Answered 200 with the mixer's SDP. */
        CONNECTED,
        /** Leaving (BYE, CANCEL, eject, mixer failure): nothing more is done for it. */
        ENDED
    }

    final String conferenceId;
    final String conferenceUri;
    final String legId;
    final DialogSide participant;
    final String inviteBranch;
    /** The transport the participant's INVITE came over, lower case ({@code udp}, {@code tcp}, {@code tls}...). */
    final String transport;
    /** The participant's last SDP offer (its INVITE's, then each re-INVITE's): what a new mixer dialog offers. */
    volatile byte[] offer;

    volatile ServerTransaction inviteTx;
    volatile Request invite;
    volatile State state;
    /** The roster version that admitted it or put it in the lobby: older roster reads say nothing about it. */
    volatile long knownVersion;

    /** The mixer of {@link #mixerLeg}, or of the last one when the mixer ended it (changed together, under this leg's lock). */
    volatile String mixer;
    /** Our dialog with the mixer; null while the leg has none (its mixer ended it and no live one took it yet). */
    volatile DialogSide mixerLeg;
    /** Our 200 to the participant, retransmitted until its ACK (RFC 3261 section 13.3.1.4). */
    volatile Response ok;

    volatile boolean acked;

    /** Set while the leg moves to another mixer (new mixer dialog, then our re-INVITE): one move at a time. */
    final AtomicBoolean moving = new AtomicBoolean();
    /** The SDP the participant last got from us (our 200, then each re-INVITE): the origin a new one continues. */
    volatile byte[] sentSdp;
    /** Our ACK to the participant's 2xx to our last re-INVITE, sent again when that 2xx is (RFC 3261 section 13.2.2.4). */
    volatile Request reinviteAck;

    FocusLeg(
            String conferenceId,
            String conferenceUri,
            ServerTransaction tx,
            Request invite,
            String inviteBranch,
            byte[] offer) {
        this.conferenceId = conferenceId;
        this.conferenceUri = conferenceUri;
        this.inviteTx = tx;
        this.invite = invite;
        this.inviteBranch = inviteBranch;
        this.offer = offer;
        this.participant = DialogSide.uas(invite, Signalling.newTag());
        this.legId = participant.callId;
        javax.sip.header.ViaHeader via = (javax.sip.header.ViaHeader) invite.getHeader(javax.sip.header.ViaHeader.NAME);
        this.transport = via == null ? "udp" : via.getTransport().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * A leg stored by another node and taken over here (conferencing-focus/README.md, "Surviving a
     * node"): connected and acknowledged, in {@code participant}'s dialog (resumed above the stored
     * CSeq ceiling); its mixer dialog is attached by {@code MixerLegs.adopt}.
     */
    FocusLeg(io.switchboard.conference.store.DialogStore.Leg stored, DialogSide participant) {
        this.conferenceId = stored.conferenceId();
        this.conferenceUri = stored.conferenceUri();
        this.legId = participant.callId;
        this.participant = participant;
        this.inviteBranch = "";
        this.transport = stored.transport();
        this.offer = stored.offer();
        this.sentSdp = stored.sentSdp();
        this.state = State.CONNECTED;
        this.acked = true;
    }

    /**
     * A leg the focus calls (dial-out, RFC 4579 section 5.5): our dialog with the callee as its UAC,
     * {@code participant} confirmed by the callee's 2xx; being connected to the mixer. Its leg id is
     * our INVITE's Call-ID.
     */
    FocusLeg(String conferenceId, String conferenceUri, DialogSide participant, String transport) {
        this.conferenceId = conferenceId;
        this.conferenceUri = conferenceUri;
        this.legId = participant.callId;
        this.participant = participant;
        this.inviteBranch = "";
        this.transport = transport;
        this.state = State.CONNECTING;
        this.acked = true; // we send the ACK; there is no 200 of ours to retransmit
    }

    /** Whether the participant reached us over a connection (TCP, TLS, WebSocket), which ends with the node holding it. */
    static boolean connectionOriented(String transport) {
        return !"udp".equalsIgnoreCase(transport);
    }

    /** Moves to {@code next} unless the leg already ended; false when it had. */
    synchronized boolean move(State next) {
        if (state == State.ENDED) {
            return false;
        }
        state = next;
        return true;
    }

    /** Ends the leg; true for the caller that ended it (only one does the cleanup). */
    synchronized boolean end() {
        if (state == State.ENDED) {
            return false;
        }
        state = State.ENDED;
        return true;
    }
}

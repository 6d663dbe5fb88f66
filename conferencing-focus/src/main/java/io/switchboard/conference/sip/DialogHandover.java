package io.switchboard.conference.sip;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * The cluster messages by which a node takes a stored dialog over from a <b>live</b> node
 * (conferencing-focus/README.md, "Surviving a node"): a participant's request reached a node that
 * does not hold its leg (our Contact is the conference URI, which any node serves), so that node
 * asks the holder to let the leg go, then claims the stored row and serves the request. An ACK is
 * passed to the holder instead ({@link Acked}). Registered for Kryo in pool-node (ids 700-702).
 */
public final class DialogHandover {

    private DialogHandover() {}

    /** What {@link DialogTakeover}'s actor on each node takes. */
    public interface Message {}

    /** Kinds of stored dialog. */
    public static final String LEG = "leg", SUBSCRIPTION = "subscription";

    /**
     * Let go of the leg (by leg id) or subscription (by Call-ID) {@code id}: forget it without
     * ending it, so the asker resumes it from the store.
     */
    public record Release(String kind, String id, ActorRef<Released> replyTo) implements Message {}

    /** {@code released}: not held here (any more); false: busy with it (a move, a re-INVITE), ask later. */
    public record Released(String id, boolean released) {}

    /**
     * The participant's ACK of our 2xx on leg {@code legId} reached another node (the pool name can
     * resolve to any node, RFC 3263): the holder stops retransmitting its 2xx (RFC 3261 section
     * 13.3.1.4) instead of ending the call after 64*T1. No answer: an ACK has none.
     */
    public record Acked(String legId) implements Message {}
}

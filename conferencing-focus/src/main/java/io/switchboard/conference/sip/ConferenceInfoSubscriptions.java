package io.switchboard.conference.sip;

import io.switchboard.conference.domain.Conference;
import io.switchboard.conference.domain.ConferenceInfo;
import io.switchboard.conference.domain.ConferenceInfoRules;
import io.switchboard.conference.domain.Joiner;
import io.switchboard.conference.domain.Roster;
import io.switchboard.conference.entity.ConferenceEntity;
import io.switchboard.conference.entity.Conferences;
import io.switchboard.conference.store.ConferenceStore;
import io.switchboard.sip.events.SubscriptionRules;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import javax.sip.ServerTransaction;
import javax.sip.header.CallIdHeader;
import javax.sip.header.EventHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.header.Header;
import javax.sip.header.SubscriptionStateHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The conference event package at the focus (RFC 4575; RFC 4579 sections 5.3 and 6): SUBSCRIBE
 * with {@code Event: conference} to a conference URI, authenticated by the node's front end like
 * every SUBSCRIBE, allowed by {@link ConferenceInfoRules} (else 404/403), answered 200 and followed
 * at once by a NOTIFY with the full state (version 1); then a partial NOTIFY (version one higher)
 * whenever the roster changed; refreshes answered with the full state again (a subscriber that saw
 * a version gap gets it by refreshing, RFC 4575 section 4.6); {@code Expires: 0} and expiry end
 * with a last NOTIFY, {@code Subscription-State: terminated;reason=timeout}; a conference that
 * ended with {@code reason=noresource} (RFC 6665 section 4.1.3).
 *
 * <p>How changes reach the subscriptions held here: the roster lives in the sharded conference
 * entity, wherever its node is, and the entity does not push. So this node <b>polls</b>: every
 * {@link FocusSip#INFO_POLL_MS} ms it reads each conference it has subscribers of from its entity
 * and notifies every subscriber whose last document is older than the roster; changes made by
 * this node's own legs (joins, leaves) are handed in at once ({@link #rosterSeen}) without waiting
 * for the poll. A subscriber gets at most one such NOTIFY per {@link #MIN_GAP_NANOS}; changes in
 * between are merged into one partial document (the difference from what that subscriber last
 * got), so versions never skip.
 *
 * <p>Each subscription is stored ({@link DialogRecords}: dialog, expiry, CSeq and version ceilings)
 * before its 200, so that a surviving node continues it in the same dialog after this one dies
 * ({@link #adopt}: a full NOTIFY with a version and CSeq above the stored ceilings). NOTIFYs go
 * over UDP to the subscriber's Contact like the focus's other requests.
 */
final class ConferenceInfoSubscriptions {

    private static final Logger LOG = LoggerFactory.getLogger(ConferenceInfoSubscriptions.class);

    static final String EVENT = "conference";

    /**
     * At most one roster NOTIFY per subscription in this time (a little under the poll's period,
     * so a poll always may send): changes that come sooner wait for the next poll and go out
     * merged, as the presence server merges per notify interval. Refreshes and the last NOTIFY
     * are not held back.
     */
    static final long MIN_GAP_NANOS = FocusSip.INFO_POLL_MS * 800_000L;

    /** One subscription held here; its fields change under its own lock. */
    static final class Subscription {
        final String conferenceId;
        final Conference conference;
        final DialogSide dialog;
        final String eventId;
        /** The transport the SUBSCRIBE came over, lower case. */
        final String transport;

        Instant expiresAt;
        /** Every version sent so far is at or below this stored one (0: not stored yet). */
        long versionCeiling;
        /** The roster the subscriber's last document described. */
        Roster roster;
        /** The last document's version (RFC 4575 section 4.6: the subscription's own counter). */
        long version;

        boolean ended;
        /** When the last NOTIFY went out ({@link System#nanoTime}). */
        long lastSentNanos;

        Subscription(
                String conferenceId,
                Conference conference,
                DialogSide dialog,
                String eventId,
                String transport,
                Instant expiresAt,
                Roster roster) {
            this.conferenceId = conferenceId;
            this.conference = conference;
            this.dialog = dialog;
            this.eventId = eventId;
            this.transport = transport;
            this.expiresAt = expiresAt;
            this.roster = roster;
        }
    }

    private final Signalling sip;
    private final Conferences conferences;
    private final Consumer<String> counted;
    private final DialogRecords records;
    /** By the subscription dialog's Call-ID. */
    private final Map<String, Subscription> byCallId = new ConcurrentHashMap<>();

    ConferenceInfoSubscriptions(
            Signalling sip, Conferences conferences, Consumer<String> counted, DialogRecords records) {
        this.sip = sip;
        this.records = records;
        this.conferences = conferences;
        this.counted = counted;
    }

    int size() {
        return byCallId.size();
    }

    boolean holds(String callId) {
        return byCallId.containsKey(callId);
    }

    /** Forgets the subscription {@code callId} without ending it: another node resumes it from the store. */
    void release(String callId) {
        Subscription s = byCallId.remove(callId);
        if (s != null) {
            synchronized (s) {
                s.ended = true; // nothing more is sent from here
            }
        }
    }

    // ------------------------------------------------------------------ new subscriptions

    /** A SUBSCRIBE without a To tag to the conference {@code conferenceId} by {@code subscriber}. */
    void subscribe(ServerTransaction tx, Request request, String conferenceId, Joiner subscriber) {
        if (!conferenceEvent(tx, request)) {
            return;
        }
        long granted = granted(tx, request);
        if (granted < 0) {
            return;
        }
        if (!acceptsConferenceInfo(request)) {
            // RFC 6665 section 4.2.1: an Accept without the package's type
            sip.answer(tx, Response.NOT_ACCEPTABLE, null, null, List.of(acceptHeader()));
            return;
        }
        conferences
                .<ConferenceEntity.StateReply>ask(conferenceId, ConferenceEntity.GetConference::new)
                .whenComplete((reply, failure) -> {
                    if (!(reply instanceof ConferenceEntity.Current current)) {
                        LOG.info(
                                "Subscription to conference {} not decided: {}",
                                conferenceId,
                                failure != null ? failure : reply);
                        counted.accept(FocusSip.UNAVAILABLE);
                        sip.answer(tx, Response.SERVICE_UNAVAILABLE, "Conference service unavailable, try again");
                        return;
                    }
                    Optional<ConferenceStore.Stored> state = current.state();
                    ConferenceInfoRules.Decision d = ConferenceInfoRules.maySubscribe(
                            state.map(ConferenceStore.Stored::conference).orElse(null),
                            state.map(ConferenceStore.Stored::roster).orElse(null),
                            subscriber,
                            Instant.now());
                    if (d instanceof ConferenceInfoRules.Decision.Refused r) {
                        counted.accept(FocusSip.REFUSED);
                        sip.answer(tx, r.status(), r.reason());
                        return;
                    }
                    accepted(tx, request, conferenceId, state.orElseThrow(), granted);
                });
    }

    private void accepted(
            ServerTransaction tx, Request request, String conferenceId, ConferenceStore.Stored state, long granted) {
        String eventId = ((EventHeader) request.getHeader(EventHeader.NAME)).getEventId();
        DialogSide dialog = DialogSide.uas(request, Signalling.newTag());
        javax.sip.header.ViaHeader via =
                (javax.sip.header.ViaHeader) request.getHeader(javax.sip.header.ViaHeader.NAME);
        Subscription s = new Subscription(
                conferenceId,
                state.conference(),
                dialog,
                eventId,
                via == null ? "udp" : via.getTransport().toLowerCase(java.util.Locale.ROOT),
                Instant.now().plusSeconds(granted),
                state.roster());
        if (granted > 0 && byCallId.putIfAbsent(dialog.callId, s) != null) {
            // RFC 3261 section 8.2.2.2: a second initial request with this Call-ID (merged)
            sip.answer(tx, Response.LOOP_DETECTED, "Already subscribed with this Call-ID");
            return;
        }
        if (granted == 0) {
            answerFirst(tx, s, granted); // a fetch: nothing to store
            return;
        }
        CompletionStage<Void> stored;
        synchronized (s) {
            stored = records.save(s); // before the 200: a surviving node can continue it
        }
        stored.whenComplete((v, failure) -> {
            if (failure != null) {
                LOG.warn("Conference-info subscription {} not stored: {}", dialog.callId, failure.toString());
                byCallId.remove(dialog.callId, s);
                counted.accept(FocusSip.UNAVAILABLE);
                sip.answer(tx, Response.SERVICE_UNAVAILABLE, "Conference service unavailable, try again");
            } else {
                answerFirst(tx, s, granted);
            }
        });
    }

    /** The 200 and the first NOTIFY (the full state, version 1). */
    private void answerFirst(ServerTransaction tx, Subscription s, long granted) {
        counted.accept(FocusSip.SUBSCRIBED);
        answer200(tx, s, granted);
        synchronized (s) {
            s.version = 1;
            if (granted == 0) {
                // RFC 6665 section 4.4.3: a fetch, one NOTIFY and nothing kept
                s.ended = true;
                send(s, terminated("timeout"), ConferenceInfo.full(s.conference, s.roster, 1));
            } else {
                send(s, active(s), ConferenceInfo.full(s.conference, s.roster, 1));
            }
        }
    }

    // ------------------------------------------------------------------ in the subscription's dialog

    /** True when {@code request} is a SUBSCRIBE in one of the dialogs held here (refresh or unsubscribe), and was handled. */
    boolean inDialog(ServerTransaction tx, Request request) {
        if (tx == null || !Request.SUBSCRIBE.equals(request.getMethod())) {
            return false;
        }
        Subscription s = byCallId.get(((CallIdHeader) request.getHeader(CallIdHeader.NAME)).getCallId());
        String toTag = ((ToHeader) request.getHeader(ToHeader.NAME)).getTag();
        if (s == null || !s.dialog.localTag.equals(toTag)) {
            return false;
        }
        if (!conferenceEvent(tx, request)) {
            return true;
        }
        long granted = granted(tx, request);
        if (granted < 0) {
            return true;
        }
        synchronized (s) {
            if (s.ended) {
                sip.answer(tx, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST, "Subscription ended");
                return true;
            }
            answer200(tx, s, granted);
            if (granted == 0) {
                end(s, "timeout", s.roster); // RFC 6665 section 4.1.2.3: unsubscribed
            } else {
                s.expiresAt = Instant.now().plusSeconds(granted);
                records.saveLater(s); // the new expiry, for a node that continues it
                // RFC 6665 section 4.2.2: a NOTIFY after every refresh; the full state, so a
                // subscriber that missed a version is whole again (RFC 4575 section 4.6)
                s.version++;
                send(s, active(s), ConferenceInfo.full(s.conference, s.roster, s.version));
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ taken over from a node that died

    /**
     * A subscription another node stored and this one claimed ({@link DialogTakeover}): held here
     * from now on, in the same dialog (our CSeqs from {@code nextCseq}, above the stored ceiling);
     * when {@code notifyNow}, a NOTIFY with the full state and the version after {@code lastVersion}
     * (the stored ceiling: above every version the dead node sent) goes out at once. A subscription
     * already held here is left as it is. Returns whether it is held here now.
     */
    boolean adopt(
            io.switchboard.conference.store.DialogStore.Subscription stored,
            long nextCseq,
            long lastVersion,
            Conference conference,
            Roster roster,
            boolean notifyNow) {
        DialogSide dialog = DialogSide.restore(stored.dialog(), nextCseq);
        Subscription s = new Subscription(
                stored.conferenceId(),
                conference,
                dialog,
                stored.eventId(),
                stored.transport(),
                stored.expiresAt(),
                roster);
        synchronized (s) {
            s.version = lastVersion;
            s.versionCeiling = stored.versionCeiling();
            if (byCallId.putIfAbsent(dialog.callId, s) != null) {
                return true;
            }
            dialog.nearCeiling = () -> {
                synchronized (s) {
                    records.saveLater(s);
                }
            };
            if (!Instant.now().isBefore(s.expiresAt)) {
                end(s, "timeout", roster);
            } else if (roster.ended()) {
                end(s, "noresource", roster);
            } else if (notifyNow) {
                s.version++;
                send(s, active(s), ConferenceInfo.full(s.conference, s.roster, s.version));
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ following the roster

    /** A roster of {@code conferenceId} as the entity answered it (newer than a subscriber's: notified). */
    void rosterSeen(String conferenceId, Roster roster) {
        for (Subscription s : byCallId.values()) {
            if (!s.conferenceId.equals(conferenceId)) {
                continue;
            }
            synchronized (s) {
                if (s.ended || s.version == 0 || roster.version() <= s.roster.version()) {
                    // version 0: being stored, not answered yet; its first NOTIFY has the full state
                    continue;
                }
                if (roster.ended()) {
                    end(s, "noresource", roster);
                    continue;
                }
                if (System.nanoTime() - s.lastSentNanos < MIN_GAP_NANOS) {
                    continue; // the next poll sends it, with whatever else changed by then
                }
                Roster before = s.roster;
                s.roster = roster;
                Optional<String> doc = ConferenceInfo.partial(s.conference, before, roster, s.version + 1);
                if (doc.isPresent()) {
                    s.version++;
                    send(s, active(s), doc.get());
                }
            }
        }
    }

    /**
     * Every {@link FocusSip#INFO_POLL_MS} ms: subscriptions past their expiry end; each conference
     * with subscribers here is read from its entity and its subscribers follow it; a conference
     * that is gone (ended, expired) ends its subscriptions.
     */
    void poll() {
        Instant now = Instant.now();
        for (Subscription s : byCallId.values()) {
            synchronized (s) {
                if (!s.ended && s.version > 0 && !now.isBefore(s.expiresAt)) {
                    end(s, "timeout", s.roster); // RFC 6665 section 4.2.2: the subscription expired
                }
            }
        }
        Map<String, List<Subscription>> byConference =
                byCallId.values().stream().collect(Collectors.groupingBy(s -> s.conferenceId));
        byConference.forEach((conferenceId, subs) -> conferences
                .<ConferenceEntity.StateReply>ask(conferenceId, ConferenceEntity.GetConference::new)
                .whenComplete((reply, failure) -> {
                    if (!(reply instanceof ConferenceEntity.Current current)) {
                        return; // not answered now: the next poll asks again
                    }
                    if (current.state().isPresent()) {
                        rosterSeen(conferenceId, current.state().get().roster());
                    } else {
                        for (Subscription s : subs) {
                            synchronized (s) {
                                if (!s.ended && s.version > 0) {
                                    Roster last = s.roster;
                                    end(
                                            s,
                                            "noresource",
                                            new Roster(
                                                    last.version() + 1, last.locked(), true, Instant.now(), Map.of()));
                                }
                            }
                        }
                    }
                }));
    }

    // ------------------------------------------------------------------ sending

    /** The last NOTIFY (full state of {@code last}) and the subscription forgotten; call holding the lock. */
    private void end(Subscription s, String reason, Roster last) {
        if (s.ended) {
            return;
        }
        s.ended = true;
        byCallId.remove(s.dialog.callId, s);
        records.forget(s);
        s.roster = last;
        s.version++;
        send(s, terminated(reason), ConferenceInfo.full(s.conference, last, s.version));
    }

    /**
     * Sends a NOTIFY in {@code s}'s dialog (called holding its lock, so CSeq and version rise
     * together). A subscriber that does not answer, or answers that the dialog or subscription is
     * gone, loses the subscription (RFC 6665 section 4.2.2, RFC 5057 section 5).
     */
    private void send(Subscription s, SubscriptionStateHeader state, String body) {
        if (s.versionCeiling > 0 && s.version + DialogRecords.BLOCK / 2 >= s.versionCeiling && !s.ended) {
            records.saveLater(s); // the next block of versions, well before this one runs out
        }
        try {
            Request notify = sip.inDialog(s.dialog, Request.NOTIFY, contact(s));
            EventHeader event = sip.headers.createEventHeader(EVENT);
            if (s.eventId != null) {
                event.setEventId(s.eventId);
            }
            notify.addHeader(event);
            notify.addHeader(state);
            notify.setContent(
                    body.getBytes(StandardCharsets.UTF_8),
                    sip.headers.createContentTypeHeader("application", "conference-info+xml"));
            counted.accept(FocusSip.NOTIFIED);
            s.lastSentNanos = System.nanoTime();
            sip.send(notify, response -> {
                if (response == null || SubscriptionRules.endsSubscription(response.getStatusCode())) {
                    LOG.info(
                            "Conference-info subscription {} ends: NOTIFY answered {}",
                            s.dialog.callId,
                            response == null ? "nothing" : response.getStatusCode());
                    synchronized (s) {
                        s.ended = true;
                        byCallId.remove(s.dialog.callId, s);
                    }
                    records.forget(s);
                }
            });
        } catch (Exception e) {
            LOG.info("NOTIFY to {} not sent: {}", s.dialog.remoteTarget, e.toString());
        }
    }

    /** Lower case, as RFC 6665 section 8.4 writes the values (the RI's constants are capitalized). */
    private SubscriptionStateHeader active(Subscription s) {
        try {
            SubscriptionStateHeader h = sip.headers.createSubscriptionStateHeader("active");
            h.setExpires((int)
                    Math.max(0, s.expiresAt.getEpochSecond() - Instant.now().getEpochSecond()));
            return h;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private SubscriptionStateHeader terminated(String reason) {
        try {
            SubscriptionStateHeader h = sip.headers.createSubscriptionStateHeader("terminated");
            h.setReasonCode(reason);
            return h;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Our Contact in the subscription: the conference URI with isfocus (RFC 4579 section 5.3), as in calls. */
    private static String contact(Subscription s) {
        return "<" + s.conference.uri() + ";isfocus>";
    }

    private void answer200(ServerTransaction tx, Subscription s, long granted) {
        try {
            sip.answer(
                    tx,
                    Response.OK,
                    null,
                    s.dialog.localTag,
                    List.of(
                            sip.headers.createExpiresHeader((int) granted),
                            sip.headers.createContactHeader(sip.addresses.createAddress(contact(s)))));
        } catch (Exception e) {
            LOG.debug("200 to SUBSCRIBE not built: {}", e.toString());
        }
    }

    // ------------------------------------------------------------------ checks

    /** RFC 6665 section 8.2.1: another package at the focus is 489 with {@code Allow-Events: conference}. */
    private boolean conferenceEvent(ServerTransaction tx, Request request) {
        EventHeader event = (EventHeader) request.getHeader(EventHeader.NAME);
        if (event != null && EVENT.equalsIgnoreCase(event.getEventType())) {
            return true;
        }
        try {
            sip.answer(tx, Response.BAD_EVENT, null, null, List.of(sip.headers.createAllowEventsHeader(EVENT)));
        } catch (Exception e) {
            sip.answer(tx, Response.BAD_EVENT, null);
        }
        return false;
    }

    /** The granted duration, or -1 after answering 423 with Min-Expires (RFC 6665 section 4.2.1.1). */
    private long granted(ServerTransaction tx, Request request) {
        ExpiresHeader expires = request.getExpires();
        long granted = ConferenceInfoRules.expires(expires == null ? -1 : expires.getExpires());
        if (granted < 0) {
            try {
                Header min = sip.headers.createMinExpiresHeader((int) ConferenceInfoRules.MIN_EXPIRES);
                sip.answer(tx, Response.INTERVAL_TOO_BRIEF, null, null, List.of(min));
            } catch (Exception e) {
                sip.answer(tx, Response.INTERVAL_TOO_BRIEF, null);
            }
        }
        return granted;
    }

    private static boolean acceptsConferenceInfo(Request request) {
        return SubscriptionRules.accepts(request, "application", "conference-info+xml");
    }

    private Header acceptHeader() {
        try {
            return sip.headers.createAcceptHeader("application", "conference-info+xml");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

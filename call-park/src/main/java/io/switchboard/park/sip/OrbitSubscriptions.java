package io.switchboard.park.sip;

import io.switchboard.park.domain.Orbit;
import io.switchboard.park.domain.OrbitDialogInfo;
import io.switchboard.park.domain.OrbitRange;
import io.switchboard.park.domain.OrbitSubscribeRules;
import io.switchboard.park.store.OrbitClaims;
import io.switchboard.park.store.OrbitRanges;
import io.switchboard.sip.events.SubscriptionRules;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import javax.sip.ServerTransaction;
import javax.sip.header.EventHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.header.Header;
import javax.sip.header.SubscriptionStateHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dialog event package for orbits (RFC 4235), so desk phones' busy-lamp keys show which
 * orbits hold a call: a SUBSCRIBE with {@code Event: dialog} to an orbit (allowed by {@link
 * OrbitSubscribeRules}) is answered 200 and followed by a NOTIFY with the orbit's full state
 * ({@link OrbitDialogInfo}, version 0); then a NOTIFY (version +1) whenever the orbit becomes
 * occupied or free; a refresh gets the full state again (RFC 6665 section 4.2.2); {@code Expires:
 * 0}, expiry and the orbit's range being removed end with a last NOTIFY, {@code
 * Subscription-State: terminated} (reason {@code timeout}, or {@code noresource}, RFC 6665
 * section 4.1.3).
 *
 * <p>How changes reach the subscriptions held here, as the conference event package does it
 * (conferencing-focus's ConferenceInfoSubscriptions): an orbit is occupied while its claim is held
 * (OrbitClaims, pool-wide), whichever node parked, retrieved, timed out, hung up or took the call
 * over. So this node <b>polls</b>: every {@link ParkSip#WATCH_POLL_MS} ms it reads the claim of
 * each orbit it has subscribers of (one read per orbit, however many watch it) and notifies the
 * subscribers whose last document showed another holder. The claim is taken just before the park
 * is stored and confirmed, and freed when the call leaves the orbit, so the lamp follows the orbit
 * within about a poll.
 *
 * <p>Not yet: subscriptions live on the node that took them (their dialogs are not stored; a phone
 * whose refresh fails after that node died subscribes again), NOTIFYs go over UDP to the
 * subscriber's Contact like the park's other requests.
 */
final class OrbitSubscriptions {

    private static final Logger LOG = LoggerFactory.getLogger(OrbitSubscriptions.class);

    /** One subscription held here; its fields change under its own lock. */
    static final class Subscription {
        final OrbitRange range;
        final Orbit orbit;
        final Leg dialog;
        final String eventId;
        final String entity;
        Instant expiresAt;
        /** The dialog the last document showed (empty: free), null before the first NOTIFY. */
        Optional<String> shown;
        /** The last document's version; -1 before the first (RFC 4235 section 4.1: they start at 0). */
        long version = -1;
        /** The poll whose reading {@link #shown} reflects: older readings arriving late are ignored. */
        long reading;

        boolean ended;

        Subscription(OrbitRange range, Orbit orbit, Leg dialog, String eventId, String entity, Instant expiresAt) {
            this.range = range;
            this.orbit = orbit;
            this.dialog = dialog;
            this.eventId = eventId;
            this.entity = entity;
            this.expiresAt = expiresAt;
        }
    }

    private final SipKit sip;
    private final OrbitRanges ranges;
    private final Supplier<OrbitClaims> claims;
    private final Consumer<String> counted;
    /** By the subscription dialog's Call-ID. */
    private final Map<String, Subscription> byCallId = new ConcurrentHashMap<>();

    private final AtomicLong readings = new AtomicLong();

    OrbitSubscriptions(SipKit sip, OrbitRanges ranges, Supplier<OrbitClaims> claims, Consumer<String> counted) {
        this.sip = sip;
        this.ranges = ranges;
        this.claims = claims;
        this.counted = counted;
    }

    int size() {
        return byCallId.size();
    }

    // ------------------------------------------------------------------ new subscriptions

    /** A SUBSCRIBE without a To tag that {@link OrbitSubscribeRules} allowed. */
    void subscribe(ServerTransaction tx, Request request, OrbitSubscribeRules.Decision.Watch watch) {
        if (!SubscriptionRules.accepts(request, "application", "dialog-info+xml")) {
            // RFC 6665 section 4.2.1: an Accept without the package's type
            sip.answer(
                    tx,
                    Response.NOT_ACCEPTABLE,
                    null,
                    List.of(header(() -> sip.headers.createAcceptHeader("application", "dialog-info+xml"))));
            return;
        }
        String entity = OrbitDialogInfo.orbitUri(watch.orbit(), SipKit.hostOf(sip.parkUri));
        String eventId = ((EventHeader) request.getHeader(EventHeader.NAME)).getEventId();
        Leg dialog = Leg.asCallee(request, SipKit.newTag());
        Subscription s = new Subscription(
                watch.range(),
                watch.orbit(),
                dialog,
                eventId,
                entity,
                Instant.now().plusSeconds(watch.granted()));
        if (watch.granted() > 0 && byCallId.putIfAbsent(dialog.callId, s) != null) {
            // RFC 3261 section 8.2.2.2: a second initial request with this Call-ID (merged)
            sip.answer(tx, Response.LOOP_DETECTED, "Already subscribed with this Call-ID", null);
            return;
        }
        long reading = readings.incrementAndGet();
        claims.get().holder(watch.range().name(), watch.orbit()).whenComplete((holder, failure) -> {
            if (failure != null) {
                byCallId.remove(dialog.callId, s);
                sip.answer(tx, Response.SERVICE_UNAVAILABLE, "Park service unavailable, try again", null);
                return;
            }
            counted.accept(ParkSip.WATCHED);
            synchronized (s) {
                answer200(tx, s, watch.granted());
                s.version = 0;
                s.reading = reading;
                s.shown = holder.map(OrbitDialogInfo::dialogId);
                if (watch.granted() == 0 || s.ended) {
                    // RFC 6665 section 4.4.3: a fetch, one NOTIFY and nothing kept; or the poll
                    // found the orbit's range removed meanwhile (RFC 6665 section 4.1.3)
                    String reason = s.ended ? "noresource" : "timeout";
                    s.ended = true;
                    send(s, terminated(reason));
                } else {
                    send(s, active(s));
                }
            }
        });
    }

    // ------------------------------------------------------------------ in the subscription's dialog

    /** True when {@code request} is a SUBSCRIBE in one of the dialogs held here (refresh or unsubscribe), and was handled. */
    boolean inDialog(ServerTransaction tx, Request request) {
        if (tx == null || !Request.SUBSCRIBE.equals(request.getMethod())) {
            return false;
        }
        Subscription s = byCallId.get(Leg.callIdOf(request));
        if (s == null || !s.dialog.matches(request)) {
            if (toOurContact(request)) {
                // a refresh of a subscription that ended (or that another node held): RFC 6665
                // section 4.2.1.2, the subscriber then subscribes anew
                sip.answer(tx, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST, "No such subscription", null);
                return true;
            }
            return false;
        }
        EventHeader event = (EventHeader) request.getHeader(EventHeader.NAME);
        if (event == null || !OrbitSubscribeRules.EVENT.equalsIgnoreCase(event.getEventType())) {
            sip.answer(tx, Response.BAD_EVENT, null, List.of(allowEvents()));
            return true;
        }
        ExpiresHeader expires = request.getExpires();
        Optional<Long> granted = OrbitSubscribeRules.refreshed(expires == null ? -1 : expires.getExpires());
        if (granted.isEmpty()) {
            sip.answer(
                    tx,
                    Response.INTERVAL_TOO_BRIEF,
                    null,
                    List.of(header(() -> sip.headers.createMinExpiresHeader((int) OrbitSubscribeRules.MIN_EXPIRES))));
            return true;
        }
        synchronized (s) {
            if (s.ended) {
                sip.answer(tx, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST, "Subscription ended", null);
                return true;
            }
            answer200(tx, s, granted.get());
            if (granted.get() == 0) {
                end(s, "timeout"); // RFC 6665 section 4.1.2.3: unsubscribed
            } else {
                s.expiresAt = Instant.now().plusSeconds(granted.get());
                // RFC 6665 section 4.2.2: a NOTIFY after every refresh, with the full state
                s.version++;
                send(s, active(s));
            }
        }
        return true;
    }

    /** A SUBSCRIBE with a To tag sent to the Contact of our 200s (the park service's user part). */
    private boolean toOurContact(Request request) {
        String toTag = ((javax.sip.header.ToHeader) request.getHeader(javax.sip.header.ToHeader.NAME)).getTag();
        String user = SipKit.userOf(sip.parkUri);
        return toTag != null
                && !user.isEmpty()
                && request.getRequestURI() instanceof javax.sip.address.SipURI uri
                && user.equals(uri.getUser())
                && sip.identity.isOurs(uri);
    }

    // ------------------------------------------------------------------ following the orbits

    /**
     * Every {@link ParkSip#WATCH_POLL_MS} ms: subscriptions past their expiry end, those of an orbit
     * no longer in a range end ({@code noresource}), and each orbit with subscribers here has its
     * claim read; a holder other than the one last shown is notified.
     */
    void poll() {
        Instant now = Instant.now();
        for (Subscription s : byCallId.values()) {
            synchronized (s) {
                if (!s.ended && s.version >= 0 && !now.isBefore(s.expiresAt)) {
                    end(s, "timeout"); // RFC 6665 section 4.2.2: the subscription expired
                }
            }
        }
        if (byCallId.isEmpty()) {
            return;
        }
        ranges.current().whenComplete((list, failure) -> {
            if (failure != null) {
                return; // the next poll tries again
            }
            Map<String, Map<Orbit, List<Subscription>>> watched = byCallId.values().stream()
                    .collect(Collectors.groupingBy(s -> s.range.name(), Collectors.groupingBy(s -> s.orbit)));
            watched.forEach((rangeName, byOrbit) -> {
                Optional<OrbitRange> range =
                        list.stream().filter(r -> r.name().equals(rangeName)).findFirst();
                byOrbit.forEach((orbit, subs) -> {
                    if (range.isEmpty() || !range.get().contains(orbit)) {
                        // the operator removed the range: the orbit is no more (RFC 6665 section 4.1.3)
                        subs.forEach(s -> {
                            synchronized (s) {
                                end(s, "noresource");
                            }
                        });
                        return;
                    }
                    long reading = readings.incrementAndGet();
                    claims.get().holder(rangeName, orbit).whenComplete((holder, failed) -> {
                        if (failed == null) {
                            subs.forEach(s -> seen(s, reading, holder.map(OrbitDialogInfo::dialogId)));
                        }
                    });
                });
            });
        });
    }

    private void seen(Subscription s, long reading, Optional<String> dialog) {
        synchronized (s) {
            if (s.ended || s.version < 0 || reading <= s.reading) {
                return; // not started yet, or a reading older than what was shown
            }
            s.reading = reading;
            if (!dialog.equals(s.shown)) {
                s.shown = dialog;
                s.version++;
                send(s, active(s));
            }
        }
    }

    // ------------------------------------------------------------------ sending

    /** The last NOTIFY and the subscription forgotten; call holding the lock. */
    private void end(Subscription s, String reason) {
        if (s.ended) {
            return;
        }
        s.ended = true;
        byCallId.remove(s.dialog.callId, s);
        if (s.version < 0) {
            return; // its 200 and first NOTIFY are still to come: nothing to end for the subscriber yet
        }
        s.version++;
        send(s, terminated(reason));
    }

    /**
     * Sends a NOTIFY with {@code s}'s current document in its dialog (called holding its lock, so
     * CSeq and version rise together). A subscriber that does not answer, or answers that the dialog
     * or subscription is gone, loses the subscription (RFC 6665 section 4.2.2, RFC 5057 section 5).
     */
    private void send(Subscription s, SubscriptionStateHeader state) {
        try {
            Request notify = sip.inLeg(s.dialog, Request.NOTIFY);
            EventHeader event = sip.headers.createEventHeader(OrbitSubscribeRules.EVENT);
            if (s.eventId != null) {
                event.setEventId(s.eventId);
            }
            notify.addHeader(event);
            notify.addHeader(state);
            notify.setContent(
                    OrbitDialogInfo.body(s.entity, s.version, s.shown).getBytes(StandardCharsets.UTF_8),
                    sip.headers.createContentTypeHeader("application", "dialog-info+xml"));
            counted.accept(ParkSip.NOTIFIED);
            sip.send(notify, response -> {
                if (response == null || SubscriptionRules.endsSubscription(response.getStatusCode())) {
                    LOG.info(
                            "Orbit subscription {} to {} ends: NOTIFY answered {}",
                            s.dialog.callId,
                            s.orbit,
                            response == null ? "nothing" : response.getStatusCode());
                    synchronized (s) {
                        s.ended = true;
                        byCallId.remove(s.dialog.callId, s);
                    }
                }
            });
        } catch (Exception e) {
            LOG.info("NOTIFY to {} not sent: {}", s.dialog.remoteTarget, e.toString());
        }
    }

    /** Lower case, as RFC 6665 section 8.4 writes the values (the RI's constants are capitalized). */
    private SubscriptionStateHeader active(Subscription s) {
        SubscriptionStateHeader h =
                (SubscriptionStateHeader) header(() -> sip.headers.createSubscriptionStateHeader("active"));
        try {
            h.setExpires((int)
                    Math.max(0, s.expiresAt.getEpochSecond() - Instant.now().getEpochSecond()));
        } catch (javax.sip.InvalidArgumentException e) {
            throw new IllegalStateException(e);
        }
        return h;
    }

    private SubscriptionStateHeader terminated(String reason) {
        SubscriptionStateHeader h =
                (SubscriptionStateHeader) header(() -> sip.headers.createSubscriptionStateHeader("terminated"));
        try {
            h.setReasonCode(reason);
        } catch (java.text.ParseException e) {
            throw new IllegalStateException(e);
        }
        return h;
    }

    private void answer200(ServerTransaction tx, Subscription s, long granted) {
        try {
            javax.sip.message.Response ok = sip.messages.createResponse(Response.OK, tx.getRequest());
            ((javax.sip.header.ToHeader) ok.getHeader(javax.sip.header.ToHeader.NAME)).setTag(s.dialog.localTag);
            ok.addHeader(sip.headers.createExpiresHeader((int) granted));
            ok.addHeader(sip.headers.createContactHeader(sip.addresses.createAddress(sip.ownContact())));
            tx.sendResponse(ok);
        } catch (Exception e) {
            LOG.debug("200 to SUBSCRIBE not sent: {}", e.toString());
        }
    }

    Header allowEvents() {
        return header(() -> sip.headers.createAllowEventsHeader(OrbitSubscribeRules.EVENT));
    }

    private interface HeaderMaker {
        Header make() throws Exception;
    }

    private static Header header(HeaderMaker maker) {
        try {
            return maker.make();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

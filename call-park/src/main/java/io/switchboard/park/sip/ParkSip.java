package io.switchboard.park.sip;

import io.switchboard.park.domain.CallerIdentity;
import io.switchboard.park.domain.OrbitRange;
import io.switchboard.park.domain.OrbitSubscribeRules;
import io.switchboard.park.domain.ParkSettings;
import io.switchboard.park.domain.ParkTarget;
import io.switchboard.park.domain.ParkedCall;
import io.switchboard.park.entity.ParkedCallEntity;
import io.switchboard.park.entity.ParkedCallListener;
import io.switchboard.park.entity.ParkedCalls;
import io.switchboard.park.media.MohSender;
import io.switchboard.park.media.Sdp;
import io.switchboard.park.store.OrbitClaims;
import io.switchboard.park.store.OrbitRanges;
import io.switchboard.sip.routing.NextHop;
import io.switchboard.sip.routing.ProxyIdentity;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.sip.ClientTransaction;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipProvider;
import javax.sip.TimeoutEvent;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.header.FromHeader;
import javax.sip.header.Header;
import javax.sip.header.HeaderFactory;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SIP edge of call park: a minimal back-to-back user agent on the node (call-park/README.md,
 * "SIP"). This class routes: an INVITE to the park service (the transferee's, after the parker's
 * blind transfer, RFC 5589 section 6) is parked through the entity and answered by
 * {@link ParkedLegs} (music on hold from {@link HeldMedia}), the parker (named by Referred-By, RFC
 * 3892) told by {@link ParkerMessages}; an INVITE dialing an orbit is retrieved and joined to the
 * parked caller by {@link Bridge} (by the node holding the caller's leg, {@link PoolRetrieves});
 * the entity's timeouts go to {@link Timeouts} there; requests inside our dialogs go to the part
 * that holds them.
 *
 * <p>The dialogs live on the node that answered them; the park itself is the entity's. Never
 * blocks: everything that waits continues on completion callbacks.
 */
public final class ParkSip implements ParkedCallListener {

    private static final Logger LOG = LoggerFactory.getLogger(ParkSip.class);

    /** Where the parker's MESSAGE goes: a Request-URI, and the connection to send it into (null: by the URI). */
    public record MessageTarget(String requestUri, NextHop hop) {}

    /**
     * What call park uses of the node.
     *
     * @param parkUri       {@code switchboard.park.uri}
     * @param domains       the pool's domains (a parker must be one of our users)
     * @param defaults      the pool's park settings; a range's overrides apply on top
     * @param mediaAddress  the address our RTP sockets bind to and our SDP names
     * @param parkerTargets the registered endpoints of a user, as MESSAGE targets
     * @param counted       told each outcome, for the node's metrics: {@value #PARKED}, {@value #FULL},
     *                      the {@code refused-} reasons, {@value #REFUSED}, {@value #UNAVAILABLE}, {@value #RETRIEVED}, {@value #EMPTY},
     *                      {@value #ENDED}
     * @param music         what parked callers hear (the same on every node: a takeover resumes it)
     */
    public record Settings(
            String parkUri,
            Set<String> domains,
            ParkSettings defaults,
            String mediaAddress,
            Function<String, CompletionStage<List<MessageTarget>>> parkerTargets,
            Consumer<String> counted,
            io.switchboard.park.media.HoldMusic music) {}

    /** Outcomes, as counted: a call parked; a park refused for a full range (486). */
    public static final String PARKED = "parked", FULL = "full";
    /**
     * A park refused for its request, by reason (issue 13 item 6): no Referred-By (400), a parker
     * not of our domains (403), no G.711 audio offer (488), no orbit range configured (480).
     */
    public static final String REFUSED_REFERRED_BY = "refused-referred-by",
            REFUSED_PARKER = "refused-parker",
            REFUSED_MEDIA = "refused-media",
            REFUSED_NO_RANGE = "refused-no-range";
    /** A busy-lamp SUBSCRIBE to an orbit refused (403, 404, 489, 423). */
    public static final String REFUSED = "refused";
    /** The entity or the store did not answer: 503. */
    public static final String UNAVAILABLE = "unavailable";
    /** A call retrieved; an orbit dialed that holds nothing (404); a park ended by the caller's BYE. */
    public static final String RETRIEVED = "retrieved", EMPTY = "empty", ENDED = "ended";
    /**
     * A pickup timeout rang the parker back; the parker answered it; the fallback answered after the
     * last ring-back; nobody did, the call ended with BYE.
     */
    public static final String RING_BACK = "ring-back",
            RUNG_BACK = "rung-back",
            FALLBACK = "fallback",
            TIMED_OUT = "timed-out";
    /**
     * A parked caller's leg taken over from a node that died (re-INVITEd, music resumed here); a
     * parked call that could not be taken over (its leg was on TCP/TLS, or the caller refused the
     * re-INVITE) and was ended, its orbit freed.
     */
    public static final String TAKEN_OVER = "taken-over", LOST = "lost";
    /** A busy-lamp subscription to an orbit accepted (RFC 4235); a dialog-info NOTIFY sent. */
    public static final String WATCHED = "watched", NOTIFIED = "notify";

    /**
     * How often the claims of the orbits with subscribers on this node are read (as the conference
     * event package polls its conferences): a park, retrieve, timeout or hang-up on any node reaches
     * the busy lamps watching here within about this long.
     */
    static final long WATCH_POLL_MS = 250;

    private final Settings settings;
    private final OrbitRanges ranges;
    private final SipKit sip;
    private final ParkedLegs parked;
    private final Bridge bridge;
    private final ParkerMessages notices;
    private final Ringer ringer;
    private final Timeouts timeouts;
    private final PoolRetrieves elsewhere;
    private final Takeover takeover;
    private final OrbitSubscriptions watchers;
    private final ScheduledExecutorService timer;

    private volatile ParkedCalls calls;
    private volatile OrbitClaims claims;
    private volatile ParkPeers peers;

    /** @param timer schedules our 2xx retransmissions (shared, never blocked) */
    public ParkSip(Settings settings, OrbitRanges ranges, MohSender moh, ScheduledExecutorService timer) {
        this.settings = settings;
        this.ranges = ranges;
        this.sip = new SipKit(settings.parkUri());
        this.parked = new ParkedLegs(sip, moh, timer, settings.mediaAddress(), settings.music());
        this.bridge = new Bridge(sip);
        this.notices = new ParkerMessages(sip, settings.parkerTargets());
        this.ringer = new Ringer(sip, timer);
        this.timeouts = new Timeouts(settings, sip, parked, bridge, ringer, () -> calls);
        this.elsewhere = new PoolRetrieves(settings, sip, parked, bridge, ringer, () -> calls, () -> peers);
        this.takeover = new Takeover(settings.mediaAddress(), settings.counted(), parked, bridge, () -> calls, timer);
        this.watchers = new OrbitSubscriptions(sip, ranges, () -> claims, settings.counted());
        this.timer = timer;
        parked.onEnded(this::endedByCaller);
    }

    /** Set once the entities and the SIP stack exist (the entity type is started with this as its listener). */
    public void attach(
            ParkedCalls parkedCalls,
            OrbitClaims orbitClaims,
            SipProvider sipProvider,
            MessageFactory messageFactory,
            HeaderFactory headerFactory,
            AddressFactory addressFactory,
            ProxyIdentity proxyIdentity) {
        this.calls = parkedCalls;
        this.claims = orbitClaims;
        sip.attach(sipProvider, messageFactory, headerFactory, addressFactory, proxyIdentity);
        // stops with the timer (the node's music-on-hold scheduler, shut down with the node)
        timer.scheduleWithFixedDelay(this::pollWatchers, WATCH_POLL_MS, WATCH_POLL_MS, TimeUnit.MILLISECONDS);
    }

    private void pollWatchers() {
        try {
            watchers.poll();
        } catch (RuntimeException e) {
            LOG.warn("Following orbits for their subscribers failed: {}", e.toString());
        }
    }

    /** Busy-lamp subscriptions to orbits held on this node (metrics, tests). */
    public int orbitSubscriptions() {
        return watchers.size();
    }

    /**
     * Starts this node's park service in the cluster, so retrieves arriving at other nodes reach the
     * parked callers held here ({@link ParkPeers}); {@code askTimeout} bounds each question.
     */
    public void joinPool(org.apache.pekko.actor.typed.ActorSystem<?> system, java.time.Duration askTimeout) {
        joinPool(system, askTimeout, null);
    }

    /**
     * As {@link #joinPool(org.apache.pekko.actor.typed.ActorSystem, java.time.Duration)}, and takes
     * over the parked callers of nodes that leave the cluster ({@link Takeover}); {@code holders}
     * reads every stored call's holder (ParkedCallStore.holders), null: no takeover.
     */
    public void joinPool(
            org.apache.pekko.actor.typed.ActorSystem<?> system,
            java.time.Duration askTimeout,
            java.util.function.Supplier<CompletionStage<java.util.Map<String, String>>> holders) {
        if (holders != null) {
            takeover.start(system, holders);
        }
        this.peers = ParkPeers.start(
                system,
                new ParkPeers.Handler() {
                    @Override
                    public void take(ParkPeers.TakeRetrieve request) {
                        elsewhere.take(request);
                    }

                    @Override
                    public void hangUp(String callId) {
                        bridge.hangUpHere(callId);
                    }

                    @Override
                    public void ringBack(ParkPeers.RingBack r) {
                        if (parked.get(r.parkId()) != null) {
                            timeouts.ringBack(r.parkId(), r.call(), r.attempt());
                        }
                    }

                    @Override
                    public void gaveUp(ParkPeers.GaveUp g) {
                        if (parked.get(g.parkId()) != null) {
                            timeouts.gaveUp(g.parkId(), g.call(), g.fallback());
                        }
                    }
                },
                askTimeout);
    }

    /** How many parked callers this node holds dialogs with (metrics, tests). */
    public int activeDialogs() {
        return parked.size();
    }

    // ------------------------------------------------------------------ initial INVITEs

    /**
     * An initial INVITE from our user {@code requester} (authenticated): parked or retrieved here
     * when its Request-URI is the park service or an orbit, else {@code notPark} runs (the proxy
     * routes it as usual).
     */
    public void invite(ServerTransaction tx, Request request, String requester, Runnable notPark) {
        String requestUri = request.getRequestURI().toString();
        ranges.current().whenComplete((list, failure) -> {
            if (failure != null) {
                // calls to users must not fail with the ranges: routed as usual (a park URI then
                // reaches no user, the caller's transfer fails back)
                LOG.warn("Orbit ranges unavailable for INVITE to {}: {}", requestUri, failure.toString());
                notPark.run();
                return;
            }
            ParkTarget target = ParkTarget.of(requestUri, settings.parkUri(), settings.domains(), list);
            if (target instanceof ParkTarget.Park) {
                park(tx, request, requester, list);
            } else if (target instanceof ParkTarget.Retrieve r) {
                retrieve(tx, request, requester, r);
            } else {
                notPark.run();
            }
        });
    }

    private void park(ServerTransaction tx, Request request, String caller, List<OrbitRange> list) {
        Optional<String> parker = referredBy(request);
        if (parker.isEmpty()) {
            // RFC 3892: the transferee's INVITE names the transferor; without it nobody is told the orbit
            refuse(tx, REFUSED_REFERRED_BY, Response.BAD_REQUEST, "Referred-By naming the parker required");
            return;
        }
        if (!settings.domains().contains(SipKit.hostOf(parker.get()))) {
            refuse(tx, REFUSED_PARKER, Response.FORBIDDEN, "Only our users park calls");
            return;
        }
        Optional<Sdp.Audio> offer = Sdp.audioOf(SipKit.body(request));
        if (offer.isEmpty()) {
            // an INVITE without an offer (RFC 3264's offer in the 2xx) is not supported: no audio to send to
            refuse(tx, REFUSED_MEDIA, Response.NOT_ACCEPTABLE_HERE, "An audio offer with PCMU or PCMA required");
            return;
        }
        if (list.isEmpty()) {
            refuse(tx, REFUSED_NO_RANGE, Response.TEMPORARILY_UNAVAILABLE, "No park orbit range configured");
            return;
        }
        // A parker's range: the first range in name order (one pool-wide range is the usual set-up;
        // per-user or per-group ranges are not built).
        OrbitRange range =
                list.stream().min(Comparator.comparing(OrbitRange::name)).orElseThrow();
        String parkId = Leg.callIdOf(request);
        // the leg, its socket and what another node needs to take it over, stored with the call
        ParkedLegs.Pending pending =
                parked.prepare(request, parkId, offer.get(), takeover.self(), java.time.Instant.now());
        if (pending == null) {
            unavailable(tx, "No media port, try again");
            return;
        }
        calls.park(
                        parkId,
                        new ParkedCallEntity.ParkRequest(
                                range,
                                parker.get(),
                                callerOf(request, caller),
                                settings.defaults().with(range.overrides())),
                        pending.hold())
                .whenComplete((reply, failure) -> {
                    if (!(reply instanceof ParkedCallEntity.Parked)) {
                        parked.discard(parkId, pending);
                    }
                    if (failure != null) {
                        LOG.warn("Park of {} not answered: {}", parkId, failure.toString());
                        unavailable(tx, "Park service unavailable, try again");
                    } else if (reply instanceof ParkedCallEntity.Parked p) {
                        parked(tx, request, parkId, p.call(), pending);
                    } else if (reply instanceof ParkedCallEntity.ParkRefused refused) {
                        settings.counted().accept(FULL);
                        // RFC 3261 section 21.4.24: busy here; the transfer fails back to the parker
                        sip.answer(
                                tx,
                                Response.BUSY_HERE,
                                refused.reason() == ParkedCallEntity.Reason.RANGE_FULL
                                        ? "All park orbits in use"
                                        : "Already parked",
                                null);
                    } else {
                        unavailable(tx, "Park service unavailable, try again");
                    }
                });
    }

    /** The entity stored the park: answer with our SDP, play music on hold, tell the parker. */
    private void parked(
            ServerTransaction tx, Request request, String parkId, ParkedCall call, ParkedLegs.Pending pending) {
        ParkedLegs.Parked existing = parked.get(parkId);
        if (existing != null) {
            parked.discard(parkId, pending);
            parked.resend(tx, request, existing); // a retried INVITE of a call parked here: the same answer
            return;
        }
        parked.answer(tx, request, parkId, call, pending);
        settings.counted().accept(PARKED);
        notices.notifyParker(parkId, call);
    }

    /**
     * An INVITE dialing an orbit. The call is retrieved by re-INVITE (RFC 3261 section 14): the
     * entity frees the orbit, the music stops, the parked caller gets the retriever's offer in a
     * re-INVITE and its answer goes back in our 200 to the retriever, so media flows between the
     * two phones directly while we stay in the signalling (a BYE on one side is passed to the
     * other). Any phone takes a re-INVITE; a REFER would need the parked caller to call the
     * retriever and the retriever to take it as a replacement of its own call (RFC 3891).
     */
    private void retrieve(ServerTransaction tx, Request request, String retriever, ParkTarget.Retrieve r) {
        claims.holder(r.range().name(), r.orbit()).whenComplete((holder, failure) -> {
            if (failure != null) {
                sip.answer(tx, Response.SERVICE_UNAVAILABLE, "Park service unavailable, try again", null);
                return;
            }
            if (holder.isEmpty()) {
                settings.counted().accept(EMPTY);
                sip.answer(tx, Response.NOT_FOUND, "No call parked at " + r.orbit(), null);
                return;
            }
            String offer = SipKit.body(request);
            if (Sdp.audioOf(offer).isEmpty()) {
                sip.answer(tx, Response.NOT_ACCEPTABLE_HERE, "An audio offer with PCMU or PCMA required", null);
                return;
            }
            ParkedLegs.Parked held = parked.get(holder.get());
            if (held == null) {
                // the caller's dialog is on the node that parked it: that node retrieves it for us
                // the caller's identity for our 200 (RFC 3325) from the entity, which every node reaches
                calls.get(holder.get())
                        .whenComplete((state, unknown) -> elsewhere.ask(
                                tx,
                                request,
                                retriever,
                                r,
                                holder.get(),
                                offer,
                                state instanceof ParkedCallEntity.Current c
                                                && c.call().isPresent()
                                        ? c.call().get().caller().asserted()
                                        : null));
                return;
            }
            calls.retrieve(held.parkId, retriever).whenComplete((reply, failed) -> {
                if (failed != null || reply instanceof ParkedCallEntity.Unavailable) {
                    sip.answer(tx, Response.SERVICE_UNAVAILABLE, "Park service unavailable, try again", null);
                } else if (reply instanceof ParkedCallEntity.NotParked) {
                    sip.answer(tx, Response.NOT_FOUND, "No call parked at " + r.orbit(), null);
                } else {
                    settings.counted().accept(RETRIEVED);
                    joinRetriever(tx, request, held, offer);
                }
            });
        });
    }

    /** The orbit is free: the music stops and the parked caller is re-INVITEd with the retriever's offer. */
    private void joinRetriever(ServerTransaction tx, Request request, ParkedLegs.Parked held, String offer) {
        ringer.cancel(held.parkId); // a ring-back under way loses to the retrieve
        parked.release(held);
        Leg caller = held.leg;
        Leg retriever = Leg.asCallee(request, SipKit.newTag());
        bridge.join(caller, retriever);
        bridge.reinvite(
                caller,
                offer,
                answer -> {
                    if (sip.ok(tx, request, retriever.localTag, answer, identityOf(held)) == null) {
                        bridge.hangUp(caller);
                    }
                },
                status -> {
                    // the caller is already out of the orbit: the call ends (RFC 3261 section 14.1
                    // would keep the old session; there is none worth keeping without the music)
                    LOG.info("Retrieve of park {}: the parked caller answered {}", held.parkId, status);
                    sip.answer(tx, Response.TEMPORARILY_UNAVAILABLE, "The parked caller did not take the call", null);
                    bridge.hangUp(caller);
                });
    }

    // ------------------------------------------------------------------ busy lamps (RFC 4235)

    /**
     * A new SUBSCRIBE (no To tag) to a URI of our domains, from our user {@code requester}
     * (authenticated) or, when null, from another domain: watched here when {@link
     * OrbitSubscribeRules} says it is an orbit's (or refused: 403, 404, 489, 423), else {@code
     * notPark} runs (routed as usual, e.g. a {@code dialog} subscription to a user's phones).
     */
    public void subscribe(ServerTransaction tx, Request request, String requester, Runnable notPark) {
        String requestUri = request.getRequestURI().toString();
        ranges.current().whenComplete((list, failure) -> {
            if (failure != null) {
                // as for INVITEs: subscriptions to users must not fail with the ranges
                LOG.warn("Orbit ranges unavailable for SUBSCRIBE to {}: {}", requestUri, failure.toString());
                notPark.run();
                return;
            }
            javax.sip.header.EventHeader event =
                    (javax.sip.header.EventHeader) request.getHeader(javax.sip.header.EventHeader.NAME);
            javax.sip.header.ExpiresHeader expires = request.getExpires();
            OrbitSubscribeRules.Decision d = OrbitSubscribeRules.decide(
                    requestUri,
                    settings.parkUri(),
                    settings.domains(),
                    list,
                    requester != null,
                    event == null ? null : event.getEventType(),
                    expires == null ? -1 : expires.getExpires());
            if (d instanceof OrbitSubscribeRules.Decision.Watch w) {
                watchers.subscribe(tx, request, w);
            } else if (d instanceof OrbitSubscribeRules.Decision.Refused r) {
                settings.counted().accept(REFUSED);
                List<Header> extra = List.of();
                try {
                    if (r.status() == Response.BAD_EVENT) {
                        extra = List.of(watchers.allowEvents()); // RFC 6665 section 8.2.1
                    } else if (r.status() == Response.INTERVAL_TOO_BRIEF) {
                        extra = List.of(sip.headers.createMinExpiresHeader((int) OrbitSubscribeRules.MIN_EXPIRES));
                    }
                } catch (javax.sip.InvalidArgumentException e) {
                    throw new IllegalStateException(e);
                }
                sip.answer(tx, r.status(), r.reason(), extra);
            } else {
                notPark.run();
            }
        });
    }

    // ------------------------------------------------------------------ requests inside our dialogs

    /**
     * True when {@code request} belongs to a dialog of call park on this node (by its Call-ID) and
     * was handled here: a joined call's leg first, then a parked caller's. A request with such a
     * Call-ID but other tags is answered 481 and changes nothing. {@code tx} is null for ACK.
     */
    public boolean inDialog(ServerTransaction tx, Request request) {
        if (request.getHeader("Call-ID") == null) {
            return false;
        }
        return bridge.inDialog(tx, request) || parked.inDialog(tx, request) || watchers.inDialog(tx, request);
    }

    /** A parked caller's leg ended by its BYE (or for want of an ACK): the entity frees the orbit. */
    private void endedByCaller(ParkedLegs.Parked held, boolean byCaller) {
        ringer.cancel(held.parkId);
        if (byCaller) {
            settings.counted().accept(ENDED);
        }
        calls.retrieve(held.parkId, held.call.caller().uri()).whenComplete((reply, failure) -> {
            if (failure != null || reply instanceof ParkedCallEntity.Unavailable) {
                LOG.warn("Park {} ended but not freed: {}", held.parkId, failure != null ? failure : reply);
            }
        });
    }

    /** True when {@code event} answers one of our requests (a MESSAGE, or a request inside a leg). */
    public static boolean onResponse(ResponseEvent event) {
        ClientTransaction ct = event.getClientTransaction();
        if (ct != null && ct.getApplicationData() instanceof SipKit.Awaiting a) {
            if (event.getResponse().getStatusCode() >= 200) {
                a.onFinal().accept(event.getResponse());
            }
            return true;
        }
        return Ringer.onResponse(event) || ParkerMessages.onResponse(event);
    }

    /** True when {@code event} is the timeout of one of our requests. */
    public static boolean onTimeout(TimeoutEvent event) {
        ClientTransaction ct = event.getClientTransaction();
        if (ct != null && ct.getApplicationData() instanceof SipKit.Awaiting a) {
            a.onFinal().accept(null);
            return true;
        }
        return Ringer.onTimeout(event) || ParkerMessages.onTimeout(event);
    }

    // ------------------------------------------------------------------ the entity's timeouts

    /**
     * The entity stored ring-back {@code attempt} (the call stays in its orbit, retrievable, until
     * the next deadline): the parker's registered endpoints are rung, as Skype for Business does,
     * without their call forwarding. The first to answer gets the call, through the entity's
     * Retrieve so the orbit is freed once; if nobody does, the next deadline brings the next
     * ring-back or the fallback, which cancels this one.
     */
    @Override
    public void ringBack(String parkId, ParkedCall call, int attempt) {
        ParkPeers pool = peers;
        if (parked.get(parkId) == null && pool != null) {
            // the entity lives here but the caller's leg on another node: that node rings
            pool.tellOthers(new ParkPeers.RingBack(parkId, call, attempt));
            return;
        }
        timeouts.ringBack(parkId, call, attempt);
    }

    /**
     * The last ring-back went unanswered and the entity freed the orbit: the call goes to the
     * range's fallback when it has one (its registered endpoints when it is one of our users, else
     * the URI itself), the music playing until someone answers within one pickup timeout; without
     * a fallback, or when nobody answers it, the caller gets a BYE.
     */
    @Override
    public void gaveUp(String parkId, ParkedCall call, Optional<String> fallback) {
        ParkPeers pool = peers;
        if (parked.get(parkId) == null && pool != null) {
            pool.tellOthers(new ParkPeers.GaveUp(parkId, call, fallback));
            return;
        }
        timeouts.gaveUp(parkId, call, fallback);
    }

    // ------------------------------------------------------------------ helpers

    /** The parked caller's P-Asserted-Identity for whoever gets the call (null if unknown). */
    static String identityOf(ParkedLegs.Parked held) {
        return held.call == null ? null : held.call.caller().asserted();
    }

    private void refuse(ServerTransaction tx, String outcome, int status, String reason) {
        settings.counted().accept(outcome);
        sip.answer(tx, status, reason, null);
    }

    private void unavailable(ServerTransaction tx, String reason) {
        settings.counted().accept(UNAVAILABLE);
        sip.answer(tx, Response.SERVICE_UNAVAILABLE, reason, null);
    }

    /** The Referred-By URI (RFC 3892 section 3), without display name or parameters. */
    private Optional<String> referredBy(Request request) {
        Header h = request.getHeader("Referred-By");
        if (h == null) {
            h = request.getHeader("b");
        }
        if (h == null) {
            return Optional.empty();
        }
        String value = h.toString();
        int colon = value.indexOf(':');
        value = value.substring(colon + 1).trim();
        int lt = value.indexOf('<');
        int gt = value.indexOf('>');
        String uri = lt >= 0 && gt > lt ? value.substring(lt + 1, gt) : value.split(";")[0].trim();
        try {
            var parsed = sip.addresses.createURI(uri);
            if (parsed instanceof SipURI s && s.getUser() != null) {
                return Optional.of("sip:" + s.getUser() + "@" + s.getHost().toLowerCase(Locale.ROOT));
            }
        } catch (java.text.ParseException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static CallerIdentity callerOf(Request request, String authenticated) {
        FromHeader from = (FromHeader) request.getHeader(FromHeader.NAME);
        String display = from.getAddress().getDisplayName();
        Header pai = request.getHeader("P-Asserted-Identity");
        Optional<String> asserted = Optional.empty();
        if (pai != null) {
            String v = pai.toString();
            asserted = Optional.of(v.substring(v.indexOf(':') + 1).trim());
        }
        return new CallerIdentity(authenticated, display, asserted);
    }
}

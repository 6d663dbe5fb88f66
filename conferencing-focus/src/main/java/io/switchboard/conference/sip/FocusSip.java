package io.switchboard.conference.sip;

import io.switchboard.conference.domain.AccessType;
import io.switchboard.conference.domain.Conference;
import io.switchboard.conference.domain.ConferenceIds;
import io.switchboard.conference.domain.Expiry;
import io.switchboard.conference.domain.Joiner;
import io.switchboard.conference.domain.Participant;
import io.switchboard.conference.domain.Presenters;
import io.switchboard.conference.domain.Roster;
import io.switchboard.conference.entity.ConferenceEntity;
import io.switchboard.conference.entity.Conferences;
import io.switchboard.sip.routing.GruuTargets;
import io.switchboard.sip.routing.ProxyIdentity;
import io.switchboard.sip.trust.SourceRate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipProvider;
import javax.sip.TimeoutEvent;
import javax.sip.address.AddressFactory;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContentTypeHeader;
import javax.sip.header.Header;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The focus's SIP side on a node (conferencing-focus/README.md, "SIP"): a back-to-back user agent
 * between each participant and the conference's mixer. An INVITE to a conference URI is decided by
 * the conference entity ({@code JoinRules}); admitted, the participant's offer goes to the mixer
 * ({@link MixerLegs}) and the mixer's answer back in our 200, whose Contact is the conference URI
 * with {@code isfocus} (RFC 4579 section 5.3), so that the participant's in-dialog requests are
 * addressed to the conference, not to this node. In the lobby the INVITE is held with 180 until a
 * presenter admits (then answered as admitted) or denies it (403), or the caller CANCELs (487).
 * A BYE from the participant leaves (the roster is stored before the 200) and ends the mixer leg; a
 * BYE from the mixer ends the participant's leg.
 *
 * <p>Admissions, denials, ejections and the end made elsewhere (the admin API, another node) reach
 * the legs held here by {@link #reconcile}: every {@value #RECONCILE_MS} ms each conference with a
 * leg on this node is read from its entity and the legs follow its roster. Never blocks.
 *
 * <p>SUBSCRIBE to a conference URI is the conference event package (RFC 4575), served by {@link
 * ConferenceInfoSubscriptions}.
 */
public final class FocusSip {

    private static final Logger LOG = LoggerFactory.getLogger(FocusSip.class);

    /** How often the legs held here are compared with their conference's roster. */
    static final long RECONCILE_MS = 500;
    /** RFC 3261 section 17.1.1.1's T1 and T2, for our 2xx retransmissions. */
    static final long T1_MS = 500, T2_MS = 4000;

    /** Outcomes, as counted: joined (200), into the lobby, refused (404/403/486/488...), left. */
    public static final String JOINED = "joined", LOBBY = "lobby", REFUSED = "refused", LEFT = "left";
    /** An instant message relayed to the other participants (once per MESSAGE received). */
    public static final String MESSAGE = "message";

    /** The methods a participant may send in its call with the focus (RFC 3261 section 20.5). */
    static final String ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, MESSAGE, REFER, UPDATE";
    /** A mixer leg set up; a mixer leg that failed (no answer, an error, no SDP). */
    public static final String MIXER_ALLOCATED = "mixer-allocated", MIXER_FAILED = "mixer-failed";
    /** A participant leg moved to another mixer (its re-INVITE answered 2xx), after its mixer failed. */
    public static final String MIXER_MOVED = "mixer-moved";

    /** How many times a re-INVITE the participant answered 491 (glare) is tried again (RFC 3261 section 14.1). */
    static final int REINVITE_TRIES = 3;
    /** The conference entity did not answer: 503. */
    public static final String UNAVAILABLE = "unavailable";
    /** A conference-info subscription accepted (RFC 4575); a conference-info NOTIFY sent. */
    public static final String SUBSCRIBED = "subscribed", NOTIFIED = "notify";

    /**
     * How often the conferences with conference-info subscribers on this node are read from their
     * entities (the presence server's default notify interval): changes made elsewhere reach the
     * subscribers within about this long, merged into one NOTIFY per subscriber.
     */
    static final long INFO_POLL_MS = 250;

    /**
     * @param domains             our domains (conference URIs are in one of them)
     * @param mixers              {@code switchboard.conferencing.mcus}
     * @param mixerCheckInterval  {@code switchboard.conferencing.mcu-check-interval}: how often each
     *                            mixer gets OPTIONS, and how long one may stay unanswered
     * @param counted             told each outcome above, for the node's metrics
     * @param mixerFailed         told each failed observation of a mixer (the mixer, the reason:
     *                            {@code MixerHealth.NO_ANSWER}, {@code SERVER_ERROR}, {@code BYE})
     * @param factoryUser         {@code switchboard.conferencing.factory-user}: the conference
     *                            factory is {@code sip:<factoryUser>@<one of our domains>}; empty: none
     */
    public record Settings(
            Set<String> domains,
            List<String> mixers,
            Duration mixerCheckInterval,
            Consumer<String> counted,
            BiConsumer<String, String> mixerFailed,
            String factoryUser) {}

    /** A user's registered contact the focus calls on a dial-out REFER, and how to reach it (null hop: its address). */
    public record DialTarget(String requestUri, io.switchboard.sip.routing.NextHop hop) {}

    /** An ad-hoc conference made through the factory lasts this long after its last participant left. */
    public static final Duration FACTORY_GRACE = Duration.ofMinutes(10);

    /** A callee dialed out by REFER connected to the conference; a dial-out that did not come about. */
    public static final String DIALED_OUT = "dialed-out", DIAL_OUT_FAILED = "dial-out-failed";

    /** An ad-hoc conference created through the factory (RFC 4579 section 5.4). */
    public static final String CREATED = "created";

    /**
     * Store reads for dialogs this node does not hold, per source address: each costs a Cassandra
     * read (and may ask another node to let go), and a request with any To tag to a conference URI
     * causes one, so a stranger must not be able to cause them without bound. A survivor reads a
     * leg at most once (it holds it afterwards) and its sweep takes most legs over before their
     * participants send anything, so one office NAT of 500 participants stays within the burst.
     */
    public static final double LOOKUPS_PER_SECOND = 50;

    public static final int LOOKUPS_BURST = 500;

    private final Settings settings;
    private final ScheduledExecutorService timer;
    private final SourceRate lookups = new SourceRate(LOOKUPS_PER_SECOND, LOOKUPS_BURST, 65_536);
    private final java.security.SecureRandom random = new java.security.SecureRandom();
    /** Participant legs by their dialog's Call-ID (the roster's leg id). */
    private final Map<String, FocusLeg> legs = new ConcurrentHashMap<>();

    private volatile Conferences conferences;
    private volatile Signalling sip;
    private volatile MixerLegs mixers;
    private volatile MixerWatch watch;
    private volatile MixerMoves moves;
    /** Where the legs' and subscriptions' dialogs are stored ({@link #storeDialogs}); by default nowhere. */
    private volatile DialogRecords records = new DialogRecords(null);

    private volatile DialogTakeover takeover;
    private volatile ConferenceMessages messages;
    private volatile FocusRefers refers;
    private volatile ParticipantDialogs participants;
    private volatile DialOut dialOut;
    private volatile DialOutTargets pendingTargets;
    private volatile ScheduledFuture<?> reconciling;
    private volatile ConferenceInfoSubscriptions subscriptions;
    private volatile ScheduledFuture<?> polling;
    /** The conference holding a dialed numeric id, from the store (dial-in). */
    private volatile Function<String, CompletionStage<Optional<String>>> numberOwner;

    /** @param timer runs the 2xx retransmissions and the reconciliation (shared, never blocked) */
    public FocusSip(Settings settings, ScheduledExecutorService timer) {
        this.settings = settings;
        this.timer = timer;
    }

    /** Set once the entities and the SIP stack exist. */
    public void attach(
            Conferences conferenceEntities,
            SipProvider provider,
            MessageFactory messages,
            HeaderFactory headers,
            AddressFactory addresses,
            ProxyIdentity identity,
            GruuTargets gruus,
            Function<String, CompletionStage<Optional<String>>> numberOwner) {
        this.conferences = conferenceEntities;
        this.numberOwner = numberOwner;
        this.sip = new Signalling(provider, messages, headers, addresses, identity, gruus);
        MixerPool pool = new MixerPool(settings.mixers());
        this.mixers = new MixerLegs(pool, conferenceEntities, sip, settings.counted());
        this.moves = new MixerMoves(
                legs, conferenceEntities, mixers, sip, timer, settings.counted(), records, leg -> hangUp(leg, true));
        this.watch = new MixerWatch(pool, sip, new MixerWatch.Listener() {
            @Override
            public void failed(String mixer, String reason) {
                settings.mixerFailed().accept(mixer, reason);
            }

            @Override
            public void changed(String mixer, boolean up) {
                if (!up) {
                    mixers.abandonOpensTo(mixer); // joins waiting for its answer try a live mixer now
                }
                timer.execute(() -> moves.followMixers()); // down: move off it now; up: legs left without one get it
            }
        });
        this.messages = new ConferenceMessages(sip, settings.counted());
        this.dialOut = new DialOut(
                sip,
                conferenceEntities,
                settings.domains(),
                mixers,
                legs,
                timer,
                this::rosterSeen,
                leg -> records.save(leg),
                leg -> hangUp(leg, true),
                this::leave,
                settings.counted());
        DialOutTargets t = pendingTargets;
        if (t != null) {
            dialOut.targets(t::lookup);
        }
        this.refers = new FocusRefers(sip, conferenceEntities, this::rosterSeen, dialOut);
        this.participants = new ParticipantDialogs(
                legs,
                conferenceEntities,
                sip,
                mixers,
                records,
                this.messages,
                refers,
                timer,
                settings.counted(),
                this::rosterSeen,
                leg -> hangUp(leg, true));
        this.reconciling =
                timer.scheduleWithFixedDelay(this::reconcile, RECONCILE_MS, RECONCILE_MS, TimeUnit.MILLISECONDS);
        this.subscriptions = new ConferenceInfoSubscriptions(sip, conferenceEntities, settings.counted(), records);
        this.polling = timer.scheduleWithFixedDelay(
                this::pollSubscriptions, INFO_POLL_MS, INFO_POLL_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * The focus's dialogs are stored in {@code store} (conferencing-focus/README.md, "Surviving a
     * node"): each leg before the participant's 200, each subscription before its 200. Called before
     * {@link #attach}.
     */
    public void storeDialogs(io.switchboard.conference.store.DialogStore store) {
        this.records = new DialogRecords(store);
    }

    /**
     * Takes over the stored dialogs of nodes that leave the cluster, and resumes a stored dialog
     * whose request reaches this node ({@link DialogTakeover}). Called after {@link #attach}, with
     * {@link #storeDialogs}.
     */
    public void takeOverDialogs(org.apache.pekko.actor.typed.ActorSystem<?> system) {
        if (records.store() == null) {
            return;
        }
        DialogTakeover.Adopter adopter = new Adoption(legs, records, mixers, subscriptions, conferences, leg -> {
            // its participant's connection ended with the node that died: nothing reaches it (no
            // BYE), so it leaves the roster and subscribers see its endpoint disconnected
            if (leg.end()) {
                mixers.bye(leg);
                leave(leg, () -> settings.counted().accept(LEFT));
            }
        });
        DialogTakeover t = new DialogTakeover(records.store(), records, adopter, timer);
        this.takeover = t;
        t.start(system);
    }

    /** A user's registered contacts (the registrar's bindings), for dial-out by REFER. */
    @FunctionalInterface
    public interface DialOutTargets {
        CompletionStage<List<DialTarget>> lookup(String aor);
    }

    /**
     * Where dial-out finds the callee's contacts ({@link DialOut}); without it a dial-out REFER is 501.
     * Called before or after {@link #attach}.
     */
    public void dialOutTargets(DialOutTargets targets) {
        this.pendingTargets = targets;
        DialOut d = dialOut;
        if (d != null) {
            d.targets(targets::lookup);
        }
    }

    /**
     * Starts checking the mixers (OPTIONS every {@code mixerCheckInterval}); called once responses
     * reach {@link #onResponse}, so that the first checks are not lost to a node still wiring up.
     */
    public void watchMixers() {
        MixerWatch w = watch;
        if (w != null) {
            w.start(timer, settings.mixerCheckInterval());
        }
    }

    public void close() {
        MixerWatch w = watch;
        if (w != null) {
            w.stop();
        }
        for (ScheduledFuture<?> f : new ScheduledFuture<?>[] {reconciling, polling}) {
            if (f != null) {
                f.cancel(false);
            }
        }
    }

    /** Conference-info subscriptions held on this node. */
    public int subscriptions() {
        ConferenceInfoSubscriptions s = subscriptions;
        return s == null ? 0 : s.size();
    }

    private void pollSubscriptions() {
        try {
            subscriptions.poll();
        } catch (RuntimeException e) {
            LOG.warn("Following conferences for their subscribers failed: {}", e.toString());
        }
    }

    // ------------------------------------------------------------------ conference state (RFC 4575)

    /** True for a new SUBSCRIBE (no To tag) to a conference URI of ours, whatever its event: {@link #subscribe} takes it. */
    public boolean isSubscribe(Request request) {
        return Request.SUBSCRIBE.equals(request.getMethod())
                && ((ToHeader) request.getHeader(ToHeader.NAME)).getTag() == null
                && FocusRouting.conferenceOf(request.getRequestURI().toString(), settings.domains())
                        .isPresent();
    }

    /**
     * A SUBSCRIBE to a conference (see {@link #isSubscribe}) by {@code subscriber}, who the edge
     * established as for a join: {@code Event: conference} is served (RFC 4575), any other package
     * is 489 (RFC 6665 section 8.2.1).
     */
    public void subscribe(ServerTransaction tx, Request request, Joiner subscriber) {
        String conferenceId = FocusRouting.conferenceOf(request.getRequestURI().toString(), settings.domains())
                .orElseThrow();
        subscriptions.subscribe(tx, request, conferenceId, subscriber);
    }

    /** Whether {@code mixer} is up as this node's last check saw it (see {@link MixerWatch}); false before {@link #attach}. */
    public boolean mixerUp(String mixer) {
        MixerLegs m = mixers;
        return m != null && m.isUp(mixer);
    }

    /** Participant legs held on this node (in the conference, its lobby or being connected). */
    public int participants() {
        return legs.size();
    }

    /** Conferences with a leg on this node. */
    public int conferences() {
        return (int) legs.values().stream().map(l -> l.conferenceId).distinct().count();
    }

    // ------------------------------------------------------------------ joining

    /**
     * True for an initial INVITE (no To tag) to a conference URI of ours or to the conference
     * factory: {@link #join} takes it.
     */
    public boolean isJoin(Request request) {
        if (!Request.INVITE.equals(request.getMethod())
                || ((ToHeader) request.getHeader(ToHeader.NAME)).getTag() != null) {
            return false;
        }
        String uri = request.getRequestURI().toString();
        return FocusRouting.conferenceOf(uri, settings.domains()).isPresent()
                || FocusRouting.factoryOf(uri, settings.factoryUser(), settings.domains())
                        .isPresent();
    }

    /**
     * An INVITE to a conference or the factory (see {@link #isJoin}) by {@code joiner}, who the
     * edge established.
     */
    public void join(ServerTransaction tx, Request request, Joiner joiner) {
        String requestUri = request.getRequestURI().toString();
        Optional<String> factoryDomain = FocusRouting.factoryOf(requestUri, settings.factoryUser(), settings.domains());
        if (factoryDomain.isPresent()) {
            if (joiner.kind() != io.switchboard.conference.domain.JoinerKind.OUR_USER) {
                // the factory is no service for strangers (README, "Who is trusted for what"), whatever they send
                settings.counted().accept(REFUSED);
                sip.answer(tx, Response.FORBIDDEN, "Only users of this domain may create conferences");
                return;
            }
            if (refusedBeforeJoin(tx, request)) {
                return;
            }
            createAndJoin(tx, request, joiner, factoryDomain.get(), 3);
            return;
        }
        String conferenceId =
                FocusRouting.conferenceOf(requestUri, settings.domains()).orElseThrow();
        if (refusedBeforeJoin(tx, request)) {
            return;
        }
        String conferenceUri = requestUri.replaceFirst(";.*$", "").replaceFirst("^sips:", "sip:");
        joinConference(tx, request, joiner, conferenceId, conferenceUri);
    }

    /**
     * True for an initial INVITE to a conference's numeric id ({@link FocusRouting#numberOf}): {@link
     * #joinByNumber} asks the store whether a live conference holds it.
     */
    public boolean dialsNumber(Request request) {
        return Request.INVITE.equals(request.getMethod())
                && ((ToHeader) request.getHeader(ToHeader.NAME)).getTag() == null
                && numberOwner != null
                && FocusRouting.numberOf(request.getRequestURI().toString(), settings.domains())
                        .isPresent();
    }

    /**
     * Dial-in: a desk phone joins by dialing the conference's 7-digit numeric id, {@code
     * sip:1234567@example.test}. When a live conference holds the number, {@code joiner} joins it as
     * through its URI, under the same access rules (the number is guessable by design, so it admits
     * nobody the URI would not); the dialog's conference URI is in the dialed domain, which routes
     * to the same conference. Otherwise {@code otherwise} runs: the number is routed as before (a
     * user's). Numbers are pool-wide, so the lookup is one read of {@code conference_numbers}.
     */
    public void joinByNumber(ServerTransaction tx, Request request, Joiner joiner, Runnable otherwise) {
        String requestUri = request.getRequestURI().toString();
        Optional<String> number = FocusRouting.numberOf(requestUri, settings.domains());
        if (number.isEmpty()) {
            otherwise.run();
            return;
        }
        String host = requestUri.substring(requestUri.indexOf('@') + 1).replaceFirst("[;:?>].*$", "");
        numberOwner.apply(number.get()).whenComplete((owner, failure) -> {
            if (failure != null) {
                LOG.info("Dial-in number {} could not be looked up: {}", number.get(), failure.toString());
                settings.counted().accept(UNAVAILABLE);
                sip.answer(tx, Response.SERVICE_UNAVAILABLE, "Conference service unavailable, try again");
            } else if (owner.isEmpty()) {
                otherwise.run();
            } else if (!refusedBeforeJoin(tx, request)) {
                joinConference(tx, request, joiner, owner.get(), ConferenceIds.uri(owner.get(), host));
            }
        });
    }

    /** 488 without an SDP offer, 503 without mixers: answered before any entity is asked. */
    private boolean refusedBeforeJoin(ServerTransaction tx, Request request) {
        byte[] offer = request.getRawContent();
        ContentTypeHeader type = (ContentTypeHeader) request.getHeader(ContentTypeHeader.NAME);
        if (offer == null || offer.length == 0 || type == null || !"sdp".equalsIgnoreCase(type.getContentSubType())) {
            // the participant's offer goes to the mixer; an offer in our 2xx (RFC 3264 section 4,
            // "delayed offer") would need the mixer's offer relayed and the answer in the ACK: not built
            settings.counted().accept(REFUSED);
            sip.answer(tx, Response.NOT_ACCEPTABLE_HERE, "An SDP offer is required to join");
            return true;
        }
        if (!mixers.configured()) {
            settings.counted().accept(REFUSED);
            sip.answer(tx, Response.SERVICE_UNAVAILABLE, "No conference mixer configured");
            return true;
        }
        return false;
    }

    /**
     * RFC 4579 section 5.4: an INVITE to the conference factory creates an ad-hoc conference in
     * the factory URI's domain, organized by the caller (one of our users: the factory is not a
     * service for strangers), access {@code company}, presenters the organizer, expiring {@link
     * #FACTORY_GRACE} after the last participant left, then joins the caller to it as to any
     * conference; the 200's Contact is the new conference's URI with {@code isfocus}. A numeric id
     * already taken is drawn again ({@code attempts} times in all).
     */
    private void createAndJoin(ServerTransaction tx, Request request, Joiner joiner, String domain, int attempts) {
        String callId = ((CallIdHeader) request.getHeader(CallIdHeader.NAME)).getCallId();
        if (legs.containsKey(callId)) {
            // RFC 3261 section 8.2.2.2: another INVITE of a dialog being set up (merged request)
            sip.answer(tx, Response.LOOP_DETECTED, "Already joining with this Call-ID");
            return;
        }
        javax.sip.header.SubjectHeader subject =
                (javax.sip.header.SubjectHeader) request.getHeader(javax.sip.header.SubjectHeader.NAME);
        Conference c = new Conference(
                ConferenceIds.newId(random),
                domain,
                ConferenceIds.newNumericId(random),
                joiner.uri(),
                subject == null ? "" : subject.getSubject(),
                AccessType.COMPANY,
                Set.of(),
                Presenters.ORGANIZER_ONLY,
                false,
                Conference.DEFAULT_LIMIT,
                new Expiry.AdHoc(FACTORY_GRACE),
                Instant.now());
        conferences
                .<ConferenceEntity.CreateReply>ask(c.id(), r -> new ConferenceEntity.Create(c, r))
                .whenComplete((reply, failure) -> {
                    if (reply instanceof ConferenceEntity.Created created) {
                        settings.counted().accept(CREATED);
                        LOG.info("{} created conference {} through the factory", joiner.uri(), c.uri());
                        joinConference(tx, request, joiner, c.id(), c.uri());
                    } else if (reply instanceof ConferenceEntity.CreateRefused refused
                            && refused.problem() == ConferenceEntity.CreateProblem.NUMBER_TAKEN
                            && attempts > 1) {
                        createAndJoin(tx, request, joiner, domain, attempts - 1);
                    } else {
                        LOG.info("Conference for {} not created: {}", joiner.uri(), failure != null ? failure : reply);
                        settings.counted().accept(UNAVAILABLE);
                        sip.answer(tx, Response.SERVICE_UNAVAILABLE, "Conference service unavailable, try again");
                    }
                });
    }

    private void joinConference(
            ServerTransaction tx, Request request, Joiner joiner, String conferenceId, String conferenceUri) {
        byte[] offer = request.getRawContent();
        ViaHeader via = (ViaHeader) request.getHeader(ViaHeader.NAME);
        FocusLeg leg = new FocusLeg(conferenceId, conferenceUri, tx, request, via.getBranch(), offer);
        if (legs.putIfAbsent(leg.legId, leg) != null) {
            // RFC 3261 section 8.2.2.2: another INVITE of a dialog being set up or set up (merged request)
            sip.answer(tx, Response.LOOP_DETECTED, "Already joining with this Call-ID");
            return;
        }
        conferences
                .<ConferenceEntity.JoinReply>ask(conferenceId, r -> new ConferenceEntity.Join(leg.legId, joiner, r))
                .whenComplete((reply, failure) -> joined(leg, reply, failure));
    }

    private void joined(FocusLeg leg, ConferenceEntity.JoinReply reply, Throwable failure) {
        if (reply instanceof ConferenceEntity.Admitted a) {
            leg.knownVersion = a.roster().version();
            rosterSeen(leg.conferenceId, a.roster());
            connect(leg);
        } else if (reply instanceof ConferenceEntity.InLobby l) {
            leg.knownVersion = l.roster().version();
            rosterSeen(leg.conferenceId, l.roster());
            if (leg.move(FocusLeg.State.LOBBY)) {
                settings.counted().accept(LOBBY);
                // RFC 4579 section 5.3 leaves the wait to the focus: the call rings until admitted
                sip.answer(leg.inviteTx, Response.RINGING, "Waiting in the lobby", leg.participant.localTag, List.of());
            } else {
                leave(leg, () -> {}); // cancelled while the entity decided
            }
        } else if (reply instanceof ConferenceEntity.JoinRefused r) {
            legs.remove(leg.legId, leg);
            settings.counted().accept(REFUSED);
            sip.answer(leg.inviteTx, r.status(), r.reason());
        } else {
            LOG.info(
                    "Join of {} to {} not answered: {}",
                    leg.legId,
                    leg.conferenceId,
                    failure != null ? failure : reply);
            legs.remove(leg.legId, leg);
            settings.counted().accept(UNAVAILABLE);
            sip.answer(leg.inviteTx, Response.SERVICE_UNAVAILABLE, "Conference service unavailable, try again");
        }
    }

    /** Admitted: the mixer leg, then our 200 with the mixer's answer; a failed mixer leaves the roster as it was. */
    private void connect(FocusLeg leg) {
        connect(leg, MIXER_TRIES);
    }

    /**
     * How many mixers a join tries when the one it waits for is found down meanwhile ({@link
     * MixerLegs#MIXER_DOWN}): the conference moves to a live one, and the join follows it.
     */
    static final int MIXER_TRIES = 3;

    private void connect(FocusLeg leg, int tries) {
        if (!leg.move(FocusLeg.State.CONNECTING)) {
            leave(leg, () -> {});
            return;
        }
        mixers.connect(leg, outcome -> {
            if (outcome instanceof MixerLegs.Outcome.Failed f
                    && MixerLegs.MIXER_DOWN.equals(f.reason())
                    && tries > 1
                    && leg.state == FocusLeg.State.CONNECTING) {
                LOG.info(
                        "Mixer of conference {} went down while {} joined: trying a live one",
                        leg.conferenceId,
                        leg.legId);
                connect(leg, tries - 1);
                return;
            }
            if (outcome instanceof MixerLegs.Outcome.Answered a) {
                mixers.attach(a.dialog());
                if (!leg.move(FocusLeg.State.CONNECTED)) {
                    mixers.bye(leg); // the caller cancelled meanwhile
                    return;
                }
                // stored before the 200, so a surviving node can resume both dialogs (item 6)
                leg.sentSdp = a.sdp();
                records.save(leg).whenComplete((v, failure) -> {
                    if (failure == null) {
                        settings.counted().accept(JOINED);
                        answerOk(leg, a.sdp());
                    } else if (leg.end()) {
                        LOG.warn(
                                "Leg {} of conference {} not stored: {}",
                                leg.legId,
                                leg.conferenceId,
                                failure.toString());
                        mixers.bye(leg);
                        leave(
                                leg,
                                () -> sip.answer(
                                        leg.inviteTx,
                                        Response.SERVICE_UNAVAILABLE,
                                        "Conference service unavailable, try again",
                                        leg.participant.localTag,
                                        List.of()));
                    }
                });
            } else if (leg.end()) {
                String reason = ((MixerLegs.Outcome.Failed) outcome).reason();
                leave(
                        leg,
                        () -> sip.answer(
                                leg.inviteTx,
                                Response.SERVICE_UNAVAILABLE,
                                reason,
                                leg.participant.localTag,
                                List.of()));
            }
        });
    }

    private void answerOk(FocusLeg leg, byte[] sdp) {
        try {
            Response ok = sip.messages.createResponse(Response.OK, leg.invite);
            ((ToHeader) ok.getHeader(ToHeader.NAME)).setTag(leg.participant.localTag);
            var rr = leg.invite.getHeaders("Record-Route");
            while (rr.hasNext()) {
                ok.addHeader((Header) rr.next()); // RFC 3261 section 12.1.1
            }
            ok.addFirst(sip.recordRoute(leg.invite)); // ours on top: the last hop before the focus
            ok.addHeader(sip.headers.createContactHeader(sip.addresses.createAddress(focusContact(leg))));
            ok.addHeader(sip.headers.createAllowHeader(ALLOW));
            ok.setContent(sdp, sip.headers.createContentTypeHeader("application", "sdp"));
            leg.sentSdp = sdp;
            leg.ok = ok;
            leg.inviteTx.sendResponse(ok);
            participants.retransmitUntilAcked(leg);
        } catch (Exception e) {
            LOG.warn("200 to {} in conference {} not sent: {}", leg.legId, leg.conferenceId, e.toString());
            hangUp(leg, true);
        }
    }

    /** RFC 4579 section 5.3: the conference URI with the {@code isfocus} feature parameter (RFC 3840). */
    static String focusContact(FocusLeg leg) {
        return "<" + leg.conferenceUri + ";isfocus>";
    }

    // ------------------------------------------------------------------ requests in our dialogs

    /**
     * True when {@code request} is the focus's and was handled here: a CANCEL of an INVITE it
     * holds, or a request in a participant's or a mixer's dialog with this node (its Call-ID and our
     * tag). {@code tx} is null for ACK.
     */
    public boolean handles(ServerTransaction tx, Request request) {
        CallIdHeader callId = (CallIdHeader) request.getHeader(CallIdHeader.NAME);
        ToHeader to = (ToHeader) request.getHeader(ToHeader.NAME);
        if (callId == null || to == null) {
            return false;
        }
        String method = request.getMethod();
        if (Request.CANCEL.equals(method)) {
            return cancel(tx, request, legs.get(callId.getCallId()));
        }
        if (to.getTag() == null) {
            return false;
        }
        ConferenceInfoSubscriptions subs = subscriptions;
        if (subs != null && subs.inDialog(tx, request)) {
            return true; // a refresh or unsubscribe of a conference-info subscription held here
        }
        FocusLeg leg = legs.get(callId.getCallId());
        if (leg != null && leg.participant.localTag.equals(to.getTag())) {
            participants.fromParticipant(tx, request, leg);
            return true;
        }
        MixerLegs.MixerDialog mixed = mixers == null ? null : mixers.byCallId(callId.getCallId());
        if (mixed != null && mixed.dialog().localTag.equals(to.getTag())) {
            fromMixer(tx, request, mixed);
            return true;
        }
        Optional<String> conferenceId =
                FocusRouting.conferenceOf(request.getRequestURI().toString(), settings.domains());
        DialogTakeover t = takeover;
        if (conferenceId.isEmpty() || t == null) {
            return false;
        }
        String source = sourceOf(request);
        if (!lookups.tryAcquire(source, System.nanoTime())) {
            // no answer to an ACK; anything else is told when to try again, as a phone behind a
            // busy NAT may be real (RFC 3261 section 21.5.4)
            if (tx != null) {
                sip.answer(
                        tx,
                        Response.SERVICE_UNAVAILABLE,
                        "Too many requests for unknown conference dialogs",
                        null,
                        List.of(retryAfter(lookups.retryAfterSeconds(source))));
            }
            return true;
        }
        if (tx != null) {
            resume(t, tx, request, conferenceId.get(), callId.getCallId(), to.getTag());
        } else {
            // an ACK of another node's 2xx (the pool name resolved elsewhere): that node must see it
            t.ackElsewhere(conferenceId.get(), callId.getCallId());
        }
        return true;
    }

    private static String sourceOf(Request request) {
        java.net.InetAddress a = ((gov.nist.javax.sip.message.SIPMessage) request).getRemoteAddress();
        return a == null ? "unknown" : a.getHostAddress();
    }

    private Header retryAfter(long seconds) {
        try {
            return sip.headers.createRetryAfterHeader((int) seconds);
        } catch (javax.sip.InvalidArgumentException e) {
            throw new IllegalStateException(e); // seconds is positive
        }
    }

    /**
     * A request in a dialog with the focus (its Request-URI the conference URI of our Contact) that
     * this node does not hold: a stored leg or subscription whose node died is resumed here, then
     * the request is served as if it had been held here all along (conferencing-focus/README.md,
     * "Surviving a node").
     */
    private void resume(
            DialogTakeover t, ServerTransaction tx, Request request, String conferenceId, String callId, String toTag) {
        boolean subscribe = Request.SUBSCRIBE.equals(request.getMethod());
        (subscribe ? t.takeSubscription(conferenceId, callId, false) : t.takeLeg(conferenceId, callId, false))
                .whenComplete((take, failure) -> {
                    if (failure != null) {
                        LOG.info(
                                "Dialog {} of conference {} not resumed: {}", callId, conferenceId, failure.toString());
                        sip.answer(tx, Response.SERVICE_UNAVAILABLE, "Conference service unavailable, try again");
                    } else if (take instanceof DialogTakeover.Take.Refused r) {
                        sip.answer(tx, r.status(), r.reason());
                    } else if (subscribe) {
                        if (!subscriptions.inDialog(tx, request)) {
                            sip.answer(tx, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST, "No such subscription");
                        }
                    } else {
                        FocusLeg leg = legs.get(callId);
                        if (leg != null && leg.participant.localTag.equals(toTag)) {
                            participants.fromParticipant(tx, request, leg);
                        } else {
                            sip.answer(tx, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST, "No such conference dialog");
                        }
                    }
                });
    }

    /** RFC 3261 section 9.2: 200 to the CANCEL, 487 to the INVITE, and the leg leaves the lobby. */
    private boolean cancel(ServerTransaction tx, Request cancel, FocusLeg leg) {
        if (leg == null || tx == null) {
            return false;
        }
        String branch = ((ViaHeader) cancel.getHeader(ViaHeader.NAME)).getBranch();
        if (branch == null || !branch.equals(leg.inviteBranch)) {
            return false;
        }
        sip.answer(tx, Response.OK, null);
        FocusLeg.State was = leg.state;
        if (was != FocusLeg.State.CONNECTED && leg.end()) {
            sip.answer(leg.inviteTx, Response.REQUEST_TERMINATED, null, leg.participant.localTag, List.of());
            mixers.bye(leg);
            if (was != null) {
                leave(leg, () -> {});
            } // else the join's answer finds the leg ended and takes it out
        }
        return true;
    }

    private void fromMixer(ServerTransaction tx, Request request, MixerLegs.MixerDialog md) {
        if (tx == null || Request.ACK.equals(request.getMethod())) {
            return;
        }
        sip.answer(tx, Response.OK, null);
        if (Request.BYE.equals(request.getMethod())) {
            // the mixer dropped this participant's media: the mixer counts as failed and the
            // conference moves to another (README, "Mixer watching"); the participant stays in
            FocusLeg leg = md.leg();
            LOG.info("Mixer {} ended leg {} of conference {}", md.mixer(), leg.legId, leg.conferenceId);
            mixers.ended(md);
            watch.observe(md.mixer(), new io.switchboard.conference.domain.MixerHealth.Observation.Bye());
            moves.followMixer(leg.conferenceId);
        }
    }

    /** Ends {@code leg} from our side: BYE to the participant (and the mixer), and out of the roster. */
    private void hangUp(FocusLeg leg, boolean byeMixer) {
        if (!leg.end()) {
            return;
        }
        byeParticipant(leg);
        if (byeMixer) {
            mixers.bye(leg);
        }
        leave(leg, () -> settings.counted().accept(LEFT));
    }

    private void byeParticipant(FocusLeg leg) {
        try {
            sip.send(sip.inDialog(leg.participant, Request.BYE, focusContact(leg)), response -> {});
        } catch (Exception e) {
            LOG.info("BYE to {} not sent: {}", leg.participant.remoteTarget, e.toString());
        }
    }

    /** The leg out of the roster (nothing happens to a leg not in it), then {@code then}; forgotten here. */
    private void leave(FocusLeg leg, Runnable then) {
        leave(leg, then, 1);
    }

    /**
     * How many times a Leave the entity did not answer is asked again, {@link #LEAVE_RETRY_MS} apart:
     * after a node dies its conferences' entities restart elsewhere, and a leg that leaves meanwhile
     * (e.g. one whose connection died with that node) must not stay in the roster.
     */
    static final int LEAVE_TRIES = 30;

    static final long LEAVE_RETRY_MS = 1000;

    private void leave(FocusLeg leg, Runnable then, int attempt) {
        conferences
                .<ConferenceEntity.ChangeReply>ask(leg.conferenceId, r -> new ConferenceEntity.Leave(leg.legId, r))
                .whenComplete((reply, failure) -> {
                    if (failure != null || reply instanceof ConferenceEntity.Unavailable) {
                        if (attempt < LEAVE_TRIES) {
                            timer.schedule(() -> leave(leg, then, attempt + 1), LEAVE_RETRY_MS, TimeUnit.MILLISECONDS);
                            return;
                        }
                        LOG.warn(
                                "Leg {} not taken out of conference {}: {}",
                                leg.legId,
                                leg.conferenceId,
                                failure != null ? failure : reply);
                    } else if (reply instanceof ConferenceEntity.Done done) {
                        rosterSeen(leg.conferenceId, done.roster());
                    }
                    legs.remove(leg.legId, leg);
                    records.forget(leg);
                    then.run();
                });
    }

    // ------------------------------------------------------------------ responses to our requests

    /** True when {@code event} answers a request of the focus. */
    public boolean onResponse(ResponseEvent event) {
        if (io.switchboard.sip.routing.ParallelFork.onResponse(event) || Signalling.onResponse(event)) {
            return true;
        }
        Response response = event.getResponse();
        CallIdHeader callId = (CallIdHeader) response.getHeader(CallIdHeader.NAME);
        MixerLegs m = mixers;
        CSeqHeader cseq = (CSeqHeader) response.getHeader(CSeqHeader.NAME);
        boolean invite2xx =
                cseq != null && Request.INVITE.equals(cseq.getMethod()) && response.getStatusCode() / 100 == 2;
        FocusLeg participantLeg = callId == null ? null : legs.get(callId.getCallId());
        if (participantLeg != null && invite2xx) {
            Request ack = participantLeg.reinviteAck;
            if (ack != null && ((CSeqHeader) ack.getHeader(CSeqHeader.NAME)).getSeqNumber() == cseq.getSeqNumber()) {
                moves.sendAck(participantLeg, ack); // the participant's 2xx to our re-INVITE again: our ACK was lost
            }
            return true;
        }
        MixerLegs.MixerDialog md = m == null || callId == null ? null : m.byCallId(callId.getCallId());
        if (md == null || md.dialog().remoteTag == null) {
            return false;
        }
        if (invite2xx) {
            m.ack(md.dialog(), response); // a retransmitted 2xx: our ACK was lost
        }
        return true;
    }

    public boolean onTimeout(TimeoutEvent event) {
        return io.switchboard.sip.routing.ParallelFork.onTimeout(event) || Signalling.onTimeout(event);
    }

    // ------------------------------------------------------------------ following the roster

    /** A roster this node's own request got back: its conference-info subscribers here hear of it now, not at the next poll. */
    private void rosterSeen(String conferenceId, Roster roster) {
        ConferenceInfoSubscriptions subs = subscriptions;
        if (subs != null) {
            subs.rosterSeen(conferenceId, roster);
        }
    }

    /**
     * Makes the legs held here follow their conference's roster, as stored: a lobby leg admitted is
     * connected, one no longer in the roster was denied (403); a connected leg no longer in it was
     * ejected, or the conference ended (BYE to both sides). A roster older than the one a leg was
     * admitted with says nothing about it.
     */
    void reconcile() {
        try {
            Map<String, List<FocusLeg>> byConference =
                    legs.values().stream().collect(Collectors.groupingBy(l -> l.conferenceId));
            byConference.forEach((conferenceId, held) -> conferences
                    .<ConferenceEntity.StateReply>ask(conferenceId, ConferenceEntity.GetConference::new)
                    .whenComplete((reply, failure) -> {
                        if (reply instanceof ConferenceEntity.Current current) {
                            Optional<Roster> roster = current.state().map(s -> s.roster());
                            roster.ifPresent(r -> rosterSeen(conferenceId, r));
                            held.forEach(leg -> follow(leg, roster));
                        }
                    }));
            byConference.keySet().forEach(moves::followMixer);
        } catch (RuntimeException e) {
            LOG.warn("Reconciling conference legs failed: {}", e.toString());
        }
    }

    private void follow(FocusLeg leg, Optional<Roster> roster) {
        if (roster.isPresent() && roster.get().version() < leg.knownVersion) {
            return;
        }
        Participant p = roster.map(r -> r.participants().get(leg.legId)).orElse(null);
        FocusLeg.State state = leg.state;
        if (state == FocusLeg.State.LOBBY) {
            if (p != null && p.connected()) {
                connect(leg);
            } else if (p == null && leg.end()) {
                legs.remove(leg.legId, leg);
                settings.counted().accept(REFUSED);
                sip.answer(
                        leg.inviteTx,
                        Response.FORBIDDEN,
                        roster.isPresent() ? "Not admitted to the conference" : "Conference ended",
                        leg.participant.localTag,
                        List.of());
            }
        } else if (state == FocusLeg.State.CONNECTED && p == null) {
            hangUp(leg, true);
        }
    }
}

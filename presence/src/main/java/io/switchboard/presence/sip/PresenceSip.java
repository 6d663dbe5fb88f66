package io.switchboard.presence.sip;

import io.switchboard.presence.domain.CustomStates;
import io.switchboard.presence.domain.EdgeRefusal;
import io.switchboard.presence.domain.EndpointId;
import io.switchboard.presence.domain.PidfParser;
import io.switchboard.presence.domain.PresenceLimits;
import io.switchboard.presence.domain.PresenceMedia;
import io.switchboard.presence.domain.Publications;
import io.switchboard.presence.domain.PublishRequest;
import io.switchboard.presence.domain.SubscribeClassifier;
import io.switchboard.presence.domain.SubscribeDecision;
import io.switchboard.presence.domain.SubscribeRequest;
import io.switchboard.presence.domain.SubscribeRules;
import io.switchboard.presence.domain.Subscription;
import io.switchboard.presence.entity.PresentityEntity;
import io.switchboard.presence.entity.ShardedPresence;
import io.switchboard.presence.entity.WatcherEntity;
import io.switchboard.sip.flow.Flow;
import io.switchboard.sip.routing.ProxyIdentity;
import io.switchboard.sip.trust.SourceRate;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.sip.ServerTransaction;
import javax.sip.address.SipURI;
import javax.sip.header.ContactHeader;
import javax.sip.header.ContentTypeHeader;
import javax.sip.header.EventHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.Header;
import javax.sip.header.HeaderFactory;
import javax.sip.header.RecordRouteHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The presence server's SIP edge: SUBSCRIBE for the presence event (RFC 3856, RFC 6665, with
 * resource lists, RFC 4662) and PUBLISH (RFC 3903), after the node's front end authenticated
 * the request. It parses (malformed gets 400 here, before any entity is asked), asks the owning
 * entity without blocking, and maps the answer to one response. Infrastructure failure (an entity
 * or Cassandra not answering) is a 503 with Retry-After.
 */
public final class PresenceSip {

    private static final Logger LOG = LoggerFactory.getLogger(PresenceSip.class);
    public static final String EVENT = "presence";
    public static final int MAX_BODY = PresenceMedia.MAX_BODY;

    private final ShardedPresence presence;
    private final SubscribeClassifier classifier;
    private final CustomStates customStates;
    private final Set<String> domains;
    private final SipReplies replies;
    private final Function<Request, Flow> flowOf;
    private final SourceRate newDialogs;
    private final Consumer<String> refusals;
    /** What {@link #subscribe} and {@link #publish} return when they answered at once. */
    private static final CompletionStage<?> DONE = java.util.concurrent.CompletableFuture.completedFuture(null);

    /** Without caps (tests of other rules). */
    public PresenceSip(
            ShardedPresence presence,
            SubscribeRules subscribeRules,
            CustomStates customStates,
            ProxyIdentity self,
            Set<String> domains,
            MessageFactory messages,
            HeaderFactory headers,
            Function<Request, Flow> flowOf) {
        this(
                presence,
                subscribeRules,
                customStates,
                self,
                domains,
                messages,
                headers,
                flowOf,
                PresenceLimits.NONE,
                cap -> {});
    }

    /**
     * @param limits   {@code newDialogsPerSecond} and {@code newDialogsBurst} are applied here, per
     *                 source address (the entities apply the others)
     * @param refusals told the name of each cap that refused a request (the node's metrics)
     */
    public PresenceSip(
            ShardedPresence presence,
            SubscribeRules subscribeRules,
            CustomStates customStates,
            ProxyIdentity self,
            Set<String> domains,
            MessageFactory messages,
            HeaderFactory headers,
            Function<Request, Flow> flowOf,
            PresenceLimits limits,
            Consumer<String> refusals) {
        this.presence = presence;
        this.classifier = new SubscribeClassifier(subscribeRules, domains);
        this.customStates = customStates;
        this.domains = Set.copyOf(domains);
        this.replies = new SipReplies(self, messages, headers);
        this.flowOf = flowOf;
        this.newDialogs = new SourceRate(limits.newDialogsPerSecond(), limits.newDialogsBurst(), 65_536);
        this.refusals = refusals;
    }

    /** The Event package of a request, lower-case without parameters, or null when it has no Event header. */
    public static String eventOf(Request request) {
        EventHeader e = (EventHeader) request.getHeader(EventHeader.NAME);
        return e == null || e.getEventType() == null
                ? null
                : e.getEventType().trim().toLowerCase(Locale.ROOT);
    }

    /**
     * A new SUBSCRIBE to a presentity of ours (or to the watcher's own contact list).
     *
     * @param watcher the subscriber's AOR: the authenticated user, or the From of a watcher from
     *                another domain
     * @return completes once the SUBSCRIBE has been answered (the node's admission control counts it
     *     in flight until then)
     */
    public CompletionStage<?> subscribe(ServerTransaction tx, Request request, String watcher) {
        String source = flowOf.apply(request).sourceHost();
        if (!newDialogs.tryAcquire(source, System.nanoTime())) {
            // A temporary condition that ends by itself, so 503 with the Retry-After after which a
            // token is back (RFC 3261 section 21.5.4; RFC 6665 section 4.1.2.1 lets the subscriber
            // retry then), rather than 403, which would tell a well-behaved client never to retry.
            refusals.accept(PresenceLimits.NEW_DIALOGS_PER_SOURCE);
            replies.reply(
                    tx,
                    request,
                    Response.SERVICE_UNAVAILABLE,
                    "Too many new subscriptions from this address",
                    null,
                    List.of(replies.header("Retry-After", Long.toString(newDialogs.retryAfterSeconds(source)))));
            return DONE;
        }
        ContactHeader contact = (ContactHeader) request.getHeader(ContactHeader.NAME);
        FromHeader from = (FromHeader) request.getHeader(FromHeader.NAME);
        SipURI target = (SipURI) request.getRequestURI();
        String resource = "sip:" + target.getUser() + "@" + target.getHost().toLowerCase(Locale.ROOT);
        ContentTypeHeader ct = (ContentTypeHeader) request.getHeader(ContentTypeHeader.NAME);
        SubscribeDecision decision = classifier.initial(new SubscribeRequest(
                resource,
                watcher,
                expiresOf(request),
                contact != null
                        && contact.getAddress() != null
                        && contact.getAddress().getURI() != null,
                from.getTag() != null,
                acceptOf(request),
                supports(request, "eventlist"),
                mediaType(ct),
                request.getRawContent()));
        if (decision instanceof EdgeRefusal refusal) {
            replies.refuse(tx, request, refusal);
            return DONE;
        }
        SubscribeDecision.Subscribe s = (SubscribeDecision.Subscribe) decision;
        List<String> routeSet = new ArrayList<>();
        for (var it = request.getHeaders(RecordRouteHeader.NAME); it.hasNext(); ) {
            routeSet.add(((RecordRouteHeader) it.next()).getAddress().toString());
        }
        EventHeader event = (EventHeader) request.getHeader(EventHeader.NAME);
        ToHeader to = (ToHeader) request.getHeader(ToHeader.NAME);
        Subscription draft = new Subscription(
                watcher,
                newTag(),
                callIdOf(request),
                from.getTag(),
                uriText(to.getAddress()),
                uriText(from.getAddress()),
                contact.getAddress().getURI().toString(),
                routeSet,
                flowOf.apply(request),
                event.getEventId(),
                s.resources(),
                s.listUri(),
                s.followsContacts(),
                java.time.Instant.EPOCH,
                0);
        return answer(tx, request, presence.subscribe(draft, s.expires()), s.isList());
    }

    /** An in-dialog SUBSCRIBE: refresh or unsubscribe (RFC 6665 section 4.1.2.2 and 4.1.2.3). */
    public void refresh(ServerTransaction tx, Request request) {
        SubscribeDecision decision = classifier.inDialog(expiresOf(request));
        if (decision instanceof EdgeRefusal refusal) {
            replies.refuse(tx, request, refusal);
            return;
        }
        FromHeader from = (FromHeader) request.getHeader(FromHeader.NAME);
        if (!(from.getAddress().getURI() instanceof SipURI f) || f.getUser() == null) {
            replies.reply(tx, request, Response.BAD_REQUEST, "From must be a sip: URI with a user", null, List.of());
            return;
        }
        String watcher = "sip:" + f.getUser() + "@" + f.getHost().toLowerCase(Locale.ROOT);
        ContactHeader contact = (ContactHeader) request.getHeader(ContactHeader.NAME);
        String target = contact == null ? null : contact.getAddress().getURI().toString();
        String tag = ((ToHeader) request.getHeader(ToHeader.NAME)).getTag();
        answer(
                tx,
                request,
                presence.refresh(
                        watcher, tag, ((SubscribeDecision.Refresh) decision).expires(), target, flowOf.apply(request)),
                false);
    }

    private CompletionStage<?> answer(
            ServerTransaction tx, Request request, CompletionStage<WatcherEntity.SubscribeReply> reply, boolean list) {
        return reply.whenComplete((r, failure) -> {
            if (failure != null || r instanceof WatcherEntity.Unavailable) {
                LOG.debug("SUBSCRIBE not served: {}", failure != null ? failure.toString() : r);
                replies.unavailable(tx, request);
            } else if (r instanceof WatcherEntity.SubscribeRefused refused) {
                replies.reply(tx, request, refused.status(), refused.reason(), null, List.of());
            } else {
                WatcherEntity.Subscribed ok = (WatcherEntity.Subscribed) r;
                List<Header> extra = new ArrayList<>();
                extra.add(replies.header("Expires", Long.toString(ok.expires())));
                extra.add(replies.contactHeader(request));
                if (list) {
                    extra.add(replies.header("Require", "eventlist")); // RFC 4662 section 5.1
                }
                replies.reply(tx, request, Response.OK, null, ok.localTag(), extra);
            }
        });
    }

    /**
     * A PUBLISH for the presence event (RFC 3903 section 6); the front end has checked that the
     * authenticated user is the presentity.
     *
     * @return completes once the PUBLISH has been answered (the node's admission control counts it
     *     in flight until then)
     */
    public CompletionStage<?> publish(ServerTransaction tx, Request request, String presentity) {
        byte[] raw = request.getRawContent();
        String ifMatch = headerValue(request, "SIP-If-Match");
        String body = null;
        io.switchboard.presence.domain.PublishedState state = null;
        if (raw != null && raw.length > 0) {
            var refusal = PresenceMedia.checkPublishBody(
                    mediaType((ContentTypeHeader) request.getHeader(ContentTypeHeader.NAME)), raw.length);
            if (refusal.isPresent()) {
                replies.refuse(tx, request, refusal.get());
                return DONE;
            }
            PidfParser.Result parsed = PidfParser.parse(raw);
            if (parsed instanceof PidfParser.Invalid invalid) {
                replies.reply(tx, request, Response.BAD_REQUEST, invalid.reason(), null, List.of());
                return DONE;
            }
            Publications.Interpretation meaning =
                    Publications.interpret(((PidfParser.Ok) parsed).document(), customStates);
            if (meaning instanceof Publications.Interpretation.Invalid invalid) {
                replies.reply(tx, request, Response.BAD_REQUEST, invalid.reason(), null, List.of());
                return DONE;
            }
            state = ((Publications.Interpretation.Ok) meaning).state();
            body = new String(raw, StandardCharsets.UTF_8);
        }
        PublishRequest publish = new PublishRequest(ifMatch, expiresOf(request), body, state, endpointOf(request));
        return presence.publish(presentity, publish).whenComplete((r, failure) -> {
            if (failure != null || r instanceof PresentityEntity.Unavailable) {
                LOG.debug("PUBLISH for {} not served: {}", presentity, failure != null ? failure.toString() : r);
                replies.unavailable(tx, request);
            } else if (r instanceof PresentityEntity.PublishRefused refused) {
                List<Header> extra = refused.minExpires() > 0
                        ? List.of(replies.header("Min-Expires", Long.toString(refused.minExpires())))
                        : List.of();
                replies.reply(tx, request, refused.status(), refused.reason(), null, extra);
            } else {
                PresentityEntity.Published ok = (PresentityEntity.Published) r;
                replies.reply(
                        tx,
                        request,
                        Response.OK,
                        null,
                        null,
                        List.of(
                                replies.header("SIP-ETag", ok.etag()),
                                replies.header("Expires", Long.toString(ok.expires()))));
            }
        });
    }

    /**
     * Which endpoint published: its flow, and the {@code +sip.instance} and Contact URI when the
     * PUBLISH has a Contact (RFC 3903 asks for none, and phones that register with an instance
     * rarely repeat it here); {@link io.switchboard.presence.domain.EndpointPairing} pairs this
     * with the endpoint's registration. A PUBLISH with more than one Via came through a proxy
     * (RFC 3261 section 16.6, step 8: each proxy adds one), whose flow it is: marked relayed.
     */
    String endpointOf(Request request) {
        ContactHeader c = (ContactHeader) request.getHeader(ContactHeader.NAME);
        Flow f = flowOf.apply(request);
        String instance = c == null ? null : c.getParameter("+sip.instance");
        String contact = c == null || c.getAddress() == null || c.getAddress().getURI() == null
                ? null
                : c.getAddress().getURI().toString();
        EndpointId id = EndpointId.of(instance, f.transport(), f.sourceHost(), f.sourcePort(), contact);
        return (viaCount(request) > 1 ? id.viaProxy() : id).key();
    }

    private static int viaCount(Request request) {
        int n = 0;
        for (var it = request.getHeaders(javax.sip.header.ViaHeader.NAME); it.hasNext(); it.next()) {
            n++;
        }
        return n;
    }

    /** The Accept header's media types, lower-case {@code type/subtype}, in order. */
    private static List<String> acceptOf(Request request) {
        List<String> types = new ArrayList<>();
        for (var it = request.getHeaders("Accept"); it.hasNext(); ) {
            javax.sip.header.AcceptHeader a = (javax.sip.header.AcceptHeader) it.next();
            types.add((a.getContentType() + "/" + a.getContentSubType()).toLowerCase(Locale.ROOT));
        }
        return types;
    }

    /** {@code type/subtype} in lower case, or null without a Content-Type. */
    private static String mediaType(ContentTypeHeader ct) {
        return ct == null ? null : (ct.getContentType() + "/" + ct.getContentSubType()).toLowerCase(Locale.ROOT);
    }

    private static boolean supports(Request request, String option) {
        for (var it = request.getHeaders("Supported"); it.hasNext(); ) {
            String v = ((javax.sip.header.SupportedHeader) it.next()).getOptionTag();
            if (v != null && v.trim().equalsIgnoreCase(option)) {
                return true;
            }
        }
        return false;
    }

    private static long expiresOf(Request request) {
        ExpiresHeader e = (ExpiresHeader) request.getHeader(ExpiresHeader.NAME);
        return e == null ? -1 : e.getExpires();
    }

    private static String headerValue(Request request, String name) {
        Header h = request.getHeader(name);
        if (h == null) {
            return null;
        }
        String s = h.toString();
        int colon = s.indexOf(':');
        return s.substring(colon + 1).trim();
    }

    private static String callIdOf(Request request) {
        return ((javax.sip.header.CallIdHeader) request.getHeader(javax.sip.header.CallIdHeader.NAME)).getCallId();
    }

    /** The address without header parameters (the tag goes in its own field). */
    private static String uriText(javax.sip.address.Address a) {
        return a.toString();
    }

    /** 489 Bad Event (RFC 6665 section 8.2.1) for a package this pool does not serve. */
    public void badEvent(ServerTransaction tx, Request request) {
        replies.reply(tx, request, Response.BAD_EVENT, null, null, List.of());
    }

    /** The tag is the subscription's only credential in-dialog: unguessable, so from a CSPRNG made once. */
    private static final java.security.SecureRandom TAGS = new java.security.SecureRandom();

    private static String newTag() {
        byte[] b = new byte[16];
        TAGS.nextBytes(b);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}

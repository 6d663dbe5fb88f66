package io.switchboard.presence.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 3903 section 6 (processing PUBLISH at the event state compositor), for the presence event:
 *
 * <ul>
 *   <li>no SIP-If-Match: an <em>initial</em> publication, which needs a body (400 otherwise). It
 *       replaces the live publications of the same endpoint (the same {@link EndpointId#key()}),
 *       when that id names one device ({@link EndpointId#namesOneDevice()}): an endpoint has one
 *       state (the aggregation is per endpoint, {@link Aggregation}), and a phone that lost track
 *       of an earlier publication (baresip 1.0 sends two initial PUBLISHes when its registration
 *       completes as its publisher starts, and keeps the entity-tag of one) would otherwise leave
 *       the other one showing its old state until it expires. A later request naming a replaced
 *       tag gets 412 and the phone starts over (RFC 3903 section 6, step 3), as for an expired one.
 *       Publications that came through a proxy (a branch node, an SBC) are never replaced so: their
 *       flow is the proxy's, shared by all the phones behind it;</li>
 *   <li>SIP-If-Match naming a live publication: with a body a <em>modify</em>, without one a
 *       <em>refresh</em>, with Expires 0 a <em>remove</em>; an unknown or expired tag gets
 *       412 Conditional Request Failed (step 3), and the client starts over with an initial one;</li>
 *   <li>every successful request gets a fresh entity-tag (section 6, step 7) so a stale copy of
 *       an old request can never match again;</li>
 *   <li>Expires below the minimum gets 423 with Min-Expires (step 4); above the maximum it is
 *       lowered; absent means the default (RFC 3903 section 4.1: one hour for presence).</li>
 * </ul>
 *
 * The server stamps {@code publishedAt} itself when a body is set: clients' clocks are not
 * trusted for ordering user states.
 */
public final class PublishRules {

    /** Limits; all in seconds. */
    public record Limits(long minExpires, long defaultExpires, long maxExpires, int maxPublications) {
        public static final Limits DEFAULTS = new Limits(60, 3600, 86_400, 32);
    }

    private final Limits limits;

    public PublishRules(Limits limits) {
        this.limits = limits;
    }

    public Limits limits() {
        return limits;
    }

    /**
     * @param current   the presentity's publications (expired ones are ignored)
     * @param freshEtag the entity-tag to give a publication written by this request
     */
    public PublishDecision decide(List<Publication> current, PublishRequest request, String freshEtag, Instant now) {
        List<Publication> live = active(current, now);
        long expires = request.expires() < 0 ? limits.defaultExpires() : request.expires();
        if (expires > 0 && expires < limits.minExpires()) {
            return new PublishDecision.Rejected(423, "Interval Too Brief", limits.minExpires());
        }
        expires = Math.min(expires, limits.maxExpires());
        if (request.ifMatch() == null) {
            if (request.body() == null || request.state() == null) {
                return new PublishDecision.Rejected(400, "Initial PUBLISH needs a body", 0);
            }
            if (expires == 0) {
                return new PublishDecision.Rejected(400, "Expires 0 needs SIP-If-Match", 0);
            }
            List<String> superseded = new ArrayList<>();
            List<Publication> next = new ArrayList<>(live.size() + 1);
            boolean oneDevice = request.endpoint() != null
                    && EndpointId.parse(request.endpoint()).namesOneDevice();
            for (Publication p : live) {
                if (oneDevice && request.endpoint().equals(p.endpoint())) {
                    superseded.add(p.etag());
                } else {
                    next.add(p);
                }
            }
            if (next.size() >= limits.maxPublications()) {
                return new PublishDecision.Rejected(
                        403, "Too many publications (limit " + limits.maxPublications() + ")", 0);
            }
            Publication created = new Publication(
                    freshEtag,
                    request.endpoint(),
                    request.body(),
                    request.state(),
                    now,
                    now.plus(Duration.ofSeconds(expires)));
            next.add(created);
            return new PublishDecision.Accepted(next, created, null, expires, superseded);
        }
        Publication matched = null;
        for (Publication p : live) {
            if (p.etag().equals(request.ifMatch())) {
                matched = p;
                break;
            }
        }
        if (matched == null) {
            return new PublishDecision.Rejected(412, "Conditional Request Failed", 0);
        }
        List<Publication> next = new ArrayList<>(live.size());
        for (Publication p : live) {
            if (p != matched) {
                next.add(p);
            }
        }
        if (expires == 0) {
            return new PublishDecision.Accepted(next, null, matched.etag(), 0);
        }
        Instant expiresAt = now.plus(Duration.ofSeconds(expires));
        Publication written = request.body() == null
                ? new Publication(
                        freshEtag,
                        matched.endpoint(),
                        matched.body(),
                        matched.state(),
                        matched.publishedAt(),
                        expiresAt)
                : new Publication(freshEtag, matched.endpoint(), request.body(), request.state(), now, expiresAt);
        next.add(written);
        return new PublishDecision.Accepted(next, written, matched.etag(), expires);
    }

    /** The publications still live at {@code now}. */
    public static List<Publication> active(List<Publication> publications, Instant now) {
        List<Publication> live = new ArrayList<>(publications.size());
        for (Publication p : publications) {
            if (p.isLive(now)) {
                live.add(p);
            }
        }
        return live;
    }
}

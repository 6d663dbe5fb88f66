package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One row per rule of {@link PublishRules}, RFC 3903 section 6 (an event state compositor
 * processing PUBLISH). Limits: Min-Expires 60, default 3600, max 86400, 2 publications per user.
 */
class PublishRulesTest {

    static final Instant T0 = Instant.parse("2026-11-21T09:00:00Z");
    static final Instant NOW = T0.plusSeconds(100);
    static final String FRESH = "fresh-tag";
    static final PublishRules RULES = new PublishRules(new PublishRules.Limits(60, 3600, 86_400, 2));

    static final PublishedState BUSY =
            new PublishedState(MachineState.UNKNOWN, null, UserChoice.of(Availability.BUSY), null, List.of());
    static final PublishedState AWAY =
            new PublishedState(MachineState.UNKNOWN, null, UserChoice.of(Availability.AWAY), null, List.of());

    /** Published at T0, live until NOW + 500 s. */
    static final Publication A = new Publication("tag-a", "ep-a", "<busy/>", BUSY, T0, NOW.plusSeconds(500));

    static final Publication B = new Publication("tag-b", "ep-b", "<busy/>", BUSY, T0, NOW.plusSeconds(900));
    /** Expired one second ago. */
    static final Publication GONE = new Publication("tag-gone", "ep-g", "<busy/>", BUSY, T0, NOW.minusSeconds(1));

    /** A phone's own flow (one Via): the id of one device. */
    static final String PHONE = "udp:192.0.2.7:5060";
    /** The same flow seen through a proxy (a branch node): every phone behind it shares it. */
    static final String PROXIED = "udp:192.0.2.7:5060 relayed";

    static final Publication FROM_PHONE = new Publication("tag-p", PHONE, "<busy/>", BUSY, T0, NOW.plusSeconds(500));
    static final Publication FROM_PROXY = new Publication("tag-r", PROXIED, "<busy/>", BUSY, T0, NOW.plusSeconds(500));

    static PublishRequest initialFrom(String endpoint) {
        return new PublishRequest(null, 600, "<away/>", AWAY, endpoint);
    }

    static PublishRequest initial(long expires) {
        return new PublishRequest(null, expires, "<away/>", AWAY, "ep-new");
    }

    static PublishRequest refresh(String etag, long expires) {
        return new PublishRequest(etag, expires, null, null, "ep-x");
    }

    static PublishRequest modify(String etag, long expires) {
        return new PublishRequest(etag, expires, "<away/>", AWAY, "ep-x");
    }

    static Consumer<PublishDecision> rejected(int status, long minExpires) {
        return d -> {
            assertThat(d).isInstanceOf(PublishDecision.Rejected.class);
            PublishDecision.Rejected r = (PublishDecision.Rejected) d;
            assertThat(r.status()).isEqualTo(status);
            assertThat(r.minExpires()).isEqualTo(minExpires);
            assertThat(r.reason()).isNotBlank();
        };
    }

    static Consumer<PublishDecision> accepted(Consumer<PublishDecision.Accepted> check) {
        return d -> {
            assertThat(d).isInstanceOf(PublishDecision.Accepted.class);
            check.accept((PublishDecision.Accepted) d);
        };
    }

    static Stream<Arguments> rules() {
        return Stream.of(
                Arguments.of(
                        "RFC 3903 s6 step 5: initial PUBLISH creates a publication with a new entity-tag",
                        List.of(),
                        initial(600),
                        accepted(a -> {
                            assertThat(a.written().etag()).isEqualTo(FRESH);
                            assertThat(a.etag()).isEqualTo(FRESH);
                            assertThat(a.removedEtag()).isNull();
                            assertThat(a.written().endpoint()).isEqualTo("ep-new");
                            assertThat(a.written().state()).isEqualTo(AWAY);
                            assertThat(a.written().expiresAt()).isEqualTo(NOW.plusSeconds(600));
                            assertThat(a.expires()).isEqualTo(600);
                            assertThat(a.publications()).containsExactly(a.written());
                        })),
                Arguments.of(
                        "publishedAt is the server's time of the PUBLISH, not the client's",
                        List.of(A),
                        initial(600),
                        accepted(a -> assertThat(a.written().publishedAt()).isEqualTo(NOW))),
                Arguments.of(
                        "RFC 3903 s6 step 5: an initial PUBLISH without a body is refused 400",
                        List.of(),
                        new PublishRequest(null, 600, null, null, "ep-new"),
                        rejected(400, 0)),
                Arguments.of(
                        "RFC 3903 s6: Expires 0 without SIP-If-Match names nothing to remove: 400",
                        List.of(),
                        initial(0),
                        rejected(400, 0)),
                Arguments.of(
                        "RFC 3903 s6 step 4: no Expires means the local default (3600 for presence)",
                        List.of(),
                        initial(-1),
                        accepted(a -> {
                            assertThat(a.expires()).isEqualTo(3600);
                            assertThat(a.written().expiresAt()).isEqualTo(NOW.plusSeconds(3600));
                        })),
                Arguments.of(
                        "RFC 3903 s6 step 4: Expires above the maximum is lowered to it",
                        List.of(),
                        initial(1_000_000),
                        accepted(a -> {
                            assertThat(a.expires()).isEqualTo(86_400);
                            assertThat(a.written().expiresAt()).isEqualTo(NOW.plusSeconds(86_400));
                        })),
                Arguments.of(
                        "RFC 3903 s6 step 4: Expires below Min-Expires gets 423 with Min-Expires",
                        List.of(),
                        initial(59),
                        rejected(423, 60)),
                Arguments.of(
                        "RFC 3903 s6 step 4: exactly Min-Expires is accepted",
                        List.of(),
                        initial(60),
                        accepted(a -> assertThat(a.expires()).isEqualTo(60))),
                Arguments.of(
                        "RFC 3903 s6 step 4: a refresh below Min-Expires gets 423 too",
                        List.of(A),
                        refresh("tag-a", 30),
                        rejected(423, 60)),
                Arguments.of(
                        "RFC 3903 s6 step 3: SIP-If-Match naming no publication gets 412",
                        List.of(A),
                        refresh("tag-unknown", 600),
                        rejected(412, 0)),
                Arguments.of(
                        "RFC 3903 s6 step 3: an expired publication no longer matches: 412",
                        List.of(GONE),
                        modify("tag-gone", 600),
                        rejected(412, 0)),
                Arguments.of(
                        "RFC 3903 s6 step 3: removing an unknown entity-tag gets 412",
                        List.of(A),
                        refresh("tag-unknown", 0),
                        rejected(412, 0)),
                Arguments.of(
                        "RFC 3903 s6 step 7: a refresh keeps body, state and publishedAt; new tag and expiry",
                        List.of(A, B),
                        refresh("tag-a", 1200),
                        accepted(a -> {
                            assertThat(a.written().etag()).isEqualTo(FRESH);
                            assertThat(a.removedEtag()).isEqualTo("tag-a");
                            assertThat(a.written().body()).isEqualTo(A.body());
                            assertThat(a.written().state()).isEqualTo(BUSY);
                            assertThat(a.written().endpoint()).isEqualTo("ep-a");
                            assertThat(a.written().publishedAt())
                                    .as("a refresh changes no state")
                                    .isEqualTo(T0);
                            assertThat(a.written().expiresAt()).isEqualTo(NOW.plusSeconds(1200));
                            assertThat(a.publications())
                                    .extracting(Publication::etag)
                                    .containsExactlyInAnyOrder("tag-b", FRESH);
                        })),
                Arguments.of(
                        "RFC 3903 s6: a refresh without Expires gets the default again",
                        List.of(A),
                        refresh("tag-a", -1),
                        accepted(a -> assertThat(a.expires()).isEqualTo(3600))),
                Arguments.of(
                        "RFC 3903 s6 step 7: a modify replaces body and state, stamped now, new tag",
                        List.of(A, B),
                        modify("tag-a", 600),
                        accepted(a -> {
                            assertThat(a.written().etag()).isEqualTo(FRESH);
                            assertThat(a.removedEtag()).isEqualTo("tag-a");
                            assertThat(a.written().state()).isEqualTo(AWAY);
                            assertThat(a.written().body()).isEqualTo("<away/>");
                            assertThat(a.written().endpoint())
                                    .as("stays the endpoint that published it")
                                    .isEqualTo("ep-a");
                            assertThat(a.written().publishedAt()).isEqualTo(NOW);
                            assertThat(a.publications())
                                    .extracting(Publication::etag)
                                    .containsExactlyInAnyOrder("tag-b", FRESH);
                        })),
                Arguments.of(
                        "RFC 3903 s6 step 6: Expires 0 with a live tag removes the publication",
                        List.of(A, B),
                        refresh("tag-a", 0),
                        accepted(a -> {
                            assertThat(a.written()).isNull();
                            assertThat(a.removedEtag()).isEqualTo("tag-a");
                            assertThat(a.etag()).isEqualTo("tag-a");
                            assertThat(a.expires()).isZero();
                            assertThat(a.publications()).containsExactly(B);
                        })),
                Arguments.of(
                        "RFC 3903 s6 step 4: Expires 0 is a removal, not an interval below Min-Expires",
                        List.of(A),
                        modify("tag-a", 0),
                        accepted(a -> assertThat(a.publications()).isEmpty())),
                Arguments.of(
                        "limit per user: an initial PUBLISH beyond the limit is refused 403",
                        List.of(A, B),
                        initial(600),
                        rejected(403, 0)),
                Arguments.of(
                        "limit per user: a refresh at the limit is still accepted",
                        List.of(A, B),
                        refresh("tag-b", 600),
                        accepted(a -> assertThat(a.publications()).hasSize(2))),
                Arguments.of(
                        "one device, one state: an initial PUBLISH replaces the live publication of the same endpoint",
                        List.of(B, FROM_PHONE),
                        initialFrom(PHONE),
                        accepted(a -> {
                            assertThat(a.superseded()).containsExactly("tag-p");
                            assertThat(a.deleted()).as("deleted from the store").containsExactly("tag-p");
                            assertThat(a.removedEtag()).isNull();
                            assertThat(a.etag()).isEqualTo(FRESH);
                            assertThat(a.publications())
                                    .extracting(Publication::etag)
                                    .containsExactlyInAnyOrder("tag-b", FRESH);
                        })),
                Arguments.of(
                        "one device, one state: a device named by its instance alone is one device too",
                        List.of(new Publication(
                                "tag-i",
                                "instance:urn:uuid:00000000-0000-0000-0000-000000000001",
                                "<busy/>",
                                BUSY,
                                T0,
                                NOW.plusSeconds(500))),
                        initialFrom("instance:urn:uuid:00000000-0000-0000-0000-000000000001"),
                        accepted(a -> assertThat(a.superseded()).containsExactly("tag-i"))),
                Arguments.of(
                        "one device, one state: another endpoint's publication stays",
                        List.of(FROM_PHONE),
                        initialFrom("udp:192.0.2.8:5060"),
                        accepted(a -> {
                            assertThat(a.superseded()).isEmpty();
                            assertThat(a.publications())
                                    .extracting(Publication::etag)
                                    .containsExactlyInAnyOrder("tag-p", FRESH);
                        })),
                Arguments.of(
                        "one device, one state: through a proxy the flow is shared by its phones, nothing is replaced",
                        List.of(FROM_PROXY),
                        initialFrom(PROXIED),
                        accepted(a -> {
                            assertThat(a.superseded()).isEmpty();
                            assertThat(a.publications())
                                    .extracting(Publication::etag)
                                    .containsExactlyInAnyOrder("tag-r", FRESH);
                        })),
                Arguments.of(
                        "one device, one state: opaque endpoint ids (earlier texts, tests) name no device",
                        List.of(A),
                        new PublishRequest(null, 600, "<away/>", AWAY, "ep-a"),
                        accepted(a -> assertThat(a.superseded()).isEmpty())),
                Arguments.of(
                        "one device, one state: the replaced tag then gets 412, and the phone starts over",
                        List.of(new Publication(FRESH + "-2", PHONE, "<away/>", AWAY, NOW, NOW.plusSeconds(600))),
                        modify("tag-p", 600),
                        rejected(412, 0)),
                Arguments.of(
                        "limit per user: a replacing initial PUBLISH does not count against it",
                        List.of(A, FROM_PHONE),
                        initialFrom(PHONE),
                        accepted(a -> assertThat(a.publications())
                                .extracting(Publication::etag)
                                .containsExactlyInAnyOrder("tag-a", FRESH))),
                Arguments.of(
                        "limit per user: expired publications do not count",
                        List.of(A, GONE),
                        initial(600),
                        accepted(a -> assertThat(a.publications())
                                .extracting(Publication::etag)
                                .containsExactlyInAnyOrder("tag-a", FRESH))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void decides(String rule, List<Publication> current, PublishRequest request, Consumer<PublishDecision> expected) {
        expected.accept(RULES.decide(current, request, FRESH, NOW));
    }

    static Stream<Arguments> liveness() {
        return Stream.of(
                Arguments.of("live until expiresAt", List.of(A, B), List.of(A, B)),
                Arguments.of("RFC 3903 s4: an expired publication is gone", List.of(A, GONE, B), List.of(A, B)),
                Arguments.of(
                        "expiring exactly now is gone",
                        List.of(new Publication("t", "e", "b", BUSY, T0, NOW)),
                        List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("liveness")
    void active_keeps_only_live_publications(String rule, List<Publication> all, List<Publication> live) {
        assertThat(PublishRules.active(all, NOW)).containsExactlyElementsOf(live);
    }
}

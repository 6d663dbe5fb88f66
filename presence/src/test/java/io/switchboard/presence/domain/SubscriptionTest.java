package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.sip.flow.Flow;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each wither of {@link Subscription} changes its own field and keeps the rest of the dialog (RFC 6665 s4.2). */
class SubscriptionTest {

    static final Instant AT = Instant.parse("2026-11-21T09:00:00Z");
    static final Flow UDP = new Flow("UDP", "192.0.2.10", 5060, null, null);
    static final Flow TCP = new Flow("tcp", "192.0.2.11", 40000, "node-2", "flow-1");
    static final Subscription S = new Subscription(
            "sip:bob@example.test",
            "ltag",
            "call-1",
            "rtag",
            "sip:alice@example.test",
            "sip:bob@example.test",
            "sip:bob@192.0.2.10:5060",
            List.of("<sip:p1;lr>"),
            UDP,
            "7",
            List.of("sip:alice@example.test"),
            null,
            false,
            AT,
            30);

    static Stream<Arguments> withers() {
        return Stream.of(
                Arguments.of(
                        "expiresAt (refresh, RFC 6665 s4.2.1.2)",
                        (UnaryOperator<Subscription>) s -> s.withExpiresAt(AT.plusSeconds(60)),
                        new Subscription(
                                S.watcher(),
                                S.localTag(),
                                S.callId(),
                                S.remoteTag(),
                                S.localUri(),
                                S.remoteUri(),
                                S.remoteTarget(),
                                S.routeSet(),
                                S.flow(),
                                S.eventId(),
                                S.resources(),
                                S.listUri(),
                                S.followsContacts(),
                                AT.plusSeconds(60),
                                30)),
                Arguments.of(
                        "cseqCeiling (RFC 3261 s12.2.1.1: CSeq keeps rising)",
                        (UnaryOperator<Subscription>) s -> s.withCseqCeiling(60),
                        new Subscription(
                                S.watcher(),
                                S.localTag(),
                                S.callId(),
                                S.remoteTag(),
                                S.localUri(),
                                S.remoteUri(),
                                S.remoteTarget(),
                                S.routeSet(),
                                S.flow(),
                                S.eventId(),
                                S.resources(),
                                S.listUri(),
                                S.followsContacts(),
                                AT,
                                60)),
                Arguments.of(
                        "resources (RFC 4662 list edits)",
                        (UnaryOperator<Subscription>)
                                s -> s.withResources(List.of("sip:a@example.test", "sip:c@example.test")),
                        new Subscription(
                                S.watcher(),
                                S.localTag(),
                                S.callId(),
                                S.remoteTag(),
                                S.localUri(),
                                S.remoteUri(),
                                S.remoteTarget(),
                                S.routeSet(),
                                S.flow(),
                                S.eventId(),
                                List.of("sip:a@example.test", "sip:c@example.test"),
                                S.listUri(),
                                S.followsContacts(),
                                AT,
                                30)),
                Arguments.of(
                        "target and flow (RFC 6665 s4.1.2.2: a refresh may change the Contact)",
                        (UnaryOperator<Subscription>) s -> s.withTarget("sip:bob@192.0.2.11:40000;transport=tcp", TCP),
                        new Subscription(
                                S.watcher(),
                                S.localTag(),
                                S.callId(),
                                S.remoteTag(),
                                S.localUri(),
                                S.remoteUri(),
                                "sip:bob@192.0.2.11:40000;transport=tcp",
                                S.routeSet(),
                                TCP,
                                S.eventId(),
                                S.resources(),
                                S.listUri(),
                                S.followsContacts(),
                                AT,
                                30)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("withers")
    void changes_only_its_field(String field, UnaryOperator<Subscription> wither, Subscription expected) {
        Subscription changed = wither.apply(S);
        assertThat(changed).isEqualTo(expected);
        assertThat(S.cseqCeiling()).as("the original is unchanged").isEqualTo(30);
    }

    @ParameterizedTest(name = "live at {0}: {1}")
    @MethodSource("liveness")
    void is_live_until_it_expires(Instant now, boolean live) {
        assertThat(S.isLive(now)).isEqualTo(live);
    }

    static Stream<Arguments> liveness() {
        return Stream.of(
                Arguments.of(AT.minusMillis(1), true), Arguments.of(AT, false), Arguments.of(AT.plusSeconds(1), false));
    }

    @ParameterizedTest(name = "list {0}")
    @MethodSource("lists")
    void is_a_list_when_it_has_a_list_uri(String listUri, boolean list) {
        assertThat(new Subscription(
                                S.watcher(),
                                S.localTag(),
                                S.callId(),
                                S.remoteTag(),
                                S.localUri(),
                                S.remoteUri(),
                                S.remoteTarget(),
                                S.routeSet(),
                                S.flow(),
                                S.eventId(),
                                S.resources(),
                                listUri,
                                false,
                                AT,
                                0)
                        .isList())
                .isEqualTo(list);
    }

    static Stream<Arguments> lists() {
        return Stream.of(Arguments.of(null, false), Arguments.of("sip:bob-buddies@example.test", true));
    }

    @ParameterizedTest(name = "transport {0} connection-oriented: {1}")
    @MethodSource("transports")
    void flow_transport_is_normalised(String transport, boolean connectionOriented) {
        Flow f = new Flow(transport, "192.0.2.1", 5060, null, null);
        assertThat(f.isConnectionOriented()).isEqualTo(connectionOriented);
        assertThat(f.node()).isEmpty();
        assertThat(f.flowToken()).isEmpty();
    }

    static Stream<Arguments> transports() {
        return Stream.of(
                Arguments.of("UDP", false),
                Arguments.of("udp", false),
                Arguments.of("TCP", true),
                Arguments.of("tls", true));
    }
}

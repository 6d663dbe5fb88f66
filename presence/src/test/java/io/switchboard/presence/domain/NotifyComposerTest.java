package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.sip.flow.Flow;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** NOTIFY contents for plain (RFC 3856) and list (RFC 4662) subscriptions. */
class NotifyComposerTest {

    static final Instant NOW = Instant.parse("2026-12-04T09:00:00Z");
    static final String ALICE = "sip:alice@example.test";
    static final String CAROL = "sip:carol@example.test";
    static final String LIST = "sip:bob-list@example.test";
    static final Flow UDP = new Flow("udp", "192.0.2.1", 5060, null, null);
    static final PresenceView ALICE_BUSY = new PresenceView(ALICE, Availability.BUSY, null, null, List.of(), NOW);
    static final NotifyComposer.KnownView ALICE_KNOWN =
            new NotifyComposer.KnownView(3, ALICE_BUSY, "<presence>alice</presence>");

    static Subscription plain(String resource) {
        return new Subscription(
                "sip:bob@example.test",
                "t",
                "c",
                "r",
                resource,
                "sip:bob@example.test",
                "sip:bob@192.0.2.1",
                List.of(),
                UDP,
                null,
                List.of(resource),
                null,
                false,
                NOW.plusSeconds(60),
                100);
    }

    static Subscription list(List<String> resources) {
        return new Subscription(
                "sip:bob@example.test",
                "t",
                "c",
                "r",
                LIST,
                "sip:bob@example.test",
                "sip:bob@192.0.2.1",
                List.of(),
                UDP,
                null,
                resources,
                LIST,
                false,
                NOW.plusSeconds(60),
                100);
    }

    @Test
    void a_plain_subscription_carries_the_known_pidf() {
        NotifyComposer.Composed c = NotifyComposer.compose(
                plain(ALICE), 4, "active;expires=60", false, List.of(ALICE), Map.of(ALICE, ALICE_KNOWN)::get, "b");
        assertThat(c.contentType()).isEqualTo("application/pidf+xml");
        assertThat(c.body()).isEqualTo("<presence>alice</presence>");
        assertThat(c.eventlist()).isFalse();
        assertThat(c.sent()).containsExactly(Map.entry(ALICE, ALICE_BUSY));
    }

    static Stream<Arguments> unknownStates() {
        return Stream.of(
                Arguments.of("active;expires=60", "pending;expires=60"),
                Arguments.of("terminated;reason=timeout", "terminated;reason=timeout"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("unknownStates")
    void a_presentity_not_heard_from_is_pending_without_a_body(String state, String expected) {
        NotifyComposer.Composed c = NotifyComposer.compose(plain(CAROL), 1, state, true, List.of(), p -> null, "b");
        assertThat(c.subscriptionState()).isEqualTo(expected);
        assertThat(c.contentType()).isNull();
        assertThat(c.body()).isNull();
        assertThat(c.sent()).isEmpty();
    }

    @Test
    void a_full_state_list_notify_has_every_resource_and_unknown_ones_pending() {
        NotifyComposer.Composed c = NotifyComposer.compose(
                list(List.of(ALICE, CAROL)),
                7,
                "active;expires=60",
                true,
                List.of(),
                Map.of(ALICE, ALICE_KNOWN)::get,
                "boundary42");
        assertThat(c.eventlist()).isTrue();
        assertThat(c.contentType()).contains("multipart/related").contains("boundary42");
        assertThat(c.body())
                .contains("fullState=\"true\"")
                .contains("version=\"7\"")
                .contains("<resource uri=\"" + ALICE + "\"")
                .contains("<resource uri=\"" + CAROL + "\"")
                .contains("state=\"pending\"")
                .contains("<presence>alice</presence>");
        assertThat(c.sent()).containsOnlyKeys(ALICE);
    }

    @Test
    void a_partial_list_notify_has_only_the_changed_resources_still_on_the_list() {
        NotifyComposer.Composed c = NotifyComposer.compose(
                list(List.of(ALICE)),
                8,
                "active;expires=60",
                false,
                List.of(CAROL, ALICE),
                Map.of(ALICE, ALICE_KNOWN)::get,
                "b");
        assertThat(c.body())
                .contains("fullState=\"false\"")
                .contains("<resource uri=\"" + ALICE + "\"")
                .as("removed from the list since it changed")
                .doesNotContain(CAROL);
    }

    @Test
    void the_rlmi_version_is_capped_at_the_largest_int() {
        NotifyComposer.Composed c = NotifyComposer.compose(
                list(List.of(ALICE)), Long.MAX_VALUE, "active;expires=60", true, List.of(), p -> null, "b");
        assertThat(c.body()).contains("version=\"" + Integer.MAX_VALUE + "\"");
    }

    static Stream<Arguments> sameStates() {
        PresenceView base =
                new PresenceView(ALICE, Availability.BUSY, "In a call", "note", List.of("tel:+31201234567"), NOW);
        return Stream.of(
                Arguments.of(
                        "only the time differs",
                        base,
                        new PresenceView(
                                ALICE,
                                Availability.BUSY,
                                "In a call",
                                "note",
                                List.of("tel:+31201234567"),
                                NOW.plusSeconds(5)),
                        true),
                Arguments.of(
                        "availability differs",
                        base,
                        new PresenceView(
                                ALICE, Availability.AVAILABLE, "In a call", "note", List.of("tel:+31201234567"), NOW),
                        false),
                Arguments.of(
                        "activity differs",
                        base,
                        new PresenceView(ALICE, Availability.BUSY, null, "note", List.of("tel:+31201234567"), NOW),
                        false),
                Arguments.of(
                        "note differs",
                        base,
                        new PresenceView(
                                ALICE, Availability.BUSY, "In a call", "other", List.of("tel:+31201234567"), NOW),
                        false),
                Arguments.of(
                        "phones differ",
                        base,
                        new PresenceView(ALICE, Availability.BUSY, "In a call", "note", List.of(), NOW),
                        false),
                Arguments.of("nothing sent yet", base, null, false));
    }

    @ParameterizedTest(name = "{0}: {3}")
    @MethodSource("sameStates")
    void a_watcher_is_notified_only_of_what_it_would_see(
            String what, PresenceView next, PresenceView sent, boolean same) {
        assertThat(NotifyComposer.sameState(next, sent)).isEqualTo(same);
    }

    static Stream<Arguments> secondsLeft() {
        return Stream.of(
                Arguments.of(NOW.plusMillis(59_001), 60L),
                Arguments.of(NOW.plusSeconds(60), 60L),
                Arguments.of(NOW.plusMillis(1), 1L),
                Arguments.of(NOW, 0L),
                Arguments.of(NOW.minusSeconds(3), 0L));
    }

    @ParameterizedTest(name = "expires at {0}: {1} s")
    @MethodSource("secondsLeft")
    void expires_is_rounded_up_and_never_negative(Instant expiresAt, long expected) {
        assertThat(NotifyComposer.secondsLeft(plain(ALICE).withExpiresAt(expiresAt), NOW))
                .isEqualTo(expected);
        assertThat(NotifyComposer.active(plain(ALICE).withExpiresAt(expiresAt), NOW))
                .isEqualTo("active;expires=" + expected);
    }

    @Test
    void instance_ids_are_stable_per_resource_and_differ_between_resources() {
        assertThat(NotifyComposer.instanceId(ALICE))
                .isEqualTo(NotifyComposer.instanceId(ALICE))
                .isNotEqualTo(NotifyComposer.instanceId(CAROL));
    }

    @Test
    void a_list_reports_a_resource_not_served_as_a_terminated_instance_with_its_reason_and_no_state() {
        String stranger = "sip:mallory@elsewhere.test";
        NotifyComposer.Composed c = NotifyComposer.compose(
                list(List.of(ALICE, stranger)),
                1,
                "active;expires=60",
                true,
                List.of(),
                Map.of(ALICE, ALICE_KNOWN, stranger, NotifyComposer.KnownView.terminated("rejected"))::get,
                "boundary42");
        assertThat(c.body())
                .contains("<resource uri=\"" + stranger + "\"><instance id=\"" + NotifyComposer.instanceId(stranger)
                        + "\" state=\"terminated\" reason=\"rejected\"/>")
                .contains("<presence>alice</presence>");
        assertThat(c.sent()).as("nothing was sent about the stranger").containsOnlyKeys(ALICE);
    }

    @Test
    void a_plain_subscription_to_a_resource_not_served_ends_without_a_body() {
        NotifyComposer.Composed c = NotifyComposer.compose(
                plain(CAROL),
                2,
                "terminated;reason=probation",
                true,
                List.of(),
                Map.of(CAROL, NotifyComposer.KnownView.terminated("probation"))::get,
                "b");
        assertThat(c.subscriptionState()).isEqualTo("terminated;reason=probation");
        assertThat(c.body()).isNull();
        assertThat(c.contentType()).isNull();
        assertThat(c.sent()).isEmpty();
    }
}

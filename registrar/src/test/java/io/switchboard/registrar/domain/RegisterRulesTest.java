package io.switchboard.registrar.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.registrar.domain.RegisterDecision.Accepted;
import io.switchboard.registrar.domain.RegisterDecision.Rejected;
import io.switchboard.registrar.domain.RegisterDecision.Rejection;
import io.switchboard.sip.flow.Flow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** RFC 3261 section 10.3, RFC 5626 section 6: one row per rule. */
class RegisterRulesTest {

    static final Instant T0 = Instant.parse("2026-11-21T09:00:00Z");
    static final String AOR = "sip:alice@example.test";
    static final Flow UDP = new Flow("udp", "192.0.2.10", 5060, "node-1", "");
    static final Flow TCP = new Flow("tcp", "192.0.2.10", 40123, "node-1", "tok");
    static final RegisterRules RULES = new RegisterRules(RegistrarPolicy.DEFAULTS);

    static RegisterRequest register(String callId, long cseq, OptionalLong expires, ContactSpec... contacts) {
        return new RegisterRequest(
                AOR, callId, cseq, false, List.of(contacts), expires, List.of(), false, UDP, "test-ua");
    }

    static RegisterRequest register(String callId, long cseq, ContactSpec... contacts) {
        return register(callId, cseq, OptionalLong.empty(), contacts);
    }

    static RegisterRequest wildcard(String callId, long cseq, OptionalLong expires, ContactSpec... contacts) {
        return new RegisterRequest(AOR, callId, cseq, true, List.of(contacts), expires, List.of(), false, UDP, "");
    }

    static RegisterRequest outbound(String callId, long cseq, List<String> path, ContactSpec... contacts) {
        return new RegisterRequest(
                AOR, callId, cseq, false, List.of(contacts), OptionalLong.empty(), path, true, TCP, "");
    }

    static List<Binding> apply(List<Binding> current, RegisterRequest r, Instant now) {
        RegisterDecision d = RULES.decide(current, r, now);
        assertThat(d).as("decision for %s", r).isInstanceOf(Accepted.class);
        return ((Accepted) d).bindings();
    }

    static Stream<Arguments> expiryCases() {
        return Stream.of(
                // contact param, Expires header, granted seconds (or -1 = 423)
                Arguments.of(OptionalLong.empty(), OptionalLong.empty(), 600L), // default
                Arguments.of(OptionalLong.empty(), OptionalLong.of(300), 300L), // at the minimum
                Arguments.of(OptionalLong.empty(), OptionalLong.of(3600), 900L), // clamped to max
                Arguments.of(OptionalLong.of(700), OptionalLong.of(3600), 700L), // param beats header
                Arguments.of(OptionalLong.of(60), OptionalLong.of(600), -1L), // below min: 423
                Arguments.of(OptionalLong.empty(), OptionalLong.of(299), -1L),
                Arguments.of(OptionalLong.of(1000000), OptionalLong.empty(), 900L));
    }

    @ParameterizedTest(name = "contact expires={0} header={1} -> {2}")
    @MethodSource("expiryCases")
    void expiry_is_chosen_bounded_and_clamped(OptionalLong param, OptionalLong header, long granted) {
        ContactSpec c = new ContactSpec("sip:alice@192.0.2.10", param, 1000, null, 0);
        RegisterDecision d = RULES.decide(List.of(), register("c1", 1, header, c), T0);
        if (granted < 0) {
            assertThat(d).isEqualTo(new Rejected(Rejection.INTERVAL_TOO_BRIEF, "Interval Too Brief"));
            assertThat(Rejection.INTERVAL_TOO_BRIEF.status()).isEqualTo(423);
        } else {
            Binding b = ((Accepted) d).bindings().get(0);
            assertThat(b.expiresAt()).isEqualTo(T0.plusSeconds(granted));
            assertThat(b.secondsLeft(T0)).isEqualTo(granted);
        }
    }

    @Test
    void fetch_returns_active_bindings_and_changes_nothing() {
        List<Binding> current = apply(List.of(), register("c1", 1, ContactSpec.of("sip:a@192.0.2.1")), T0);
        Accepted fetch = (Accepted) RULES.decide(current, register("c9", 1), T0.plusSeconds(10));
        assertThat(fetch.bindings()).hasSize(1);
        assertThat(fetch.changesState()).isFalse();
    }

    @Test
    void fetch_omits_expired_bindings() {
        List<Binding> current = apply(List.of(), register("c1", 1, ContactSpec.of("sip:a@192.0.2.1")), T0);
        Accepted fetch = (Accepted) RULES.decide(current, register("c9", 1), T0.plusSeconds(600));
        assertThat(fetch.bindings()).isEmpty();
    }

    @Test
    void refresh_with_higher_cseq_replaces_binding_and_keeps_registration_time() {
        List<Binding> first = apply(List.of(), register("c1", 1, ContactSpec.of("sip:a@192.0.2.1")), T0);
        List<Binding> second = apply(first, register("c1", 2, ContactSpec.of("sip:a@192.0.2.1")), T0.plusSeconds(300));
        assertThat(second).hasSize(1);
        assertThat(second.get(0).cseq()).isEqualTo(2);
        assertThat(second.get(0).expiresAt()).isEqualTo(T0.plusSeconds(900));
        assertThat(second.get(0).registeredAt()).isEqualTo(T0);
    }

    static Stream<Arguments> orderingCases() {
        return Stream.of(
                Arguments.of("c1", 5L, true), // same Call-ID, same CSeq: fails
                Arguments.of("c1", 4L, true), // same Call-ID, lower CSeq: fails
                Arguments.of("c1", 6L, false), // higher CSeq: applied
                Arguments.of("c2", 1L, false)); // another Call-ID: applied regardless of CSeq
    }

    @ParameterizedTest(name = "Call-ID {0} CSeq {1} out of order={2}")
    @MethodSource("orderingCases")
    void callid_and_cseq_ordering(String callId, long cseq, boolean outOfOrder) {
        List<Binding> current = apply(List.of(), register("c1", 5, ContactSpec.of("sip:a@192.0.2.1")), T0);
        RegisterDecision d = RULES.decide(current, register(callId, cseq, ContactSpec.of("sip:a@192.0.2.1")), T0);
        if (outOfOrder) {
            assertThat(d).isInstanceOf(Rejected.class);
            assertThat(((Rejected) d).kind()).isEqualTo(Rejection.OUT_OF_ORDER);
        } else {
            assertThat(d).isInstanceOf(Accepted.class);
        }
    }

    @Test
    void contact_uris_compare_by_rfc3261_rules() {
        List<Binding> current =
                apply(List.of(), register("c1", 1, ContactSpec.of("sip:a@HOST.example;transport=UDP")), T0);
        List<Binding> after =
                apply(current, register("c1", 2, ContactSpec.of("SIP:a@host.example;transport=udp;foo=bar")), T0);
        assertThat(after).hasSize(1);
        List<Binding> other = apply(current, register("c1", 3, ContactSpec.of("sip:A@host.example;transport=udp")), T0);
        assertThat(other).as("user part is case-sensitive").hasSize(2);
        List<Binding> port =
                apply(current, register("c1", 3, ContactSpec.of("sip:a@host.example:5060;transport=udp")), T0);
        assertThat(port).as("explicit port differs from none").hasSize(2);
    }

    @Test
    void expires_zero_removes_one_contact() {
        List<Binding> current = apply(
                List.of(), register("c1", 1, ContactSpec.of("sip:a@192.0.2.1"), ContactSpec.of("sip:a@192.0.2.2")), T0);
        Accepted d = (Accepted) RULES.decide(
                current, register("c1", 2, ContactSpec.of("sip:a@192.0.2.1").withExpires(0)), T0);
        assertThat(d.bindings()).extracting(Binding::contact).containsExactly("sip:a@192.0.2.2");
        assertThat(d.removals()).containsExactly(BindingKey.forContact("sip:a@192.0.2.1"));
        assertThat(d.upserts()).isEmpty();
    }

    @Test
    void removing_an_unknown_contact_is_accepted_and_changes_nothing() {
        Accepted d = (Accepted)
                RULES.decide(List.of(), register("c1", 2, OptionalLong.of(0), ContactSpec.of("sip:a@192.0.2.1")), T0);
        assertThat(d.bindings()).isEmpty();
        assertThat(d.changesState()).isFalse();
    }

    static Stream<Arguments> wildcardCases() {
        return Stream.of(
                Arguments.of(OptionalLong.of(0), List.of(), null),
                Arguments.of(OptionalLong.empty(), List.of(), "Contact * requires Expires: 0"),
                Arguments.of(OptionalLong.of(600), List.of(), "Contact * requires Expires: 0"),
                Arguments.of(
                        OptionalLong.of(0),
                        List.of(ContactSpec.of("sip:a@192.0.2.9")),
                        "Contact * must be the only Contact"));
    }

    @ParameterizedTest(name = "wildcard expires={0} others={1} -> {2}")
    @MethodSource("wildcardCases")
    void wildcard_only_with_expires_zero_and_alone(OptionalLong expires, List<ContactSpec> others, String error) {
        List<Binding> current = apply(
                List.of(), register("c1", 1, ContactSpec.of("sip:a@192.0.2.1"), ContactSpec.of("sip:a@192.0.2.2")), T0);
        RegisterDecision d = RULES.decide(current, wildcard("c2", 1, expires, others.toArray(ContactSpec[]::new)), T0);
        if (error == null) {
            assertThat(((Accepted) d).bindings()).isEmpty();
            assertThat(((Accepted) d).removals()).hasSize(2);
        } else {
            assertThat(d).isEqualTo(new Rejected(Rejection.BAD_REQUEST, error));
        }
    }

    @Test
    void wildcard_with_same_callid_needs_higher_cseq() {
        List<Binding> current = apply(List.of(), register("c1", 5, ContactSpec.of("sip:a@192.0.2.1")), T0);
        RegisterDecision d = RULES.decide(current, wildcard("c1", 5, OptionalLong.of(0)), T0);
        assertThat(((Rejected) d).kind()).isEqualTo(Rejection.OUT_OF_ORDER);
        assertThat(RULES.decide(current, wildcard("c1", 6, OptionalLong.of(0)), T0))
                .isInstanceOf(Accepted.class);
    }

    @Test
    void at_most_max_bindings_new_ones_refused_refreshes_allowed() {
        List<Binding> current = List.of();
        for (int i = 1; i <= 8; i++) {
            current = apply(current, register("c" + i, 1, ContactSpec.of("sip:a@192.0.2." + i)), T0);
        }
        assertThat(current).hasSize(8);
        RegisterDecision ninth = RULES.decide(current, register("c9", 1, ContactSpec.of("sip:a@192.0.2.9")), T0);
        assertThat(ninth)
                .isEqualTo(new Rejected(Rejection.TOO_MANY_BINDINGS, "Too many registered contacts (limit 8)"));
        assertThat(Rejection.TOO_MANY_BINDINGS.status()).isEqualTo(403);
        // a refresh of an existing one and a swap (remove one, add one) are fine
        assertThat(RULES.decide(current, register("c1", 2, ContactSpec.of("sip:a@192.0.2.1")), T0))
                .isInstanceOf(Accepted.class);
        RegisterDecision swap = RULES.decide(
                current,
                register("c1", 2, ContactSpec.of("sip:a@192.0.2.1").withExpires(0), ContactSpec.of("sip:a@192.0.2.9")),
                T0);
        assertThat(((Accepted) swap).bindings()).hasSize(8);
    }

    @Test
    void expired_bindings_do_not_count_against_the_limit() {
        List<Binding> current = List.of();
        for (int i = 1; i <= 8; i++) {
            current = apply(
                    current, register("c" + i, 1, OptionalLong.of(300), ContactSpec.of("sip:a@192.0.2." + i)), T0);
        }
        assertThat(RULES.decide(current, register("c9", 1, ContactSpec.of("sip:a@192.0.2.9")), T0.plusSeconds(301)))
                .isInstanceOf(Accepted.class);
    }

    @Test
    void a_failing_contact_aborts_the_whole_request() {
        RegisterDecision d = RULES.decide(
                List.of(),
                register(
                        "c1",
                        1,
                        ContactSpec.of("sip:a@192.0.2.1"),
                        ContactSpec.of("sip:a@192.0.2.2").withExpires(10)),
                T0);
        assertThat(d).isInstanceOf(Rejected.class);
    }

    @Test
    void q_values_order_the_bindings_best_first() {
        List<Binding> b = apply(
                List.of(),
                register(
                        "c1",
                        1,
                        ContactSpec.of("sip:a@192.0.2.1").withQ(100),
                        ContactSpec.of("sip:a@192.0.2.2").withQ(900),
                        ContactSpec.of("sip:a@192.0.2.3")),
                T0);
        assertThat(b).extracting(Binding::q).containsExactly(1000, 900, 100);
    }

    // RFC 5626 section 6

    static final String INSTANCE = "<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>";

    @Test
    void outbound_binding_is_keyed_by_instance_and_reg_id_so_a_new_contact_replaces_it() {
        List<Binding> first = apply(
                List.of(),
                outbound(
                        "c1",
                        1,
                        List.of(),
                        ContactSpec.of("sip:a@192.0.2.1:40000;transport=tcp").withInstance(INSTANCE, 1)),
                T0);
        Accepted second = (Accepted) RULES.decide(
                first,
                outbound(
                        "c2",
                        1,
                        List.of(),
                        ContactSpec.of("sip:a@198.51.100.7:41000;transport=tcp").withInstance(INSTANCE, 1)),
                T0);
        assertThat(second.outbound()).isTrue();
        assertThat(second.bindings()).singleElement().satisfies(b -> {
            assertThat(b.contact()).isEqualTo("sip:a@198.51.100.7:41000;transport=tcp");
            assertThat(b.isOutbound()).isTrue();
            assertThat(b.flow().flowToken()).isEqualTo("tok");
        });
        // a second flow of the same instance (reg-id 2) is a second binding
        List<Binding> two = apply(
                second.bindings(),
                outbound(
                        "c3",
                        1,
                        List.of(),
                        ContactSpec.of("sip:a@198.51.100.7:41001;transport=tcp").withInstance(INSTANCE, 2)),
                T0);
        assertThat(two).hasSize(2);
    }

    static Stream<Arguments> outboundErrors() {
        return Stream.of(
                Arguments.of(
                        List.of(),
                        new ContactSpec[] {ContactSpec.of("sip:a@192.0.2.1").withInstance(null, 1)},
                        Rejection.BAD_REQUEST,
                        "reg-id without +sip.instance"),
                Arguments.of(
                        List.of(),
                        new ContactSpec[] {
                            ContactSpec.of("sip:a@192.0.2.1").withInstance(INSTANCE, 1),
                            ContactSpec.of("sip:a@192.0.2.2").withInstance(INSTANCE, 2)
                        },
                        Rejection.BAD_REQUEST,
                        "More than one Contact with reg-id"),
                Arguments.of(
                        List.of("<sip:edge.example.test;lr>"),
                        new ContactSpec[] {ContactSpec.of("sip:a@192.0.2.1").withInstance(INSTANCE, 1)},
                        Rejection.FIRST_HOP_LACKS_OUTBOUND,
                        "First Hop Lacks Outbound Support"));
    }

    @ParameterizedTest(name = "{3}")
    @MethodSource("outboundErrors")
    void outbound_parameter_errors(List<String> path, ContactSpec[] contacts, Rejection kind, String detail) {
        RegisterDecision d = RULES.decide(List.of(), outbound("c1", 1, path, contacts), T0);
        assertThat(d).isEqualTo(new Rejected(kind, detail));
        if (kind == Rejection.FIRST_HOP_LACKS_OUTBOUND) {
            assertThat(kind.status()).isEqualTo(439);
        }
    }

    @Test
    void edge_path_with_ob_is_accepted_and_stored() {
        List<String> path = List.of("<sip:core.example.test;lr>", "<sip:edge.example.test;lr;ob>");
        List<Binding> b = apply(
                List.of(),
                outbound("c1", 1, path, ContactSpec.of("sip:a@192.0.2.1").withInstance(INSTANCE, 1)),
                T0);
        assertThat(b.get(0).path()).isEqualTo(path);
    }

    @Test
    void reg_id_without_supported_outbound_is_an_ordinary_binding() {
        RegisterRequest r = new RegisterRequest(
                AOR,
                "c1",
                1,
                false,
                List.of(ContactSpec.of("sip:a@192.0.2.1").withInstance(INSTANCE, 1)),
                OptionalLong.empty(),
                List.of(),
                false,
                UDP,
                "");
        Accepted d = (Accepted) RULES.decide(List.of(), r, T0);
        assertThat(d.outbound()).isFalse();
        assertThat(d.bindings().get(0).isOutbound()).isFalse();
        assertThat(d.bindings().get(0).instanceId()).isEqualTo(INSTANCE);
    }

    @Nested
    class Policy {
        @Test
        void custom_policy_is_honoured() {
            RegisterRules rules = new RegisterRules(new RegistrarPolicy(60, 3600, 120, 2));
            List<Binding> current = new ArrayList<>(((Accepted) rules.decide(
                            List.of(),
                            register(
                                    "c1",
                                    1,
                                    OptionalLong.of(60),
                                    ContactSpec.of("sip:a@192.0.2.1"),
                                    ContactSpec.of("sip:a@192.0.2.2")),
                            T0))
                    .bindings());
            assertThat(current).hasSize(2);
            assertThat(((Rejected) rules.decide(current, register("c3", 1, ContactSpec.of("sip:a@192.0.2.3")), T0))
                            .detail())
                    .isEqualTo("Too many registered contacts (limit 2)");
        }

        @Test
        void invalid_policy_is_refused_with_the_setting_named() {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RegistrarPolicy(300, 200, 250, 8))
                    .hasMessageContaining("max-expires");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RegistrarPolicy(300, 900, 600, 0))
                    .hasMessageContaining("max-bindings");
        }
    }
}

package io.switchboard.park.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One row per orbit range rule: what is accepted, and which rule a refused range names. */
class OrbitRulesTest {

    private static OrbitDecision check(String name, String range) {
        return OrbitRules.validate(new OrbitRules.Request(name, range, RangeOverrides.NONE), List.of(), List.of());
    }

    private static OrbitRange range(String name, String text) {
        return ((OrbitDecision.Accepted) check(name, text)).range();
    }

    @ParameterizedTest(name = "{0} -> {1} orbits from {2} to {3}")
    @CsvSource({
        "'#900-#950',   51,    #900,      #950",
        "'*1-*9',       9,     *1,        *9",
        "'900-900',     1,     900,       900",
        "'0000-9999',   10000, 0000,      9999",
        "'100000000-100009999', 10000, 100000000, 100009999",
        "' #900 - #950 ', 51,  #900,      #950",
        "'007-010',     4,     007,       010",
    })
    void accepts_ranges_that_keep_every_rule(String text, int size, String start, String end) {
        OrbitRange r = range("lobby", text);
        assertThat(r.size()).isEqualTo(size);
        assertThat(r.start().toString()).isEqualTo(start);
        assertThat(r.end().toString()).isEqualTo(end);
        assertThat(r.orbitAt(size - 1).toString()).isEqualTo(end);
    }

    @ParameterizedTest(name = "\"{0}\" breaks {1}")
    @CsvSource({
        "'',                    syntax",
        "'#900',                syntax",
        "'900-',                syntax",
        "'#900-#9x0',           syntax",
        "'##900-##950',         syntax",
        "'+900-+950',           syntax",
        "'900-950-960',         syntax",
        "'1234567890-1234567899', syntax",
        "'#900-*950',           same-prefix",
        "'900-#950',            same-prefix",
        "'#900-#9500',          same-length",
        "'0900-950',            same-length",
        "'#950-#900',           start-not-after-end",
        "'0000-10000',          same-length",
        "'00000-10000',         max-size",
        "'100000000-100010000', max-size",
    })
    void refuses_a_broken_range_naming_the_rule(String text, String rule) {
        OrbitDecision d = check("lobby", text);
        assertThat(d).isInstanceOf(OrbitDecision.Rejected.class);
        OrbitDecision.Rejected r = (OrbitDecision.Rejected) d;
        assertThat(r.rule().token()).isEqualTo(rule);
        assertThat(r.rule().httpStatus()).isEqualTo(400);
        assertThat(r.message()).contains("rule " + rule);
    }

    @ParameterizedTest(name = "name \"{0}\" refused")
    @CsvSource({"''", "'has space'", "'a/b'", "'x#'"})
    void refuses_bad_names(String name) {
        assertThat(((OrbitDecision.Rejected) check(name, "#900-#950")).rule()).isEqualTo(OrbitRule.NAME);
    }

    @Test
    void refuses_a_name_of_65_characters_and_takes_64() {
        assertThat(check("n".repeat(64), "1-2")).isInstanceOf(OrbitDecision.Accepted.class);
        assertThat(((OrbitDecision.Rejected) check("n".repeat(65), "1-2")).rule())
                .isEqualTo(OrbitRule.NAME);
    }

    @ParameterizedTest(name = "{1} next to existing #900-#950: {2}")
    @CsvSource({
        "lobby2, '#951-#999', ok",
        "lobby2, '#850-#899', ok",
        "lobby2, '#950-#960', no-overlap",
        "lobby2, '#800-#900', no-overlap",
        "lobby2, '#910-#920', no-overlap",
        "lobby2, '#800-#999', no-overlap",
        "lobby2, '900-950',   ok",
        "lobby2, '*900-*950', ok",
        "lobby2, '#0900-#0950', ok",
        "lobby,  '#100-#199', unique-name",
    })
    void checks_conflicts_with_existing_ranges(String name, String text, String outcome) {
        OrbitRange existing = range("lobby", "#900-#950");
        OrbitDecision d = OrbitRules.validate(
                new OrbitRules.Request(name, text, RangeOverrides.NONE), List.of(existing), List.of());
        if (outcome.equals("ok")) {
            assertThat(d).isInstanceOf(OrbitDecision.Accepted.class);
        } else {
            OrbitDecision.Rejected r = (OrbitDecision.Rejected) d;
            assertThat(r.rule().token()).isEqualTo(outcome);
            assertThat(r.rule().httpStatus()).isEqualTo(409);
            assertThat(r.message()).contains("lobby");
        }
    }

    @Test
    void an_overlap_names_the_other_range_and_a_shared_orbit() {
        OrbitDecision.Rejected r = (OrbitDecision.Rejected) OrbitRules.validate(
                new OrbitRules.Request("b", "#940-#990", RangeOverrides.NONE),
                List.of(range("a", "#900-#950")),
                List.of());
        assertThat(r.message()).contains("range a (#900-#950)").contains("orbit #940");
    }

    @ParameterizedTest(name = "{0} against user {1} / phone {2}: {3}")
    @CsvSource({
        "'900-950',   alice, '+905',         'the phone number +905 of sip:alice@example.test'",
        "'900-950',   alice, '+31905',       ok",
        "'900-950',   alice, '+9050',        ok",
        "'900-950',   905,   '',             'the user part of sip:905@example.test'",
        "'#900-#950', alice, '+905',         ok",
        "'#900-#950', '#905', '',            'the user part of sip:#905@example.test'",
        "'0900-0950', alice, '+905',         ok",
        "'100-200',   alice, '',             ok",
    })
    void checks_conflicts_with_users_numbers(String text, String user, String phone, String outcome) {
        UserNumber u = new UserNumber("sip:" + user + "@example.test", user, phone);
        OrbitDecision d =
                OrbitRules.validate(new OrbitRules.Request("park", text, RangeOverrides.NONE), List.of(), List.of(u));
        if (outcome.equals("ok")) {
            assertThat(d).isInstanceOf(OrbitDecision.Accepted.class);
        } else {
            OrbitDecision.Rejected r = (OrbitDecision.Rejected) d;
            assertThat(r.rule()).isEqualTo(OrbitRule.NO_USER_NUMBER);
            assertThat(r.rule().httpStatus()).isEqualTo(409);
            assertThat(r.message()).contains(outcome);
        }
    }

    @ParameterizedTest(name = "{0}={1}: {2}")
    @CsvSource({
        "timeout,  9,                     'pickupTimeout must be between 10s and 600s'",
        "timeout,  601,                   'pickupTimeout must be between 10s and 600s'",
        "timeout,  10,                    ok",
        "timeout,  600,                   ok",
        "attempts, 0,                     'maxPickupAttempts must be between 1 and 10'",
        "attempts, 11,                    'maxPickupAttempts must be between 1 and 10'",
        "attempts, 10,                    ok",
        "uri,      'operator',            'onTimeoutUri must be a sip:, sips: or tel: URI'",
        "uri,      'http://x',            'onTimeoutUri must be a sip:, sips: or tel: URI'",
        "uri,      'sip:operator@example.test', ok",
        "uri,      'tel:+31201234567',    ok",
    })
    void checks_per_range_settings(String what, String value, String outcome) {
        RangeOverrides o = switch (what) {
            case "timeout" ->
                new RangeOverrides(
                        Optional.of(Duration.ofSeconds(Long.parseLong(value))), Optional.empty(), Optional.empty());
            case "attempts" ->
                new RangeOverrides(Optional.empty(), Optional.of(Integer.parseInt(value)), Optional.empty());
            default -> new RangeOverrides(Optional.empty(), Optional.empty(), Optional.of(value));
        };
        OrbitDecision d = OrbitRules.validate(new OrbitRules.Request("p", "1-5", o), List.of(), List.of());
        if (outcome.equals("ok")) {
            assertThat(((OrbitDecision.Accepted) d).range().overrides()).isEqualTo(o);
        } else {
            OrbitDecision.Rejected r = (OrbitDecision.Rejected) d;
            assertThat(r.rule()).isEqualTo(OrbitRule.SETTING);
            assertThat(r.message()).contains(outcome);
        }
    }

    @Test
    void settings_take_a_ranges_overrides_over_the_pools() {
        ParkSettings pool = new ParkSettings(Duration.ofSeconds(90), 1, Optional.empty());
        ParkSettings merged = pool.with(new RangeOverrides(
                Optional.of(Duration.ofSeconds(30)), Optional.empty(), Optional.of("sip:op@example.test")));
        assertThat(merged).isEqualTo(new ParkSettings(Duration.ofSeconds(30), 1, Optional.of("sip:op@example.test")));
        assertThat(pool.with(RangeOverrides.NONE)).isEqualTo(pool);
    }

    @Test
    void finds_the_range_of_an_orbit_as_dialed() {
        List<OrbitRange> ranges = List.of(range("hash", "#900-#950"), range("plain", "900-950"));
        assertThat(OrbitRules.rangeOf(Orbit.parse("#905").orElseThrow(), ranges))
                .map(OrbitRange::name)
                .contains("hash");
        assertThat(OrbitRules.rangeOf(Orbit.parse("905").orElseThrow(), ranges))
                .map(OrbitRange::name)
                .contains("plain");
        assertThat(OrbitRules.rangeOf(Orbit.parse("*905").orElseThrow(), ranges))
                .isEmpty();
        assertThat(OrbitRules.rangeOf(Orbit.parse("0905").orElseThrow(), ranges))
                .isEmpty();
        assertThat(OrbitRules.rangeOf(Orbit.parse("#951").orElseThrow(), ranges))
                .isEmpty();
    }
}

package io.switchboard.park.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Who may watch an orbit (RFC 4235 busy lamps): one row per rule, in the order they are checked. */
class OrbitSubscribeRulesTest {

    static final String PARK = "sip:park@example.test";
    static final List<OrbitRange> RANGES =
            List.of(range("lobby", "#900", "#950"), range("desk", "*10", "*19"), range("plain", "700", "709"));

    static OrbitRange range(String name, String start, String end) {
        return new OrbitRange(
                name, Orbit.parse(start).orElseThrow(), Orbit.parse(end).orElseThrow(), RangeOverrides.NONE);
    }

    static OrbitSubscribeRules.Decision decide(String uri, boolean ourUser, String event, long expires) {
        return OrbitSubscribeRules.decide(uri, PARK, Set.of("example.test"), RANGES, ourUser, event, expires);
    }

    @ParameterizedTest(name = "{0} from {1} for {2}, Expires {3} -> {4}")
    @CsvSource(
            delimiter = '|',
            nullValues = "null",
            value = {
                // orbits of a range, in the forms a retrieve accepts
                "sip:%23905@example.test | ours     | dialog   | -1    | watch 3600",
                "sip:#905@example.test   | ours     | dialog   | 1800  | watch 1800",
                "sip:*15@example.test    | ours     | dialog   | 7200  | watch 7200",
                "sip:705@example.test    | ours     | Dialog   | 86400 | watch 7200",
                "sip:%23905@example.test | ours     | dialog   | 0     | watch 0",
                // strangers learn nothing of orbits, and are never told whether one exists
                "sip:%23905@example.test | stranger | dialog   | -1    | 403",
                "sip:%23999@example.test | stranger | dialog   | -1    | 403",
                "sip:park@example.test   | stranger | dialog   | -1    | 403",
                // call park's, but no orbit of a range: the park service, an unranged # number
                "sip:park@example.test   | ours     | dialog   | -1    | 404",
                "sip:%23999@example.test | ours     | dialog   | -1    | 404",
                "sip:%23951@example.test | ours     | presence | -1    | 404",
                // an orbit, but another package or too brief
                "sip:%23905@example.test | ours     | presence | -1    | 489",
                "sip:%23905@example.test | ours     | null     | -1    | 489",
                "sip:%23905@example.test | ours     | conference | -1  | 489",
                "sip:%23905@example.test | ours     | dialog   | 59    | 423",
                // not call park's: a user's dialog package goes to the user's phones as before
                "sip:bob@example.test    | ours     | dialog   | -1    | route",
                "sip:999@example.test    | ours     | dialog   | -1    | route",
                "sip:*99@example.test    | ours     | dialog   | -1    | route",
                "sip:bob@example.test    | stranger | dialog   | -1    | route",
                "sip:%23905@other.test   | ours     | dialog   | -1    | route"
            })
    void decisions(String uri, String who, String event, long expires, String expected) {
        OrbitSubscribeRules.Decision d = decide(uri, who.equals("ours"), event, expires);
        String got = d instanceof OrbitSubscribeRules.Decision.Watch w
                ? "watch " + w.granted()
                : d instanceof OrbitSubscribeRules.Decision.Refused r ? String.valueOf(r.status()) : "route";
        assertThat(got).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} watches {1} of {2}")
    @CsvSource({
        "sip:%23905@example.test, #905, lobby",
        "sip:*15@example.test, *15, desk",
        "sip:700@example.test, 700, plain"
    })
    void a_watch_names_the_orbit_and_its_range(String uri, String orbit, String range) {
        OrbitSubscribeRules.Decision.Watch w = (OrbitSubscribeRules.Decision.Watch) decide(uri, true, "dialog", -1);
        assertThat(w.orbit()).isEqualTo(Orbit.parse(orbit).orElseThrow());
        assertThat(w.range().name()).isEqualTo(range);
    }

    @ParameterizedTest(name = "refresh Expires {0} -> {1}")
    @CsvSource({"-1, 3600", "0, 0", "59, -1", "600, 600", "90000, 7200"})
    void refreshes(long expires, long granted) {
        assertThat(OrbitSubscribeRules.refreshed(expires).orElse(-1L)).isEqualTo(granted);
    }
}

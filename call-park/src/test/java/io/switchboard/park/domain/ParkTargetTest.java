package io.switchboard.park.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which INVITEs call park takes: to the park service, to an orbit of a range, or none. */
class ParkTargetTest {

    static final Set<String> DOMAINS = Set.of("example.test", "other.test");
    static final String PARK = "sip:park@example.test";

    static OrbitRange range(String name, String text) {
        return ((OrbitDecision.Accepted) OrbitRules.validate(new OrbitRules.Request(name, text, RangeOverrides.NONE)))
                .range();
    }

    static final List<OrbitRange> RANGES = List.of(range("hash", "#900-#950"), range("plain", "900-950"));

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "sip:park@example.test,                      park",
        "sips:park@EXAMPLE.test:5061;transport=tls,  park",
        "sip:park@other.test,                        none",
        "sip:Park@example.test,                      none",
        "sip:%23905@example.test,                    hash #905",
        "sip:#905@other.test;user=phone,             hash #905",
        "sip:905@example.test,                       plain 905",
        "tel:%23905;phone-context=example.test,      hash #905",
        "tel:905;phone-context=example.test,         plain 905",
        "sip:%23905@elsewhere.test,                  none",
        "sip:%23951@example.test,                    none",
        "sip:0905@example.test,                      none",
        "sip:*905@example.test,                      none",
        "sip:alice@example.test,                     none",
        "tel:+905,                                   none",
    })
    void decides_by_the_uri_as_dialed(String uri, String expected) {
        ParkTarget t = ParkTarget.of(uri, PARK, DOMAINS, RANGES);
        String got = t instanceof ParkTarget.Park
                ? "park"
                : t instanceof ParkTarget.Retrieve r ? r.range().name() + " " + r.orbit() : "none";
        assertThat(got).isEqualTo(expected);
    }

    @Test
    void the_parker_is_told_the_orbit_and_whose_call_it_is() {
        ParkedCall call = ParkRules.parked(
                "hash",
                Orbit.parse("#905").orElseThrow(),
                "sip:alice@example.test",
                new CallerIdentity("sip:bob@example.test", "Bob", Optional.empty()),
                new ParkSettings(Duration.ofSeconds(90), 1, Optional.empty()),
                Instant.EPOCH);
        assertThat(ParkNotice.parked(call)).isEqualTo("Call from Bob parked at #905");
        // when it comes back: the INVITE's display name, and its Subject to the parker and to the fallback
        assertThat(ParkNotice.ringingDisplay(call)).isEqualTo("Parked: Bob");
        assertThat(ParkNotice.ringBack(call)).isEqualTo("Your parked call from Bob, back from #905");
        assertThat(ParkNotice.fallback(call)).isEqualTo("Parked call from Bob, not picked up at #905");
    }
}

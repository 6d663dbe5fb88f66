package io.switchboard.park.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which orbit a Request-URI dials, as dialed. */
class DialedOrbitTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "sip:%23905@example.test,                         #905",
        "sip:%2a905@example.test,                         *905",
        "sip:#905@example.test,                           #905",
        "sip:*905@example.test,                           *905",
        "sip:905@example.test,                            905",
        "sips:905@example.test:5061;transport=tls,        905",
        "sip:905;phone-context=example.test@example.test;user=phone, 905",
        "sip:0905@example.test,                           0905",
        "tel:905;phone-context=example.test,              905",
        "tel:%23905;phone-context=example.test,           #905",
        "tel:#905;phone-context=example.test,             #905",
        "tel:9-0-5;phone-context=example.test,            905",
        "TEL:*905,                                        *905",
        "SIP:905@EXAMPLE.TEST,                            905",
        "sip:%2390@example.test,                          #90",
    })
    void reads_the_orbit_as_dialed(String uri, String orbit) {
        assertThat(DialedOrbit.parse(uri)).map(Orbit::toString).contains(orbit);
    }

    @ParameterizedTest(name = "{0} dials no orbit")
    @CsvSource({
        "sip:alice@example.test",
        "sip:example.test",
        "tel:+905",
        "sip:+905@example.test;user=phone",
        "sip:1234567890@example.test",
        "sip:%2@example.test",
        "sip:%zz905@example.test",
        "sip:##905@example.test",
        "mailto:905@example.test",
        "sip:@example.test",
    })
    void refuses_what_is_not_an_orbit(String uri) {
        assertThat(DialedOrbit.parse(uri)).isEmpty();
    }
}

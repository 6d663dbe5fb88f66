package io.switchboard.sip.events;

import static org.assertj.core.api.Assertions.assertThat;

import javax.sip.SipFactory;
import javax.sip.message.Request;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SubscriptionRulesTest {

    @ParameterizedTest(name = "Expires {0} -> {1}")
    @CsvSource({
        "-1, 3600", // absent: the package's default
        "0, 0", // unsubscribe or fetch
        "59, -1", // below the minimum: 423
        "60, 60",
        "1800, 1800",
        "7200, 7200",
        "86400, 7200" // shortened to the maximum
    })
    void granted_durations(long requested, long granted) {
        assertThat(SubscriptionRules.granted(requested, 60, 3600, 7200)).isEqualTo(granted);
    }

    static Request subscribe(String... extra) throws Exception {
        StringBuilder b = new StringBuilder("SUBSCRIBE sip:%23905@example.test SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n"
                + "From: <sip:carol@example.test>;tag=1\r\nTo: <sip:%23905@example.test>\r\n"
                + "Call-ID: c1\r\nCSeq: 1 SUBSCRIBE\r\nMax-Forwards: 70\r\nEvent: dialog\r\n");
        for (String h : extra) {
            b.append(h).append("\r\n");
        }
        b.append("Content-Length: 0\r\n\r\n");
        return SipFactory.getInstance().createMessageFactory().createRequest(b.toString());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "| true", // no Accept: the package's default type
                "Accept: application/dialog-info+xml | true",
                "Accept: application/* | true",
                "Accept: */* | true",
                "Accept: application/pidf+xml | false",
                "Accept: text/plain | false"
            })
    void accepted_types(String accept, boolean accepted) throws Exception {
        Request r = accept == null ? subscribe() : subscribe(accept);
        assertThat(SubscriptionRules.accepts(r, "application", "dialog-info+xml"))
                .isEqualTo(accepted);
    }

    @ParameterizedTest(name = "NOTIFY answered {0}: ends {1}")
    @CsvSource({
        "200, false",
        "202, false",
        "404, true",
        "408, true",
        "481, true",
        "489, true",
        "500, false",
        "503, false",
        "603, false",
        "604, true"
    })
    void answers_that_end_a_subscription(int status, boolean ends) {
        assertThat(SubscriptionRules.endsSubscription(status)).isEqualTo(ends);
    }
}

package io.switchboard.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** How the clients' printed traces become messages (tagged so the interop run includes it). */
@Tag("interop")
class SipTraceTest {

    static final String RECEIVED =
            "2026-12-05 05:28:45:836 belle-sip-message-channel [0x1]: received [1302] new bytes from [TCP://127.0.0.1:41633]:";
    static final String LOG = "2026-12-05 05:28:45:837 belle-sip-message-channel [0x1] [317] bytes parsed";

    /** One TCP read held the 200 to a PUBLISH and a NOTIFY (seen in CI: the NOTIFY was missed). */
    static final List<String> TWO_IN_ONE_READ = List.of(
            RECEIVED,
            "SIP/2.0 200 OK",
            "CSeq: 21 PUBLISH",
            "Call-ID: a",
            "Content-Length: 0",
            "",
            "",
            "NOTIFY sip:mike@example.test;gr=urn:uuid:1 SIP/2.0",
            "Call-ID: b",
            "CSeq: 1 NOTIFY",
            "Content-Length: 12",
            "",
            "<presence/>");

    @Test
    void aReadWithTwoMessagesGivesBoth() {
        List<String> lines = new java.util.ArrayList<>(TWO_IN_ONE_READ);
        lines.add(LOG);
        List<SipTrace.Message> messages = SipTrace.linphone(lines);
        assertThat(messages)
                .extracting(SipTrace.Message::startLine)
                .containsExactly("SIP/2.0 200 OK", "NOTIFY sip:mike@example.test;gr=urn:uuid:1 SIP/2.0");
        assertThat(messages.get(0).isResponse(200, "PUBLISH")).isTrue();
        assertThat(messages.get(1).isRequest("NOTIFY")).isTrue();
        assertThat(messages.get(1).callId()).isEqualTo("b");
        assertThat(messages).allMatch(SipTrace.Message::incoming);
    }

    @Test
    void theLastMessageCountsOnceItsBodyIsThere() {
        // nothing printed after it yet: whole, so it counts
        assertThat(SipTrace.linphone(TWO_IN_ONE_READ)).hasSize(2);
        // its body still to come: only the 200 counts
        assertThat(SipTrace.linphone(TWO_IN_ONE_READ.subList(0, TWO_IN_ONE_READ.size() - 1)))
                .extracting(SipTrace.Message::startLine)
                .containsExactly("SIP/2.0 200 OK");
        // its headers cut before the Call-ID: not yet a message
        assertThat(SipTrace.linphone(TWO_IN_ONE_READ.subList(0, 9))).hasSize(1);
    }
}

package io.switchboard.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.parser.MessageParser;
import io.switchboard.sip.stack.MalformedInput.Reason;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What our parser (KeepBadHeadersParserFactory with RequestScreen) makes of one well-formed
 * OPTIONS with one change: delivered as is, delivered marked for ScreenedListener to answer, or
 * refused with a fixed-text ParseException (the RI then answers 400 over UDP or drops it).
 */
class RequestScreenTest {
    private static MessageParser parser;

    @BeforeAll
    static void install() {
        Slf4jStackLogger.install();
        parser = new KeepBadHeadersParserFactory().createMessageParser(null);
    }

    static final String OPTIONS = "OPTIONS sip:example.test SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1;rport\r\n"
            + "Max-Forwards: 70\r\n"
            + "From: <sip:a@other.test>;tag=1\r\n"
            + "To: <sip:example.test>\r\n"
            + "Call-ID: screen-1\r\n"
            + "CSeq: 1 OPTIONS\r\n"
            + "Content-Length: 0\r\n\r\n";

    /** Outcome: ok (delivered unmarked), marked:LABEL (delivered for ScreenedListener), refused:LABEL (exception). */
    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "unchanged                      | CSeq: 1 OPTIONS                 | CSeq: 1 OPTIONS                                  | ok",
                "leading CRLF (RFC 3261 7.5)    | OPTIONS sip:                    | \\r\\nOPTIONS sip:                                  | ok",
                "version in lower case          | SIP/2.0\\r\\nVia                  | sip/2.0\\r\\nVia                                   | ok",
                "SIP/7.0                        | SIP/2.0\\r\\nVia                  | SIP/7.0\\r\\nVia                                   | marked:version_not_supported",
                "SIP/2.00                       | SIP/2.0\\r\\nVia                  | SIP/2.00\\r\\nVia                                  | marked:version_not_supported",
                "second Call-ID                 | CSeq: 1 OPTIONS                 | CSeq: 1 OPTIONS\\r\\nCall-ID: other               | marked:duplicate_call_id",
                "compact second Call-ID         | CSeq: 1 OPTIONS                 | CSeq: 1 OPTIONS\\r\\ni: other                     | marked:duplicate_call_id",
                "second CSeq                    | CSeq: 1 OPTIONS                 | CSeq: 1 OPTIONS\\r\\ncseq: 2 OPTIONS              | marked:duplicate_cseq",
                "second From                    | CSeq: 1 OPTIONS                 | CSeq: 1 OPTIONS\\r\\nf: <sip:b@x>;tag=2           | marked:duplicate_from",
                "second To                      | CSeq: 1 OPTIONS                 | CSeq: 1 OPTIONS\\r\\nTo : <sip:b@x>               | marked:duplicate_to",
                "second Content-Length          | Content-Length: 0               | l: 0\\r\\nContent-Length: 0                       | marked:duplicate_content_length",
                "second Max-Forwards            | Max-Forwards: 70                | Max-Forwards: 70\\r\\nMax-Forwards: 69            | marked:duplicate_max_forwards",
                "folded line is no duplicate    | To: <sip:example.test>          | To:\\r\\n <sip:example.test>                      | ok",
                "two Vias are fine              | Max-Forwards: 70                | Via: SIP/2.0/TCP 192.0.2.9;branch=z9hG4bK2\\r\\nMax-Forwards: 70 | ok",
                "CSeq 2^31-1                    | CSeq: 1 OPTIONS                 | CSeq: 2147483647 OPTIONS                         | ok",
                "CSeq 2^31                      | CSeq: 1 OPTIONS                 | CSeq: 2147483648 OPTIONS                         | marked:cseq_out_of_range",
                "CSeq 2^32 (the RI refuses it)  | CSeq: 1 OPTIONS                 | CSeq: 4294967296 OPTIONS                         | refused:malformed_cseq",
                "Max-Forwards 256               | Max-Forwards: 70                | Max-Forwards: 256                                | marked:invalid_max_forwards",
                "Max-Forwards not a number      | Max-Forwards: 70                | Max-Forwards: many                               | marked:invalid_max_forwards",
                "headers in the Request-URI     | OPTIONS sip:example.test        | OPTIONS sip:example.test?Route=%3Csip:x.test%3E | marked:request_uri_headers",
                "Proxy-Require                  | Max-Forwards: 70                | Max-Forwards: 70\\r\\nProxy-Require: foo          | marked:bad_extension",
                "no CSeq                        | CSeq: 1 OPTIONS\\r\\n             | ''                                               | refused:missing_cseq",
                "no Via                         | Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1;rport\\r\\n | '' | refused:missing_via",
                "no From                        | From: <sip:a@other.test>;tag=1\\r\\n | ''                                            | refused:missing_from",
                "no To                          | To: <sip:example.test>\\r\\n      | ''                                               | refused:missing_to",
                "no Call-ID                     | Call-ID: screen-1\\r\\n           | ''                                               | refused:missing_call_id",
                "CSeq method mismatch           | CSeq: 1 OPTIONS                 | CSeq: 1 INVITE                                   | ok",
                "bad From                       | From: <sip:a@other.test>;tag=1  | From: <<<                                        | refused:malformed_from",
                "bad Request-URI                | OPTIONS sip:example.test        | OPTIONS <sip:example.test>                       | refused:malformed_request_line",
                "negative Content-Length        | Content-Length: 0               | Content-Length: -1                               | refused:malformed_content_length",
                "body shorter than announced    | Content-Length: 0               | Content-Length: 10                               | refused:body_too_short",
            })
    void screens(String name, String findEscaped, String replaceEscaped, String outcome) throws Exception {
        String find = crlf(findEscaped);
        String replace = crlf(replaceEscaped);
        assertThat(OPTIONS).contains(find);
        byte[] bytes = OPTIONS.replace(find, replace).getBytes(StandardCharsets.UTF_8);
        if (outcome.startsWith("refused:")) {
            Throwable t = catchThrowable(() -> parser.parseSIPMessage(bytes, true, false, null));
            assertThat(t).isInstanceOf(KeepBadHeadersParserFactory.Refused.class);
            Reason reason = reasonOf(outcome.substring("refused:".length()));
            // the text the RI's automatic 400 puts into its reason phrase
            assertThat(t.getLocalizedMessage()).isEqualTo(reason.detail());
            return;
        }
        SIPMessage m = parser.parseSIPMessage(bytes, true, false, null);
        Reason marked = ScreenedListener.refusalOf((SIPRequest) m);
        if (outcome.equals("ok")) {
            assertThat(marked).isNull();
        } else {
            assertThat(marked).isEqualTo(reasonOf(outcome.substring("marked:".length())));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "INVITE without Contact   | INVITE  | ''                                  | marked:missing_contact",
                "INVITE with Contact      | INVITE  | Contact: <sip:a@192.0.2.1>          | ok",
                "SUBSCRIBE without Contact| SUBSCRIBE | Event: presence                   | marked:missing_contact",
                "PUBLISH without Event    | PUBLISH | ''                                  | marked:missing_event",
                "NOTIFY without state     | NOTIFY  | Event: presence                     | marked:missing_subscription_state",
                "NOTIFY with state        | NOTIFY  | Event: presence\\r\\nSubscription-State: active | ok",
            })
    void headersTheRiNeedsForATransaction(String name, String method, String extraEscaped, String outcome)
            throws Exception {
        String extra = crlf(extraEscaped);
        String m = OPTIONS.replace("OPTIONS sip:", method + " sip:")
                .replace("CSeq: 1 OPTIONS", "CSeq: 1 " + method)
                .replace("Content-Length: 0", (extra.isEmpty() ? "" : extra + "\r\n") + "Content-Length: 0");
        SIPMessage parsed = parser.parseSIPMessage(m.getBytes(StandardCharsets.UTF_8), true, false, null);
        Reason marked = ScreenedListener.refusalOf((SIPRequest) parsed);
        assertThat(marked).isEqualTo(outcome.equals("ok") ? null : reasonOf(outcome.substring("marked:".length())));
    }

    @org.junit.jupiter.api.Test
    void anRfc2543RequestWithoutMaxForwardsGetsSeventy() throws Exception {
        String m = OPTIONS.replace("Max-Forwards: 70\r\n", "").replace(";branch=z9hG4bK-1", "");
        SIPRequest parsed = (SIPRequest) parser.parseSIPMessage(m.getBytes(StandardCharsets.UTF_8), true, false, null);
        assertThat(ScreenedListener.refusalOf(parsed)).isNull();
        assertThat(parsed.getMaxForwards().getMaxForwards()).isEqualTo(70);
    }

    @org.junit.jupiter.api.Test
    void reasonPhrasesAreFixedPrintableText() {
        for (Reason r : Reason.values()) {
            assertThat(r.phrase()).matches("[ -~]+");
            assertThat(r.label()).matches("[a-z0-9_]+");
        }
    }

    /** The tables write line breaks as the two-character escapes, which a CSV row cannot hold. */
    private static String crlf(String s) {
        return s.replace("\\r\\n", "\r\n");
    }

    private static Reason reasonOf(String label) {
        for (Reason r : Reason.values()) {
            if (r.label().equals(label)) {
                return r;
            }
        }
        throw new IllegalArgumentException(label);
    }
}

package io.switchboard.registrar.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.registrar.domain.RegisterRequest;
import io.switchboard.sip.flow.Flow;
import java.util.stream.Stream;
import javax.sip.SipFactory;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** REGISTER text in, {@link RegisterRequest} or a 400 reason out. */
class RegisterParserTest {

    static final Flow FLOW = new Flow("udp", "192.0.2.1", 5060, "node-1", "");

    static Request parse(String contactLines) throws Exception {
        MessageFactory f = SipFactory.getInstance().createMessageFactory();
        String text = "REGISTER sip:example.test SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n"
                + "Max-Forwards: 70\r\n"
                + "To: <sip:Alice@EXAMPLE.test>\r\n"
                + "From: <sip:Alice@example.test>;tag=456248\r\n"
                + "Call-ID: 843817637684230@998sdasdh09\r\n"
                + "CSeq: 1826 REGISTER\r\n"
                + contactLines
                + "Content-Length: 0\r\n\r\n";
        return f.createRequest(text);
    }

    @Test
    void reads_aor_callid_cseq_contacts_and_parameters() throws Exception {
        RegisterParser.Parsed p = RegisterParser.parse(
                parse(
                        "Contact: <sip:alice@192.0.2.1:5060>;expires=3600;q=0.5;+sip.instance=\"<urn:uuid:1234>\";reg-id=1\r\n"
                                + "Supported: outbound, gruu\r\nExpires: 7200\r\nUser-Agent: Phone/1.0\r\n"
                                + "Path: <sip:edge.example.test;lr;ob>\r\n"),
                FLOW);
        assertThat(p.error()).isNull();
        RegisterRequest r = p.request();
        assertThat(r.aor()).as("user case kept, host lower-cased").isEqualTo("sip:Alice@example.test");
        assertThat(r.callId()).isEqualTo("843817637684230@998sdasdh09");
        assertThat(r.cseq()).isEqualTo(1826);
        assertThat(r.expiresHeader()).hasValue(7200);
        assertThat(r.outboundSupported()).isTrue();
        assertThat(r.userAgent()).isEqualTo("Phone/1.0");
        assertThat(r.path()).containsExactly("<sip:edge.example.test;lr;ob>");
        assertThat(r.contacts()).singleElement().satisfies(c -> {
            assertThat(c.uri()).isEqualTo("sip:alice@192.0.2.1:5060");
            assertThat(c.expires()).hasValue(3600);
            assertThat(c.q()).isEqualTo(500);
            assertThat(c.instanceId()).isEqualTo("<urn:uuid:1234>");
            assertThat(c.regId()).isEqualTo(1);
        });
    }

    @Test
    void wildcard_and_fetch() throws Exception {
        assertThat(RegisterParser.parse(parse("Contact: *\r\nExpires: 0\r\n"), FLOW)
                        .request()
                        .wildcard())
                .isTrue();
        assertThat(RegisterParser.parse(parse(""), FLOW).request().isFetch()).isTrue();
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of(
                        "Contact: <sip:a@192.0.2.1>;expires=soon\r\n", "Contact expires must be a non-negative number"),
                Arguments.of("Contact: <sip:a@192.0.2.1>;q=1.5\r\n", "Contact q must be a qvalue between 0 and 1"),
                Arguments.of(
                        "Contact: <sip:a@192.0.2.1>;reg-id=0;+sip.instance=\"<urn:uuid:1>\"\r\n",
                        "reg-id must be a positive number"),
                Arguments.of(
                        "Contact: <sip:a@192.0.2.1>;reg-id=x;+sip.instance=\"<urn:uuid:1>\"\r\n",
                        "reg-id must be a positive number"),
                Arguments.of("Contact: <sip:a@192.0.2.1>;+sip.instance=\"\"\r\n", "Empty +sip.instance"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("malformed")
    void malformed_contacts_give_a_reason(String contact, String reason) throws Exception {
        RegisterParser.Parsed p = RegisterParser.parse(parse(contact), FLOW);
        assertThat(p.isOk()).isFalse();
        assertThat(p.error()).isEqualTo(reason);
    }

    @ParameterizedTest
    @CsvSource({"0,0", "1,1000", "0.5,500", "0.123,123", "1.000,1000", "0.05,50"})
    void q_values(String text, int millis) {
        assertThat(RegisterParser.parseQ(text)).isEqualTo(millis);
    }
}

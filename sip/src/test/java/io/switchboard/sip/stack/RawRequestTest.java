package io.switchboard.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import javax.sip.SipFactory;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.RetryAfterHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Response;
import org.junit.jupiter.api.Test;

class RawRequestTest {

    static final String REGISTER = "REGISTER sip:example.test SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK-1-0\r\n"
            + "Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK-older, SIP/2.0/UDP 192.0.2.8;branch=z9hG4bK-oldest\r\n"
            + "Max-Forwards: 70\r\n"
            + "From: <sip:alice@example.test>;tag=1\r\n"
            + "To: \"Alice\" <sip:alice@example.test>  \r\n"
            + "Call-ID: 1-123@192.0.2.1\r\n"
            + "CSeq: 1 REGISTER\r\n"
            + "Contact: <sip:alice@192.0.2.1:5062>\r\n"
            + "Content-Length: 0\r\n\r\n";

    static RawRequest peek(String text) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        byte[] buffer = new byte[b.length + 100]; // the receive buffer is larger than the datagram
        System.arraycopy(b, 0, buffer, 0, b.length);
        return RawRequest.peek(buffer, b.length);
    }

    static Response parse(byte[] response) throws Exception {
        return SipFactory.getInstance()
                .createMessageFactory()
                .createResponse(new String(response, StandardCharsets.US_ASCII));
    }

    @Test
    void a_new_request_is_answered_503_with_what_it_came_with_and_a_to_tag() throws Exception {
        RawRequest r = peek(REGISTER);
        assertThat(r).isNotNull();
        assertThat(r.method()).isEqualTo("REGISTER");
        assertThat(r.toTag()).isFalse();
        assertThat(r.credentials()).isFalse();
        assertThat(r.answerableAt(5062)).isTrue();
        assertThat(r.answerableAt(40_000))
                .as("sent-by port elsewhere, no rport")
                .isFalse();

        Response resp = parse(r.serviceUnavailable("Too many registrations in progress, try again", 5, "slx-1"));
        assertThat(resp.getStatusCode()).isEqualTo(503);
        assertThat(resp.getReasonPhrase()).isEqualTo("Too many registrations in progress, try again");
        assertThat(((RetryAfterHeader) resp.getHeader(RetryAfterHeader.NAME)).getRetryAfter())
                .isEqualTo(5);
        var vias = resp.getHeaders(ViaHeader.NAME);
        assertThat(((ViaHeader) vias.next()).getBranch()).isEqualTo("z9hG4bK-1-0");
        assertThat(((ViaHeader) vias.next()).getBranch()).isEqualTo("z9hG4bK-older");
        assertThat(((ViaHeader) vias.next()).getBranch()).isEqualTo("z9hG4bK-oldest");
        assertThat(vias.hasNext()).isFalse();
        assertThat(((FromHeader) resp.getHeader(FromHeader.NAME)).getTag()).isEqualTo("1");
        ToHeader to = (ToHeader) resp.getHeader(ToHeader.NAME);
        assertThat(to.getTag()).isEqualTo("slx-1");
        assertThat(to.getAddress().getDisplayName()).isEqualTo("Alice");
        assertThat(((CallIdHeader) resp.getHeader(CallIdHeader.NAME)).getCallId())
                .isEqualTo("1-123@192.0.2.1");
        CSeqHeader cseq = (CSeqHeader) resp.getHeader(CSeqHeader.NAME);
        assertThat(cseq.getSeqNumber()).isEqualTo(1);
        assertThat(cseq.getMethod()).isEqualTo("REGISTER");
        assertThat(resp.getContentLength().getContentLength()).isZero();
    }

    @Test
    void compact_forms_rport_and_a_to_tag_are_read() throws Exception {
        RawRequest r = peek("MESSAGE sip:bob@example.test SIP/2.0\r\n"
                + "v: SIP/2.0/UDP 192.0.2.1:5062;rport;branch=z9hG4bK-2\r\n"
                + "f: <sip:alice@example.test>;tag=2\r\n"
                + "t: <sip:bob@example.test>;tag=abc\r\n"
                + "i: 2@192.0.2.1\r\n"
                + "CSeq: 7 MESSAGE\r\n"
                + "c: text/plain\r\n"
                + "l: 2\r\n\r\nhi");
        assertThat(r).isNotNull();
        assertThat(r.method()).isEqualTo("MESSAGE");
        assertThat(r.toTag()).isTrue();
        assertThat(r.answerableAt(40_000)).as("rport: to the source").isTrue();
        Response resp = parse(r.serviceUnavailable("Busy", 3, "t9"));
        assertThat(((CallIdHeader) resp.getHeader(CallIdHeader.NAME)).getCallId())
                .isEqualTo("2@192.0.2.1");
    }

    @Test
    void credentials_are_seen_in_either_header_and_ports_default_to_5060() {
        String auth = REGISTER.replace(
                "Max-Forwards: 70\r\n", "Max-Forwards: 70\r\nProxy-Authorization : Digest username=\"a\"\r\n");
        assertThat(peek(auth).credentials()).isTrue();
        String plain = REGISTER.replace("Max-Forwards: 70\r\n", "Max-Forwards: 70\r\nauthorization: Digest x\r\n");
        assertThat(peek(plain).credentials()).isTrue();
        RawRequest noPort = peek(REGISTER.replace("192.0.2.1:5062;branch", "alice.example.test;branch"));
        assertThat(noPort.answerableAt(5060)).isTrue();
        assertThat(noPort.answerableAt(5062)).isFalse();
        RawRequest v6 = peek(REGISTER.replace("192.0.2.1:5062;branch", "[2001:db8::1]:5070;branch"));
        assertThat(v6.answerableAt(5070)).isTrue();
        RawRequest spaced = peek(REGISTER.replace("SIP/2.0/UDP 192.0.2.1:5062", "SIP / 2.0 / udp  192.0.2.1:5062"));
        assertThat(spaced.answerableAt(5062)).isTrue();
    }

    @Test
    void what_it_cannot_read_with_certainty_takes_the_normal_path() {
        assertThat(peek("SIP/2.0 200 OK\r\n" + REGISTER.substring(REGISTER.indexOf("Via"))))
                .as("a response")
                .isNull();
        assertThat(peek("\r\n\r\n")).as("a keep-alive").isNull();
        assertThat(peek("")).isNull();
        assertThat(peek(REGISTER.replace(
                        "From: <sip:alice@example.test>;tag=1\r\n", "From: <sip:alice@example.test>\r\n ;tag=1\r\n")))
                .as("a folded line")
                .isNull();
        assertThat(peek(REGISTER.replace("Call-ID: 1-123@192.0.2.1\r\n", "")))
                .as("no Call-ID")
                .isNull();
        assertThat(peek(REGISTER.substring(0, REGISTER.length() - 2)))
                .as("no end of headers")
                .isNull();
        assertThat(peek(REGISTER.replace("SIP/2.0/UDP 192.0.2.1:5062", "SIP/2.0/TCP 192.0.2.1:5062")))
                .as("a top Via that is not UDP")
                .isNull();
        assertThat(peek(REGISTER.replace("192.0.2.1:5062;", "192.0.2.1:99999;")))
                .as("a bad port")
                .isNull();
        assertThat(peek(REGISTER.replace(" SIP/2.0\r\nVia", " SIP/3.0\r\nVia")))
                .as("another version")
                .isNull();
        assertThat(peek(REGISTER.replace("REGISTER sip:", "REG<ISTER sip:")))
                .as("not a method token")
                .isNull();
    }
}

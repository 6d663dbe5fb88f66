package io.switchboard.accounts.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SipAddressTest {

    static Stream<Arguments> accepted() {
        return Stream.of(
                Arguments.of("sip:alice@example.test", "alice", "example.test"),
                Arguments.of("sips:alice@example.test", "alice", "example.test"),
                // scheme and host are case-insensitive, the user part is not (RFC 3261 19.1.4)
                Arguments.of("SIP:Alice@Example.TEST", "Alice", "example.test"),
                Arguments.of("  sip:bob.smith@example.test\t", "bob.smith", "example.test"),
                Arguments.of("sip:+493012345678@example.test", "+493012345678", "example.test"),
                Arguments.of("sip:a-b_c.d!~*'()&=+$,@sub.example.test", "a-b_c.d!~*'()&=+$,", "sub.example.test"),
                Arguments.of("sip:x@a-1.b2.test", "x", "a-1.b2.test"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("accepted")
    void accepts(String uri, String user, String domain) {
        assertThat(SipAddress.parse(uri)).isEqualTo(Validation.valid(new SipAddress(user, domain)));
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of(null, "missing"),
                Arguments.of("  ", "missing"),
                Arguments.of("alice@example.test", "must start with sip: or sips:"),
                Arguments.of("tel:+4930123", "must start with sip: or sips:"),
                Arguments.of("sip:example.test", "needs a user part"),
                Arguments.of("sip:@example.test", "empty user part"),
                Arguments.of("sip:alice@", "no domain"),
                Arguments.of("sip:alice:secret@example.test", "password in the uri"),
                Arguments.of("sip:alice@example.test;transport=tcp", "parameters"),
                Arguments.of("sip:alice@example.test?subject=hi", "headers"),
                Arguments.of("sip:alice@example.test:5060", "port"),
                Arguments.of("sip:alice@192.0.2.1", "not an IP address"),
                Arguments.of("sip:alice@[2001:db8::1]", "not an IP address"),
                Arguments.of("sip:al ice@example.test", "U+0020"),
                Arguments.of("sip:ali;x=1@example.test", "';'"),
                Arguments.of("sip:a@b@example.test", "'@'"),
                Arguments.of("sip:al%69ce@example.test", "percent-escapes"),
                Arguments.of("sip:j\u00fcrgen@example.test", "not allowed"),
                Arguments.of("sip:alice@exa_mple.test", "not a valid host name"),
                Arguments.of("sip:alice@-example.test", "not a valid host name"),
                Arguments.of("sip:alice@example..test", "not a valid host name"),
                Arguments.of("sip:alice@example.test.", "not a valid host name"),
                Arguments.of("sip:" + "u".repeat(SipAddress.MAX_USER_LENGTH + 1) + "@example.test", "longer than"),
                Arguments.of("sip:alice@" + "a".repeat(64) + ".test", "not a valid host name"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("refused")
    void refuses(String uri, String reasonFragment) {
        Validation<SipAddress> result = SipAddress.parse(uri);
        assertThat(result).isInstanceOf(Validation.Invalid.class);
        assertThat(((Validation.Invalid<SipAddress>) result).reason()).contains(reasonFragment);
    }

    @Test
    void aorIsTheCanonicalFormAndParsesBackToTheSameAddress() {
        SipAddress address = new SipAddress("Alice", "EXAMPLE.test");
        assertThat(address.aor()).isEqualTo("sip:Alice@example.test");
        assertThat(SipAddress.parse(address.aor())).isEqualTo(Validation.valid(address));
    }
}

package io.switchboard.proxy.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.accounts.domain.Validation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CallTargetsTest {

    static final String ALICE = "sip:alice@example.test";

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                // E.164 numbers become phone URIs in the user's domain (RFC 3261 section 19.1.6)
                "+31201234567                | sip:+31201234567@example.test;user=phone",
                "+31 20 123 4567             | sip:+31201234567@example.test;user=phone",
                "+1-555-010-0199             | sip:+15550100199@example.test;user=phone",
                "+44.20.7946.0000            | sip:+442079460000@example.test;user=phone",
                "'  +31 20 123 4567  '       | sip:+31201234567@example.test;user=phone",
                "+12345678                   | sip:+12345678@example.test;user=phone",
                "+123456789012345            | sip:+123456789012345@example.test;user=phone",
                "tel:+31-20-123-4567         | sip:+31201234567@example.test;user=phone",
                "TEL:+31201234567            | sip:+31201234567@example.test;user=phone",
                // URIs: scheme and host lower-cased, user part and parameters kept
                "sip:voicemail@example.test  | sip:voicemail@example.test",
                "SIP:Bob@Example.TEST        | sip:Bob@example.test",
                "sips:bob@example.test       | sips:bob@example.test",
                "sip:bob@gw.example.test:5080 | sip:bob@gw.example.test:5080",
                "sip:+4930123456@gw.example.test;user=phone | sip:+4930123456@gw.example.test;user=phone",
                "sip:bob@192.0.2.10;transport=tcp | sip:bob@192.0.2.10;transport=tcp",
                "sip:bob@[2001:DB8::1]:5060  | sip:bob@[2001:db8::1]:5060",
                "sip:first.last%40x@example.test | sip:first.last%40x@example.test",
                // the same user in another domain is someone else
                "sip:alice@other.test        | sip:alice@other.test",
                // user parts compare case-sensitively, so Alice is not alice
                "sip:Alice@example.test      | sip:Alice@example.test",
            })
    void accepted_targets_are_normalised(String text, String expected) {
        assertThat(CallTargets.parse(text, ALICE)).isEqualTo(Validation.valid(expected));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @CsvSource(
            delimiter = '|',
            value = {
                "''                           | is empty",
                "'   '                        | is empty",
                "alice                        | is neither a sip:/sips: URI nor an E.164 number",
                "http://example.test/x        | is neither a sip:/sips: URI nor an E.164 number",
                "0201234567                   | needs + and the country code",
                "31201234567                  | needs + and the country code",
                "tel:0201234567               | is not a global number",
                "+3120123                     | has 7 digits, E.164 numbers have 8 to 15 after +",
                "+1234567890123456            | has 16 digits",
                "+31 (20) 1234567             | '(' is not allowed",
                "+31x201234567                | 'x' is not allowed",
                "+0201234567                  | country codes do not start with 0",
                "+                            | has 0 digits",
                "sip:example.test             | has no user part",
                "sip:@example.test            | has an empty user part",
                "sip:bob:secret@example.test  | a password in the URI",
                "sip:bob@example.test?Subject=hi | URI headers (?...) are not allowed",
                "sip:bob@                     | has no host after @",
                "sip:bob@exa_mple.test        | is not a valid host name",
                "sip:bob@example..test        | is not a valid host name",
                "sip:bob@example.test:0       | port \"0\" is not a number from 1 to 65535",
                "sip:bob@example.test:70000   | is not a number from 1 to 65535",
                "sip:bob@example.test:sip     | is not a number from 1 to 65535",
                "sip:bob@[2001:db8::1         | IPv6 reference without ']'",
                "sip:bob@[zz::1]              | is not an IPv6 address",
                "sip:b ob@example.test        | the user part contains U+0020",
                "sip:bob%4@example.test       | must start an escape like %40",
                "sip:bob@example.test;        | has an empty URI parameter",
                "sip:bob@example.test;a b     | contains U+0020",
                // loops: the user's own AOR, in any spelling that reaches it
                "sip:alice@example.test       | points back at the user's own address sip:alice@example.test (a loop)",
                "sips:alice@EXAMPLE.test      | (a loop)",
                "sip:alice@example.test:5060;transport=tcp | (a loop)",
            })
    void refused_targets_say_why(String text, String reason) {
        Validation<String> v = CallTargets.parse(text, ALICE);
        assertThat(v).isInstanceOf(Validation.Invalid.class);
        assertThat(((Validation.Invalid<String>) v).reason()).contains(reason);
    }

    @ParameterizedTest(name = "length {0}")
    @CsvSource({"256, true", "257, false"})
    void targets_longer_than_256_characters_are_refused(int length, boolean accepted) {
        String prefix = "sip:";
        String suffix = "@example.test";
        String text = prefix + "u".repeat(length - prefix.length() - suffix.length()) + suffix;
        assertThat(text).hasSize(length);
        Validation<String> v = CallTargets.parse(text, ALICE);
        assertThat(v.isValid()).isEqualTo(accepted);
        if (!accepted) {
            assertThat(((Validation.Invalid<String>) v).reason()).isEqualTo("is longer than 256 characters");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"sip:+31201234567@Example.Test", "sip:+31201234567@example.test"})
    void a_number_that_is_the_users_own_aor_is_a_loop(String aor) {
        Validation<String> v = CallTargets.parse("+31 20 123 4567", aor);
        assertThat(((Validation.Invalid<String>) v).reason()).contains("(a loop)");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"sip:alice@Example.TEST, sip:+31201234567@example.test;user=phone"})
    void numbers_take_the_users_domain_lower_cased(String aor, String expected) {
        assertThat(CallTargets.parse("+31201234567", aor)).isEqualTo(Validation.valid(expected));
    }
}

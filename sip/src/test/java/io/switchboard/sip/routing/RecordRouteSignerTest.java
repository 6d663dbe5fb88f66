package io.switchboard.sip.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RecordRouteSignerTest {

    static final byte[] SECRET = "0123456789abcdef-pool-secret".getBytes(StandardCharsets.UTF_8);
    static final String CALL_ID = "a84b4c76e66710@pc33.atlanta.example.com";
    /** The caller's From tag on the INVITE: the dialog's initiator tag. */
    static final String CALLER_TAG = "1928301774";
    /** The callee's tag, chosen in its response. */
    static final String CALLEE_TAG = "a6c85cf";

    final RecordRouteSigner signer = new RecordRouteSigner(SECRET);
    final String signature = signer.sign(CALL_ID, CALLER_TAG);

    @Test
    void a_signature_fits_a_uri_parameter_and_is_short() {
        assertThat(signature).matches("[A-Za-z0-9_-]{16}");
    }

    @Test
    void the_callers_requests_carry_the_initiator_tag_as_from_tag() {
        assertThat(signer.verifies(signature, CALL_ID, CALLER_TAG, CALLEE_TAG)).isTrue();
    }

    @Test
    void the_callees_requests_carry_it_as_to_tag() {
        assertThat(signer.verifies(signature, CALL_ID, CALLEE_TAG, CALLER_TAG)).isTrue();
    }

    @Test
    void another_node_of_the_pool_verifies_it() {
        assertThat(new RecordRouteSigner(SECRET).verifies(signature, CALL_ID, CALLER_TAG, CALLEE_TAG))
                .isTrue();
    }

    @Test
    void another_call_id_is_another_dialog() {
        assertThat(signer.verifies(signature, CALL_ID + "x", CALLER_TAG, CALLEE_TAG))
                .isFalse();
        assertThat(signer.verifies(signature, CALL_ID.toUpperCase(), CALLER_TAG, CALLEE_TAG))
                .as("Call-IDs are compared byte for byte (RFC 3261 section 20.8)")
                .isFalse();
    }

    @Test
    void neither_tag_being_the_initiators_is_another_dialog() {
        assertThat(signer.verifies(signature, CALL_ID, CALLEE_TAG, "x")).isFalse();
        assertThat(signer.verifies(signature, CALL_ID, "x", null)).isFalse();
        assertThat(signer.verifies(signature, CALL_ID, null, null)).isFalse();
    }

    @Test
    void the_callee_tag_alone_made_no_signature() {
        // the signature names the initiator; a request whose From and To tags are swapped still
        // carries it, but one that only has the callee's tag does not
        assertThat(signer.verifies(signer.sign(CALL_ID, CALLEE_TAG), CALL_ID, CALLER_TAG, "other"))
                .isFalse();
    }

    @Test
    void a_field_boundary_cannot_be_moved() {
        // Call-ID "ab" with tag "c" must not sign Call-ID "a" with tag "bc"
        String s = signer.sign("ab", "c");
        assertThat(signer.verifies(s, "a", "bc", null)).isFalse();
        assertThat(signer.verifies(s, "ab", "c", null)).isTrue();
    }

    @Test
    void a_request_without_tags_matches_only_a_dialog_begun_without_one() {
        // an RFC 2543 client sends no From tag; its dialog is the Call-ID's alone
        String s = signer.sign(CALL_ID, null);
        assertThat(signer.verifies(s, CALL_ID, null, "callee")).isTrue();
        assertThat(signer.verifies(signature, CALL_ID, null, "callee")).isFalse();
    }

    @Test
    void another_secret_does_not_verify_and_cannot_sign() {
        RecordRouteSigner attacker =
                new RecordRouteSigner("not-the-pool-secret-at-all".getBytes(StandardCharsets.UTF_8));
        assertThat(attacker.verifies(signature, CALL_ID, CALLER_TAG, CALLEE_TAG))
                .isFalse();
        assertThat(signer.verifies(attacker.sign(CALL_ID, CALLER_TAG), CALL_ID, CALLER_TAG, CALLEE_TAG))
                .isFalse();
    }

    @Test
    void every_changed_character_is_refused() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int i = 0; i < signature.length(); i++) {
            char c = signature.charAt(i);
            char other = alphabet.charAt((alphabet.indexOf(c) + 1) % alphabet.length());
            String tampered = signature.substring(0, i) + other + signature.substring(i + 1);
            assertThat(signer.verifies(tampered, CALL_ID, CALLER_TAG, CALLEE_TAG))
                    .as("changed at %d: %s", i, tampered)
                    .isFalse();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "not base64!!!!!!", "AAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAA"})
    void malformed_or_made_up_signatures_are_refused(String made) {
        assertThat(signer.verifies(made, CALL_ID, CALLER_TAG, CALLEE_TAG)).isFalse();
    }

    @Test
    void no_signature_is_refused() {
        assertThat(signer.verifies(null, CALL_ID, CALLER_TAG, CALLEE_TAG)).isFalse();
        assertThat(signer.verifies(signature, null, CALLER_TAG, CALLEE_TAG)).isFalse();
    }
}

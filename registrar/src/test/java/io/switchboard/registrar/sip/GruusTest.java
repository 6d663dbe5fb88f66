package io.switchboard.registrar.sip;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** RFC 5627 section 5.3 GRUUs. */
class GruusTest {

    final Gruus gruus = new Gruus("a pool secret of some length".getBytes(StandardCharsets.UTF_8));

    @Test
    void public_gruu_is_the_aor_with_the_instance_urn() {
        assertThat(Gruus.publicGruu("sip:bob@example.test", "<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>"))
                .isEqualTo("sip:bob@example.test;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
    }

    @Test
    void temp_gruu_hides_the_aor_changes_every_time_and_opens_on_any_node() {
        String t1 = gruus.tempGruu("sip:bob@example.test", "<urn:uuid:1>", "call-1");
        String t2 = gruus.tempGruu("sip:bob@example.test", "<urn:uuid:1>", "call-1");
        assertThat(t1)
                .startsWith("sip:tgruu.")
                .endsWith("@example.test;gr")
                .doesNotContain("bob")
                .isNotEqualTo(t2);
        String user = t1.substring("sip:".length(), t1.indexOf('@'));
        Gruus otherNode = new Gruus("a pool secret of some length".getBytes(StandardCharsets.UTF_8));
        assertThat(otherNode.openTempGruu(user))
                .hasValue(new Gruus.TempGruu("sip:bob@example.test", "<urn:uuid:1>", "call-1"));
    }

    @Test
    void forged_or_foreign_temp_gruus_do_not_open() {
        String t = gruus.tempGruu("sip:bob@example.test", "<urn:uuid:1>", "call-1");
        String user = t.substring("sip:".length(), t.indexOf('@'));
        // one data character changed: the second-to-last (the last may carry unused bits). Which character
        // replaces it depends on that character itself, else one time in 64 it was already the replacement
        // and nothing was forged (a CI run met that).
        char second = user.charAt(user.length() - 2);
        String flipped =
                user.substring(0, user.length() - 2) + (second == 'A' ? 'B' : 'A') + user.charAt(user.length() - 1);
        assertThat(flipped).isNotEqualTo(user);
        assertThat(gruus.openTempGruu(flipped)).isEmpty();
        assertThat(new Gruus("another secret entirely".getBytes(StandardCharsets.UTF_8)).openTempGruu(user))
                .isEmpty();
        assertThat(gruus.openTempGruu("alice")).isEmpty();
        assertThat(gruus.openTempGruu("tgruu.!!!")).isEmpty();
        // forged tokens of every length up to and past IV + tag (12 + 16 bytes): none throws
        for (int n = 0; n <= 40; n++) {
            String forged =
                    "tgruu." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[n]);
            assertThat(gruus.openTempGruu(forged)).as("%d bytes", n).isEmpty();
        }
    }
}

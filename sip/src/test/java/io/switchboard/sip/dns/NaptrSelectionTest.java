package io.switchboard.sip.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.sip.dns.DnsRecords.Naptr;
import io.switchboard.sip.dns.NaptrSelection.Choice;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** RFC 3263 section 4.1: which NAPTR records a client follows, and in which order. */
class NaptrSelectionTest {

    private static final Set<String> ALL = Set.of("udp", "tcp", "tls");

    /** The example of RFC 3263 section 4.1, plus records a SIP client must pass over. */
    private static final List<Naptr> EXAMPLE = List.of(
            new Naptr(90, 50, "s", "SIP+D2T", "_sip._tcp.example.com."),
            new Naptr(100, 50, "s", "SIP+D2U", "_sip._udp.example.com."),
            new Naptr(50, 50, "s", "SIPS+D2T", "_sips._tcp.example.com."),
            new Naptr(40, 10, "u", "E2U+sip", "."),
            new Naptr(60, 10, "s", "SIP+D2S", "_sip._sctp.example.com."));

    @Test
    void byOrderThenPreferenceOnlySipServicesWithFlagS() {
        assertThat(NaptrSelection.select(EXAMPLE, false, ALL))
                .containsExactly(
                        new Choice("tls", "_sips._tcp.example.com"),
                        new Choice("tcp", "_sip._tcp.example.com"),
                        new Choice("udp", "_sip._udp.example.com"));
    }

    @Test
    void aSipsUriFollowsOnlySipsD2t() {
        assertThat(NaptrSelection.select(EXAMPLE, true, ALL))
                .containsExactly(new Choice("tls", "_sips._tcp.example.com"));
    }

    @Test
    void unsupportedTransportsArePassedOver() {
        assertThat(NaptrSelection.select(EXAMPLE, false, Set.of("udp")))
                .containsExactly(new Choice("udp", "_sip._udp.example.com"));
        assertThat(NaptrSelection.select(EXAMPLE, true, Set.of("udp", "tcp"))).isEmpty();
    }

    @Test
    void preferenceBreaksTiesOfOrder() {
        List<Naptr> records = List.of(
                new Naptr(10, 20, "S", "sip+d2u", "_sip._udp.b.test."),
                new Naptr(10, 10, "s", "SIP+D2T", "_sip._tcp.a.test."));
        assertThat(NaptrSelection.select(records, false, ALL))
                .containsExactly(new Choice("tcp", "_sip._tcp.a.test"), new Choice("udp", "_sip._udp.b.test"));
    }
}

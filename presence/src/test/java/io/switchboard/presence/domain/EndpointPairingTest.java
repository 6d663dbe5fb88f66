package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which publications belong to which registered endpoint ({@link EndpointPairing}), as phones
 * actually send REGISTER and PUBLISH (RFC 5626 sections 4.1 and 4.2, RFC 3903), and the text form
 * of an endpoint ({@link EndpointId}) that both are stored and sent as.
 */
class EndpointPairingTest {

    static final String URN = "urn:uuid:6a3c9a1e-0000-4000-8000-00000000b0b0";
    static final String CONTACT = "sip:alice-4f2a@192.0.2.10:5060;transport=tcp;ob";

    static EndpointId reg(String instance, String transport, String host, int port, String contact) {
        return EndpointId.of(instance, transport, host, port, contact);
    }

    static EndpointId pub(String instance, String transport, String host, int port, String contact) {
        return EndpointId.of(instance, transport, host, port, contact);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // issue 11 item 3: baresip registers over TCP with outbound, PUBLISHes over the same
                // connection without an instance (and without a Contact)
                Arguments.of(
                        "outbound TCP REGISTER, PUBLISH on the same connection without Contact",
                        reg("\"<" + URN + ">\"", "tcp", "192.0.2.10", 40112, CONTACT),
                        pub(null, "tcp", "192.0.2.10", 40112, null),
                        true),
                Arguments.of(
                        "outbound TCP REGISTER, PUBLISH on the same connection with a Contact without instance",
                        reg("<" + URN + ">", "tcp", "192.0.2.10", 40112, CONTACT),
                        pub(null, "tcp", "192.0.2.10", 40112, "<sip:alice-4f2a@192.0.2.10:5060;transport=tcp>"),
                        true),
                Arguments.of(
                        "the same instance, quoted or not, in any case, on another flow",
                        reg("\"<" + URN.toUpperCase(java.util.Locale.ROOT) + ">\"", "udp", "192.0.2.10", 5060, null),
                        pub("<" + URN + ">", "tcp", "198.51.100.7", 50000, null),
                        true),
                Arguments.of(
                        "two instances differ: two devices, even from one socket",
                        reg("<" + URN + ">", "tcp", "192.0.2.10", 40112, null),
                        pub("<urn:uuid:00000000-0000-4000-8000-000000000001>", "tcp", "192.0.2.10", 40112, null),
                        false),
                Arguments.of(
                        "UDP without instances: the same source socket",
                        reg(null, "udp", "192.0.2.10", 5060, "sip:alice@192.0.2.10:5060"),
                        pub(null, "udp", "192.0.2.10", 5060, null),
                        true),
                Arguments.of(
                        "another TCP connection from the same address, no Contact in the PUBLISH",
                        reg("<" + URN + ">", "tcp", "192.0.2.10", 40112, CONTACT),
                        pub(null, "tcp", "192.0.2.10", 40999, null),
                        false),
                Arguments.of(
                        "another connection from the same address with the registered Contact (parameters aside)",
                        reg("<" + URN + ">", "tcp", "192.0.2.10", 40112, CONTACT),
                        pub(null, "tcp", "192.0.2.10", 40999, "<sip:alice-4f2a@192.0.2.10:5060>"),
                        true),
                Arguments.of(
                        "the registered Contact from another address: not this phone (a NAT could map many)",
                        reg(null, "udp", "192.0.2.10", 5060, "sip:alice@10.0.0.5:5060"),
                        pub(null, "udp", "192.0.2.99", 5060, "sip:alice@10.0.0.5:5060"),
                        false),
                Arguments.of(
                        "two phones behind one NAT: same address, other port, other Contact",
                        reg(null, "udp", "192.0.2.10", 5060, "sip:alice@10.0.0.5:5060"),
                        pub(null, "udp", "192.0.2.10", 5062, "sip:alice@10.0.0.6:5060"),
                        false),
                Arguments.of(
                        "same address and port over another transport, different Contacts",
                        reg(null, "udp", "192.0.2.10", 5060, "sip:alice@10.0.0.5:5060"),
                        pub(null, "tcp", "192.0.2.10", 5060, "sip:alice@10.0.0.6:5060"),
                        false),
                Arguments.of(
                        "Contact host compared without case, user with case",
                        reg(null, "udp", "192.0.2.10", 5060, "sip:Alice@PHONE.example.test:5060"),
                        pub(null, "udp", "192.0.2.10", 5070, "sip:Alice@phone.example.test:5060;transport=udp"),
                        true),
                Arguments.of(
                        "Contact user differs",
                        reg(null, "udp", "192.0.2.10", 5060, "sip:Alice@phone.example.test:5060"),
                        pub(null, "udp", "192.0.2.10", 5070, "sip:alice@phone.example.test:5060"),
                        false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void pairs_a_publication_with_a_registered_endpoint(
            String name, EndpointId registered, EndpointId published, boolean paired) {
        assertThat(EndpointPairing.paired(registered, published)).isEqualTo(paired);
        // what is stored and sent between nodes is the text: the rule holds on it as well
        assertThat(EndpointPairing.paired(registered.key(), published.key())).isEqualTo(paired);
    }

    static Stream<Arguments> texts() {
        return Stream.of(
                // keys written before the flow was kept with an instance
                Arguments.of("instance:" + URN, "tcp:192.0.2.10:40112 instance=" + URN, true),
                Arguments.of("udp:192.0.2.10:5060", "udp:192.0.2.10:5060", true),
                Arguments.of("instance:" + URN, "tcp:192.0.2.10:40112", false),
                // opaque ids pair only with themselves
                Arguments.of("ep-1", "ep-1", true),
                Arguments.of("ep-1", "ep-2", false),
                Arguments.of("ep-1", "udp:192.0.2.10:5060", false));
    }

    @ParameterizedTest(name = "{0} ~ {1}")
    @MethodSource("texts")
    void pairs_texts_of_every_form(String registered, String published, boolean paired) {
        assertThat(EndpointPairing.paired(registered, published)).isEqualTo(paired);
    }

    static Stream<EndpointId> ids() {
        return Stream.of(
                EndpointId.of("\"<" + URN + ">\"", "TCP", "192.0.2.10", 40112, "<" + CONTACT + ">"),
                EndpointId.of(null, "udp", "2001:db8::1", 5060, null),
                EndpointId.of(null, "tls", "192.0.2.10", 5061, "sip:alice@192.0.2.10:5061;transport=tls"),
                EndpointId.of(URN, null, null, 0, null),
                EndpointId.of(URN, "udp", "192.0.2.1", 5060, null).viaProxy());
    }

    @ParameterizedTest
    @MethodSource("ids")
    void the_text_form_reads_back(EndpointId id) {
        assertThat(EndpointId.parse(id.key())).isEqualTo(id);
    }

    @org.junit.jupiter.api.Test
    void the_text_form_is_normalised() {
        EndpointId id = EndpointId.of(
                "\"<" + URN.toUpperCase(java.util.Locale.ROOT) + ">\"",
                "TCP",
                "192.0.2.10",
                40112,
                "<" + CONTACT + ">");
        assertThat(id.key()).isEqualTo("tcp:192.0.2.10:40112 instance=" + URN + " contact=" + CONTACT);
        assertThat(EndpointId.of(null, "udp", "192.0.2.10", 5060, null).key())
                .as("the form a UDP endpoint without instance always had")
                .isEqualTo("udp:192.0.2.10:5060");
        assertThat(EndpointId.parse("no flow here").opaque()).isEqualTo("no flow here");
        assertThat(EndpointId.of(null, "udp", "192.0.2.1", 5060, null)
                        .viaProxy()
                        .key())
                .isEqualTo("udp:192.0.2.1:5060 relayed");
    }

    /** Through a proxy the pairing is what it was (the flow is the proxy's); only PublishRules looks at it. */
    @org.junit.jupiter.api.Test
    void a_relayed_publication_pairs_as_before_but_names_no_device() {
        EndpointId relayed = EndpointId.of(URN, "udp", "192.0.2.1", 5060, null).viaProxy();
        assertThat(EndpointPairing.paired(EndpointId.of(URN, "tcp", "192.0.2.9", 40112, null), relayed))
                .isTrue();
        assertThat(EndpointPairing.paired(
                        EndpointId.of(null, "udp", "192.0.2.1", 5060, null),
                        EndpointId.of(null, "udp", "192.0.2.1", 5060, null).viaProxy()))
                .as("same flow")
                .isTrue();
        assertThat(EndpointId.of(null, "udp", "192.0.2.1", 5060, null)
                        .viaProxy()
                        .namesOneDevice())
                .isFalse();
        assertThat(relayed.namesOneDevice())
                .as("an instance names the device wherever it comes from")
                .isTrue();
        assertThat(EndpointId.of(null, "udp", "192.0.2.1", 5060, null).namesOneDevice())
                .isTrue();
        assertThat(EndpointId.parse("ep-1").namesOneDevice()).isFalse();
    }
}

package io.switchboard.conference.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.conference.domain.JoinerKind;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FocusRoutingTest {

    static final Set<String> DOMAINS = Set.of("example.test", "other.test");
    static final String ID = "abcdefghijklmnopqrst";

    @ParameterizedTest
    @CsvSource({
        "sip:conf-abcdefghijklmnopqrst@example.test, true",
        "sip:conf-abcdefghijklmnopqrst@example.test;isfocus, true",
        "sips:conf-abcdefghijklmnopqrst@other.test:5061;transport=tls, true",
        "sip:conf-abcdefghijklmnopqrst@EXAMPLE.test, true",
        "sip:conf-abcdefghijklmnopqrst@elsewhere.test, false",
        "sip:conf-abcdefghijklmnopqrs@example.test, false",
        "sip:alice@example.test, false",
        "sip:example.test, false",
        "tel:+4930123, false"
    })
    void a_conference_uri_names_its_id_in_one_of_our_domains(String uri, boolean ours) {
        assertThat(FocusRouting.conferenceOf(uri, DOMAINS)).isEqualTo(ours ? Optional.of(ID) : Optional.empty());
    }

    @ParameterizedTest
    @CsvSource({
        "sip:conf-factory@example.test, conf-factory, example.test",
        "sip:conf-factory@EXAMPLE.test;isfocus, conf-factory, example.test",
        "sips:conf-factory@other.test:5061;transport=tls, conf-factory, other.test",
        "sip:conf-factory@elsewhere.test, conf-factory, ",
        "sip:Conf-Factory@example.test, conf-factory, ",
        "sip:conf-factoryx@example.test, conf-factory, ",
        "sip:conf-abcdefghijklmnopqrst@example.test, conf-factory, ",
        "sip:conf-factory@example.test, , ",
        "tel:+4930123, conf-factory, "
    })
    void the_factory_uri_is_its_user_at_one_of_our_domains(String uri, String factoryUser, String domain) {
        assertThat(FocusRouting.factoryOf(uri, factoryUser, DOMAINS)).isEqualTo(Optional.ofNullable(domain));
    }

    @ParameterizedTest
    @CsvSource({
        "sip:1234567@example.test, 1234567",
        "sip:1234567@EXAMPLE.test;user=phone, 1234567",
        "sips:9000001@other.test:5061;transport=tls, 9000001",
        "sip:1234567@elsewhere.test, ",
        "sip:0234567@example.test, ",
        "sip:123456@example.test, ",
        "sip:12345678@example.test, ",
        "sip:+1234567@example.test, ",
        "sip:alice@example.test, ",
        "tel:1234567, "
    })
    void a_dialed_numeric_id_is_seven_digits_at_one_of_our_domains(String uri, String number) {
        assertThat(FocusRouting.numberOf(uri, DOMAINS)).isEqualTo(Optional.ofNullable(number));
    }

    @ParameterizedTest
    @CsvSource({
        "sip:alice@example.test, sip:alice@example.test, false, OUR_USER, sip:alice@example.test",
        "sip:alice@example.test, sip:alice@example.test, true, OUR_USER, sip:alice@example.test",
        ", sip:erin@partner.test, true, FEDERATED, sip:erin@partner.test",
        ", sip:erin@partner.test, false, ANONYMOUS, sip:erin@partner.test",
        ", sip:alice@example.test, false, ANONYMOUS, sip:alice@example.test"
    })
    void the_joiner_is_what_the_edge_established_never_what_the_from_claims(
            String authenticated, String from, boolean federated, JoinerKind kind, String uri) {
        var joiner = FocusRouting.joiner(authenticated, from, federated);
        assertThat(joiner.kind()).isEqualTo(kind);
        assertThat(joiner.uri()).isEqualTo(uri);
    }
}

package io.switchboard.park.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** An orbit's dialog-info documents (RFC 4235), read back with a namespace-aware XML parser. */
class OrbitDialogInfoTest {

    static final String NS = "urn:ietf:params:xml:ns:dialog-info";

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    static ParkedCall parkedBy(String display) {
        return ParkRules.parked(
                "hash",
                Orbit.parse("#905").orElseThrow(),
                "sip:alice@example.test",
                new CallerIdentity("sip:bob@example.test", display, Optional.empty()),
                new ParkSettings(Duration.ofSeconds(90), 1, Optional.empty()),
                Instant.EPOCH);
    }

    @Test
    void the_orbit_uri_escapes_a_hash() {
        assertThat(OrbitDialogInfo.orbitUri(Orbit.parse("#905").orElseThrow(), "example.test"))
                .isEqualTo("sip:%23905@example.test");
        assertThat(OrbitDialogInfo.orbitUri(Orbit.parse("*905").orElseThrow(), "example.test"))
                .isEqualTo("sip:*905@example.test");
    }

    @Test
    void an_occupied_orbit_has_one_confirmed_dialog_naming_the_caller() throws Exception {
        String xml = OrbitDialogInfo.body("sip:%23905@example.test", 3, "p-1", Optional.of(parkedBy("Bob & \"Co\"")));
        Element root = parse(xml).getDocumentElement();
        assertThat(root.getNamespaceURI()).isEqualTo(NS);
        assertThat(root.getLocalName()).isEqualTo("dialog-info");
        assertThat(root.getAttribute("version")).isEqualTo("3");
        assertThat(root.getAttribute("state")).isEqualTo("full");
        assertThat(root.getAttribute("entity")).isEqualTo("sip:%23905@example.test");
        assertThat(root.getElementsByTagNameNS(NS, "dialog").getLength()).isEqualTo(1);
        Element dialog = (Element) root.getElementsByTagNameNS(NS, "dialog").item(0);
        assertThat(dialog.getAttribute("id")).isEqualTo("p-1");
        assertThat(dialog.getElementsByTagNameNS(NS, "state").item(0).getTextContent())
                .isEqualTo("confirmed");
        Element identity =
                (Element) dialog.getElementsByTagNameNS(NS, "identity").item(0);
        assertThat(identity.getAttribute("display")).isEqualTo("Bob & \"Co\"");
        assertThat(identity.getTextContent()).isEqualTo("sip:bob@example.test");
    }

    @Test
    void a_free_orbit_has_no_dialog() throws Exception {
        Element root = parse(OrbitDialogInfo.body("sip:905@example.test", 4, "p-1", Optional.empty()))
                .getDocumentElement();
        assertThat(root.getAttribute("version")).isEqualTo("4");
        assertThat(root.getElementsByTagNameNS(NS, "dialog").getLength()).isZero();
        // without a display name, none is sent
        Element identity =
                (Element) parse(OrbitDialogInfo.body("sip:905@example.test", 5, "p", Optional.of(parkedBy(""))))
                        .getDocumentElement()
                        .getElementsByTagNameNS(NS, "identity")
                        .item(0);
        assertThat(identity.hasAttribute("display")).isFalse();
    }
}

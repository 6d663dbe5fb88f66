package io.switchboard.park.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
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

    @Test
    void the_orbit_uri_escapes_a_hash() {
        assertThat(OrbitDialogInfo.orbitUri(Orbit.parse("#905").orElseThrow(), "example.test"))
                .isEqualTo("sip:%23905@example.test");
        assertThat(OrbitDialogInfo.orbitUri(Orbit.parse("*905").orElseThrow(), "example.test"))
                .isEqualTo("sip:*905@example.test");
    }

    @Test
    void an_occupied_orbit_has_one_confirmed_dialog_and_nothing_of_the_call() throws Exception {
        String parkId = "a84b4c76e66710@pc33.example.test";
        String id = OrbitDialogInfo.dialogId(parkId);
        String xml = OrbitDialogInfo.body("sip:%23905@example.test", 3, Optional.of(id));
        Element root = parse(xml).getDocumentElement();
        assertThat(root.getNamespaceURI()).isEqualTo(NS);
        assertThat(root.getLocalName()).isEqualTo("dialog-info");
        assertThat(root.getAttribute("version")).isEqualTo("3");
        assertThat(root.getAttribute("state")).isEqualTo("full");
        assertThat(root.getAttribute("entity")).isEqualTo("sip:%23905@example.test");
        assertThat(root.getElementsByTagNameNS(NS, "dialog").getLength()).isEqualTo(1);
        Element dialog = (Element) root.getElementsByTagNameNS(NS, "dialog").item(0);
        assertThat(dialog.getAttribute("id")).isEqualTo(id);
        assertThat(dialog.getAttribute("direction")).isEqualTo("recipient");
        assertThat(dialog.getElementsByTagNameNS(NS, "state").item(0).getTextContent())
                .isEqualTo("confirmed");
        // a busy lamp needs the state only: no identities, no Call-ID
        assertThat(dialog.getElementsByTagNameNS(NS, "remote").getLength()).isZero();
        assertThat(dialog.getElementsByTagNameNS(NS, "local").getLength()).isZero();
        assertThat(xml).doesNotContain("a84b4c76e66710", "pc33");
    }

    @Test
    void the_dialog_id_is_stable_per_park_and_differs_between_parks() {
        assertThat(OrbitDialogInfo.dialogId("p-1")).isEqualTo(OrbitDialogInfo.dialogId("p-1"));
        assertThat(OrbitDialogInfo.dialogId("p-1")).isNotEqualTo(OrbitDialogInfo.dialogId("p-2"));
        assertThat(OrbitDialogInfo.dialogId("p-1")).matches("park-[0-9a-f]{16}");
    }

    @Test
    void a_free_orbit_has_no_dialog() throws Exception {
        Element root = parse(OrbitDialogInfo.body("sip:905@example.test", 0, Optional.empty()))
                .getDocumentElement();
        assertThat(root.getAttribute("version")).isEqualTo("0");
        assertThat(root.getAttribute("state")).isEqualTo("full");
        assertThat(root.getElementsByTagNameNS(NS, "dialog").getLength()).isZero();
    }

    @Test
    void the_entity_and_id_are_escaped() throws Exception {
        Element root = parse(OrbitDialogInfo.body("sip:a&b\"<c>@example.test", 1, Optional.of("x&'y")))
                .getDocumentElement();
        assertThat(root.getAttribute("entity")).isEqualTo("sip:a&b\"<c>@example.test");
        assertThat(((Element) root.getElementsByTagNameNS(NS, "dialog").item(0)).getAttribute("id"))
                .isEqualTo("x&'y");
    }
}

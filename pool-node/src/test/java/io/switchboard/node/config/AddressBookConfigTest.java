package io.switchboard.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.addressbook.domain.Attribute;
import io.switchboard.addressbook.domain.Visibility;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AddressBookConfigTest {

    private static AddressBookConfig of(String hocon) {
        return AddressBookConfig.of(NodeConfig.fromString(hocon));
    }

    @Test
    void theDefaultIsNoSource() {
        AddressBookConfig c = of("");
        assertThat(c.enabled()).isFalse();
        assertThat(c.syncInterval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.includeAccounts()).isTrue();
        assertThat(c.rules().rules()).isEmpty();
        assertThat(c.visibility()).isEqualTo(Visibility.DEFAULT);
        assertThat(of("switchboard.address-book.hidden-attributes = []").visibility())
                .isEqualTo(Visibility.ALL);
    }

    @Test
    void ldapSettingsAndAttributeOverrides() {
        AddressBookConfig c = of("""
                switchboard.address-book {
                  source = ldap
                  ldap { url = "ldaps://dir.example.com", bind-dn = "cn=sync", password = "s", base-dn = "dc=example,dc=com" }
                  attributes { telephone = "ipPhone", home = "" }
                }
                """);
        assertThat(c.ldap()).hasValueSatisfying(l -> {
            assertThat(l.endpoint().toString()).isEqualTo("ldaps://dir.example.com:636");
            assertThat(l.pageSize()).isEqualTo(500);
        });
        assertThat(c.mapping().nameOf(Attribute.TELEPHONE)).contains("ipPhone");
        assertThat(c.mapping().nameOf(Attribute.HOME)).isEmpty();
        assertThat(c.mapping().nameOf(Attribute.SIP_URI)).contains("msRTCSIP-PrimaryUserAddress");
    }

    @Test
    void badValuesNameTheirKey(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> of("switchboard.address-book.source = x500"))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.address-book.source");
        assertThatThrownBy(() -> of("switchboard.address-book.source = csv"))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.address-book.csv.file");
        assertThatThrownBy(() -> of(
                        "switchboard.address-book { source = ldap, ldap.url = \"http://x\", ldap.base-dn = \"dc=x\" }"))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.address-book.ldap.url")
                .hasMessageContaining("ldap:// or ldaps://");
        assertThatThrownBy(() -> of("switchboard.address-book.attributes.phone = \"x\""))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.address-book.attributes.phone");
        assertThatThrownBy(() -> of("switchboard.address-book.hidden-attributes = [mobile, sip-uri]"))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.address-book.hidden-attributes")
                .hasMessageContaining("sip-uri cannot be hidden");
        assertThatThrownBy(() -> of("switchboard.address-book.hidden-attributes = [pager]"))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.address-book.hidden-attributes")
                .hasMessageContaining("'pager' is not an address book attribute");
        Path rules = dir.resolve("rules.txt");
        Files.writeString(rules, "# ok\n^0(\\d{9})$ -> +31$1\n^0(\\d{9})$ -> +31$2\n");
        assertThatThrownBy(() -> of("switchboard.address-book.rules-file = \"" + rules + "\""))
                .isInstanceOf(ConfigError.class)
                .hasMessageContaining("switchboard.address-book.rules-file")
                .hasMessageContaining("line 3: bad translation: $2 refers to group 2 but the pattern has 1 group");
    }
}

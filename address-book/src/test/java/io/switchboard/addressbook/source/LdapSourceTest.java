package io.switchboard.addressbook.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPSearchException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchScope;
import io.switchboard.addressbook.domain.Attribute;
import io.switchboard.addressbook.domain.AttributeMapping;
import io.switchboard.addressbook.domain.DirectoryEntry;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Against a real LDAP server over a real socket: UnboundID's InMemoryDirectoryServer, run in this JVM on a
 * free port, with a size limit of 1,000 entries per search as Active Directory has (its MaxPageSize).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LdapSourceTest {

    private static final String BASE = "dc=example,dc=com";
    private static final String BIND_DN = "cn=sync,dc=example,dc=com";
    private static final int PEOPLE = 1_500;

    private InMemoryDirectoryServer server;

    @BeforeAll
    void startDirectory() throws Exception {
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(BASE);
        config.addAdditionalBindCredentials(BIND_DN, "secret");
        config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("ldap", 0));
        config.setMaxSizeLimit(1_000);
        // Active Directory's attributes (msRTCSIP-PrimaryUserAddress, department, company) are not in the
        // standard schema the server checks by default
        config.setSchema(null);
        server = new InMemoryDirectoryServer(config);
        server.add(new Entry("dn: " + BASE, "objectClass: domain", "dc: example"));
        server.add(new Entry("dn: ou=people," + BASE, "objectClass: organizationalUnit", "ou: people"));
        server.add(new Entry("dn: ou=rooms," + BASE, "objectClass: organizationalUnit", "ou: rooms"));
        for (int i = 0; i < PEOPLE; i++) {
            String n = String.format("%04d", i);
            server.add(new Entry(
                    "dn: cn=user" + n + ",ou=people," + BASE,
                    "objectClass: person",
                    "objectClass: user",
                    "cn: user" + n,
                    "sn: Surname" + n,
                    "givenName: Given" + n,
                    "displayName: Given" + n + " Surname" + n,
                    "mail: user" + n + "@example.com",
                    "msRTCSIP-PrimaryUserAddress: sip:user" + n + "@example.com",
                    "telephoneNumber: +31 20 555 " + n,
                    "telephoneNumber: +31 20 999 " + n,
                    "department: " + (i % 2 == 0 ? "Sales" : "Research"),
                    "ipPhone: " + n));
        }
        server.add(new Entry(
                "dn: cn=room1,ou=rooms," + BASE, "objectClass: person", "cn: room1", "telephoneNumber: 1234"));
        server.startListening();
    }

    @AfterAll
    void stopDirectory() {
        server.shutDown(true);
    }

    private LdapSettings settings(String filter, int pageSize, String password, AttributeMapping mapping) {
        return new LdapSettings(
                "ldap://127.0.0.1:" + server.getListenPort(),
                BIND_DN,
                password,
                BASE,
                filter,
                pageSize,
                Duration.ofSeconds(5),
                Duration.ofSeconds(30),
                Optional.empty(),
                "",
                mapping);
    }

    @Test
    void thePoolServerRefusesUnpagedSearchesOverItsSizeLimit() throws Exception {
        try (LDAPConnection c = new LDAPConnection("127.0.0.1", server.getListenPort(), BIND_DN, "secret")) {
            assertThatThrownBy(() -> c.search("ou=people," + BASE, SearchScope.SUB, "(objectClass=person)"))
                    .isInstanceOfSatisfying(
                            LDAPSearchException.class,
                            e -> assertThat(e.getResultCode()).isEqualTo(ResultCode.SIZE_LIMIT_EXCEEDED));
        }
    }

    @Test
    void pagesOverMoreEntriesThanTheSizeLimit() throws Exception {
        List<Long> progress = new ArrayList<>();
        SourceRead read = new LdapSource(settings("(objectClass=user)", 400, "secret", AttributeMapping.ldapDefaults()))
                .read(progress::add);
        assertThat(read.problems()).isEmpty();
        assertThat(read.entries()).hasSize(PEOPLE);
        assertThat(read.entries()).extracting(DirectoryEntry::sourceId).doesNotHaveDuplicates();
        assertThat(progress).containsExactly(400L, 800L, 1200L, 1500L);
        DirectoryEntry first = read.entries().stream()
                .filter(e -> e.sourceId().equals("cn=user0007,ou=people," + BASE))
                .findFirst()
                .orElseThrow();
        assertThat(first.values())
                .containsExactly(
                        Map.entry(Attribute.DISPLAY_NAME, "Given0007 Surname0007"),
                        Map.entry(Attribute.GIVEN_NAME, "Given0007"),
                        Map.entry(Attribute.SURNAME, "Surname0007"),
                        Map.entry(Attribute.MAIL, "user0007@example.com"),
                        Map.entry(Attribute.SIP_URI, "sip:user0007@example.com"),
                        Map.entry(Attribute.TELEPHONE, "+31 20 555 0007"),
                        Map.entry(Attribute.DEPARTMENT, "Research"));
    }

    @Test
    void readsWhatTheFilterSelectsWithTheConfiguredMapping() throws Exception {
        AttributeMapping mapping = AttributeMapping.ldapDefaults()
                .with(Map.of(Attribute.TELEPHONE, "ipPhone", Attribute.SIP_URI, "", Attribute.GIVEN_NAME, ""));
        SourceRead read = new LdapSource(settings("(&(objectClass=user)(department=Sales))", 1000, "secret", mapping))
                .read(n -> {});
        assertThat(read.entries()).hasSize(PEOPLE / 2);
        DirectoryEntry e = read.entries().get(0);
        assertThat(e.get(Attribute.TELEPHONE)).contains("0000");
        assertThat(e.get(Attribute.SIP_URI)).isEmpty();
        assertThat(e.get(Attribute.GIVEN_NAME)).isEmpty();
    }

    @Test
    void entriesWithoutANameAreReportedByDn() throws Exception {
        SourceRead read = new LdapSource(
                        settings("(objectClass=person)", 1000, "secret", AttributeMapping.ldapDefaults()))
                .read(n -> {});
        assertThat(read.entries()).hasSize(PEOPLE);
        assertThat(read.problems())
                .extracting(SourceRead.Problem::toString)
                .containsExactly("cn=room1,ou=rooms," + BASE + ": no display name, given name or surname");
    }

    @Test
    void aPageLargerThanTheSizeLimitFailsWithAClearMessage() {
        assertThatThrownBy(() -> new LdapSource(
                                settings("(objectClass=user)", 1200, "secret", AttributeMapping.ldapDefaults()))
                        .read(n -> {}))
                .isInstanceOf(SourceException.class)
                .hasMessageStartingWith("LDAP search of ldap://127.0.0.1:" + server.getListenPort() + " base " + BASE
                        + " hit the server's size limit after 0 entries; lower the page size below the limit");
    }

    @Test
    void aRefusedBindFailsWithAClearMessage() {
        assertThatThrownBy(() -> new LdapSource(
                                settings("(objectClass=user)", 500, "wrong", AttributeMapping.ldapDefaults()))
                        .read(n -> {}))
                .isInstanceOf(SourceException.class)
                .hasMessage("LDAP bind as " + BIND_DN + " to ldap://127.0.0.1:" + server.getListenPort()
                        + " failed: invalid credentials (wrong bind DN or password)");
    }

    @Test
    void anUnreachableDirectoryFailsWithAClearMessage() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        LdapSettings unreachable = new LdapSettings(
                "ldap://127.0.0.1:" + closed,
                BIND_DN,
                "secret",
                BASE,
                "(objectClass=user)",
                500,
                Duration.ofSeconds(2),
                Duration.ofSeconds(2),
                Optional.empty(),
                "",
                AttributeMapping.ldapDefaults());
        assertThatThrownBy(() -> new LdapSource(unreachable).read(n -> {}))
                .isInstanceOf(SourceException.class)
                .hasMessageStartingWith("LDAP directory ldap://127.0.0.1:" + closed + " is unreachable: ");
    }

    @Test
    void aMissingBaseAndABadFilterFailWithClearMessages() {
        LdapSettings s = settings("(objectClass=user)", 500, "secret", AttributeMapping.ldapDefaults());
        LdapSettings missingBase = new LdapSettings(
                s.url(),
                s.bindDn(),
                s.password(),
                "ou=nobody," + BASE,
                s.filter(),
                s.pageSize(),
                s.connectTimeout(),
                s.responseTimeout(),
                s.trustStore(),
                "",
                s.mapping());
        assertThatThrownBy(() -> new LdapSource(missingBase).read(n -> {}))
                .isInstanceOf(SourceException.class)
                .hasMessageStartingWith("LDAP base DN ou=nobody," + BASE + " does not exist on ldap://127.0.0.1:");
        assertThatThrownBy(
                        () -> new LdapSource(settings("(objectClass=user", 500, "secret", s.mapping())).read(n -> {}))
                .isInstanceOf(SourceException.class)
                .hasMessageStartingWith("bad LDAP filter (objectClass=user: ");
    }

    @Test
    void aDirectoryThatGoesAwayMidReadFailsTheReadWithAClearMessage() throws Exception {
        // a second server, stopped by the reader itself once the first page is in
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(BASE);
        config.addAdditionalBindCredentials(BIND_DN, "secret");
        config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("ldap", 0));
        config.setSchema(null);
        InMemoryDirectoryServer leaving = new InMemoryDirectoryServer(config);
        leaving.add(new Entry("dn: " + BASE, "objectClass: domain", "dc: example"));
        for (int i = 0; i < 1_200; i++) {
            leaving.add(new Entry(
                    "dn: cn=user" + i + "," + BASE,
                    "objectClass: person",
                    "objectClass: user",
                    "cn: user" + i,
                    "displayName: User " + i));
        }
        leaving.startListening();
        int port = leaving.getListenPort();
        LdapSettings s = settings("(objectClass=user)", 500, "secret", AttributeMapping.ldapDefaults());
        LdapSettings there = new LdapSettings(
                "ldap://127.0.0.1:" + port,
                s.bindDn(),
                s.password(),
                s.baseDn(),
                s.filter(),
                s.pageSize(),
                s.connectTimeout(),
                Duration.ofSeconds(5),
                s.trustStore(),
                "",
                s.mapping());
        try {
            assertThatThrownBy(() -> new LdapSource(there).read(read -> leaving.shutDown(true)))
                    .isInstanceOf(SourceException.class)
                    .hasMessageStartingWith("LDAP directory ldap://127.0.0.1:" + port + " went away after 500 entries");
        } finally {
            leaving.shutDown(true);
        }
    }

    @Test
    void urlsAreCheckedWhenSettingsAreMade() {
        assertThat(LdapSettings.endpoint("ldap://dir.example.com"))
                .isEqualTo(new LdapSettings.Endpoint(false, "dir.example.com", 389));
        assertThat(LdapSettings.endpoint("LDAPS://dir.example.com"))
                .isEqualTo(new LdapSettings.Endpoint(true, "dir.example.com", 636));
        assertThat(LdapSettings.endpoint("ldap://10.1.2.3:3268/"))
                .isEqualTo(new LdapSettings.Endpoint(false, "10.1.2.3", 3268));
        assertThatThrownBy(() -> LdapSettings.endpoint("http://dir.example.com"))
                .hasMessage("an LDAP URL starts with ldap:// or ldaps://, not: http://dir.example.com");
        assertThatThrownBy(() -> LdapSettings.endpoint("ldap://dir.example.com/dc=example,dc=com"))
                .hasMessageStartingWith("the LDAP URL names only the server");
    }
}

package io.switchboard.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverExecutionProfile;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * How user name, password and TLS reach the driver: as the options its own {@code
 * PlainTextAuthProvider} and {@code DefaultSslEngineFactory} read. No Cassandra is started; a node
 * with {@code PasswordAuthenticator} or client encryption is not part of the test run.
 */
class CassandraSecurityConfigTest {

    private static final CassandraSettings PLAIN = new CassandraSettings(
            List.of(new InetSocketAddress("127.0.0.1", 9042)),
            "dc1",
            "sec",
            CassandraSettings.simpleStrategy(1),
            DefaultConsistencyLevel.LOCAL_ONE);

    private static DriverExecutionProfile profile(CassandraSettings s, boolean withKeyspace) {
        return CassandraSessions.driverConfig(s, withKeyspace, CassandraSessions.classLoader())
                .build()
                .getInitialConfig()
                .getDefaultProfile();
    }

    @Test
    void withoutCredentialsOrTlsTheDriverGetsNeither() {
        DriverExecutionProfile p = profile(PLAIN, true);
        assertThat(p.isDefined(DefaultDriverOption.AUTH_PROVIDER_CLASS)).isFalse();
        assertThat(p.isDefined(DefaultDriverOption.SSL_ENGINE_FACTORY_CLASS)).isFalse();
    }

    @Test
    void credentialsBecomeThePlainTextAuthProviderInBothSessions() {
        CassandraSettings s = PLAIN.withCredentials(new CassandraSettings.Credentials("switchboard", "s3cret-pw"));
        for (boolean withKeyspace : new boolean[] {false, true}) {
            DriverExecutionProfile p = profile(s, withKeyspace);
            assertThat(p.getString(DefaultDriverOption.AUTH_PROVIDER_CLASS)).isEqualTo("PlainTextAuthProvider");
            assertThat(p.getString(DefaultDriverOption.AUTH_PROVIDER_USER_NAME)).isEqualTo("switchboard");
            assertThat(p.getString(DefaultDriverOption.AUTH_PROVIDER_PASSWORD)).isEqualTo("s3cret-pw");
        }
        assertThat(s.toString()).contains("switchboard").doesNotContain("s3cret-pw");
    }

    @Test
    void tlsWithATrustStoreBecomesTheDefaultSslEngineFactory() {
        Path store = Path.of("certs", "cassandra-ca.p12");
        CassandraSettings s = PLAIN.withTls(new CassandraSettings.Tls(Optional.of(store), "store-pw", true));
        DriverExecutionProfile p = profile(s, true);
        assertThat(p.getString(DefaultDriverOption.SSL_ENGINE_FACTORY_CLASS)).isEqualTo("DefaultSslEngineFactory");
        assertThat(p.getString(DefaultDriverOption.SSL_TRUSTSTORE_PATH))
                .isEqualTo(store.toAbsolutePath().toString());
        assertThat(p.getString(DefaultDriverOption.SSL_TRUSTSTORE_PASSWORD)).isEqualTo("store-pw");
        assertThat(p.getBoolean(DefaultDriverOption.SSL_HOSTNAME_VALIDATION)).isTrue();
        assertThat(s.toString()).doesNotContain("store-pw");
    }

    @Test
    void tlsWithoutATrustStoreUsesTheJvmTrustAndMayTurnHostnameValidationOff() {
        CassandraSettings s = PLAIN.withTls(new CassandraSettings.Tls(Optional.empty(), "", false));
        DriverExecutionProfile p = profile(s, false);
        assertThat(p.getString(DefaultDriverOption.SSL_ENGINE_FACTORY_CLASS)).isEqualTo("DefaultSslEngineFactory");
        assertThat(p.isDefined(DefaultDriverOption.SSL_TRUSTSTORE_PATH)).isFalse();
        assertThat(p.isDefined(DefaultDriverOption.SSL_TRUSTSTORE_PASSWORD)).isFalse();
        assertThat(p.getBoolean(DefaultDriverOption.SSL_HOSTNAME_VALIDATION)).isFalse();
    }

    @Test
    void credentialsNeedBothParts() {
        assertThatThrownBy(() -> new CassandraSettings.Credentials(" ", "pw"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("user name");
        assertThatThrownBy(() -> new CassandraSettings.Credentials("user", ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("password");
    }
}

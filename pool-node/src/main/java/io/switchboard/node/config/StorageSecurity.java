package io.switchboard.node.config;

import io.switchboard.node.config.NodeConfig.Credentials;
import io.switchboard.node.config.NodeConfig.ExternalSecurity;
import io.switchboard.node.config.NodeConfig.StorageTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads {@code switchboard.storage.external.username / password / tls}: how the node authenticates
 * to an external Cassandra and whether it encrypts the connection. Half a setting is an error, not
 * a silent fallback to no authentication or plain TCP.
 */
final class StorageSecurity {

    private StorageSecurity() {}

    static ExternalSecurity read(ConfigReader ex) {
        String username = ex.string("username").trim();
        String password = ex.string("password");
        Optional<Credentials> credentials = Optional.empty();
        if (!username.isEmpty() && password.isEmpty()) {
            throw new ConfigError(
                    ex.key("password"),
                    "must be set when " + ex.key("username") + " is (the password of that Cassandra role)");
        }
        if (username.isEmpty() && !password.isEmpty()) {
            throw new ConfigError(
                    ex.key("username"),
                    "must be set when " + ex.key("password") + " is (the Cassandra role to log in as)");
        }
        if (!username.isEmpty()) {
            credentials = Optional.of(new Credentials(username, password));
        }

        ConfigReader t = ex.at("tls");
        Optional<StorageTls> tls = Optional.empty();
        String trustStore = t.string("trust-store").trim();
        String trustStorePassword = t.string("trust-store-password");
        boolean hostnameValidation = t.bool("hostname-validation");
        if (t.bool("enabled")) {
            Optional<Path> store = Optional.empty();
            if (!trustStore.isEmpty()) {
                Path p = Path.of(trustStore);
                if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
                    throw new ConfigError(t.key("trust-store"), "file " + p.toAbsolutePath() + " is not readable");
                }
                store = Optional.of(p);
            } else if (!trustStorePassword.isEmpty()) {
                throw new ConfigError(
                        t.key("trust-store-password"),
                        "is set but " + t.key("trust-store") + " is empty (name the trust store it opens)");
            }
            tls = Optional.of(new StorageTls(store, trustStorePassword, hostnameValidation));
        } else if (!trustStore.isEmpty()) {
            throw new ConfigError(
                    t.key("trust-store"),
                    "is set but " + t.key("enabled") + " is false (set enabled = true to use TLS)");
        }
        return new ExternalSecurity(credentials, tls);
    }
}

package io.switchboard.storage;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * Where and how to reach Cassandra: contact points, the local data centre, the keyspace to use (and
 * create if missing, with {@code replication}) and the default consistency of requests.
 *
 * @param contactPoints native transport addresses of some nodes, at least one
 * @param localDc the data centre this process lives in; the driver only routes to nodes of it
 * @param keyspace a lower-case CQL identifier, {@code [a-z][a-z0-9_]{0,47}}
 * @param replication a CQL map literal, e.g. {@code {'class': 'SimpleStrategy', 'replication_factor': 1}}
 *     or {@code {'class': 'NetworkTopologyStrategy', 'dc1': 3}}
 * @param consistency default consistency of every request (LOCAL_QUORUM in a pool, LOCAL_ONE on one node)
 * @param credentials user name and password for a cluster with {@code PasswordAuthenticator}; empty: none sent
 * @param tls encrypt client connections (Cassandra's {@code client_encryption_options}); empty: plain TCP
 */
public record CassandraSettings(
        List<InetSocketAddress> contactPoints,
        String localDc,
        String keyspace,
        String replication,
        ConsistencyLevel consistency,
        Optional<Credentials> credentials,
        Optional<Tls> tls) {

    /** Plain-text authentication (the driver's {@code PlainTextAuthProvider}); the password stays out of logs. */
    public record Credentials(String username, String password) {
        public Credentials {
            if (username == null || username.isBlank()) {
                throw new IllegalArgumentException("a Cassandra user name must not be empty");
            }
            if (password == null || password.isEmpty()) {
                throw new IllegalArgumentException("a Cassandra password must not be empty");
            }
        }

        @Override
        public String toString() {
            return "Credentials[username=" + username + ", password=***]";
        }
    }

    /**
     * TLS to Cassandra.
     *
     * @param trustStore the certificates (or CA) to trust, JKS or PKCS12; empty: the JVM's default trust
     *     ({@code javax.net.ssl.trustStore} or the JDK's CA certificates)
     * @param trustStorePassword the trust store's password, may be empty
     * @param hostnameValidation whether a node's certificate must name the address it was reached at
     */
    public record Tls(Optional<Path> trustStore, String trustStorePassword, boolean hostnameValidation) {
        public Tls {
            Objects.requireNonNull(trustStore, "trustStore");
            trustStorePassword = trustStorePassword == null ? "" : trustStorePassword;
        }

        @Override
        public String toString() {
            return "Tls[trustStore=" + trustStore.map(Path::toString).orElse("(JVM default)") + ", hostnameValidation="
                    + hostnameValidation + "]";
        }
    }

    /** Without authentication and without TLS (a node on loopback, the tests). */
    public CassandraSettings(
            List<InetSocketAddress> contactPoints,
            String localDc,
            String keyspace,
            String replication,
            ConsistencyLevel consistency) {
        this(contactPoints, localDc, keyspace, replication, consistency, Optional.empty(), Optional.empty());
    }

    /** Cassandra limits names to 48 characters; lower case only, so no quoting is ever needed. */
    private static final Pattern KEYSPACE = Pattern.compile("[a-z][a-z0-9_]{0,47}");

    /** Data centre names end up in CQL map literals: keep them to characters that need no escaping. */
    private static final Pattern DC_NAME = Pattern.compile("[A-Za-z0-9_.-]+");

    public CassandraSettings {
        if (contactPoints == null || contactPoints.isEmpty()) {
            throw new IllegalArgumentException("contactPoints must name at least one Cassandra node");
        }
        if (contactPoints.stream().anyMatch(Objects::isNull)) { // List.of(...).contains(null) would throw
            throw new IllegalArgumentException("contactPoints must not contain null: " + contactPoints);
        }
        contactPoints = List.copyOf(contactPoints);
        if (localDc == null || localDc.isBlank()) {
            throw new IllegalArgumentException("localDc must name the data centre of this process (e.g. dc1)");
        }
        if (keyspace == null || !KEYSPACE.matcher(keyspace).matches()) {
            throw new IllegalArgumentException(
                    "keyspace must match [a-z][a-z0-9_]{0,47} (lower case, starts with a letter, at most 48 characters): "
                            + keyspace);
        }
        validateReplication(replication);
        replication = replication.strip();
        Objects.requireNonNull(consistency, "consistency");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(tls, "tls");
    }

    /** These settings, authenticating as {@code c}. */
    public CassandraSettings withCredentials(Credentials c) {
        return new CassandraSettings(contactPoints, localDc, keyspace, replication, consistency, Optional.of(c), tls);
    }

    /** These settings, over TLS. */
    public CassandraSettings withTls(Tls t) {
        return new CassandraSettings(
                contactPoints, localDc, keyspace, replication, consistency, credentials, Optional.of(t));
    }

    /** A replication literal for one data centre or a test node: {@code SimpleStrategy} with the given factor. */
    public static String simpleStrategy(int replicationFactor) {
        requirePositive(replicationFactor, "replication factor");
        return "{'class': 'SimpleStrategy', 'replication_factor': " + replicationFactor + "}";
    }

    /**
     * A replication literal for {@code NetworkTopologyStrategy}, e.g. {@code {pool=3, branch1=1}}: the way a
     * branch keyspace is replicated both to the pool DC and to its branch DC.
     */
    public static String networkTopology(Map<String, Integer> factorPerDc) {
        if (factorPerDc == null || factorPerDc.isEmpty()) {
            throw new IllegalArgumentException("NetworkTopologyStrategy needs at least one data centre");
        }
        StringJoiner literal = new StringJoiner(", ", "{'class': 'NetworkTopologyStrategy', ", "}");
        factorPerDc.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            if (e.getKey() == null || !DC_NAME.matcher(e.getKey()).matches()) {
                throw new IllegalArgumentException("invalid data centre name: " + e.getKey());
            }
            requirePositive(e.getValue() == null ? 0 : e.getValue(), "replication factor of " + e.getKey());
            literal.add("'" + e.getKey() + "': " + e.getValue());
        });
        return literal.toString();
    }

    /**
     * Only a shallow check: Cassandra parses the map itself and gives the precise error. What must be
     * caught here is anything that would let the literal leak out of the CREATE KEYSPACE statement.
     */
    private static void validateReplication(String replication) {
        if (replication == null || replication.isBlank()) {
            throw new IllegalArgumentException(
                    "replication must be a CQL map literal such as {'class': 'SimpleStrategy', 'replication_factor': 1}");
        }
        String r = replication.strip();
        if (!r.startsWith("{") || !r.endsWith("}")) {
            throw new IllegalArgumentException("replication must be a CQL map literal in braces: " + replication);
        }
        if (!r.contains("'class'")) {
            throw new IllegalArgumentException(
                    "replication must name its strategy, e.g. 'class': 'NetworkTopologyStrategy': " + replication);
        }
        if (r.indexOf(';') >= 0 || r.contains("--") || r.contains("/*")) {
            throw new IllegalArgumentException("replication must be a single map literal: " + replication);
        }
    }

    private static void requirePositive(int value, String what) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, was " + value);
        }
    }
}

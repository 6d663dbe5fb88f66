package io.switchboard.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.switchboard.registrar.domain.RegistrarPolicy;
import io.switchboard.sip.auth.DigestAlgorithm;
import io.switchboard.sip.auth.DigestPolicy;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The whole node configuration, read once at startup from one HOCON file layered over
 * {@code switchboard-defaults.conf}. Anything wrong stops startup with the key named.
 */
public record NodeConfig(
        String nodeId,
        Path dataDir,
        Cluster cluster,
        Sip sip,
        List<String> domains,
        Registrar registrar,
        Auth auth,
        Storage storage,
        Admin admin,
        List<BootstrapUser> bootstrapUsers,
        Config raw) {

    public record Cluster(String host, int port, List<String> seedNodes) {}

    /** {@code reloadCheck}: how often handshakes look for a changed key store file; zero = never. */
    public record Tls(Path keyStore, String keyStorePassword, String keyStoreType, int port, Duration reloadCheck) {}

    public record Sip(
            String bindAddress,
            int udpPort,
            int tcpPort,
            Optional<Tls> tls,
            int threadPoolSize,
            int maxServerTransactions,
            String secret) {}

    public record Registrar(RegistrarPolicy policy, Duration flowTimer, Duration askTimeout, Duration passivateAfter) {}

    /** {@code switchboard.auth.throttle}: see AuthThrottle.Limits in the sip module. */
    public record Throttle(
            int perAccountSource,
            int perSource,
            Duration window,
            Duration lockout,
            int poolBudget,
            Duration poolWindow,
            Duration knownDeviceTtl,
            int maxKnownDevices) {}

    /**
     * @param algorithms          allowed and offered in every domain without its own list, preferred first
     * @param domainAlgorithms    domains with their own list ({@code auth.domain-algorithms})
     * @param userAgentAlgorithms the offer for clients by User-Agent prefix ({@code auth.user-agent-algorithms})
     */
    public record Auth(
            Duration nonceLifetime,
            Duration accountCacheTtl,
            Throttle throttle,
            List<DigestAlgorithm> algorithms,
            Map<String, List<DigestAlgorithm>> domainAlgorithms,
            List<DigestPolicy.UserAgentRule> userAgentAlgorithms) {

        /** Which challenges each domain and client get, and which answers are accepted. */
        public DigestPolicy digestPolicy() {
            return new DigestPolicy(algorithms, domainAlgorithms, userAgentAlgorithms);
        }
    }

    public enum StorageMode {
        EMBEDDED,
        EXTERNAL
    }

    public enum Consistency {
        ONE,
        LOCAL_ONE,
        QUORUM,
        LOCAL_QUORUM,
        EACH_QUORUM,
        ALL
    }

    public record Embedded(String listenAddress, int nativePort, int storagePort, String heap) {}

    public record Storage(
            StorageMode mode,
            String keyspace,
            String replication,
            Consistency consistency,
            Embedded embedded,
            List<InetSocketAddress> contactPoints,
            String localDc,
            ExternalSecurity security) {}

    /**
     * How an external Cassandra is reached: {@code credentials} for {@code PasswordAuthenticator},
     * {@code tls} for client encryption ({@link ExternalSecurity#read}).
     */
    public record ExternalSecurity(Optional<Credentials> credentials, Optional<StorageTls> tls) {
        public static final ExternalSecurity NONE = new ExternalSecurity(Optional.empty(), Optional.empty());
    }

    public record Credentials(String username, String password) {
        @Override
        public String toString() {
            return "Credentials[username=" + username + ", password=***]";
        }
    }

    /** {@code trustStore} empty: the JVM's default trust. */
    public record StorageTls(Optional<Path> trustStore, String trustStorePassword, boolean hostnameValidation) {
        @Override
        public String toString() {
            return "StorageTls[trustStore=" + trustStore + ", hostnameValidation=" + hostnameValidation + "]";
        }
    }

    /**
     * The admin port: its address and token, and the limits that keep one client from holding it
     * ({@link io.switchboard.node.admin.AdminServer}).
     *
     * @param maxBody largest request body, in bytes, except the CSV import
     * @param maxImportBody largest CSV import body, in bytes
     * @param readTimeout how long a request may take to arrive, headers and body
     * @param importReadTimeout the same for the CSV import
     * @param healthPort a port of its own for health and metrics; -1: none (they are on {@code port} only)
     */
    public record Admin(
            String bindAddress,
            int port,
            String token,
            long maxBody,
            long maxImportBody,
            Duration readTimeout,
            Duration importReadTimeout,
            int healthPort) {}

    public record BootstrapUser(String uri, String password, String name, String phone) {}

    /** Reads {@code file} (or only the defaults when null) and validates every value. */
    public static NodeConfig load(Path file) {
        Config defaults = ConfigFactory.parseResources(
                NodeConfig.class.getClassLoader(),
                "switchboard-defaults.conf",
                ConfigParseOptions.defaults().setAllowMissing(false));
        Config user = ConfigFactory.empty();
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new ConfigError(
                        "Configuration file " + file + " does not exist or is not a file", (Throwable) null);
            }
            try {
                user = ConfigFactory.parseFile(
                        file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
            } catch (ConfigException e) {
                throw new ConfigError("Configuration file " + file + " cannot be parsed: " + e.getMessage(), e);
            }
        }
        Config merged;
        try {
            merged = ConfigFactory.systemProperties()
                    .withOnlyPath("switchboard")
                    .withFallback(user)
                    .withFallback(defaults)
                    .resolve();
        } catch (ConfigException.Missing e) {
            merged = user.withFallback(defaults).resolve();
        } catch (ConfigException e) {
            throw new ConfigError("Configuration cannot be resolved: " + e.getMessage(), e);
        }
        return from(merged);
    }

    /** Settings given as HOCON text over the defaults (tests, tools). */
    public static NodeConfig fromString(String hocon) {
        Config defaults = ConfigFactory.parseResources(NodeConfig.class.getClassLoader(), "switchboard-defaults.conf");
        try {
            return from(ConfigFactory.parseString(hocon).withFallback(defaults).resolve());
        } catch (ConfigException e) {
            throw new ConfigError("Configuration cannot be parsed: " + e.getMessage(), e);
        }
    }

    static NodeConfig from(Config merged) {
        ConfigReader root = new ConfigReader(merged, "").at("switchboard");
        ConfigReader node = root.at("node");
        String nodeId = node.matching(
                "id",
                s -> s.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}"),
                "must be 1-63 letters, digits, '.', '_' or '-'");
        Path dataDir = Path.of(node.nonEmpty("data-dir"));

        ConfigReader c = root.at("cluster");
        Cluster cluster = new Cluster(c.nonEmpty("host"), c.integer("port", 1, 65535), c.strings("seed-nodes"));
        for (String seed : cluster.seedNodes()) {
            hostPort(c.key("seed-nodes"), seed);
        }
        if (cluster.seedNodes().isEmpty()) {
            throw new ConfigError(
                    c.key("seed-nodes"), "must list at least one host:port (this node's own for a new pool)");
        }

        ConfigReader s = root.at("sip");
        ConfigReader t = s.at("tls");
        Optional<Tls> tls = Optional.empty();
        if (t.bool("enabled")) {
            Path ks = Path.of(t.nonEmpty("key-store"));
            if (!Files.isReadable(ks)) {
                throw new ConfigError(t.key("key-store"), "file " + ks + " is not readable");
            }
            tls = Optional.of(new Tls(
                    ks,
                    t.string("key-store-password"),
                    t.nonEmpty("key-store-type"),
                    t.port("port"),
                    t.duration("reload-check-interval", Duration.ZERO)));
        }
        String secret = s.string("secret");
        if (secret.length() < 16) {
            throw new ConfigError(
                    s.key("secret"), "must be at least 16 characters (it signs nonces, flow tokens and GRUUs)");
        }
        Sip sip = new Sip(
                s.nonEmpty("bind-address"),
                s.port("udp-port"),
                s.port("tcp-port"),
                tls,
                s.integer("thread-pool-size", 1, 1024),
                maxServerTransactions(s, Runtime.getRuntime().maxMemory()),
                secret);

        List<String> domains = new ArrayList<>();
        for (String d : root.strings("domains")) {
            String lower = d.trim().toLowerCase(Locale.ROOT);
            if (!lower.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
                throw new ConfigError(root.key("domains"), "\"" + d + "\" is not a valid domain name");
            }
            domains.add(lower);
        }
        if (domains.isEmpty()) {
            throw new ConfigError(root.key("domains"), "must list at least one SIP domain");
        }

        ConfigReader r = root.at("registrar");
        RegistrarPolicy policy;
        long min = r.duration("min-expires", Duration.ofSeconds(1)).toSeconds();
        long max = r.duration("max-expires", Duration.ofSeconds(1)).toSeconds();
        long def = r.duration("default-expires", Duration.ofSeconds(1)).toSeconds();
        int maxBindings = r.integer("max-bindings", 1, 64);
        if (max < min) {
            throw new ConfigError(r.key("max-expires"), "must not be below registrar.min-expires (" + min + "s)");
        }
        if (def < min || def > max) {
            throw new ConfigError(r.key("default-expires"), "must lie between min-expires and max-expires");
        }
        policy = new RegistrarPolicy(min, max, def, maxBindings);
        Registrar registrar = new Registrar(
                policy,
                r.duration("flow-timer", Duration.ofSeconds(10)),
                r.duration("ask-timeout", Duration.ofMillis(100)),
                r.duration("passivate-after", Duration.ofSeconds(1)));

        ConfigReader a = root.at("auth");
        ConfigReader th = a.at("throttle");
        if (th.has("per-account")) {
            // an old file must not silently lose its limit: say what replaced it
            throw new ConfigError(
                    th.key("per-account"),
                    "no longer exists: failures are limited per account and source (per-account-source)"
                            + " and per account pool-wide (pool-budget per pool-window)");
        }
        Duration poolWindow = th.duration("pool-window", Duration.ofMinutes(1));
        if (poolWindow.compareTo(Duration.ofDays(1)) > 0) {
            throw new ConfigError(th.key("pool-window"), "must be at most 1d, was " + poolWindow.toSeconds() + "s");
        }
        Auth auth = new Auth(
                a.duration("nonce-lifetime", Duration.ofSeconds(10)),
                a.duration("account-cache-ttl", Duration.ZERO),
                new Throttle(
                        th.integer("per-account-source", 1, 1_000_000),
                        th.integer("per-source", 1, 1_000_000),
                        th.duration("window", Duration.ofSeconds(1)),
                        th.duration("lockout", Duration.ofSeconds(1)),
                        th.integer("pool-budget", 1, 1_000_000),
                        poolWindow,
                        th.duration("known-device-ttl", Duration.ofMinutes(1)),
                        th.integer("max-known-devices", 1, 10_000_000)),
                algorithms(a, "algorithms"),
                domainAlgorithms(a, domains),
                userAgentAlgorithms(a));

        ConfigReader st = root.at("storage");
        ConfigReader em = st.at("embedded");
        ConfigReader ex = st.at("external");
        List<InetSocketAddress> contactPoints = new ArrayList<>();
        for (String cp : ex.strings("contact-points")) {
            contactPoints.add(hostPort(ex.key("contact-points"), cp));
        }
        Storage storage = new Storage(
                st.oneOf("mode", StorageMode.class),
                st.matching(
                        "keyspace",
                        k -> k.matches("[a-z][a-z0-9_]{0,47}"),
                        "must be a CQL identifier: a-z first, then a-z, 0-9, _"),
                st.matching(
                        "replication",
                        v -> v.trim().startsWith("{") && v.contains("'class'"),
                        "must be a CQL replication map such as {'class': 'SimpleStrategy', 'replication_factor': 1}"),
                st.oneOf("consistency", Consistency.class),
                new Embedded(
                        em.nonEmpty("listen-address"),
                        em.port("native-port"),
                        em.port("storage-port"),
                        em.matching("heap", h -> h.matches("\\d+[mMgG]"), "must look like 768m or 1g")),
                contactPoints,
                ex.nonEmpty("local-dc"),
                StorageSecurity.read(ex));

        ConfigReader ad = root.at("admin");
        String token = ad.string("token");
        if (token.length() < 8) {
            throw new ConfigError(ad.key("token"), "must be at least 8 characters");
        }
        long maxBody = ad.bytes("max-body-size", 1024, 1L << 30);
        Admin admin = new Admin(
                ad.nonEmpty("bind-address"),
                ad.port("port"),
                token,
                maxBody,
                ad.bytes("max-import-size", maxBody, Integer.MAX_VALUE - 8),
                ad.duration("read-timeout", Duration.ofSeconds(1)),
                ad.duration("import-read-timeout", Duration.ofSeconds(1)),
                ad.integer("health-port", -1, 65535));
        PublicBind.refuseDemoValues(sip, admin);

        List<BootstrapUser> users = new ArrayList<>();
        int i = 0;
        for (Config u : root.objects("bootstrap-users")) {
            ConfigReader ur = new ConfigReader(u, root.key("bootstrap-users") + "[" + i++ + "]");
            users.add(new BootstrapUser(
                    ur.nonEmpty("uri"),
                    ur.nonEmpty("password"),
                    ur.has("name") ? ur.string("name") : "",
                    ur.has("phone") ? ur.string("phone") : ""));
        }
        return new NodeConfig(
                nodeId,
                dataDir,
                cluster,
                sip,
                List.copyOf(domains),
                registrar,
                auth,
                storage,
                admin,
                List.copyOf(users),
                merged);
    }

    private static List<DigestAlgorithm> algorithms(ConfigReader a, String path) {
        List<DigestAlgorithm> list = new ArrayList<>();
        for (String name : a.strings(path)) {
            DigestAlgorithm alg = DigestAlgorithm.fromToken(name.trim())
                    .filter(x -> !name.isBlank())
                    .orElseThrow(() -> new ConfigError(a.key(path), "\"" + name + "\" is not one of SHA-256, MD5"));
            if (!list.contains(alg)) {
                list.add(alg);
            }
        }
        if (list.isEmpty()) {
            throw new ConfigError(a.key(path), "must list at least one of SHA-256, MD5");
        }
        return List.copyOf(list);
    }

    /** {@code auth.domain-algorithms}: [ { domain = "...", algorithms = [...] } ], each domain one we serve, once. */
    private static Map<String, List<DigestAlgorithm>> domainAlgorithms(ConfigReader a, List<String> domains) {
        Map<String, List<DigestAlgorithm>> out = new LinkedHashMap<>();
        int i = 0;
        for (Config entry : a.objects("domain-algorithms")) {
            ConfigReader e = new ConfigReader(entry, a.key("domain-algorithms") + "[" + i++ + "]");
            String domain = e.nonEmpty("domain").toLowerCase(Locale.ROOT);
            if (!domains.contains(domain)) {
                throw new ConfigError(e.key("domain"), "\"" + domain + "\" is not one of switchboard.domains");
            }
            if (out.put(domain, algorithms(e, "algorithms")) != null) {
                throw new ConfigError(e.key("domain"), "\"" + domain + "\" is listed twice");
            }
        }
        return Map.copyOf(out);
    }

    /** {@code auth.user-agent-algorithms}: [ { user-agent = "prefix", algorithms = [...] } ], no empty prefix. */
    private static List<DigestPolicy.UserAgentRule> userAgentAlgorithms(ConfigReader a) {
        List<DigestPolicy.UserAgentRule> out = new ArrayList<>();
        int i = 0;
        for (Config entry : a.objects("user-agent-algorithms")) {
            // an empty prefix would match every client (nonEmpty refuses it)
            ConfigReader e = new ConfigReader(entry, a.key("user-agent-algorithms") + "[" + i++ + "]");
            out.add(new DigestPolicy.UserAgentRule(e.nonEmpty("user-agent"), algorithms(e, "algorithms")));
        }
        return List.copyOf(out);
    }

    private static InetSocketAddress hostPort(String key, String value) {
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new ConfigError(key, "\"" + value + "\" must be host:port");
        }
        try {
            int port = Integer.parseInt(value.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
            return InetSocketAddress.createUnresolved(value.substring(0, colon), port);
        } catch (NumberFormatException e) {
            throw new ConfigError(key, "\"" + value + "\" has no valid port");
        }
    }

    /**
     * Bytes of heap one answered UDP server transaction holds while it absorbs retransmissions (32 s,
     * Timer J): about 1.5 KB with the lean transactions (a class histogram of a node holding 300,000:
     * ~450 MB; bench/RESULTS.md, "Overload").
     */
    static final int BYTES_PER_SERVER_TRANSACTION = 1536;

    /**
     * {@code sip.max-server-transactions}: a number, or {@code auto}: as many as 40% of the heap holds
     * ({@link #BYTES_PER_SERVER_TRANSACTION} each), so the bound grows with the heap an operator gives
     * the node instead of running out of one or wasting the other.
     */
    static int maxServerTransactions(ConfigReader sip, long maxHeapBytes) {
        String path = "max-server-transactions";
        String value = sip.string(path).trim();
        if (value.equals("auto")) {
            return autoServerTransactions(maxHeapBytes);
        }
        if (!value.matches("[0-9]{1,9}")) {
            throw new ConfigError(sip.key(path), "must be auto or a number between 100 and 10000000, was " + value);
        }
        return sip.integer(path, 100, 10_000_000);
    }

    /** {@code auto}'s bound for a heap of {@code maxHeapBytes}: between 1,000 and 10,000,000. */
    static int autoServerTransactions(long maxHeapBytes) {
        long n = maxHeapBytes / 10 * 4 / BYTES_PER_SERVER_TRANSACTION;
        return (int) Math.max(1_000, Math.min(10_000_000, n));
    }
}

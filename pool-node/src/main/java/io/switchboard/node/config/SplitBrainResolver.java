package io.switchboard.node.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code switchboard.cluster.split-brain-resolver}: how a partition is decided (README, "Cluster
 * settings"). {@code keep-majority} (the default): the side with more than half of the members stays,
 * a side of exactly half stays if it holds the lowest address. {@code lease-majority}: the same sides,
 * but a side stays only if it takes a lease, a {@code Lease} custom resource ({@code pekko.apache.org/v1})
 * in the Kubernetes API, so that at most one side ever stays, whatever each side sees; a side that cannot
 * take it (taken by the other side, or the API does not answer) downs itself.
 *
 * <p>The lease settings are those Pekko's lease-kubernetes reads ({@code pekko.coordination.lease.kubernetes},
 * set by {@code io.switchboard.node.cluster.PekkoSettings}); the API server's host and port come from
 * the environment variables Kubernetes sets in every pod.
 *
 * @param leaseMajority whether the strategy is {@code lease-majority}
 * @param lease         the lease settings; read and checked only with {@code lease-majority}, else null
 */
public record SplitBrainResolver(boolean leaseMajority, Lease lease) {

    public static final String KEEP_MAJORITY = "keep-majority";
    public static final String LEASE_MAJORITY = "lease-majority";

    /** A Kubernetes object name (RFC 1123 label: what Pekko's lease would otherwise rewrite the name to). */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    /**
     * {@code switchboard.cluster.lease-majority}.
     *
     * @param name          the Lease object's name (one per pool: two pools in a namespace need two names)
     * @param namespace     its namespace; empty: the one in {@code namespacePath} (the pod's own)
     * @param namespacePath the service account's namespace file
     * @param caPath        the API server's CA certificate (PEM)
     * @param tokenPath     the service account token sent as a bearer token
     * @param apiHost       the API server's host, from the environment variable named by {@code api-service-host-env-name}
     * @param apiPort       its port, from {@code api-service-port-env-name}
     */
    public record Lease(
            String name,
            String namespace,
            String namespacePath,
            String caPath,
            String tokenPath,
            String apiHost,
            int apiPort) {}

    public static SplitBrainResolver of(NodeConfig config) {
        return of(config, System.getenv());
    }

    /** @param env the process environment (the API server's address comes from it, as in a pod) */
    public static SplitBrainResolver of(NodeConfig config, Map<String, String> env) {
        ConfigReader c = new ConfigReader(config.raw(), "").at("switchboard").at("cluster");
        String strategy = c.nonEmpty("split-brain-resolver");
        if (!strategy.equals(KEEP_MAJORITY) && !strategy.equals(LEASE_MAJORITY)) {
            throw new ConfigError(
                    c.key("split-brain-resolver"),
                    "must be \"" + KEEP_MAJORITY + "\" or \"" + LEASE_MAJORITY + "\", was \"" + strategy + "\"");
        }
        if (strategy.equals(KEEP_MAJORITY)) {
            return new SplitBrainResolver(false, null);
        }
        // Checked at startup rather than at the first partition, when a missing file or variable would make
        // every side fail to take the lease and so down the whole pool.
        ConfigReader l = c.at("lease-majority");
        String name = l.matching(
                "lease-name",
                n -> NAME.matcher(n).matches(),
                "must be a Kubernetes object name (a-z, 0-9 and '-', at most 63)");
        String namespace = l.string("namespace");
        if (!namespace.isEmpty() && !NAME.matcher(namespace).matches()) {
            throw new ConfigError(l.key("namespace"), "must be empty or a namespace name, was \"" + namespace + "\"");
        }
        String namespacePath = l.string("namespace-path");
        if (namespace.isEmpty() && !readable(namespacePath)) {
            throw new ConfigError(
                    l.key("namespace-path"),
                    "cannot read " + namespacePath + " (set " + l.key("namespace") + " outside a pod)");
        }
        String caPath = readable(l, "api-ca-path");
        String tokenPath = readable(l, "api-token-path");
        String hostVariable = l.nonEmpty("api-service-host-env-name");
        String host = env.get(hostVariable);
        if (host == null || host.isBlank()) {
            throw new ConfigError(
                    l.key("api-service-host-env-name"),
                    "the environment variable " + hostVariable + " (the API server's host) is not set");
        }
        String portVariable = l.nonEmpty("api-service-port-env-name");
        String port = env.get(portVariable);
        int apiPort;
        try {
            apiPort = Integer.parseInt(port == null ? "" : port.trim());
        } catch (NumberFormatException e) {
            apiPort = 0;
        }
        if (apiPort < 1 || apiPort > 65535) {
            throw new ConfigError(
                    l.key("api-service-port-env-name"),
                    "the environment variable " + portVariable + " (the API server's port) must be a port, was "
                            + (port == null ? "not set" : "\"" + port + "\""));
        }
        return new SplitBrainResolver(
                true, new Lease(name, namespace, namespacePath, caPath, tokenPath, host.trim(), apiPort));
    }

    private static String readable(ConfigReader l, String key) {
        String path = l.nonEmpty(key);
        if (!readable(path)) {
            throw new ConfigError(l.key(key), "cannot read " + path);
        }
        return path;
    }

    /** Whether the file opens for reading (not access(2), which ignores a capability to read any file). */
    private static boolean readable(String path) {
        try (var in = Files.newInputStream(Path.of(path))) {
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}

package io.switchboard.node.config;

/**
 * {@code switchboard.cluster.discovery}: how a node finds the pool. {@code seed-nodes}: the static
 * list {@code cluster.seed-nodes} (the default, outside Kubernetes). {@code kubernetes-api}: Pekko
 * Management's cluster bootstrap, which lists the pool's pods through the Kubernetes API.
 *
 * @param kubernetes          whether the Kubernetes API is used
 * @param podLabelSelector    the pods' label selector ({@code kubernetes-api.pod-label-selector})
 * @param managementPort      Pekko Management's HTTP port, the bootstrap contact point
 * @param requiredContactPoints pods that must answer before a new cluster is formed
 */
public record ClusterDiscovery(
        boolean kubernetes, String podLabelSelector, int managementPort, int requiredContactPoints) {

    public static final String SEED_NODES = "seed-nodes";
    public static final String KUBERNETES_API = "kubernetes-api";

    public static ClusterDiscovery of(NodeConfig config) {
        ConfigReader c = new ConfigReader(config.raw(), "").at("switchboard").at("cluster");
        String mode = c.nonEmpty("discovery");
        if (!mode.equals(SEED_NODES) && !mode.equals(KUBERNETES_API)) {
            throw new ConfigError(
                    c.key("discovery"),
                    "must be \"" + SEED_NODES + "\" or \"" + KUBERNETES_API + "\", was \"" + mode + "\"");
        }
        ConfigReader k = c.at("kubernetes-api");
        int port = k.port("management-port");
        if (port == config.cluster().port() || port == config.admin().port()) {
            throw new ConfigError(
                    k.key("management-port"), "must differ from the cluster and admin ports, was " + port);
        }
        return new ClusterDiscovery(
                mode.equals(KUBERNETES_API),
                k.nonEmpty("pod-label-selector"),
                port,
                k.integer("required-contact-points", 1, 100));
    }
}

package io.switchboard.node.cluster;

import io.switchboard.node.config.ClusterDiscovery;
import io.switchboard.node.config.NodeConfig;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;

/**
 * How a new node joins the pool. With static seeds ({@code cluster.discovery = seed-nodes}) Pekko
 * joins them by itself ({@link PekkoSettings}). With {@code kubernetes-api}, Pekko Management's HTTP
 * endpoint (the contact point other nodes probe) and cluster bootstrap start here: bootstrap lists
 * the pool's pods through the Kubernetes API, probes them, joins a cluster one of them is in, or,
 * when none is and {@code required-contact-points} have answered for a stable while, lets the
 * lowest-addressed node form it.
 */
public final class ClusterFormation {

    private ClusterFormation() {}

    public static void start(ClassicActorSystemProvider system, NodeConfig config) {
        if (ClusterDiscovery.of(config).kubernetes()) {
            PekkoManagement.get(system).start();
            ClusterBootstrap.get(system).start();
        }
    }
}

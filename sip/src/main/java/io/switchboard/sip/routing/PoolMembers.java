package io.switchboard.sip.routing;

import java.util.Optional;

/**
 * What a node needs to know about the pool to reach a party whose connection another node holds
 * (RFC 5626 section 5.3: a flow can only be used by the node that holds it): which node it is,
 * which nodes are up, and where the node holding a flow is.
 */
public interface PoolMembers {

    /** Id of this node. */
    String selfNode();

    /** True when a pool member with this node id is up and reachable. */
    boolean isAvailable(String nodeId);

    /** The SIP address of the node holding the flow in {@code token}; empty if the token is not ours. */
    Optional<NextHop> nodeHolding(String token);
}

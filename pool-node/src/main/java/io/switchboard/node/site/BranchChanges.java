package io.switchboard.node.site;

import java.util.Optional;
import java.util.function.Function;

/**
 * Whether the pool may change a branch user's account or call settings now (README, "Sites and branches": one
 * writer per row across sites). The pool is where branch users are added, changed and moved; the branch node only
 * reads what Cassandra copies to its data center. While the branch does not answer the pool's OPTIONS (a WAN
 * outage, or its node is down), a change made at the pool would not reach the branch until the link heals: the
 * branch would go on authenticating the old password or ringing the old forwarding, and the operator would see a
 * change as done that the branch's users do not get. So the pool refuses it then, saying why, and the operator
 * makes it once the branch answers again ({@code pool status} shows the link).
 */
public final class BranchChanges {

    private final Function<String, LinkWatch> links;

    /** @param links this pool node's watch of the link to each branch site, null for a site it does not watch */
    public BranchChanges(Function<String, LinkWatch> links) {
        this.links = links;
    }

    /**
     * Why a change to a user homed at {@code homeSite} must wait, or empty when it may be made now (a pool user,
     * or a branch that answers).
     *
     * @param homeSite the account's home site, empty for the pool's users
     */
    public Optional<String> refusal(String homeSite) {
        if (homeSite == null || homeSite.isEmpty()) {
            return Optional.empty();
        }
        LinkWatch link = links.apply(homeSite);
        if (link == null || link.reachable()) {
            return Optional.empty();
        }
        return Optional.of("branch " + homeSite + " does not answer the pool since " + link.since()
                + " (WAN outage or branch node down): its users' accounts and call settings change only while it"
                + " answers, so that the branch does not keep serving the old ones; try again once pool status"
                + " shows the link up");
    }
}

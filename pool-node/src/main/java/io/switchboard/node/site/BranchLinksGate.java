package io.switchboard.node.site;

import io.switchboard.node.config.SitesConfig;
import io.switchboard.proxy.sip.OutboundGate;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import javax.sip.address.SipURI;

/**
 * A pool node's gate for requests inside dialogs towards a branch node that does not answer its OPTIONS (README,
 * "Sites and branches", WAN failure mode): a pool user's BYE, re-INVITE or NOTIFY to a branch user whose dialog runs
 * through a branch node the pool counts down is answered {@code 408 Request Timeout} at once, with a Warning, instead
 * of after its transaction's 32 s timeout; the mirror of {@link PoolGate#inDialogRefusal} (which says why 408). The
 * next hop is that branch node when it is the branch's configured {@code node} address ({@code host:port}), which
 * the branch's Record-Route towards the pool names. Nothing else is gated: initial requests to branch users are
 * decided by their bindings ({@link BranchPeers}), and the pool's own outbound proxy is always tried.
 */
public final class BranchLinksGate implements OutboundGate {

    private final SitesConfig sites;
    private final Predicate<String> reachable;
    private final String agent;

    /**
     * @param reachable whether the pool counts the named branch site's node up
     * @param agent     this node's host:port, the Warning's warn-agent
     */
    public BranchLinksGate(SitesConfig sites, Predicate<String> reachable, String agent) {
        this.sites = sites;
        this.reachable = reachable;
        this.agent = agent;
    }

    @Override
    public Optional<Refusal> refusal(boolean toOurUser) {
        return Optional.empty();
    }

    @Override
    public Optional<Refusal> serviceRefusal() {
        return Optional.empty();
    }

    @Override
    public Optional<Refusal> inDialogRefusal(SipURI nextHop, BooleanSupplier signedForDialog) {
        String host = nextHop.getHost() == null ? "" : nextHop.getHost().toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = nextHop.getPort() > 0 ? nextHop.getPort() : 5060;
        for (SitesConfig.Branch b : sites.branches()) {
            if (b.sipHost().equalsIgnoreCase(host) && b.sipPort() == port && !reachable.test(b.name())) {
                return Optional.of(new Refusal(
                        408,
                        "Request Timeout (branch " + b.name() + " unreachable)",
                        "399 " + agent + " \"Branch office " + b.name() + " does not answer now; the other party of"
                                + " this call or subscription cannot be reached\""));
            }
        }
        return Optional.empty();
    }
}

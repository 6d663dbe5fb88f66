package io.switchboard.node.site;

import io.switchboard.proxy.sip.OutboundGate;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * A branch node's gate to the pool (README, "Sites and branches", WAN failure mode): while the pool does not answer
 * its OPTIONS ({@link OptionsWatcher}), a request the branch would send to the pool is answered at once instead of
 * waiting 32 s for its transaction to time out. A user of our domains the branch does not know (a pool user, or a
 * number) gets 480 Temporarily Unavailable: the callee cannot be reached now, while the branch itself works. A 503
 * would tell the phone its server failed and send it to the next one (RFC 3263 section 4.3), away from the one
 * server that still serves it. Another domain gets 503, as when an outbound proxy cannot be reached, without
 * Retry-After (RFC 3261 section 21.5.4: the client acts as on a 500 for this request only).
 *
 * <p>Both carry {@code Warning: 399 <branch> "..."} (RFC 3261 section 20.43: 399 is the miscellaneous warning, its
 * text meant for the user), which a phone can show as limited functionality.
 */
public final class PoolGate implements OutboundGate {

    private final BooleanSupplier poolReachable;
    private final String warning;

    /** @param agent the branch node's host:port, the Warning's warn-agent */
    public PoolGate(BooleanSupplier poolReachable, String agent, String site) {
        this.poolReachable = poolReachable;
        this.warning = warning(agent, site);
    }

    /** The Warning header value (quotes and backslashes cannot occur: site names are a-z, 0-9, _). */
    static String warning(String agent, String site) {
        return "399 " + agent + " \"Limited functionality: branch " + site
                + " cannot reach the pool; only calls within the branch work\"";
    }

    @Override
    public Optional<Refusal> refusal(boolean toOurUser) {
        if (poolReachable.getAsBoolean()) {
            return Optional.empty();
        }
        return Optional.of(
                toOurUser
                        ? new Refusal(480, "Temporarily Unavailable (pool unreachable)", warning)
                        : new Refusal(503, "Pool unreachable", warning));
    }
}

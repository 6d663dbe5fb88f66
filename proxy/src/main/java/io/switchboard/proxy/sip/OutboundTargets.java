package io.switchboard.proxy.sip;

import io.switchboard.proxy.domain.Target;
import io.switchboard.sip.dns.SipResolver;
import io.switchboard.sip.dns.SipTarget;
import io.switchboard.sip.routing.NextHop;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Branches through the outbound proxy (a trunk or border controller). With a resolver, the
 * proxy's URI is located by RFC 3263 (NAPTR, SRV, A/AAAA, never on a JAIN-SIP thread): the branch
 * goes to the first target and keeps the others as alternates, tried in turn on a timeout or a 503
 * (section 4.3, {@link ForkDriver}). Without one, the RI's router resolves the Route's host as it
 * always did.
 */
final class OutboundTargets {

    private static final Logger LOG = LoggerFactory.getLogger(OutboundTargets.class);

    private final Optional<String> outboundProxy;
    private final SipResolver resolver;
    private final OutboundGate gate;

    /**
     * @param resolver null: no RFC 3263 resolution
     * @param gate     while closed, {@link #via} finds no target (a leg through the outbound proxy is left out)
     */
    OutboundTargets(Optional<String> outboundProxy, SipResolver resolver, OutboundGate gate) {
        this.outboundProxy = outboundProxy;
        this.resolver = resolver;
        this.gate = gate;
    }

    boolean configured() {
        return outboundProxy.isPresent();
    }

    /**
     * The branch for {@code requestUri} through the outbound proxy; empty when none is configured
     * or its URI resolves to no target.
     */
    CompletableFuture<Optional<Target>> via(String requestUri, String label, boolean followsSettings) {
        if (outboundProxy.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        if (gate.refusal(true).isPresent()) {
            LOG.info("{} to {} left out: the outbound proxy does not answer now", label, requestUri);
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return via(requestUri, label, followsSettings, outboundProxy.get());
    }

    /** The branch for {@code requestUri} through {@code proxy} (a loose-routing SIP URI), located the same way. */
    CompletableFuture<Optional<Target>> via(String requestUri, String label, boolean followsSettings, String proxy) {
        if (resolver == null) {
            return CompletableFuture.completedFuture(
                    Optional.of(new Target(requestUri, List.of(proxy), null, "", label, followsSettings)));
        }
        return resolver.resolve(proxy)
                .handle((targets, failure) -> {
                    if (failure != null || targets.isEmpty()) {
                        LOG.warn(
                                "The outbound proxy {} resolves to no target{}",
                                proxy,
                                failure == null ? "" : ": " + failure);
                        return Optional.<Target>empty();
                    }
                    List<NextHop> hops = new ArrayList<>(targets.size());
                    for (SipTarget t : targets) {
                        hops.add(new NextHop(t.address(), t.port(), t.transport()));
                    }
                    return Optional.of(new Target(
                            requestUri,
                            List.of(proxy),
                            hops.get(0),
                            "",
                            label,
                            followsSettings,
                            hops.subList(1, hops.size())));
                })
                .toCompletableFuture();
    }
}

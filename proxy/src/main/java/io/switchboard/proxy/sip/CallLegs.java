package io.switchboard.proxy.sip;

import io.switchboard.proxy.domain.Target;
import io.switchboard.proxy.domain.TargetPlanner;
import io.switchboard.sip.routing.PoolMembers;
import io.switchboard.sip.routing.ProxyIdentity;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a call goes: the branches for a user's bindings, and for the sim-ring and forwarding
 * targets of their call settings, which take the same routing as any request (issue 3). Never
 * blocks: lookups complete the returned stages.
 */
final class CallLegs {

    private static final Logger LOG = LoggerFactory.getLogger(CallLegs.class);

    private final AddressFactory addresses;
    private final ProxyIdentity self;
    private final UserLocator locator;
    private final PoolMembers pool;
    private final OutboundTargets outbound;
    private final StatefulProxy.Events events;

    CallLegs(
            AddressFactory addresses,
            ProxyIdentity self,
            UserLocator locator,
            PoolMembers pool,
            OutboundTargets outbound,
            StatefulProxy.Events events) {
        this.addresses = addresses;
        this.self = self;
        this.locator = locator;
        this.pool = pool;
        this.outbound = outbound;
        this.events = events;
    }

    /** One branch per reachable binding; bindings whose flow's node is gone are skipped (and counted). */
    List<Target> ofBindings(String aor, UserLocator.Found found, String instance) {
        return plan(aor, found, instance).targets();
    }

    /** The same, with the bindings skipped. */
    TargetPlanner.Plan plan(String aor, UserLocator.Found found, String instance) {
        TargetPlanner.Plan plan = TargetPlanner.plan(found.bindings(), instance, pool, Instant.now());
        for (TargetPlanner.Skipped s : plan.skipped()) {
            events.flowSkipped();
            LOG.debug("Not forking {} to {}: {}", aor, s.contact(), s.reason());
        }
        return plan;
    }

    /** The branches of several legs together. */
    CompletableFuture<List<Target>> targetsOf(List<String> legs) {
        CompletableFuture<List<Target>> result = CompletableFuture.completedFuture(new ArrayList<>());
        for (String leg : legs) {
            result = result.thenCombine(targetsOf(leg), (acc, more) -> {
                acc.addAll(more);
                return acc;
            });
        }
        return result;
    }

    /**
     * Where a sim-ring or forwarding leg goes: a user of our domains rings their bindings (their own
     * call settings are not applied again, so forwarding cannot chain into a loop); a number or
     * another domain goes to the outbound proxy, or nowhere when none is configured (logged).
     */
    CompletableFuture<List<Target>> targetsOf(String uri) {
        CompletableFuture<List<Target>> out = new CompletableFuture<>();
        try {
            URI parsed = addresses.createURI(uri);
            if (parsed instanceof SipURI s
                    && s.getUser() != null
                    && self.servesDomain(s.getHost())
                    && !"phone".equalsIgnoreCase(s.getUserParam())
                    && !s.getUser().startsWith("+")) {
                String aor = "sip:" + s.getUser() + "@" + s.getHost().toLowerCase(Locale.ROOT);
                locator.locate(aor).whenComplete((located, failure) -> {
                    if (failure != null || !(located instanceof UserLocator.Found found)) {
                        LOG.debug(
                                "Leg to {} has nobody to ring ({})",
                                uri,
                                failure != null ? failure.toString() : "no such user");
                        out.complete(List.of());
                    } else {
                        List<Target> targets = new ArrayList<>();
                        for (Target t : ofBindings(aor, found, null)) {
                            targets.add(new Target(
                                    t.requestUri(), t.routes(), t.hop(), t.outboundToken(), "leg " + uri, true));
                        }
                        out.complete(targets);
                    }
                });
                return out;
            }
            if (outbound.configured()) {
                return outbound.via(uri, "leg " + uri, true)
                        .thenApply(t -> t.map(List::of).orElse(List.of()));
            } else {
                LOG.info(
                        "Leg to {} dropped: it needs an outbound proxy (switchboard.proxy.outbound-proxy) and none is set",
                        uri);
                out.complete(List.of());
            }
        } catch (ParseException e) {
            LOG.warn("Unusable call settings target {}: {}", uri, e.getMessage());
            out.complete(List.of());
        }
        return out;
    }
}

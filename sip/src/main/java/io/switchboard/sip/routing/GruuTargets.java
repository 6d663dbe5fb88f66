package io.switchboard.sip.routing;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Resolves a subscriber's Contact that is a GRUU of the pool's own domains (RFC 5627) into the
 * binding of the instance it names. A GRUU's host is our domain, not the phone: every request to it
 * must pass the GRUU's home proxy, which retargets it to the instance's contact (RFC 5627 section
 * 5.4). Requests the pool itself sends in its dialogs (presence NOTIFYs, the conferencing focus's
 * BYE, re-INVITE and MESSAGE) start inside that home proxy, so nobody else would resolve it. The
 * pool node implements this with the registrar's bindings (neither presence nor the focus knows a
 * registrar).
 */
public interface GruuTargets {

    /** What became of a remote target. */
    sealed interface Resolution permits NotOurs, Resolved, Unreachable {}

    /** Not a GRUU of ours: the URI is sent to as it is (RFC 3261 section 12.2.1.1). */
    record NotOurs() implements Resolution {}

    /**
     * The instance's binding: {@code requestUri} its contact, {@code routes} its Path (or the flow
     * route through the node that holds its connection), {@code hop} its flow when this node holds
     * it (or null: the first Route, else the Request-URI decides).
     */
    record Resolved(String requestUri, List<String> routes, NextHop hop) implements Resolution {

        public Resolved {
            routes = List.copyOf(routes);
        }
    }

    /**
     * A GRUU of ours that leads nowhere, answered as the home proxy would answer it (RFC 5627
     * section 5.4): 404 for a GRUU we never made, 480 when its instance has no binding now.
     */
    record Unreachable(int status) implements Resolution {}

    CompletionStage<Resolution> resolve(String remoteTarget);

    /** No GRUUs: every target is sent to as it is. */
    GruuTargets NONE = target -> CompletableFuture.completedFuture(new NotOurs());
}

package io.switchboard.node.site;

import io.switchboard.node.config.SitesConfig;
import io.switchboard.sip.routing.RecordRouteSigner;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import javax.sip.address.SipURI;
import javax.sip.header.CallIdHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.RecordRouteHeader;
import javax.sip.message.Request;

/**
 * Which requests a pool node takes as authenticated because a branch node forwarded them for one of its users
 * (README, "Sites and branches"). The branch node authenticated the user (digest, against the site keyspace) and
 * made sure the From is that user (docs/architecture.md, rule 9) before it forwarded the request to the pool, so
 * challenging again would only make the phone answer a second realm-identical 407 the branch cannot pass on.
 *
 * <p>The proof is the branch node's Record-Route on top: it names a configured branch node and carries the
 * dialog signature only holders of the pool secret can make ({@link RecordRouteSigner}: the HMAC of this
 * request's Call-ID and From tag, so it cannot be moved to another request). And the branch vouches only for
 * its own users: the From must be homed at that branch in the pool's directory. Anything else is authenticated
 * by digest as usual.
 */
public final class BranchVouching implements Function<Request, CompletionStage<Optional<String>>> {

    private static final CompletionStage<Optional<String>> NO = CompletableFuture.completedFuture(Optional.empty());

    private final SitesConfig sites;
    private final RecordRouteSigner signer;
    private final HomeSites homes;

    public BranchVouching(SitesConfig sites, RecordRouteSigner signer, HomeSites homes) {
        this.sites = sites;
        this.signer = signer;
        this.homes = homes;
    }

    @Override
    public CompletionStage<Optional<String>> apply(Request request) {
        if (!(request.getHeader(RecordRouteHeader.NAME) instanceof RecordRouteHeader top)
                || !(top.getAddress().getURI() instanceof SipURI route)
                || !(request.getHeader(FromHeader.NAME) instanceof FromHeader from)
                || !(from.getAddress().getURI() instanceof SipURI fromUri)
                || !(request.getHeader(CallIdHeader.NAME) instanceof CallIdHeader callId)) {
            return NO;
        }
        int port = route.getPort() > 0 ? route.getPort() : 5060;
        Optional<SitesConfig.Branch> branch = sites.branches().stream()
                .filter(b -> b.sipHost().equalsIgnoreCase(route.getHost()) && b.sipPort() == port)
                .findFirst();
        if (branch.isEmpty()
                || !signer.verifies(
                        route.getParameter(RecordRouteSigner.PARAMETER), callId.getCallId(), from.getTag(), null)) {
            return NO;
        }
        String aor = "sip:" + fromUri.getUser() + "@" + fromUri.getHost().toLowerCase(Locale.ROOT);
        String site = branch.get().name();
        return homes.of(aor).thenApply(home -> home.filter(site::equals).map(ignored -> aor));
    }
}

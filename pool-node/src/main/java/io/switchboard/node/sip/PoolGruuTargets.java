package io.switchboard.node.sip;

import io.switchboard.proxy.domain.Target;
import io.switchboard.proxy.sip.StatefulProxy;
import io.switchboard.registrar.sip.Gruus;
import io.switchboard.sip.routing.GruuTargets;
import java.text.ParseException;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.address.URI;

/**
 * The presence server's GRUU resolution (RFC 5627 section 5.4) over the registrar's bindings, the
 * way the proxy resolves a GRUU Request-URI ({@link StatefulProxy#instanceTarget}): a public GRUU
 * names its instance in its {@code gr} value, a temporary GRUU names its user and instance itself
 * (sealed by {@link Gruus}). Only URIs of our domains with a user part and a {@code gr} parameter
 * are GRUUs of ours; everything else is sent to as it is.
 */
public final class PoolGruuTargets implements GruuTargets {

    /** The instance a GRUU of ours names. */
    record Named(String aor, String instance) {}

    /** {@link StatefulProxy#instanceTarget}: the branch for one instance's binding, if it has one. */
    @FunctionalInterface
    public interface InstanceLookup {
        CompletionStage<Optional<Target>> target(String aor, String instance);
    }

    private final AddressFactory addresses;
    private final Set<String> domains;
    private final Gruus gruus;
    private final InstanceLookup lookup;

    /**
     * @param domains the domains this pool serves, lower-case
     * @param lookup the proxy's {@link StatefulProxy#instanceTarget}
     */
    public PoolGruuTargets(AddressFactory addresses, Collection<String> domains, Gruus gruus, InstanceLookup lookup) {
        this.addresses = addresses;
        this.domains = Set.copyOf(domains);
        this.gruus = gruus;
        this.lookup = lookup;
    }

    @Override
    public CompletionStage<Resolution> resolve(String remoteTarget) {
        URI uri;
        try {
            uri = addresses.createURI(remoteTarget);
        } catch (ParseException e) {
            return CompletableFuture.completedFuture(new NotOurs());
        }
        if (!(uri instanceof SipURI s) || !isGruuOfOurs(s)) {
            return CompletableFuture.completedFuture(new NotOurs());
        }
        Named named = named(s);
        if (named == null) {
            return CompletableFuture.completedFuture(new Unreachable(404)); // a GRUU we never made
        }
        return lookup.target(named.aor(), named.instance())
                .thenApply(target -> target.<Resolution>map(t -> new Resolved(t.requestUri(), t.routes(), t.hop()))
                        .orElseGet(() -> new Unreachable(480)));
    }

    private boolean isGruuOfOurs(SipURI s) {
        return s.getUser() != null
                && !s.getUser().isEmpty()
                && s.getHost() != null
                && domains.contains(s.getHost().toLowerCase(Locale.ROOT))
                && UriParts.hasParameter(s, "gr");
    }

    /** The AOR and instance a GRUU of ours names, or null when it names none. */
    private Named named(SipURI s) {
        var temp = gruus.openTempGruu(s.getUser());
        if (temp.isPresent()) {
            return new Named(temp.get().aor(), UriParts.stripBrackets(temp.get().instanceId()));
        }
        String gr = s.getParameter("gr");
        if (gr == null || gr.isEmpty()) {
            return null;
        }
        return new Named("sip:" + s.getUser() + "@" + s.getHost().toLowerCase(Locale.ROOT), gr);
    }
}

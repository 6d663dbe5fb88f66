package io.switchboard.proxy.sip;

import io.switchboard.proxy.domain.Target;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import javax.sip.message.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The GRUU's home proxy (RFC 5627 section 5.4): where a request to a GRUU of ours goes, the
 * binding of the one instance it names. It exists apart from the forking in {@link StatefulProxy}
 * because its users are not proxied requests with a server transaction: a 2xx ACK, forwarded
 * statelessly and never answered, and the pool's own NOTIFYs to a watcher's GRUU, which have no
 * proxy in front of them to resolve it.
 */
final class InstanceTargets {

    private static final Logger LOG = LoggerFactory.getLogger(InstanceTargets.class);
    private final UserLocator locator;
    private final CallLegs legs;
    private final OutgoingRequests outgoing;

    InstanceTargets(UserLocator locator, CallLegs legs, OutgoingRequests outgoing) {
        this.locator = locator;
        this.legs = legs;
        this.outgoing = outgoing;
    }

    /**
     * An ACK for a 2xx whose Request-URI is a GRUU of ours, after our Routes: RFC 5627 section 5.4
     * makes the GRUU's home proxy retarget every request to it to the instance's contact, so the
     * ACK goes where the BYE of the same dialog goes (section 16.5/16.6 of RFC 3261 for the copy's
     * Request-URI, Path and flow), statelessly as any 2xx ACK (section 16.11). Nothing is answered:
     * when no binding of the instance is left (or the lookup fails) {@code dropped} is told why.
     *
     * @param instance the {@code +sip.instance} the GRUU names, without angle brackets
     */
    void forwardAck(Request ack, String aor, String instance, BiConsumer<Request, String> dropped) {
        target(aor, instance).whenComplete((target, failure) -> {
            if (failure != null) {
                LOG.debug("Lookup of {} for an ACK failed: {}", aor, failure.toString());
                dropped.accept(ack, "no-binding");
            } else if (target.isEmpty()) {
                dropped.accept(ack, "no-binding");
            } else {
                outgoing.forwardAck(ack, target.get());
            }
        });
    }

    /**
     * Where a request to a GRUU of ours goes (RFC 5627 section 5.4): the branch for the binding of
     * {@code instance} of {@code aor}, as {@link StatefulProxy#forwardToUser} would make it; empty
     * when the instance has no reachable binding. When one instance holds several flows (RFC 5626
     * reg-ids), the first is taken: one copy is enough. The lookup may tell an absent user from an
     * unreachable one: nobody is answered with it (an ACK gets no response, a NOTIFY's target is the
     * pool's own business), and a made-up name starts no registrar entity (the account is looked up
     * first, {@link UserLocator}).
     *
     * @param aor {@code sip:user@domain}, domain lower case
     * @param instance the {@code +sip.instance}, without angle brackets
     */
    CompletionStage<Optional<Target>> target(String aor, String instance) {
        return locator.locate(aor).thenApply(located -> {
            if (!(located instanceof UserLocator.Found found)) {
                return Optional.<Target>empty();
            }
            return legs.ofBindings(aor, found, instance).stream().findFirst();
        });
    }
}

package io.switchboard.registrar.domain;

import io.switchboard.registrar.domain.RegisterDecision.Accepted;
import io.switchboard.registrar.domain.RegisterDecision.Rejected;
import io.switchboard.registrar.domain.RegisterDecision.Rejection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The processing of REGISTER requests of RFC 3261 section 10.3 (steps 4 to 8), with the
 * binding identity of RFC 5626 section 6. Authentication (steps 1 to 3) happens at the SIP edge
 * before a request gets here. The rules are all-or-nothing: a request that fails for one
 * contact changes no binding (step 7: "the update MUST be aborted").
 */
public final class RegisterRules {

    /** The order of the 200 OK: most preferred first, then oldest first (stable for clients). */
    public static final Comparator<Binding> BY_PREFERENCE =
            Comparator.comparingInt(Binding::q).reversed().thenComparing(Binding::registeredAt);

    private final RegistrarPolicy policy;

    public RegisterRules(RegistrarPolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    public RegistrarPolicy policy() {
        return policy;
    }

    public RegisterDecision decide(Collection<Binding> current, RegisterRequest request, Instant now) {
        List<Binding> active = active(current, now);
        if (request.isFetch()) {
            // Step 4 / 8: a REGISTER without Contact only asks for the current bindings.
            return new Accepted(sorted(active), List.of(), List.of(), false);
        }
        if (request.wildcard()) {
            return removeAll(active, request);
        }
        Rejected invalid = checkOutboundParameters(request);
        if (invalid != null) {
            return invalid;
        }
        return update(active, request, now);
    }

    /** Bindings that have not expired, in the order of the 200 OK. */
    public static List<Binding> active(Collection<Binding> bindings, Instant now) {
        List<Binding> result = new ArrayList<>(bindings.size());
        for (Binding b : bindings) {
            if (!b.isExpired(now)) {
                result.add(b);
            }
        }
        return result;
    }

    /** Step 6: {@code Contact: *} removes every binding, and only with {@code Expires: 0}. */
    private RegisterDecision removeAll(List<Binding> active, RegisterRequest request) {
        if (!request.contacts().isEmpty()) {
            return new Rejected(Rejection.BAD_REQUEST, "Contact * must be the only Contact");
        }
        if (request.expiresHeader().isEmpty() || request.expiresHeader().getAsLong() != 0) {
            return new Rejected(Rejection.BAD_REQUEST, "Contact * requires Expires: 0");
        }
        for (Binding b : active) {
            if (isOutOfOrder(b, request)) {
                return outOfOrder();
            }
        }
        List<BindingKey> removals = active.stream().map(Binding::key).toList();
        return new Accepted(List.of(), List.of(), removals, false);
    }

    /** RFC 5626 section 6 checks on reg-id before any binding is touched. */
    private static Rejected checkOutboundParameters(RegisterRequest request) {
        int withRegId = 0;
        for (ContactSpec c : request.contacts()) {
            if (c.regId() > 0) {
                withRegId++;
                if (c.instanceId() == null) {
                    return new Rejected(Rejection.BAD_REQUEST, "reg-id without +sip.instance");
                }
            }
        }
        if (withRegId > 1) {
            return new Rejected(Rejection.BAD_REQUEST, "More than one Contact with reg-id");
        }
        if (withRegId == 1 && request.outboundSupported() && !request.path().isEmpty()) {
            // The edge proxy is the one nearest the client: it added the last Path value.
            String edge = request.path().get(request.path().size() - 1);
            if (!hasObParameter(edge)) {
                return new Rejected(Rejection.FIRST_HOP_LACKS_OUTBOUND, "First Hop Lacks Outbound Support");
            }
        }
        return null;
    }

    private RegisterDecision update(List<Binding> active, RegisterRequest request, Instant now) {
        Map<BindingKey, Binding> working = new LinkedHashMap<>();
        for (Binding b : active) {
            working.put(b.key(), b);
        }
        List<Binding> upserts = new ArrayList<>();
        List<BindingKey> removals = new ArrayList<>();
        boolean outbound = false;
        int added = 0;
        for (ContactSpec contact : request.contacts()) {
            // reg-id only counts when the client also said it supports outbound (RFC 5626 section 6);
            // otherwise the binding is an ordinary one, keyed by its URI.
            boolean isFlow = request.outboundSupported() && contact.instanceId() != null && contact.regId() > 0;
            outbound |= isFlow;
            BindingKey key = isFlow ? contact.key() : BindingKey.forContact(contact.uri());
            long expires = contact.expires().orElse(request.expiresHeader().orElse(policy.defaultExpires()));
            Binding existing = working.get(key);
            if (existing != null && isOutOfOrder(existing, request)) {
                return outOfOrder();
            }
            if (expires <= 0) {
                if (existing != null) {
                    working.remove(key);
                    removals.add(key);
                    upserts.removeIf(b -> b.key().equals(key));
                }
                continue;
            }
            if (expires < policy.minExpires()) {
                return new Rejected(Rejection.INTERVAL_TOO_BRIEF, "Interval Too Brief");
            }
            long granted = Math.min(expires, policy.maxExpires());
            Binding binding = new Binding(
                    key,
                    contact.uri(),
                    request.callId(),
                    request.cseq(),
                    now.plusSeconds(granted),
                    contact.q(),
                    contact.instanceId(),
                    isFlow ? contact.regId() : 0,
                    request.path(),
                    request.flow(),
                    request.userAgent(),
                    existing != null ? existing.registeredAt() : now);
            if (existing == null) {
                added++;
            }
            removals.remove(key);
            upserts.removeIf(b -> b.key().equals(key));
            upserts.add(binding);
            working.put(key, binding);
        }
        // Refreshing existing bindings is always allowed, even above a limit an operator has
        // just lowered; only growth beyond the limit is refused.
        if (added > 0 && working.size() > policy.maxBindings()) {
            return new Rejected(
                    Rejection.TOO_MANY_BINDINGS, "Too many registered contacts (limit " + policy.maxBindings() + ")");
        }
        return new Accepted(sorted(working.values()), upserts, removals, outbound);
    }

    private static boolean isOutOfOrder(Binding existing, RegisterRequest request) {
        return existing.callId().equals(request.callId()) && request.cseq() <= existing.cseq();
    }

    private static Rejected outOfOrder() {
        return new Rejected(Rejection.OUT_OF_ORDER, "Out of order CSeq for this Call-ID");
    }

    private static boolean hasObParameter(String pathValue) {
        String v = pathValue.toLowerCase(java.util.Locale.ROOT);
        int end = v.indexOf('>');
        String uriPart = end >= 0 ? v.substring(0, end) : v;
        return uriPart.matches(".*;ob(;.*|=.*)?$") || uriPart.contains(";ob;");
    }

    private static List<Binding> sorted(Collection<Binding> bindings) {
        List<Binding> list = new ArrayList<>(bindings);
        list.sort(BY_PREFERENCE);
        return list;
    }
}

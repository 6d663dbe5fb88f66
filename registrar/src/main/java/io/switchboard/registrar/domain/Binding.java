package io.switchboard.registrar.domain;

import io.switchboard.sip.flow.Flow;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One registered contact of an address-of-record (RFC 3261 section 10).
 *
 * @param key         identity of the binding inside its AOR, see {@link BindingKey}
 * @param contact     the Contact URI as the client sent it (without header parameters)
 * @param callId      Call-ID of the REGISTER that last wrote it (RFC 3261 section 10.3 step 7)
 * @param cseq        CSeq number of that REGISTER
 * @param expiresAt   absolute expiry; the Cassandra TTL is derived from it, so timer and TTL agree
 * @param q           preference 0..1000 (q-value times 1000; RFC 3261 section 20.10), 1000 when absent
 * @param instanceId  RFC 5626 / RFC 5627 {@code +sip.instance} (e.g. {@code <urn:uuid:...>}), or null
 * @param regId       RFC 5626 {@code reg-id}, or 0 when absent
 * @param path        Path header values to reach the contact (RFC 3327), first hop first
 * @param flow        where the REGISTER arrived: transport, source and node (docs/architecture.md, rule 6)
 * @param userAgent   User-Agent header, for operators
 * @param registeredAt when the binding was first created (kept across refreshes)
 */
public record Binding(
        BindingKey key,
        String contact,
        String callId,
        long cseq,
        Instant expiresAt,
        int q,
        String instanceId,
        int regId,
        List<String> path,
        Flow flow,
        String userAgent,
        Instant registeredAt) {

    public Binding {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(contact, "contact");
        Objects.requireNonNull(callId, "callId");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(registeredAt, "registeredAt");
        path = List.copyOf(path);
        // Devices of one model send the same User-Agent: keep one copy, not one per binding.
        userAgent = userAgent == null ? "" : userAgent.intern();
    }

    public boolean isExpired(Instant now) {
        return !expiresAt.isAfter(now);
    }

    /** Whole seconds left, rounded up so a client is never told less than it has. */
    public long secondsLeft(Instant now) {
        long millis = Duration.between(now, expiresAt).toMillis();
        return millis <= 0 ? 0 : (millis + 999) / 1000;
    }

    /** RFC 5626: the binding belongs to an outbound flow (instance and reg-id both present). */
    public boolean isOutbound() {
        return instanceId != null && regId > 0;
    }
}

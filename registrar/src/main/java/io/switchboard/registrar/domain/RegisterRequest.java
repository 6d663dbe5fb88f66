package io.switchboard.registrar.domain;

import io.switchboard.sip.flow.Flow;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The parts of a REGISTER the registrar rules look at, parsed and authenticated at the SIP edge.
 *
 * @param aor             canonical address-of-record, e.g. {@code sip:alice@example.test}
 * @param callId          Call-ID
 * @param cseq            CSeq number
 * @param wildcard        {@code Contact: *}
 * @param contacts        Contact values (empty for a fetch or a wildcard)
 * @param expiresHeader   the Expires header, if present
 * @param path            Path header values (RFC 3327), first hop first
 * @param outboundSupported the client listed {@code outbound} in Supported (RFC 5626)
 * @param flow            the connection the request came on
 * @param userAgent       User-Agent, "" when absent
 */
public record RegisterRequest(
        String aor,
        String callId,
        long cseq,
        boolean wildcard,
        List<ContactSpec> contacts,
        OptionalLong expiresHeader,
        List<String> path,
        boolean outboundSupported,
        Flow flow,
        String userAgent) {

    public RegisterRequest {
        Objects.requireNonNull(aor, "aor");
        Objects.requireNonNull(callId, "callId");
        Objects.requireNonNull(expiresHeader, "expiresHeader");
        Objects.requireNonNull(flow, "flow");
        contacts = List.copyOf(contacts);
        path = List.copyOf(path);
        userAgent = userAgent == null ? "" : userAgent;
    }

    public boolean isFetch() {
        return !wildcard && contacts.isEmpty();
    }
}
